// init.hpp — PyTorch's default initialisation, drawn from the project's seeded generator.
//
// nn.Linear and nn.Conv2d call kaiming_uniform_(weight, a=sqrt(5)): gain = sqrt(2 / (1 + a²)) =
// sqrt(1/3), bound = gain * sqrt(3 / fan_in) = 1/sqrt(fan_in); and their bias is uniform on
// ±1/sqrt(fan_in). BatchNorm starts with weight 1 and bias 0. The draws are uniform_() of
// tensor/random.hpp, element by element in row-major order, so the numbers are the project's own
// (not PyTorch's generator), but the distributions are the same.
#pragma once

#include "tensor/random.hpp"

namespace hqc::nn::init {

// fan_in of a weight (out, in, k...) = in * prod(k).
int64_t fan_in(const Tensor& weight);
// Uniform on ±gain*sqrt(3/fan_in) with gain = sqrt(2 / (1 + a²)) (leaky-ReLU slope a).
void kaiming_uniform_(Tensor& weight, double a, Generator& gen);
// Uniform on ±1/sqrt(fan_in) (a bias of a layer whose weight has that fan_in).
void bias_uniform_(Tensor& bias, int64_t fan_in, Generator& gen);

}  // namespace hqc::nn::init
