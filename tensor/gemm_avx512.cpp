// gemm_avx512.cpp — the AVX-512 sgemm micro-kernel (an MR x 32 tile of C held in 2*MR zmm
// accumulators, per k one broadcast of each A entry and two FMAs) and the packing routines
// (16 x 16 in-register transposes, masked loads/stores for the edges). Compiled with
// -mavx512f...; raw pointers and intrinsics only (see gemm_kernel.hpp on why).
#include "tensor/gemm_kernel.hpp"

#include <immintrin.h>

namespace {
#include "tensor/gemm_x86.inl"

constexpr int kNR = 32;

// A tile's op(A) entries: a packed panel (entry (i, k) at a[k * MR + i]) or A itself, read in place
// (entry (i, k) at a[i * lda + k]) where a packed copy would be read only once or twice (gemm.cpp).
template <int MR, bool InPlace>
struct ARows {
  const float* a;
  int64_t lda;                                                        // in place only
  float operator()(int i) const { return InPlace ? a[i * lda] : a[i]; }  // row i, the current k
  void step() { a += InPlace ? 1 : MR; }
  ARows next_tile(int64_t kc) const { return {InPlace ? a + MR * lda : a + kc * MR, lda}; }
};

// acc{0,1}[i] += a(k, i) b(k, 0..31) for k < kc and the first R rows of a tile: per k one broadcast
// of each A entry and two FMAs a row, the sums of each row in k order.
template <int R, typename A>
inline __attribute__((always_inline)) void multiply_rows(int64_t kc, A a, const float* b, int64_t ldb,
                                                         __m512 (&acc0)[R], __m512 (&acc1)[R]) {
  for (int64_t k = 0; k < kc; ++k) {
    __m512 b0 = _mm512_loadu_ps(b);
    __m512 b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 16
    for (int i = 0; i < R; ++i) {
      __m512 ai = _mm512_set1_ps(a(i));
      acc0[i] = _mm512_fmadd_ps(ai, b0, acc0[i]);
      acc1[i] = _mm512_fmadd_ps(ai, b1, acc1[i]);
    }
    a.step();
    b += ldb;
  }
}

// c(MR, 32) = alpha * sum_k a(k, MR)^T b(k, 32) + beta * c. Any MR <= 14 keeps the 2*MR
// accumulators, two B vectors and the broadcast within the 32 zmm registers.
template <int MR, bool InPlace>
inline __attribute__((always_inline)) void full_tile(int64_t kc, ARows<MR, InPlace> a, const float* b, int64_t ldb,
                                                     float* c, int64_t ldc, float alpha, float beta) {
  __m512 acc0[MR], acc1[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    acc0[i] = _mm512_setzero_ps();
    acc1[i] = _mm512_setzero_ps();
  }
  // Fetch the C tile while the k loop runs: with a short K (a weight gradient summed over a few
  // samples at a time) its lines would otherwise arrive from memory only when the sums are done.
  // Row pointers stepped by ldc, here and in the stores, rather than c + i * ldc unrolled: the
  // compiler kept those sixteen addresses live across the k loop, spilled to vector registers, a
  // cost a tile that counts at small K (16 x 784 x 9, one thread: 1.41-1.45 -> 1.31-1.33 us).
  const float* pc = c;
#pragma GCC unroll 1
  for (int i = 0; i < MR; ++i, pc += ldc) {
    _mm_prefetch(reinterpret_cast<const char*>(pc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(pc + 16), _MM_HINT_T0);
  }
  multiply_rows<MR>(kc, a, b, ldb, acc0, acc1);
  __m512 va = _mm512_set1_ps(alpha);
  if (beta == 0.0f && alpha == 1.0f) {  // the common case; small K makes this epilogue count
    float* ci = c;
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i, ci += ldc) {
      _mm512_storeu_ps(ci, acc0[i]);
      _mm512_storeu_ps(ci + 16, acc1[i]);
    }
  } else if (beta == 0.0f) {
    float* ci = c;
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i, ci += ldc) {
      _mm512_storeu_ps(ci, _mm512_mul_ps(va, acc0[i]));
      _mm512_storeu_ps(ci + 16, _mm512_mul_ps(va, acc1[i]));
    }
  } else {
    __m512 vb = _mm512_set1_ps(beta);
    float* ci = c;
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i, ci += ldc) {
      _mm512_storeu_ps(ci, _mm512_fmadd_ps(vb, _mm512_loadu_ps(ci), _mm512_mul_ps(va, acc0[i])));
      _mm512_storeu_ps(ci + 16, _mm512_fmadd_ps(vb, _mm512_loadu_ps(ci + 16), _mm512_mul_ps(va, acc1[i])));
    }
  }
}

