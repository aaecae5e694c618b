// conv2d.hpp — 2-d convolution: the fused differentiable op and the Conv2d layer.
#pragma once

#include <mutex>

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

  // Bytes held by the transformed weights kept for evaluation mode (below); 0 before the first
  // evaluation-mode forward, or for a layer whose convolution has no transform.
  int64_t transformed_weight_bytes() const;

 private:
  // In evaluation mode the layer keeps its weights' Winograd transform between calls (making it
  // again was 60 % of a batch-1 inference of the CIFAR-100 classical model, 9 % of the MNIST one):
  // reused while the weights hold the bits it was made from — compared in full on every call, so
  // weights changed in place by anything (an optimiser, a checkpoint, a user) are seen — and made
  // again otherwise. Outputs are the same bits as without it. Memory, once used: 25/9 of the
  // weights in 2x2 tiles, 45/9 in 4x4 ones (their copy and the 16/9 or 36/9 times larger
  // transform); a batch that takes the other tile (kernels::winograd_tile) makes it again. Training
  // mode neither reads nor makes it.
  struct TransformedWeights {
    std::mutex mutex;  // a forward at a time reads or remakes them
    Tensor weights;    // the bits the transform was made from
    Tensor u;          // (E, C, OC), E = 16 or 36
  };
  mutable TransformedWeights transformed_;
};

}  // namespace hqc::nn
