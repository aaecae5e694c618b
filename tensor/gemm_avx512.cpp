// gemm_avx512.cpp — the AVX-512 sgemm micro-kernel: an MR x 32 tile of C held in 2*MR zmm
// accumulators, one embedded-broadcast FMA per (row, 16 columns) per k. Compiled with
// -mavx512f...; raw pointers and intrinsics only (see gemm_kernel.hpp on why).
#include "tensor/gemm_kernel.hpp"

#include <immintrin.h>

namespace {

constexpr int kNR = 32;

// c(MR, 32) = alpha * sum_k a(k, MR)^T b(k, 32) + beta * c. MR <= 14 keeps 2*MR accumulators, two
// B vectors and the broadcast within the 32 zmm registers.
template <int MR>
void kernel(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, float alpha, float beta) {
  __m512 acc0[MR], acc1[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    acc0[i] = _mm512_setzero_ps();
    acc1[i] = _mm512_setzero_ps();
  }
  for (int64_t k = 0; k < kc; ++k) {
    __m512 b0 = _mm512_load_ps(b);
    __m512 b1 = _mm512_load_ps(b + 16);
    _mm_prefetch(reinterpret_cast<const char*>(b + 8 * kNR), _MM_HINT_T0);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      __m512 ai = _mm512_set1_ps(a[i]);
      acc0[i] = _mm512_fmadd_ps(ai, b0, acc0[i]);
      acc1[i] = _mm512_fmadd_ps(ai, b1, acc1[i]);
    }
    a += MR;
    b += kNR;
  }
  __m512 va = _mm512_set1_ps(alpha);
  if (beta == 0.0f) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      _mm512_storeu_ps(c + i * ldc, _mm512_mul_ps(va, acc0[i]));
      _mm512_storeu_ps(c + i * ldc + 16, _mm512_mul_ps(va, acc1[i]));
    }
  } else {
    __m512 vb = _mm512_set1_ps(beta);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      float* ci = c + i * ldc;
      _mm512_storeu_ps(ci, _mm512_fmadd_ps(vb, _mm512_loadu_ps(ci), _mm512_mul_ps(va, acc0[i])));
      _mm512_storeu_ps(ci + 16, _mm512_fmadd_ps(vb, _mm512_loadu_ps(ci + 16), _mm512_mul_ps(va, acc1[i])));
    }
  }
}

#ifndef HQC_GEMM_AVX512_MR
#define HQC_GEMM_AVX512_MR 14
#endif
#ifndef HQC_GEMM_AVX512_MC
#define HQC_GEMM_AVX512_MC 168
#endif
#ifndef HQC_GEMM_AVX512_KC
#define HQC_GEMM_AVX512_KC 256
#endif

// MC: the packed A block (MC, KC) stays in the 1 MiB L2 next to the B panel streaming through;
// KC: the B micro-panel (KC, 32) = 32 KiB at KC = 256 fits the 48 KiB L1d; NC: B block in L3.
const hqc::detail::GemmKernel kKernel = {&kernel<HQC_GEMM_AVX512_MR>, HQC_GEMM_AVX512_MR, kNR,
                                         HQC_GEMM_AVX512_MC, HQC_GEMM_AVX512_KC, 4096};

}  // namespace

namespace hqc::detail {
const GemmKernel* gemm_kernel_avx512() { return &kKernel; }
}  // namespace hqc::detail
