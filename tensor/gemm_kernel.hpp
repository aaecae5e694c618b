// gemm_kernel.hpp — the contract between the blocked sgemm driver (gemm.cpp) and the per-ISA
// micro-kernels (gemm_avx512.cpp, gemm_avx2.cpp, gemm_neon.cpp, the portable one in gemm.cpp).
// Internal header.
//
// A micro-kernel computes one MR x NR tile of C from packed panels:
//   c(MR, NR) = alpha * a_panel^T b_panel + beta * c      (beta == 0: c is not read)
// a_panel is (kc, MR): for each k, the MR entries of op(A)'s column k for the tile's rows;
// b_panel is (kc, NR) with row stride ldb: for each k, the NR entries of op(B)'s row k for the
// tile's columns. a_panel is packed and 64-byte aligned; b_panel is packed (ldb = NR, aligned) or,
// when B is not transposed and its panel is reused only by a few row tiles, read in place from B
// (ldb = B's row stride, any alignment). The driver only calls a kernel on full tiles (edges go
// through a scratch tile, or the optional edge kernel below), so kernels need no tail handling.
//
// The ISA files include only this header and <immintrin.h>: no standard-library templates or
// inline functions may be instantiated under AVX flags (the linker could keep that copy for
// code running on a CPU without AVX).
#pragma once

#include <cstdint>

namespace hqc::detail {

using GemmMicroKernel = void (*)(int64_t kc, const float* a_panel, const float* b_panel, int64_t ldb,
                                 float* c, int64_t ldc, float alpha, float beta);

// Packing: dst (kc, width) from a (rows, kc) or (kc, rows) slab of a row-major matrix with row
// stride ld; entries rows .. width-1 of each dst row are zeroed.
//   transposing: dst[k * width + i] = src[i * ld + k]   (op(A) untransposed, op(B) transposed)
//   direct:      dst[k * width + i] = src[k * ld + i]   (op(A) transposed, op(B) untransposed)
using GemmPack = void (*)(const float* src, int64_t ld, int64_t rows, int64_t kc, int64_t width, float* dst);

// Optional: the full panels of an untransposed B, dst (width / NR panels, kc, NR) <- src[k * ld + j]
// for j < width (a multiple of NR), copied row by row: a wide B's rows are then read in runs of
// several panels, which the hardware prefetchers follow, where a panel at a time reads a few lines
// of each row, every row in a page of its own.
using GemmPackPanels = void (*)(const float* src, int64_t ld, int64_t kc, int64_t width, float* dst);

// The first `rows` (1 .. MR - 1) rows of a full-width tile, for alpha = 1: c(rows, NR) = a_panel^T
// b_panel, or c + a_panel^T b_panel when accumulate, with a_panel packed MR wide as for the kernel.
// Each row's sums are the full kernel's, so the bits are those of the scratch-tile path it replaces.
using GemmEdgeKernel = void (*)(int rows, int64_t kc, const float* a_panel, const float* b_panel, int64_t ldb,
                                float* c, int64_t ldc, bool accumulate);

// The kernels again for op(A) = A read in place, its rows lda floats apart (a at the tile's first row
// and the K block's first column), for slices of one or two column panels, where a packed copy of A
// would be read once or twice. Same contracts; rows only reads the first `rows` rows of A. An ISA
// that offers these sets all four (and kernel_narrow_pair above).
struct GemmInPlaceA {
  void (*kernel)(int64_t kc, const float* a, int64_t lda, const float* b_panel, int64_t ldb, float* c, int64_t ldc,
                 float alpha, float beta);
  void (*kernel_narrow)(int64_t kc, const float* a, int64_t lda, const float* b_panel, int64_t ldb, float* c,
                        int64_t ldc, float alpha, float beta);
  void (*kernel_narrow_pair)(int64_t kc, const float* a, int64_t lda, const float* b_panel, int64_t ldb, float* c,
                             int64_t ldc, float alpha, float beta);
  void (*kernel_rows)(int rows, int64_t kc, const float* a, int64_t lda, const float* b_panel, int64_t ldb, float* c,
                      int64_t ldc, bool accumulate);
};

struct GemmKernel {
  GemmMicroKernel kernel;
  // Optional: the same contract for panels at most nr_narrow columns wide (b_panel still has row
  // stride ldb; columns past nr_narrow are not read, c gets nr_narrow columns).
  GemmMicroKernel kernel_narrow;
  int nr_narrow;
  GemmPack pack_transposing, pack_direct;
  int mr, nr;          // register tile
  int mc, kc, nc;      // cache blocks: A block (mc, kc) in L2, B micro-panel (kc, nr) in L1
  GemmEdgeKernel kernel_rows;  // optional (null: edges through the scratch tile)
  // Optional: kernel_narrow's contract for two row tiles at once, c(2 * MR, nr_narrow), a_panel
  // the first of two consecutive A panels (the second kc * MR floats on).
  GemmMicroKernel kernel_narrow_pair;
  const GemmInPlaceA* a_in_place;  // optional (null: A always packed)
  GemmPackPanels pack_panels;      // optional (null: B's panels packed one at a time)
};

#ifdef HQC_X86_SIMD
const GemmKernel* gemm_kernel_avx512();
const GemmKernel* gemm_kernel_avx2();
#endif
#ifdef HQC_ARM_NEON
const GemmKernel* gemm_kernel_neon();
#endif

}  // namespace hqc::detail
