// simd.hpp — run-time choice of the SIMD instruction set, and the float32 kernel table.
//
// Each kernel is written once (tensor/simd/kernels.inl) against a tiny vector wrapper
// (tensor/simd/vec_*.hpp) and compiled three times: portable scalar (width 1, no flags),
// AVX2+FMA (-mavx2 -mfma) and AVX-512 (-mavx512f ...). At start-up cpuid picks the best the CPU
// has; HQC_SIMD=scalar|avx2|avx512 in the environment, or set_simd_level(), forces one — the tests
// use that to check every path against the scalar one on the same machine. A portable build
// (HQC_PORTABLE=ON, or a non-x86 CPU) contains only the scalar table.
#pragma once

#include <cstdint>

namespace hqc {

enum class SimdLevel { scalar = 0, avx2 = 1, avx512 = 2 };

const char* simd_name(SimdLevel level);
SimdLevel simd_best();             // best level both built in and supported by this CPU
bool simd_available(SimdLevel level);
SimdLevel simd_level();            // the level in use
void set_simd_level(SimdLevel level);  // throws if not available

// Contiguous float32 kernels. n may be any size (tails handled inside).
struct KernelTable {
  // o[i] = a[i] op b[i]
  void (*add)(const float* a, const float* b, float* o, int64_t n);
  void (*sub)(const float* a, const float* b, float* o, int64_t n);
  void (*mul)(const float* a, const float* b, float* o, int64_t n);
  void (*div)(const float* a, const float* b, float* o, int64_t n);
  void (*max)(const float* a, const float* b, float* o, int64_t n);
  void (*min)(const float* a, const float* b, float* o, int64_t n);
  // o[i] = a[i] op s  and  o[i] = s op a[i]
  void (*add_s)(const float* a, float s, float* o, int64_t n);
  void (*mul_s)(const float* a, float s, float* o, int64_t n);
  void (*rsub_s)(const float* a, float s, float* o, int64_t n);  // s - a
  void (*rdiv_s)(const float* a, float s, float* o, int64_t n);  // s / a
  void (*max_s)(const float* a, float s, float* o, int64_t n);
  void (*min_s)(const float* a, float s, float* o, int64_t n);
  // o[i] = f(a[i])
  void (*neg)(const float* a, float* o, int64_t n);
  void (*abs)(const float* a, float* o, int64_t n);
  void (*sqrt)(const float* a, float* o, int64_t n);
  void (*exp)(const float* a, float* o, int64_t n);
  void (*relu)(const float* a, float* o, int64_t n);
  void (*sigmoid)(const float* a, float* o, int64_t n);
  void (*tanh)(const float* a, float* o, int64_t n);
  // o[i] = g[i] * (x[i] > 0)
  void (*relu_backward)(const float* g, const float* x, float* o, int64_t n);
  // y[i] += a * x[i]
  void (*axpy)(float a, const float* x, float* y, int64_t n);
  // o[i] = a[i] * s + b[i]
  void (*scale_add)(const float* a, float s, const float* b, float* o, int64_t n);
  // Reductions (order: lanes, then lanes combined in a fixed order; deterministic per level).
  float (*sum)(const float* a, int64_t n);
  float (*max_reduce)(const float* a, int64_t n);  // -inf for n = 0
  float (*dot)(const float* a, const float* b, int64_t n);
  // sum of (a[i] - mean)^2
  float (*sq_dev_sum)(const float* a, float mean, int64_t n);
  // One output row of a 2x2, stride-2 max pool: y[j] = max(r0[2j], r0[2j+1], r1[2j], r1[2j+1]), the
  // first maximum in that order winning ties and the last NaN winning over everything (PyTorch's
  // rule), and idx[j] = base + 2j + {0, 1, w, w + 1} for the chosen one. base + 2n + w < 2^24.
  void (*maxpool2x2_row)(const float* r0, const float* r1, int64_t n, int32_t base, int32_t w, float* y,
                         int32_t* idx);
  // o[i] = a[i] * s + t, and the same followed by relu (max(0, .), NaN kept as relu does)
  void (*affine_s)(const float* a, float s, float t, float* o, int64_t n);
  void (*affine_relu_s)(const float* a, float s, float t, float* o, int64_t n);
  // o[i] = a[i] * s + b[i] * u + t
  void (*affine2_s)(const float* a, float s, const float* b, float u, float t, float* o, int64_t n);
  // One channel of a stride-1 im2col: for each tap (kh, kw), the (oh_n, ow_n) plane at out + (kh * kw_n
  // + kw) * ld holds x[i + kh - ph][j + kw - pw] of the (h, w) plane x, 0 where that is outside.
  void (*im2col_channel)(const float* x, int64_t h, int64_t w, int64_t kh_n, int64_t kw_n, int64_t ph, int64_t pw,
                         int64_t oh_n, int64_t ow_n, float* out, int64_t ld);
  // The adjoint for one channel of a stride-1 convolution, written (not added): x (h, w)[i][j] = the
  // sum over taps (kh, kw), in that order, of col plane kh * kw_n + kw (planes ld apart, each
  // (oh_n, ow_n)) at [i - kh + ph][j - kw + pw] where inside. Taps out of range add +0.0.
  void (*col2im_channel)(const float* col, int64_t ld, int64_t h, int64_t w, int64_t kh_n, int64_t kw_n, int64_t ph,
                         int64_t pw, int64_t oh_n, int64_t ow_n, float* x);
  // One output row of an im2row (a convolution's weight-gradient rows, nn/kernels/conv2d.cpp): for each
  // ow < ow_n, the kw_n * c values at out + ow * ld are the c channels of input columns ow * sw - pw + kw
  // (kw < kw_n) of the channels-last row x (w, c), 0 for columns outside [0, w).
  void (*im2row_row)(const float* x, int64_t w, int64_t c, int64_t kw_n, int64_t sw, int64_t pw, int64_t ow_n,
                     float* out, int64_t ld);
  // Winograd F(2x2, 3x3) transforms of one row of tiles, channels-last (nn/kernels/conv2d.cpp). Input:
  // tile tw < tw_n is the 4x4 patch at rows ih0 .. ih0 + 3, columns 2 tw - pw .. 2 tw - pw + 3 of x
  // (h, w, c), zero outside; element xi = 4 i + j of Bᵀ d B goes to v + xi * ld + tw * c (c values).
  void (*winograd_input_row)(const float* x, int64_t h, int64_t w, int64_t c, int64_t ih0, int64_t pw, int64_t tw_n,
                             float* v, int64_t ld);
  // Output: tile tw's Aᵀ m A (element xi of m at m + xi * ld + tw * c) plus bias (if not null) to
  // columns 2 tw, 2 tw + 1 (< ow_n) of the channels-last rows y0 and y1 (y1 may be null).
  void (*winograd_output_row)(const float* m, int64_t ld, int64_t c, const float* bias, int64_t tw_n, int64_t ow_n,
                              float* y0, float* y1);
  // Kernels: for j < n, the 3x3 kernel with tap (a, b) at taps[(3 a + b) * n + j] (at (2 - a, 2 - b)
  // when turned != 0) gives G f Gᵀ, element xi to out[xi * ld + j].
  void (*winograd_kernel_row)(const float* taps, int64_t n, int turned, float* out, int64_t ld);
  // The weight gradient's adjoints. Output gradient: tile tw's 2x2 values at rows oh0, oh0 + 1 and
  // columns 2 tw, 2 tw + 1 of dy (oh_n, ow_n, c), zero outside, as A dy Aᵀ, element xi to
  // z + xi * ld + tw * c. Kernel gradient: for j < n, Gᵀ M G of the 4x4 M at m[xi * ld + j], tap
  // (a, b) to taps[(3 a + b) * n + j].
  void (*winograd_output_grad_row)(const float* dy, int64_t oh_n, int64_t ow_n, int64_t c, int64_t oh0, int64_t tw_n,
                                   float* z, int64_t ld);
  void (*winograd_kernel_grad_row)(const float* m, int64_t ld, int64_t n, float* taps);
};

const KernelTable& kernels();                  // for simd_level()
const KernelTable& kernels(SimdLevel level);   // a specific level (tests, benchmarks)

}  // namespace hqc
