// linear.hpp — the fully connected layer, y = x Wᵀ + b, on the project's GEMM.
#pragma once

#include "nn/module.hpp"
#include "tensor/random.hpp"

namespace hqc::nn {

// x (..., in), weight (out, in), bias (out) or undefined -> (..., out). One fused op: the forward
// and both gradients are single GEMMs over the flattened leading dimensions.
Variable linear(const Variable& x, const Variable& weight, const Variable& bias);

class Linear : public Module {
 public:
  // Weight and bias drawn as PyTorch's defaults (nn/init.hpp) from `gen`, weight first.
  Linear(int64_t in_features, int64_t out_features, Generator& gen, bool bias = true);
  Variable forward(const Variable& x) override;
  std::string type_name() const override { return "Linear"; }
  std::string describe() const override;

  Variable weight, bias;  // (out, in), (out) or undefined
  int64_t in_features, out_features;
};

}  // namespace hqc::nn
