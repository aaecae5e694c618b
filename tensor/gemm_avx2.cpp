// gemm_avx2.cpp — the AVX2+FMA sgemm micro-kernel: a 6 x 16 tile of C in 12 ymm accumulators
// (12 + 2 B vectors + 1 broadcast = 15 of the 16 registers). Compiled with -mavx2 -mfma; raw
// pointers and intrinsics only (see gemm_kernel.hpp on why).
#include "tensor/gemm_kernel.hpp"

#include <immintrin.h>

namespace {

constexpr int kMR = 6;
constexpr int kNR = 16;

void kernel(int64_t kc, const float* a, const float* b, int64_t ldb, float* c, int64_t ldc, float alpha,
            float beta) {
  __m256 acc0[kMR], acc1[kMR];
#pragma GCC unroll 8
  for (int i = 0; i < kMR; ++i) {
    acc0[i] = _mm256_setzero_ps();
    acc1[i] = _mm256_setzero_ps();
  }
  for (int64_t k = 0; k < kc; ++k) {
    __m256 b0 = _mm256_loadu_ps(b);
    __m256 b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 8
    for (int i = 0; i < kMR; ++i) {
      __m256 ai = _mm256_broadcast_ss(a + i);
      acc0[i] = _mm256_fmadd_ps(ai, b0, acc0[i]);
      acc1[i] = _mm256_fmadd_ps(ai, b1, acc1[i]);
    }
    a += kMR;
    b += ldb;
  }
  __m256 va = _mm256_set1_ps(alpha);
  if (beta == 0.0f) {
#pragma GCC unroll 8
    for (int i = 0; i < kMR; ++i) {
      _mm256_storeu_ps(c + i * ldc, _mm256_mul_ps(va, acc0[i]));
      _mm256_storeu_ps(c + i * ldc + 8, _mm256_mul_ps(va, acc1[i]));
    }
  } else {
    __m256 vb = _mm256_set1_ps(beta);
#pragma GCC unroll 8
    for (int i = 0; i < kMR; ++i) {
      float* ci = c + i * ldc;
      _mm256_storeu_ps(ci, _mm256_fmadd_ps(vb, _mm256_loadu_ps(ci), _mm256_mul_ps(va, acc0[i])));
      _mm256_storeu_ps(ci + 8, _mm256_fmadd_ps(vb, _mm256_loadu_ps(ci + 8), _mm256_mul_ps(va, acc1[i])));
    }
  }
}

// Packing: the portable routines of gemm.cpp (nullptr). KC: the B micro-panel (KC, 16) = 16 KiB at KC = 256 sits in L1 with the A micro-panels streaming
// from the packed (MC, KC) A block in L2.
const hqc::detail::GemmKernel kKernel = {&kernel, nullptr, nullptr, kMR, kNR, 144, 256, 4096};

}  // namespace

namespace hqc::detail {
const GemmKernel* gemm_kernel_avx2() { return &kKernel; }
}  // namespace hqc::detail
