// pooling.hpp — max pooling and adaptive average pooling: fused ops and layers.
#pragma once

#include "nn/module.hpp"

namespace hqc::nn {

// x (N, C, H, W) -> (N, C, (H-k)/s + 1, (W-k)/s + 1); no padding, floor mode (torch defaults).
Variable max_pool2d(const Variable& x, int64_t kernel, int64_t stride);
// x (N, C, H, W) -> (N, C, out_h, out_w) with PyTorch's bin edges (overlapping when sizes do not divide).
Variable adaptive_avg_pool2d(const Variable& x, int64_t out_h, int64_t out_w);

class MaxPool2d final : public Module {  // final: see Sequential::fuse_batchnorm_relu()
 public:
  // stride 0 means stride = kernel, as PyTorch's default.
  explicit MaxPool2d(int64_t kernel, int64_t stride = 0);
  Variable forward(const Variable& x) override { return max_pool2d(x, kernel, stride); }
  std::string type_name() const override { return "MaxPool2d"; }
  std::string describe() const override;
  int64_t kernel, stride;
};

class AdaptiveAvgPool2d : public Module {
 public:
  AdaptiveAvgPool2d(int64_t out_h, int64_t out_w);
  Variable forward(const Variable& x) override { return adaptive_avg_pool2d(x, out_h, out_w); }
  std::string type_name() const override { return "AdaptiveAvgPool2d"; }
  std::string describe() const override;
  int64_t out_h, out_w;
};

}  // namespace hqc::nn
