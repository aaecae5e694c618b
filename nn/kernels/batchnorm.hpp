// batchnorm.hpp — batch normalisation kernels on raw (N, C, S) pointers: S = H*W for BatchNorm2d,
// 1 (or L) for BatchNorm1d. Float and double; statistics are accumulated in double.
//
// Training normalises with the batch mean and the biased variance and returns both, so the layer can
// update its running mean and unbiased running variance (PyTorch's rule). Evaluation uses the given
// statistics. The fast paths split channels over the thread pool (each channel's sums run in a fixed
// order); the *_reference functions are the textbook two-pass loops they are tested against.
#pragma once

#include <cstdint>

namespace hqc::nn::kernels {

struct BatchNormGeometry {
  int64_t N = 1, C = 1, S = 1;  // x (N, C, S)
};

// y = (x - mean_c) * invstd_c * gamma_c + beta_c with the batch statistics. Writes mean (C), the
// biased variance var (C) and invstd (C) = 1/sqrt(var + eps). gamma, beta may be null (1 and 0).
// relu: y = max(0, .) in the same pass (BatchNorm followed by ReLU, bit-identical to the two ops).
template <typename T>
void batchnorm_forward_train(const BatchNormGeometry& g, const T* x, const T* gamma, const T* beta, double eps, T* y,
                             double* mean, double* var, double* invstd, bool relu = false);
// y with given statistics (evaluation).
template <typename T>
void batchnorm_forward_eval(const BatchNormGeometry& g, const T* x, const T* gamma, const T* beta, const T* run_mean,
                            const T* run_var, double eps, T* y, bool relu = false);
// Gradients for the training form (the statistics depend on x). dgamma, dbeta may be null.
// relu_out: the forward's output when it applied relu (dy is then first masked by relu_out > 0,
// plane by plane, as relu's backward would), else null. dx may alias dy.
template <typename T>
void batchnorm_backward_train(const BatchNormGeometry& g, const T* dy, const T* x, const T* gamma, const double* mean,
                              const double* invstd, T* dx, T* dgamma, T* dbeta, const T* relu_out = nullptr);
// Gradients for the evaluation form (statistics are constants).
template <typename T>
void batchnorm_backward_eval(const BatchNormGeometry& g, const T* dy, const T* x, const T* gamma, const T* run_mean,
                             const T* run_var, double eps, T* dx, T* dgamma, T* dbeta, const T* relu_out = nullptr);

template <typename T>
void batchnorm_forward_train_reference(const BatchNormGeometry& g, const T* x, const T* gamma, const T* beta,
                                       double eps, T* y, double* mean, double* var, double* invstd);
template <typename T>
void batchnorm_backward_train_reference(const BatchNormGeometry& g, const T* dy, const T* x, const T* gamma,
                                        const double* mean, const double* invstd, T* dx, T* dgamma, T* dbeta);

}  // namespace hqc::nn::kernels
