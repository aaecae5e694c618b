// activation.cpp — ReLU, Softmax, Dropout, Flatten.
#include "nn/activation.hpp"

#include <sstream>

#include "autograd/functions.hpp"
#include "nn/detail.hpp"
#include "tensor/batch_split.hpp"

namespace hqc::nn {

Variable dropout(const Variable& x, double p, bool training, Generator& gen) {
  if (!(p >= 0.0 && p <= 1.0)) throw std::invalid_argument("dropout: p must be in [0, 1], got " + std::to_string(p));
  if (!training || p == 0.0) return x;
  Tensor mask = Tensor::empty(x.sizes(), x.dtype());
  // Under a batch split (tensor/batch_split.hpp) the stream is the whole batch's: the draws of the
  // rows before this share's are skipped, those after it are never needed.
  const int64_t rows = x.dim() > 0 ? x.size(0) : 1;
  const int64_t skip = rows > 0 ? batch_begin() * (mask.numel() / rows) : 0;
  for (int64_t i = 0; i < skip; ++i) gen.uniform_double();
  detail::dispatch_float(x.dtype(), "dropout", [&](auto zero) {
    using T = decltype(zero);
    T* m = mask.data<T>();
    const T scale = p < 1.0 ? T(1.0 / (1.0 - p)) : T(0);
    for (int64_t i = 0, n = mask.numel(); i < n; ++i) m[i] = gen.uniform_double() >= p ? scale : T(0);
  });
  Tensor y = hqc::mul(x.data(), mask);
  return make_result(y, {x}, "dropout", [mask](const Tensor& g) { return std::vector<Tensor>{hqc::mul(g, mask)}; });
}

Variable ReLU::forward(const Variable& x) { return relu(x); }

Variable Softmax::forward(const Variable& x) { return softmax(x, dim); }

Dropout::Dropout(double prob, uint64_t seed, uint64_t stream) : p(prob), base_(seed, stream) {
  if (!(p >= 0.0 && p <= 1.0)) throw std::invalid_argument("Dropout: p must be in [0, 1], got " + std::to_string(p));
}

void Dropout::reseed(uint64_t seed, uint64_t stream) {
  base_.reseed(seed, stream);
  calls_ = 0;
}

Variable Dropout::forward(const Variable& x) {
  if (!is_training() || p == 0.0) return x;
  Generator gen = base_.fork(calls_++);
  return dropout(x, p, true, gen);
}

std::string Dropout::describe() const {
  std::ostringstream os;
  os << "Dropout(p=" << p << ")";
  return os.str();
}

Variable Flatten::forward(const Variable& x) { return flatten(x, start_dim, end_dim); }

}  // namespace hqc::nn
