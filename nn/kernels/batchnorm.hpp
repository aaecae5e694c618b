// batchnorm.hpp — batch normalisation kernels on raw (N, C, S) pointers: S = H*W for BatchNorm2d,
// 1 (or L) for BatchNorm1d. Float and double; statistics are accumulated in double.
//
// Training normalises with the batch mean and the biased variance and returns both, so the layer can
// update its running mean and unbiased running variance (PyTorch's rule). Evaluation uses the given
// statistics. The fast paths split channels over the thread pool (each channel's sums run in a fixed
// order); the *_reference functions are the textbook two-pass loops they are tested against.
#pragma once

#include <cstdint>

#include "nn/kernels/pool2d.hpp"

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

// BatchNorm2d, ReLU and a max pool whose windows do not overlap (pg: one plane, H x W = S, stride =
// kernel) in one pass: the rectified plane lives only in a per-thread scratch plane on its way to the
// pool. y (N, C, OH, OW) and idx are maxpool2d_forward's on relu(batchnorm(x)), bit for bit (idx
// null: y alone).
template <typename T>
void batchnorm_relu_maxpool_forward_train(const BatchNormGeometry& g, const Pool2dGeometry& pg, const T* x,
                                          const T* gamma, const T* beta, double eps, T* y, int32_t* idx, double* mean,
                                          double* var, double* invstd);
template <typename T>
void batchnorm_relu_maxpool_forward_eval(const BatchNormGeometry& g, const Pool2dGeometry& pg, const T* x,
                                         const T* gamma, const T* beta, const T* run_mean, const T* run_var,
                                         double eps, T* y, int32_t* idx);
// Gradients from dy (N, C, OH, OW) of the pooled output, with the forward's idx and pooled y: the
// bits of max pool's, relu's and batchnorm's backward in sequence, without the two full-size
// intermediate gradients.
template <typename T>
void batchnorm_relu_maxpool_backward_train(const BatchNormGeometry& g, const Pool2dGeometry& pg, const T* dy,
                                           const int32_t* idx, const T* y, const T* x, const T* gamma,
                                           const double* mean, const double* invstd, T* dx, T* dgamma, T* dbeta);
template <typename T>
void batchnorm_relu_maxpool_backward_eval(const BatchNormGeometry& g, const Pool2dGeometry& pg, const T* dy,
                                          const int32_t* idx, const T* y, const T* x, const T* gamma,
                                          const T* run_mean, const T* run_var, double eps, T* dx, T* dgamma,
                                          T* dbeta);

template <typename T>
void batchnorm_forward_train_reference(const BatchNormGeometry& g, const T* x, const T* gamma, const T* beta,
                                       double eps, T* y, double* mean, double* var, double* invstd);
template <typename T>
void batchnorm_backward_train_reference(const BatchNormGeometry& g, const T* dy, const T* x, const T* gamma,
                                        const double* mean, const double* invstd, T* dx, T* dgamma, T* dbeta);

}  // namespace hqc::nn::kernels
