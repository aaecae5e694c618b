// batchnorm.hpp — batch normalisation: the fused differentiable op and BatchNorm1d / BatchNorm2d.
//
// PyTorch's semantics: in training the batch mean and the biased batch variance normalise, and the
// running statistics move by `momentum` towards the batch mean and the *unbiased* batch variance:
//   running_mean = (1 - momentum) * running_mean + momentum * mean
//   running_var  = (1 - momentum) * running_var  + momentum * var * m / (m - 1),  m = N * spatial size.
// In evaluation the running statistics normalise and are left alone.
#pragma once

#include "nn/module.hpp"

namespace hqc::nn {

// x (N, C, ...) with C channels; gamma, beta (C) or undefined (1 and 0); running_mean,
// running_var (C) buffers of x's element type, updated in place when `training`. relu: the result
// is relu(batch_norm(...)) computed in the same passes, bit-identical to the two ops in sequence
// (forward and gradients) and without the intermediate tensor.
Variable batch_norm(const Variable& x, const Variable& gamma, const Variable& beta, Tensor running_mean,
                    Tensor running_var, bool training, double momentum = 0.1, double eps = 1e-5,
                    bool relu = false);

// relu(batch_norm(x)) then max_pool2d(kernel, stride = kernel), for x (N, C, H, W): one op, the same
// bits as the three in sequence (forward and gradients), without the full-size rectified activation
// or its gradient in memory. Evaluation and training as batch_norm.
Variable batch_norm_relu_max_pool2d(const Variable& x, const Variable& gamma, const Variable& beta,
                                    Tensor running_mean, Tensor running_var, bool training, double momentum,
                                    double eps, int64_t kernel);

class BatchNorm : public Module {
 public:
  // dims_lo..dims_hi: the input ranks accepted (BatchNorm1d: 2 or 3, BatchNorm2d: 4).
  BatchNorm(int64_t num_features, double momentum, double eps, int dims_lo, int dims_hi, std::string type);
  Variable forward(const Variable& x) override;
  // relu(forward(x)) in one op: a Sequential runs it for the pairs fuse_batchnorm_relu() recorded.
  Variable forward_relu(const Variable& x);
  // max_pool2d(relu(forward(x)), kernel, stride = kernel) in one op, for (N, C, H, W) inputs: a
  // Sequential runs it for the BatchNorm2d, ReLU, MaxPool2d triples fuse_batchnorm_relu() recorded.
  Variable forward_relu_max_pool2d(const Variable& x, int64_t kernel);
  std::string type_name() const override { return type_; }
  std::string describe() const override;

  Variable weight, bias;                                 // (C): 1 and 0 at the start
  Tensor running_mean, running_var, num_batches_tracked;  // (C), (C), () int64
  int64_t num_features;
  double momentum, eps;

 private:
  Variable apply(const Variable& x, bool relu);
  int dims_lo_, dims_hi_;
  std::string type_;
};

// Over (N, C) or (N, C, L) inputs.
class BatchNorm1d final : public BatchNorm {  // final: see Sequential::fuse_batchnorm_relu()
 public:
  explicit BatchNorm1d(int64_t num_features, double momentum = 0.1, double eps = 1e-5)
      : BatchNorm(num_features, momentum, eps, 2, 3, "BatchNorm1d") {}
};

// Over (N, C, H, W) inputs.
class BatchNorm2d final : public BatchNorm {
 public:
  explicit BatchNorm2d(int64_t num_features, double momentum = 0.1, double eps = 1e-5)
      : BatchNorm(num_features, momentum, eps, 4, 4, "BatchNorm2d") {}
};

}  // namespace hqc::nn
