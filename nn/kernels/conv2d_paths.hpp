// conv2d_paths.hpp — the convolution's algorithms, one file each, behind the one function that
// chooses among them (conv2d.cpp). Internal to nn/kernels: callers use conv2d.hpp.
//
//   conv2d_im2col.cpp    im2col + GEMM, float and double: any geometry
//   conv2d_winograd.cpp  Winograd F(2x2, 3x3) and F(4x4, 3x3), float: the layers conv2d_winograd_path accepts
//   conv2d_tap.cpp       one GEMM per kernel tap, float: the layers conv2d_tap_path accepts
//   conv2d_reference.cpp the direct seven-loop definitions the tests compare against
//
// Every path overwrites what it computes; the weight gradient is summed per fixed chunk of samples
// and the chunks' partials combined by a fixed tree (chunked_sum, tensor/reduce.hpp), so results do
// not depend on the thread count.
#pragma once

#include <cstdint>

#include "nn/kernels/conv2d.hpp"
#include "tensor/parallel.hpp"
#include "tensor/reduce.hpp"
#include "tensor/simd.hpp"

namespace hqc::nn::kernels {

// im2col + GEMM (conv2d_im2col.cpp). backward: dx when not null (needs w), dw and db when dw is
// not null (needs x; db may be null); g.N > 0.
template <typename T> void im2col_forward(const Conv2dGeometry& g, const T* x, const T* w, const T* b, T* y);
template <typename T>
void im2col_backward(const Conv2dGeometry& g, const T* x, const T* dy, const T* w, T* dx, T* dw, T* db);

// Winograd (conv2d_winograd.cpp); only for geometries conv2d_winograd_path accepts, g.N > 0
// for the gradients.
// The floats of the forward's transformed weights, (E, C, OC) with E = (winograd_tile(g) + 2)².
int64_t winograd_transformed_floats(const Conv2dGeometry& g);
void winograd_forward(const Conv2dGeometry& g, const float* x, const float* w, const float* b, float* y);
// The forward in two steps, for a caller that keeps the transformed weights (conv2d.hpp's
// conv2d_transform_weights): U (E, C, OC) from w, then the convolution with U; the same bits.
void winograd_forward_weights(const Conv2dGeometry& g, const float* w, float* u);
void winograd_forward_transformed(const Conv2dGeometry& g, const float* x, const float* u, const float* b, float* y);
void winograd_backward_input(const Conv2dGeometry& g, const float* dy, const float* w, float* dx);
void winograd_backward_weight(const Conv2dGeometry& g, const float* x, const float* dy, float* dw, float* db);

// The tap path (conv2d_tap.cpp); only for geometries conv2d_tap_path accepts, g.N > 0 for backward,
// which makes dx when not null and dw, db (db may be null) when dw is not null.
void tap_forward(const Conv2dGeometry& g, const float* x, const float* w, const float* b, float* y);
void tap_backward(const Conv2dGeometry& g, const float* x, const float* dy, const float* w, float* dx, float* dw,
                  float* db);

// Sum of a row: float through the SIMD table (a fixed lane order), double in plain order.
inline float row_sum(const float* r, int64_t n) { return hqc::kernels().sum(r, n); }
inline double row_sum(const double* r, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += r[i];
  return s;
}

}  // namespace hqc::nn::kernels
