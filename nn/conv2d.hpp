// conv2d.hpp — 2-d convolution: the fused differentiable op and the Conv2d layer.
#pragma once

#include "nn/module.hpp"
#include "tensor/random.hpp"

namespace hqc::nn {

// x (N, C, H, W), weight (OC, C, KH, KW), bias (OC) or undefined -> (N, OC, OH, OW), with zero
// padding and OH = (H + 2*padding - KH)/stride + 1 (floor), as torch.nn.functional.conv2d.
// Forward and both gradients run the im2col + GEMM kernels of nn/kernels/conv2d.hpp.
Variable conv2d(const Variable& x, const Variable& weight, const Variable& bias, int64_t stride = 1,
                int64_t padding = 0);

class Conv2d : public Module {
 public:
  // Square kernel, stride and padding; weight and bias as PyTorch's defaults drawn from `gen`.
  Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Generator& gen, int64_t stride = 1,
         int64_t padding = 0, bool bias = true);
  Variable forward(const Variable& x) override;
  std::string type_name() const override { return "Conv2d"; }
  std::string describe() const override;

  Variable weight, bias;  // (OC, C, K, K), (OC) or undefined
  int64_t in_channels, out_channels, kernel_size, stride, padding;
};

}  // namespace hqc::nn