// The same for a panel at most 16 wide (C's right edge when N mod 32 <= 16, e.g. N = 16 in the
// last convolution of the CIFAR model): half the FMAs of running the full kernel on zero padding.
// T = 2 computes two consecutive row tiles with one load of each B row: 2 * MR accumulators instead
// of MR hide the FMA latency better (gemm_bench, 1 thread, CIFAR's 512 x 16 x 2304: 130 -> 137
// GFLOP/s). Each element's sums are the same FMAs in k order.
template <int MR, int T, bool InPlace>
inline __attribute__((always_inline)) void narrow_tiles(int64_t kc, ARows<MR, InPlace> a, const float* b,
                                                        int64_t ldb, float* c, int64_t ldc, float alpha, float beta) {
  constexpr int R = T * MR;
  ARows<MR, InPlace> a1 = a.next_tile(kc);
  __m512 acc[R];
#pragma GCC unroll 32
  for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    __m512 b0 = _mm512_loadu_ps(b);
#pragma GCC unroll 32
    for (int r = 0; r < R; ++r) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(r < MR ? a(r) : a1(r - MR)), b0, acc[r]);
    a.step();
    a1.step();
    b += ldb;
  }
  __m512 va = _mm512_set1_ps(alpha);
  if (beta == 0.0f && alpha == 1.0f) {
#pragma GCC unroll 32
    for (int r = 0; r < R; ++r) _mm512_storeu_ps(c + r * ldc, acc[r]);
  } else if (beta == 0.0f) {
#pragma GCC unroll 32
    for (int r = 0; r < R; ++r) _mm512_storeu_ps(c + r * ldc, _mm512_mul_ps(va, acc[r]));
  } else {
    __m512 vb = _mm512_set1_ps(beta);
#pragma GCC unroll 32
    for (int r = 0; r < R; ++r) {
      float* cr = c + r * ldc;
      _mm512_storeu_ps(cr, _mm512_fmadd_ps(vb, _mm512_loadu_ps(cr), _mm512_mul_ps(va, acc[r])));
    }
  }
}

// The first R < MR rows of a full-width tile (C's bottom edge: the 49 tiles of a Winograd pass over
// a 14 x 14 map leave one row), alpha = 1: only those rows' FMAs, stored in place, where the full
// kernel on the zero-padded panel into a scratch tile cost as much as all MR rows. Each row's sums
// are the same FMAs in the same order (multiply_rows).
template <int MR, int R, bool InPlace>
void edge_rows(int64_t kc, ARows<MR, InPlace> a, const float* b, int64_t ldb, float* c, int64_t ldc, bool accumulate) {
  __m512 acc0[R], acc1[R];
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i) {
    acc0[i] = _mm512_setzero_ps();
    acc1[i] = _mm512_setzero_ps();
  }
  multiply_rows<R>(kc, a, b, ldb, acc0, acc1);
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i) {
    float* ci = c + i * ldc;
    if (accumulate) {
      acc0[i] = _mm512_add_ps(_mm512_loadu_ps(ci), acc0[i]);
      acc1[i] = _mm512_add_ps(_mm512_loadu_ps(ci + 16), acc1[i]);
    }
    _mm512_storeu_ps(ci, acc0[i]);
    _mm512_storeu_ps(ci + 16, acc1[i]);
  }
}

