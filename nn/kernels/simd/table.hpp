// table.hpp — nn's SIMD kernel table: the 2x2 max pool, one channel of a stride-1 im2col/col2im and
// the Winograd F(2x2, 3x3) and F(4x4, 3x3) transforms, the float32 inner loops of nn/kernels that
// tensor's generic table (tensor/simd.hpp) has no business holding.
//
// Written once (nn/kernels/simd/kernels.inl) against tensor's vector wrapper (tensor/simd/vec_*.hpp)
// and compiled once per instruction set with per-file flags, as tensor's table is; the level in use
// is tensor's (hqc::simd_level(): the best the CPU has at start-up, HQC_SIMD=scalar|avx2|avx512|neon
// or set_simd_level() to force one), so one switch moves both tables. A portable build
// (HQC_PORTABLE=ON, or a CPU other than x86-64 and aarch64) contains only the scalar table.
#pragma once

#include <cstdint>

#include "tensor/simd.hpp"

namespace hqc::nn::kernels {

inline constexpr int64_t kMaxPoolPlaneWidth = 1024;

struct NnKernelTable {
  // One output row of a 2x2, stride-2 max pool: y[j] = max(r0[2j], r0[2j+1], r1[2j], r1[2j+1]), the
  // first maximum in that order winning ties and the last NaN winning over everything (PyTorch's
  // rule), and idx[j] = base + 2j + {0, 1, w, w + 1} for the chosen one. base + 2n + w < 2^24.
  // idx null: the maxima only (the same values).
  void (*maxpool2x2_row)(const float* r0, const float* r1, int64_t n, int32_t base, int32_t w, float* y,
                         int32_t* idx);
  // The maxima alone of a whole plane x (2 oh_n rows or more, of even width w <= kMaxPoolPlaneWidth)
  // into y (oh_n, w / 2): the row kernel's values, bit for bit. False when it meets a NaN or an
  // infinity, with y partly written: the caller runs the row kernel, whose exact rule covers them.
  bool (*maxpool2x2_plane)(const float* x, int64_t oh_n, int64_t w, float* y);
  // im2col and col2im for one channel (conv2d_im2col.cpp).
  // One channel of a stride-1 im2col: for each tap (kh, kw), the (oh_n, ow_n) plane at out + (kh * kw_n
  // + kw) * ld holds x[i + kh - ph][j + kw - pw] of the (h, w) plane x, 0 where that is outside.
  void (*im2col_channel)(const float* x, int64_t h, int64_t w, int64_t kh_n, int64_t kw_n, int64_t ph, int64_t pw,
                         int64_t oh_n, int64_t ow_n, float* out, int64_t ld);
  // The adjoint for one channel of a stride-1 convolution, written (not added): x (h, w)[i][j] = the
  // sum over taps (kh, kw), in that order, of col plane kh * kw_n + kw (planes ld apart, each
  // (oh_n, ow_n)) at [i - kh + ph][j - kw + pw] where inside. Taps out of range add +0.0.
  void (*col2im_channel)(const float* col, int64_t ld, int64_t h, int64_t w, int64_t kh_n, int64_t kw_n, int64_t ph,
                         int64_t pw, int64_t oh_n, int64_t ow_n, float* x);
  // Winograd F(2x2, 3x3) transforms of one row of tiles, channels-last (conv2d_winograd.cpp). Input:
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
  // Winograd F(4x4, 3x3): the same five, on 6x6 tiles 4 apart with 4x4 outputs (element xi = 6 i + j,
  // 36 of them), with the kernel matrix split G = D G̃ (D diagonal): the kernel side makes G̃ f G̃ᵀ
  // and its gradient G̃ᵀ M G̃, the input side D (Bᵀ d B) D. Output: the first `rows` (1 to 4) of the
  // channels-last rows at y, ow_n * c floats apart.
  void (*winograd4_input_row)(const float* x, int64_t h, int64_t w, int64_t c, int64_t ih0, int64_t pw, int64_t tw_n,
                              float* v, int64_t ld);
  void (*winograd4_output_row)(const float* m, int64_t ld, int64_t c, const float* bias, int64_t tw_n, int64_t ow_n,
                               float* y, int64_t rows);
  void (*winograd4_kernel_row)(const float* taps, int64_t n, int turned, float* out, int64_t ld);
  void (*winograd4_output_grad_row)(const float* dy, int64_t oh_n, int64_t ow_n, int64_t c, int64_t oh0, int64_t tw_n,
                                    float* z, int64_t ld);
  void (*winograd4_kernel_grad_row)(const float* m, int64_t ld, int64_t n, float* taps);
};

const NnKernelTable& nn_kernels();                      // for hqc::simd_level()
const NnKernelTable& nn_kernels(hqc::SimdLevel level);  // a specific level (tests, benchmarks)

}  // namespace hqc::nn::kernels
