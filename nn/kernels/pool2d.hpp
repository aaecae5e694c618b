// pool2d.hpp — max pooling and adaptive average pooling on raw (planes, H, W) pointers, where
// planes = N * C of an NCHW tensor. Float and double.
//
// Max pooling keeps, for every output, the flat index h*W + w of the chosen input inside its plane
// (as PyTorch's indices), so the backward pass is a scatter. Ties go to the first maximum in
// row-major window order and the last NaN wins (PyTorch's rule). Adaptive average pooling uses PyTorch's
// bin edges, start = floor(i*H/OH), end = ceil((i+1)*H/OH), so bins may overlap when sizes do not
// divide. The fast paths split planes over the thread pool (and special-case the 2x2 stride-2 max
// pool of every model here); the *_reference functions are the plain loops they are tested against.
#pragma once

#include <cstdint>

namespace hqc::nn::kernels {

struct Pool2dGeometry {
  int64_t planes = 1, H = 1, W = 1;  // input (planes, H, W)
  int64_t KH = 1, KW = 1, SH = 1, SW = 1;
  int64_t OH() const { return (H - KH) / SH + 1; }
  int64_t OW() const { return (W - KW) / SW + 1; }
};

// y (planes, OH, OW), idx (planes, OH, OW) flat input index within the plane; idx null: y alone
// (inference without a graph: the same values, no indices to write).
template <typename T> void maxpool2d_forward(const Pool2dGeometry& g, const T* x, T* y, int32_t* idx);
// dx (planes, H, W) overwritten with the scatter of dy through idx.
template <typename T> void maxpool2d_backward(const Pool2dGeometry& g, const T* dy, const int32_t* idx, T* dx);
// One plane (g.planes is ignored) on the calling thread: what maxpool2d_forward runs per plane.
template <typename T> void maxpool2d_plane(const Pool2dGeometry& g, const T* x, T* y, int32_t* idx);
template <typename T> void maxpool2d_forward_reference(const Pool2dGeometry& g, const T* x, T* y, int32_t* idx);
template <typename T>
void maxpool2d_backward_reference(const Pool2dGeometry& g, const T* dy, const int32_t* idx, T* dx);

// x (planes, H, W) -> y (planes, OH, OW).
template <typename T>
void adaptive_avg_pool2d_forward(int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW, const T* x, T* y);
// dy (planes, OH, OW) -> dx (planes, H, W), overwritten.
template <typename T>
void adaptive_avg_pool2d_backward(int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW, const T* dy, T* dx);
template <typename T>
void adaptive_avg_pool2d_forward_reference(int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW, const T* x,
                                           T* y);
template <typename T>
void adaptive_avg_pool2d_backward_reference(int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                            const T* dy, T* dx);

// PyTorch's adaptive bin edges.
inline int64_t adaptive_start(int64_t i, int64_t in, int64_t out) { return (i * in) / out; }
inline int64_t adaptive_end(int64_t i, int64_t in, int64_t out) { return ((i + 1) * in + out - 1) / out; }

}  // namespace hqc::nn::kernels
