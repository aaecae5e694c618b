// gemm.hpp — general matrix multiply, row-major: C = alpha * op(A) * op(B) + beta * C.
//
// op(A) is M x K (A itself is K x M when trans_a), op(B) is K x N; lda, ldb, ldc are the row
// strides of A, B and C as stored. beta = 0 ignores C's old contents (NaN included).
//
// sgemm is the fast path: packed panels, cache blocking and a register-tiled micro-kernel per
// instruction set (gemm_avx512.cpp, gemm_avx2.cpp, the portable one in gemm.cpp), threaded over
// blocks of C with a fixed split. sgemm_reference is the plain triple loop kept as the
// algorithmic reference the tests compare against; dgemm serves float64 tensors (gradient checks).
#pragma once

#include <cstdint>

#include "tensor/simd.hpp"

namespace hqc {

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// The same with an explicit instruction set (tests and benchmarks).
void sgemm_with(SimdLevel level, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

void sgemm_reference(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                     const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                     int64_t ldc);

// op(A) packed once for several products with the same A (a convolution's weights applied to one
// group of samples after another): the panels every sgemm call would otherwise pack again. The
// panels live in the caller's storage (sgemm_packed_a_floats(M, K) floats, 64-byte aligned), which
// must outlive their uses; they are laid out for the SIMD level in use when packing, and
// sgemm_packed refuses them under another level.
struct SgemmPackedA {
  const float* panels = nullptr;
  int64_t M = 0, K = 0;
  SimdLevel level = SimdLevel::scalar;
};
int64_t sgemm_packed_a_floats(int64_t M, int64_t K);
SgemmPackedA sgemm_pack_a(bool trans_a, int64_t M, int64_t K, const float* A, int64_t lda, float* storage);
// C = alpha * op(A) * op(B) + beta * C for a packed A: bit for bit what sgemm gives.
void sgemm_packed(const SgemmPackedA& A, bool trans_b, int64_t N, float alpha, const float* B, int64_t ldb,
                  float beta, float* C, int64_t ldc);

// dst (cols, rows) = src (rows, cols)ᵀ, src's rows lds apart, dst dense: the GEMM's transposing
// pack (blocks transposed in registers on AVX2 and AVX-512). Lays a convolution's input out
// channels-last; the _with form runs a given instruction set (tests).
void stranspose(int64_t rows, int64_t cols, const float* src, int64_t lds, float* dst);
void stranspose_with(SimdLevel level, int64_t rows, int64_t cols, const float* src, int64_t lds, float* dst);

void dgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, double alpha, const double* A,
           int64_t lda, const double* B, int64_t ldb, double beta, double* C, int64_t ldc);

}  // namespace hqc
