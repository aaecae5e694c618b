// gemm_avx2.cpp — the AVX2+FMA sgemm micro-kernel (a 6 x 16 tile of C in 12 ymm accumulators:
// 12 + 2 B vectors + 1 broadcast = 15 of the 16 registers) and the packing routines (8 x 8
// in-register transposes, masked loads/stores for the edges). Compiled with -mavx2 -mfma; raw
// pointers and intrinsics only (see gemm_kernel.hpp on why).
#include "tensor/gemm_kernel.hpp"

#include <immintrin.h>

namespace {
#include "tensor/gemm_x86.inl"

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

__m256i lanes(int64_t n) {  // mask of the first n (clamped to 0..8) lanes
  const int m = n < 0 ? 0 : (n > 8 ? 8 : static_cast<int>(n));
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(m), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// dst (kc, width)[k][i] = src[i * ld + k], zero for i >= rows: 8 x 8 blocks transposed in registers.
void pack_transposing(const float* src, int64_t ld, int64_t rows, int64_t kc, int64_t width, float* dst) {
  for (int64_t g = 0; g < width; g += 8) {
    const int64_t grows = rows - g < 0 ? 0 : (rows - g > 8 ? 8 : rows - g);
    const __m256i out = lanes(width - g);
    for (int64_t k0 = 0; k0 < kc; k0 += 8) {
      const int64_t kn = kc - k0 < 8 ? kc - k0 : 8;
      const __m256i in = lanes(kn);
      __m256 r[8];
#pragma GCC unroll 8
      for (int i = 0; i < 8; ++i)
        r[i] = i < grows ? _mm256_maskload_ps(src + (g + i) * ld + k0, in) : _mm256_setzero_ps();
      transpose8(r);
      float* d = dst + k0 * width + g;
      for (int k = 0; k < kn; ++k) _mm256_maskstore_ps(d + k * width, out, r[k]);
    }
  }
}

// dst (kc, width)[k][i] = src[k * ld + i], zero for i >= rows.
void pack_direct(const float* src, int64_t ld, int64_t rows, int64_t kc, int64_t width, float* dst) {
  for (int64_t g = 0; g < width; g += 8) {
    const __m256i in = lanes(rows - g), out = lanes(width - g);
    const float* s = src + g;
    float* d = dst + g;
    for (int64_t k = 0; k < kc; ++k) _mm256_maskstore_ps(d + k * width, out, _mm256_maskload_ps(s + k * ld, in));
  }
}

// dst (width / 16 panels, kc, 16) <- src[k * ld + j] for j < width, row by row.
void pack_panels(const float* src, int64_t ld, int64_t kc, int64_t width, float* dst) {
  for (int64_t k = 0; k < kc; ++k, src += ld, dst += kNR) {
    for (int64_t j = 0; j < width; j += kNR) {
      _mm256_storeu_ps(dst + j * kc, _mm256_loadu_ps(src + j));
      _mm256_storeu_ps(dst + j * kc + 8, _mm256_loadu_ps(src + j + 8));
    }
  }
}

// KC: the B micro-panel (KC, 16) = 16 KiB at KC = 256 sits in L1 with the A micro-panels streaming
// from the packed (MC, KC) A block in L2.
const hqc::detail::GemmKernel kKernel = {&kernel, nullptr, 0, &pack_transposing, &pack_direct, kMR, kNR,
                                         144, 256, 4096, nullptr, nullptr, nullptr, &pack_panels};

}  // namespace

namespace hqc::detail {
const GemmKernel* gemm_kernel_avx2() { return &kKernel; }
}  // namespace hqc::detail
