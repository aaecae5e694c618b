// gemm_neon.cpp — the aarch64 NEON sgemm micro-kernel (an 8 x 12 tile of C in 24 q-register
// accumulators: 24 + 2 A vectors + 3 B vectors = 29 of the 32 registers; per k, each B vector is
// multiplied by one lane of an A vector with vfmaq_laneq_f32, so A needs no broadcasts) and the
// packing routines (4 x 4 in-register transposes). Built only for aarch64, where NEON needs no flag;
// raw pointers and intrinsics only, as the x86 files (see gemm_kernel.hpp).
#include "tensor/gemm_kernel.hpp"

#include <arm_neon.h>

namespace {

constexpr int kMR = 8;
constexpr int kNR = 12;

// acc[r][0..2] += a[r] * (b0, b1, b2), a[r] being lane L of the A vector av.
#define HQC_NEON_ROW(r, av, L)                        \
  acc[r][0] = vfmaq_laneq_f32(acc[r][0], b0, av, L); \
  acc[r][1] = vfmaq_laneq_f32(acc[r][1], b1, av, L); \
  acc[r][2] = vfmaq_laneq_f32(acc[r][2], b2, av, L)

void kernel(int64_t kc, const float* a, const float* b, int64_t ldb, float* c, int64_t ldc, float alpha,
            float beta) {
  float32x4_t acc[kMR][3];
#pragma GCC unroll 8
  for (int i = 0; i < kMR; ++i) acc[i][0] = acc[i][1] = acc[i][2] = vdupq_n_f32(0.0f);
  for (int64_t k = 0; k < kc; ++k) {
    const float32x4_t a0 = vld1q_f32(a), a1 = vld1q_f32(a + 4);
    const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8);
    HQC_NEON_ROW(0, a0, 0);
    HQC_NEON_ROW(1, a0, 1);
    HQC_NEON_ROW(2, a0, 2);
    HQC_NEON_ROW(3, a0, 3);
    HQC_NEON_ROW(4, a1, 0);
    HQC_NEON_ROW(5, a1, 1);
    HQC_NEON_ROW(6, a1, 2);
    HQC_NEON_ROW(7, a1, 3);
    a += kMR;
    b += ldb;
  }
  const float32x4_t va = vdupq_n_f32(alpha);
  if (beta == 0.0f && alpha == 1.0f) {
#pragma GCC unroll 8
    for (int i = 0; i < kMR; ++i)
      for (int j = 0; j < 3; ++j) vst1q_f32(c + i * ldc + 4 * j, acc[i][j]);
  } else if (beta == 0.0f) {
#pragma GCC unroll 8
    for (int i = 0; i < kMR; ++i)
      for (int j = 0; j < 3; ++j) vst1q_f32(c + i * ldc + 4 * j, vmulq_f32(va, acc[i][j]));
  } else {
    const float32x4_t vb = vdupq_n_f32(beta);
#pragma GCC unroll 8
    for (int i = 0; i < kMR; ++i) {
      for (int j = 0; j < 3; ++j) {
        float* cij = c + i * ldc + 4 * j;
        vst1q_f32(cij, vfmaq_f32(vmulq_f32(va, acc[i][j]), vb, vld1q_f32(cij)));  // beta c + alpha acc
      }
    }
  }
}
#undef HQC_NEON_ROW

// In-register transpose of 4 rows of 4 floats: afterwards r[j] holds column j.
void transpose4(float32x4_t* r) {
  const float32x4_t t0 = vtrn1q_f32(r[0], r[1]), t1 = vtrn2q_f32(r[0], r[1]);
  const float32x4_t t2 = vtrn1q_f32(r[2], r[3]), t3 = vtrn2q_f32(r[2], r[3]);
  const float64x2_t d0 = vreinterpretq_f64_f32(t0), d1 = vreinterpretq_f64_f32(t1);
  const float64x2_t d2 = vreinterpretq_f64_f32(t2), d3 = vreinterpretq_f64_f32(t3);
  r[0] = vreinterpretq_f32_f64(vtrn1q_f64(d0, d2));
  r[1] = vreinterpretq_f32_f64(vtrn1q_f64(d1, d3));
  r[2] = vreinterpretq_f32_f64(vtrn2q_f64(d0, d2));
  r[3] = vreinterpretq_f32_f64(vtrn2q_f64(d1, d3));
}

// dst (kc, width)[k][i] = src[i * ld + k], zero for i >= rows: full 4 x 4 blocks transposed in
// registers, the blocks at the edges (rows, kc or width not a multiple of 4) element by element.
void pack_transposing(const float* src, int64_t ld, int64_t rows, int64_t kc, int64_t width, float* dst) {
  for (int64_t g = 0; g < width; g += 4) {
    const int64_t gw = width - g < 4 ? width - g : 4;
    const int64_t grows = rows - g < 0 ? 0 : (rows - g > gw ? gw : rows - g);
    for (int64_t k0 = 0; k0 < kc; k0 += 4) {
      const int64_t kn = kc - k0 < 4 ? kc - k0 : 4;
      float* d = dst + k0 * width + g;
      if (grows == 4 && kn == 4) {
        float32x4_t r[4];
        for (int i = 0; i < 4; ++i) r[i] = vld1q_f32(src + (g + i) * ld + k0);
        transpose4(r);
        for (int k = 0; k < 4; ++k) vst1q_f32(d + k * width, r[k]);
        continue;
      }
      for (int64_t k = 0; k < kn; ++k)
        for (int64_t i = 0; i < gw; ++i) d[k * width + i] = i < grows ? src[(g + i) * ld + k0 + k] : 0.0f;
    }
  }
}

// dst (kc, width)[k][i] = src[k * ld + i], zero for i >= rows.
void pack_direct(const float* src, int64_t ld, int64_t rows, int64_t kc, int64_t width, float* dst) {
  for (int64_t k = 0; k < kc; ++k) {
    const float* s = src + k * ld;
    float* d = dst + k * width;
    int64_t i = 0;
    for (; i + 4 <= rows; i += 4) vst1q_f32(d + i, vld1q_f32(s + i));
    for (; i < rows; ++i) d[i] = s[i];
    for (; i < width; ++i) d[i] = 0.0f;
  }
}

// Blocks for a typical aarch64 core (32-64 KiB L1d, 512 KiB-1 MiB L2): the B micro-panel (KC, 12) =
// 12 KiB at KC = 256 stays in L1, the packed A block (MC, KC) = 128 KiB at MC = 128 in L2.
const hqc::detail::GemmKernel kKernel = {&kernel, nullptr, 0, &pack_transposing, &pack_direct, kMR, kNR,
                                         128, 256, 4092, nullptr, nullptr, nullptr, nullptr};

}  // namespace

namespace hqc::detail {
const GemmKernel* gemm_kernel_neon() { return &kKernel; }
}  // namespace hqc::detail