template <int MR, int R, bool InPlace>
void edge_rows_from(int rows, int64_t kc, ARows<MR, InPlace> a, const float* b, int64_t ldb, float* c, int64_t ldc,
                    bool accumulate) {
  if constexpr (R >= 1) {
    if (rows == R) return edge_rows<MR, R>(kc, a, b, ldb, c, ldc, accumulate);
    edge_rows_from<MR, R - 1>(rows, kc, a, b, ldb, c, ldc, accumulate);
  }
}

// The entry points, packed A (GemmKernel) and A in place (GemmInPlaceA).
template <int MR>
void kernel(int64_t kc, const float* a, const float* b, int64_t ldb, float* c, int64_t ldc, float alpha,
            float beta) {
  full_tile<MR>(kc, ARows<MR, false>{a, 0}, b, ldb, c, ldc, alpha, beta);
}
template <int MR, int T>
void kernel_narrow(int64_t kc, const float* a, const float* b, int64_t ldb, float* c, int64_t ldc, float alpha,
                   float beta) {
  narrow_tiles<MR, T>(kc, ARows<MR, false>{a, 0}, b, ldb, c, ldc, alpha, beta);
}
template <int MR>
void kernel_rows(int rows, int64_t kc, const float* a, const float* b, int64_t ldb, float* c, int64_t ldc,
                 bool accumulate) {
  edge_rows_from<MR, MR - 1>(rows, kc, ARows<MR, false>{a, 0}, b, ldb, c, ldc, accumulate);
}
template <int MR>
void kernel_in_place(int64_t kc, const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc,
                     float alpha, float beta) {
  full_tile<MR>(kc, ARows<MR, true>{a, lda}, b, ldb, c, ldc, alpha, beta);
}
template <int MR, int T>
void kernel_narrow_in_place(int64_t kc, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
                            int64_t ldc, float alpha, float beta) {
  narrow_tiles<MR, T>(kc, ARows<MR, true>{a, lda}, b, ldb, c, ldc, alpha, beta);
}
template <int MR>
void kernel_rows_in_place(int rows, int64_t kc, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
                          int64_t ldc, bool accumulate) {
  edge_rows_from<MR, MR - 1>(rows, kc, ARows<MR, true>{a, lda}, b, ldb, c, ldc, accumulate);
}

// In-register transpose of 16 rows of 16 floats: afterwards r[j] holds column j.
void transpose16(__m512* r) {
  __m512 t[16];
#pragma GCC unroll 8
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
    r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
    r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
#pragma GCC unroll 2
  for (int h = 0; h < 16; h += 8) {
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) {
      t[h + i] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0x88);
      t[h + i + 4] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0xDD);
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
  }
}

__mmask16 lanes(int64_t n) {  // the first n (0..16) lanes
  return n >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << n) - 1u);
}

// pack_transposing for width 8 (the A panels of the 8-row tile): 8 x 8 blocks, half the shuffles
// of padding each block to 16 x 16.
void pack_transposing8(const float* src, int64_t ld, int64_t rows, int64_t kc, float* dst) {
  for (int64_t k0 = 0; k0 < kc; k0 += 8) {
    const int64_t kn = kc - k0 < 8 ? kc - k0 : 8;
    const __mmask8 in = static_cast<__mmask8>(kn >= 8 ? 0xFF : (1u << kn) - 1u);
    __m256 r[8];
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) r[i] = i < rows ? _mm256_maskz_loadu_ps(in, src + i * ld + k0) : _mm256_setzero_ps();
    transpose8(r);
    float* d = dst + k0 * 8;
    if (kn == 8) {
#pragma GCC unroll 8
      for (int k = 0; k < 8; ++k) _mm256_storeu_ps(d + k * 8, r[k]);
    } else {
      for (int k = 0; k < kn; ++k) _mm256_storeu_ps(d + k * 8, r[k]);
    }
  }
}

