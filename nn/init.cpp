// init.cpp — PyTorch's default initialisation (see init.hpp).
#include "nn/init.hpp"

#include <cmath>
#include <stdexcept>

namespace hqc::nn::init {

int64_t fan_in(const Tensor& weight) {
  if (weight.dim() < 2)
    throw std::invalid_argument("init: fan_in needs a weight of at least 2 dims, got " + shape_str(weight.sizes()));
  int64_t f = weight.size(1);
  for (int64_t d = 2; d < weight.dim(); ++d) f *= weight.size(d);
  return f;
}

void kaiming_uniform_(Tensor& weight, double a, Generator& gen) {
  const double gain = std::sqrt(2.0 / (1.0 + a * a));
  const double bound = gain * std::sqrt(3.0 / double(fan_in(weight)));
  uniform_(weight, -bound, bound, gen);
}

void bias_uniform_(Tensor& bias, int64_t fan_in, Generator& gen) {
  const double bound = fan_in > 0 ? 1.0 / std::sqrt(double(fan_in)) : 0.0;
  uniform_(bias, -bound, bound, gen);
}

}  // namespace hqc::nn::init
