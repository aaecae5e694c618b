// loss.hpp — the losses, mean-reduced, with PyTorch's definitions.
#pragma once

#include "autograd/variable.hpp"

namespace hqc::nn {

// Cross-entropy from logits (N, C) and int64 labels (N) in [0, C), with label smoothing ε:
//   loss = mean_i [ -(1-ε) log p[i, y_i] - ε/C Σ_c log p[i, c] ],  p = softmax(logits),
// as torch.nn.functional.cross_entropy(..., label_smoothing=ε). One fused op: the gradient is
// (p - q)/N with q = (1-ε) onehot(y) + ε/C.
Variable cross_entropy(const Variable& logits, const Tensor& labels, double label_smoothing = 0.0);
// Negative log-likelihood of log-probabilities (N, C) at int64 labels (N): -mean_i logp[i, y_i].
Variable nll_loss(const Variable& log_probs, const Tensor& labels);
// Mean squared error over all elements; the shapes must be equal.
Variable mse_loss(const Variable& input, const Variable& target);

}  // namespace hqc::nn