// dst (kc, width)[k][i] = src[i * ld + k], zero for i >= rows: 16 x 16 blocks transposed in registers.
void pack_transposing(const float* src, int64_t ld, int64_t rows, int64_t kc, int64_t width, float* dst) {
  if (width == 8) {
    pack_transposing8(src, ld, rows, kc, dst);
    return;
  }
  for (int64_t g = 0; g < width; g += 16) {
    const int64_t grows = rows - g < 0 ? 0 : (rows - g > 16 ? 16 : rows - g);
    const __mmask16 out = lanes(width - g);
    for (int64_t k0 = 0; k0 < kc; k0 += 16) {
      const int64_t kn = kc - k0 < 16 ? kc - k0 : 16;
      const __mmask16 in = lanes(kn);
      __m512 r[16];
#pragma GCC unroll 16
      for (int i = 0; i < 16; ++i)
        r[i] = i < grows ? _mm512_maskz_loadu_ps(in, src + (g + i) * ld + k0) : _mm512_setzero_ps();
      transpose16(r);
      float* d = dst + k0 * width + g;
      if (kn == 16) {
#pragma GCC unroll 16
        for (int k = 0; k < 16; ++k) _mm512_mask_storeu_ps(d + k * width, out, r[k]);
      } else {
        for (int k = 0; k < kn; ++k) _mm512_mask_storeu_ps(d + k * width, out, r[k]);
      }
    }
  }
}

// dst (kc, width)[k][i] = src[k * ld + i], zero for i >= rows.
void pack_direct(const float* src, int64_t ld, int64_t rows, int64_t kc, int64_t width, float* dst) {
  for (int64_t g = 0; g < width; g += 16) {
    const __mmask16 in = lanes(rows - g < 0 ? 0 : rows - g), out = lanes(width - g);
    const float* s = src + g;
    float* d = dst + g;
    for (int64_t k = 0; k < kc; ++k) _mm512_mask_storeu_ps(d + k * width, out, _mm512_maskz_loadu_ps(in, s + k * ld));
  }
}

// dst (width / 32 panels, kc, 32) <- src[k * ld + j] for j < width, row by row.
void pack_panels(const float* src, int64_t ld, int64_t kc, int64_t width, float* dst) {
  for (int64_t k = 0; k < kc; ++k, src += ld, dst += kNR) {
    for (int64_t j = 0; j < width; j += kNR) {
      _mm512_storeu_ps(dst + j * kc, _mm512_loadu_ps(src + j));
      _mm512_storeu_ps(dst + j * kc + 16, _mm512_loadu_ps(src + j + 16));
    }
  }
}

// Tile and blocks, measured on the Zen 5 EPYC this was developed on (thread CPU time, single
// thread, the model shapes of apps/bench/gemm_bench.cpp): MR = 8 beat 10, 12 and 14 by 3-5 % in
// geometric mean (the batch of 64 divides into 8-row tiles; 16 accumulators are enough to hide the
// FMA latency on two pipes). Overridable at compile time for such experiments.
#ifndef HQC_GEMM_AVX512_MR
#define HQC_GEMM_AVX512_MR 8
#endif
#ifndef HQC_GEMM_AVX512_MC
#define HQC_GEMM_AVX512_MC 192
#endif
#ifndef HQC_GEMM_AVX512_KC
#define HQC_GEMM_AVX512_KC 256
#endif

// MC: the packed A block (MC, KC) stays in the 1 MiB L2 next to the B panel streaming through;
// KC: the B micro-panel (KC, 32) = 32 KiB at KC = 256 fits the 48 KiB L1d; NC: B block in L3.
constexpr int kMR = HQC_GEMM_AVX512_MR;
const hqc::detail::GemmInPlaceA kInPlaceA = {&kernel_in_place<kMR>, &kernel_narrow_in_place<kMR, 1>,
                                              &kernel_narrow_in_place<kMR, 2>, &kernel_rows_in_place<kMR>};
const hqc::detail::GemmKernel kKernel = {&kernel<kMR>,     &kernel_narrow<kMR, 1>, 16,  &pack_transposing,
                                         &pack_direct,     kMR,                    kNR, HQC_GEMM_AVX512_MC,
                                         HQC_GEMM_AVX512_KC, 4096,                 &kernel_rows<kMR>,
                                         &kernel_narrow<kMR, 2>, &kInPlaceA,     &pack_panels};

}  // namespace

namespace hqc::detail {
const GemmKernel* gemm_kernel_avx512() { return &kKernel; }
}  // namespace hqc::detail
