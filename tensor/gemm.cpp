// gemm.cpp — the blocked float32 GEMM driver, its portable micro-kernel, the reference triple
// loop and the float64 GEMM.
//
// sgemm follows the GotoBLAS/BLIS loop nest. For each column block of C (NC wide) and each K block
// (KC deep), a (KC, NC) slab of op(B) is packed into micro-panels of NR columns; for each row block
// (MC tall) an (MC, KC) slab of op(A) is packed into micro-panels of MR rows; then the
// micro-kernel computes every MR x NR tile of C from one A and one B micro-panel. Transposes are
// absorbed by the packing, so one kernel serves all four cases. Tiles that hang over the edge of
// C are computed into a scratch tile and copied back (or, where the ISA has one, go to an edge
// kernel for their rows). Shortcuts for the model shapes: when a single row block covers the slice
// (batch-64 layers, per-image convolutions) an untransposed B is read in place instead of packed;
// when one column panel does, or two and a small A (Winograd products, narrow layers), an
// untransposed A is, where the ISA has kernels for it; and a right-edge panel at most half a tile
// wide goes to a narrow kernel, two row tiles at a time, where the ISA has one. The sums of each
// element of C are the same FMAs in the same order whichever kernel computes them.
//
// Threads take fixed, tile-aligned slices of C's columns (or rows, whichever dimension is longer)
// and run the whole loop nest on their slice with their own packing buffers. K is blocked the same
// way whatever the slicing, so every element of C sees the same sequence of operations: the result
// does not depend on the number of threads at all.
#include "tensor/gemm.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "tensor/gemm_kernel.hpp"
#include "tensor/parallel.hpp"

namespace hqc {

namespace {

// ---------------------------------------------------------------------------------------------
// The portable micro-kernel: a 4 x 8 tile in plain C++ (the j loops vectorise under any flags).
constexpr int kPortableMR = 4;
constexpr int kPortableNR = 8;

void portable_kernel(int64_t kc, const float* a, const float* b, int64_t ldb, float* c, int64_t ldc,
                     float alpha, float beta) {
  float acc[kPortableMR][kPortableNR] = {};
  for (int64_t k = 0; k < kc; ++k) {
    for (int i = 0; i < kPortableMR; ++i)
      for (int j = 0; j < kPortableNR; ++j) acc[i][j] += a[i] * b[j];
    a += kPortableMR;
    b += ldb;
  }
  for (int i = 0; i < kPortableMR; ++i) {
    float* ci = c + i * ldc;
    if (beta == 0.0f) {
      for (int j = 0; j < kPortableNR; ++j) ci[j] = alpha * acc[i][j];
    } else {
      for (int j = 0; j < kPortableNR; ++j) ci[j] = alpha * acc[i][j] + beta * ci[j];
    }
  }
}

// Portable packing (see GemmPack). The transposing one works in blocks of 8 k so that the rows it
// reads and the dst lines it writes both stay in L1.
void portable_pack_transposing(const float* src, int64_t ld, int64_t rows, int64_t kc, int64_t width,
                               float* dst) {
  for (int64_t k0 = 0; k0 < kc; k0 += 8) {
    const int64_t kn = std::min<int64_t>(8, kc - k0);
    for (int64_t i = 0; i < rows; ++i) {
      const float* s = src + i * ld + k0;
      for (int64_t k = 0; k < kn; ++k) dst[(k0 + k) * width + i] = s[k];
    }
    for (int64_t k = 0; k < kn; ++k)
      for (int64_t i = rows; i < width; ++i) dst[(k0 + k) * width + i] = 0.0f;
  }
}

void portable_pack_direct(const float* src, int64_t ld, int64_t rows, int64_t kc, int64_t width, float* dst) {
  for (int64_t k = 0; k < kc; ++k) {
    const float* s = src + k * ld;
    float* d = dst + k * width;
    for (int64_t i = 0; i < rows; ++i) d[i] = s[i];
    for (int64_t i = rows; i < width; ++i) d[i] = 0.0f;
  }
}

const detail::GemmKernel kPortable = {&portable_kernel,           nullptr,     0,
                                      &portable_pack_transposing, &portable_pack_direct,
                                      kPortableMR,                kPortableNR, 128, 256, 4096,
                                      nullptr,                    nullptr,     nullptr,
                                      nullptr};

const detail::GemmKernel& gemm_kernel(SimdLevel level) {
  if (!simd_available(level))
    throw std::invalid_argument(std::string("sgemm: SIMD level ") + simd_name(level) +
                                " is not available on this CPU or build");
#ifdef HQC_X86_SIMD
  if (level == SimdLevel::avx512) return *detail::gemm_kernel_avx512();
  if (level == SimdLevel::avx2) return *detail::gemm_kernel_avx2();
#endif
#ifdef HQC_ARM_NEON
  if (level == SimdLevel::neon) return *detail::gemm_kernel_neon();
#endif
  return kPortable;
}

// ---------------------------------------------------------------------------------------------
// Packing buffers: one pair per thread, grown on demand and kept, 64-byte aligned.
struct AlignedBuffer {
  float* data = nullptr;
  std::size_t size = 0;
  AlignedBuffer() = default;
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer() { ::operator delete[](data, std::align_val_t{64}); }
  float* get(std::size_t n) {
    if (n > size) {
      ::operator delete[](data, std::align_val_t{64});
      data = nullptr;
      data = static_cast<float*>(::operator new[](n * sizeof(float), std::align_val_t{64}));
      size = n;
    }
    return data;
  }
};

struct PackBuffers {
  AlignedBuffer a, b;
  alignas(64) float tile[32 * 32];  // scratch for edge tiles: every kernel has MR, NR <= 32
};

PackBuffers& pack_buffers() {
  thread_local PackBuffers buffers;
  return buffers;
}

// dst (ceil(mc / MR) panels, kc, MR) <- op(A)[i0 : i0 + mc, p0 : p0 + kc], rows past mc zero.
void pack_a(const detail::GemmKernel& kern, bool ta, const float* A, int64_t lda, int64_t i0, int64_t mc,
            int64_t p0, int64_t kc, float* dst) {
  const int mr = kern.mr;
  for (int64_t ir = 0; ir < mc; ir += mr, dst += kc * mr) {
    const int64_t rows = std::min<int64_t>(mr, mc - ir);
    if (ta)  // A stored (K, M)
      kern.pack_direct(A + p0 * lda + i0 + ir, lda, rows, kc, mr, dst);
    else  // A stored (M, K)
      kern.pack_transposing(A + (i0 + ir) * lda + p0, lda, rows, kc, mr, dst);
  }
}

// Panels of an untransposed B copied together, row by row (kern.pack_panels): runs of 1 KiB a row at
// AVX-512's NR. Measured on a 2-core Xeon VM (Granite Rapids class, 2 MiB L2; hqc bench's GEMM
// figures, one thread, three runs alternated with the panel-at-a-time copy): the 4096 -> 1024 linear
// layer's input gradient 69-70 -> 102-108 GFLOP/s, the 2048 -> 512 one 89 -> 103-110, STL-10's
// 256 <- 128 convolution 134-138 -> 144-147, the other shapes within the runs' 5 % noise.
constexpr int64_t kPanelsPerCopy = 8;

// dst (ceil(nc / NR) panels, kc, NR) <- op(B)[p0 : p0 + kc, j0 : j0 + nc], columns past nc zero.
void pack_b(const detail::GemmKernel& kern, bool tb, const float* B, int64_t ldb, int64_t p0, int64_t kc,
            int64_t j0, int64_t nc, float* dst) {
  const int nr = kern.nr;
  int64_t jr = 0;
  if (!tb && kern.pack_panels) {
    const int64_t full = nc - nc % nr;
    for (; jr < full; jr += kPanelsPerCopy * nr)
      kern.pack_panels(B + p0 * ldb + j0 + jr, ldb, kc, std::min(kPanelsPerCopy * nr, full - jr), dst + jr * kc);
    jr = full;
  }
  for (dst += jr * kc; jr < nc; jr += nr, dst += kc * nr) {
    const int64_t cols = std::min<int64_t>(nr, nc - jr);
    if (tb)  // B stored (N, K)
      kern.pack_transposing(B + (j0 + jr) * ldb + p0, ldb, cols, kc, nr, dst);
    else  // B stored (K, N)
      kern.pack_direct(B + p0 * ldb + j0 + jr, ldb, cols, kc, nr, dst);
  }
}

// Integer divisions cost 10-20 cycles each on current cores, and a call of sgemm sizes its blocks
// with a dozen of them: 60 % of the 80 ns a small product (the Winograd passes of a batch-1
// inference make 16 an MNIST layer) spent outside its kernel. Tile sizes are powers of two on
// every level but AVX2's MR (6), and extents usually fit one block.
int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t round_up(int64_t a, int64_t b) { return (b & (b - 1)) == 0 ? (a + b - 1) & -b : ceil_div(a, b) * b; }

// Splits `extent` into equal blocks of at most `max_block`, each a multiple of `unit` (the last
// may be shorter): even blocks avoid a thin remainder block.
int64_t block_size(int64_t extent, int64_t max_block, int64_t unit) {
  if (extent <= max_block) return round_up(extent, unit);  // one block: what the general form gives
  int64_t blocks = ceil_div(extent, max_block);
  return std::min(round_up(ceil_div(extent, blocks), unit), round_up(max_block, unit));
}

struct GemmArgs {
  bool ta, tb;
  int64_t M, N, K;
  float alpha;
  const float* A;
  int64_t lda;
  const float* B;
  int64_t ldb;
  float beta;
  float* C;
  int64_t ldc;
  const float* packed_a = nullptr;  // op(A) already packed (sgemm_pack_a's layout), or null
};

// The packed layout of op(A): one slab per K block (block_size(K, kc, 1) deep), each holding all of
// op(A)'s rows as MR-row panels (kc, MR), M padded to a multiple of MR. The panels of rows i0.. (a
// multiple of MR) in the K block starting at p0, kc deep, are at p0 * padded M + i0 * kc.
int64_t padded_rows(const detail::GemmKernel& kern, int64_t M) { return round_up(M, kern.mr); }

// Whether B's slab (kc rows of nc floats, ldb floats apart) is better copied a few micro-panels at
// a time than read in place: when its rows are a multiple of 4 KiB apart, every row of a micro-panel
// falls in the same L1 sets (64 sets of 64-byte lines in every 32-48 KiB L1d), which hold only a
// few of them beside the A panel and the C tile; each row tile then fetches the panel again from
// L2 or beyond. Measured on the Zen 5 EPYC (gemm_bench, 1 thread, medians of alternated runs;
// apps/bench/results/2026-12-02-second-host/): a copy pays where the slab is too large to stay in L2
// (STL-10's first convolution, 9216 pixels a row: 95 -> 131 GFLOP/s; the 4096-wide linear input
// gradient: 117 -> 127; the 2048-wide one unchanged) and costs where it stays (CIFAR's first
// convolution, 1024 pixels: 146 -> 115), as it does for rows in two sets (512-wide input gradient:
// 204 -> 170).
// Rows a multiple of 2 KiB, 1 KiB, ... (not 4) apart start at 2, 4, ... offsets in a 4 KiB way and
// alias the same way in that many times the sets: copied too when the panel's rows overflow them
// and the slice has the row tiles (kMinRowTiles) to reuse the copy. On the Xeon (hqc bench,
// alternated, 3 runs): STL-10's 128 <- 64 (128 rows 9 KiB apart) 123-126 -> 129-130 GFLOP/s on one
// thread, 202-211 -> 222-254 on two; the 512-wide linear input gradient (64 rows 2 KiB apart),
// 150 -> 141 with a copy, keeps reading B in place.
bool copy_b_panels(int64_t ldb, int64_t kc, int64_t nc, int64_t row_tiles) {
  constexpr int64_t kAliasingStride = 4096, kWaysToSpare = 8, kL2Share = 256 * 1024, kMinRowTiles = 16;
  const int64_t row_bytes = ldb * static_cast<int64_t>(sizeof(float));
  const int64_t offsets = kAliasingStride / std::gcd(row_bytes, kAliasingStride);  // 1, 2, 4, ... 1024
  return kc > kWaysToSpare * offsets && kc * nc * static_cast<int64_t>(sizeof(float)) > kL2Share &&
         (offsets == 1 || row_tiles >= kMinRowTiles);
}

// The loop nest over C[m0 : m1, n0 : n1] (m0, n0 tile-aligned).
void gemm_slice(const detail::GemmKernel& kern, const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0,
                int64_t n1) {
  const int mr = kern.mr, nr = kern.nr;
  PackBuffers& buf = pack_buffers();
  const int64_t kc_max = block_size(g.K, kern.kc, 1);  // depends on K only: same for every slice
  const int64_t mc_max = block_size(m1 - m0, kern.mc, mr);
  const int64_t nc_max = block_size(n1 - n0, kern.nc, nr);
  float* bpack = buf.b.get(static_cast<std::size_t>(kc_max * round_up(nc_max, nr)));
  float* apack = g.packed_a ? nullptr : buf.a.get(static_cast<std::size_t>(kc_max * round_up(mc_max, mr)));
  const int64_t m_padded = padded_rows(kern, g.M);
  float* tile = buf.tile;

  // With a single row block, every B element is used by this slice's one pass over its row tiles:
  // packing B would copy the whole slab only to read it back once, so an untransposed B is read in
  // place (only a right-edge panel narrower than NR is still packed, zero-padded) — or, when its
  // rows alias in L1 (copy_b_panels), copied a few panels at a time (kPanelsPerCopy) just before the
  // row tiles use them.
  const bool direct_b = !g.tb && m1 - m0 <= mc_max;
  // Likewise with a single column panel every A element is used by one tile, and with two a block
  // that stays in L1 (32 KiB) is read twice from there: an untransposed A is read in place where the
  // ISA has kernels for it, except for a partial row tile none of them takes, packed alone (zero
  // rows past M). MNIST classical, batch 1, 2 threads (the Winograd products 49 x 32 x 32 of one
  // panel): 29.2-29.5 -> 27.7-28.1 us; 1 thread (49 x 64 x 32, two panels): 43.4-43.9 -> 42.1-42.8.
  constexpr int64_t kL1Floats = 8192;
  const bool a_in_place = kern.a_in_place && !g.packed_a && !g.ta &&
                          (n1 - n0 <= nr || (n1 - n0 <= 2 * nr && mc_max * kc_max <= kL1Floats));
  static constexpr detail::GemmInPlaceA kNone = {};
  const detail::GemmInPlaceA& in_place_a = a_in_place ? *kern.a_in_place : kNone;

  for (int64_t jc = n0; jc < n1; jc += nc_max) {
    const int64_t nc = std::min(nc_max, n1 - jc);
    for (int64_t pc = 0; pc < g.K; pc += kc_max) {
      const int64_t kc = std::min(kc_max, g.K - pc);
      const float beta = pc == 0 ? g.beta : 1.0f;  // later K blocks accumulate
      const bool pack_each = direct_b && m1 - m0 > mr && copy_b_panels(g.ldb, kc, nc, (m1 - m0) / mr);
      if (!direct_b) {
        pack_b(kern, g.tb, g.B, g.ldb, pc, kc, jc, nc, bpack);
      } else if (nc % nr != 0) {
        const int64_t jr = nc - nc % nr;
        pack_b(kern, false, g.B, g.ldb, pc, kc, jc + jr, nc - jr, bpack + jr * kc);
      }
      for (int64_t ic = m0; ic < m1; ic += mc_max) {
        const int64_t mc = std::min(mc_max, m1 - ic);
        const float* a_block = g.packed_a ? g.packed_a + pc * m_padded + ic * kc : apack;
        if (!g.packed_a && !a_in_place) pack_a(kern, g.ta, g.A, g.lda, ic, mc, pc, kc, apack);
        for (int64_t jr = 0; jr < nc; jr += nr) {
          const int64_t cols = std::min<int64_t>(nr, nc - jr);
          bool in_place = direct_b && cols == nr;
          if (in_place && pack_each) {
            if (jr % (kPanelsPerCopy * nr) == 0)  // this panel and the next few (pack_b's runs)
              pack_b(kern, false, g.B, g.ldb, pc, kc, jc + jr, std::min(kPanelsPerCopy * nr, nc - nc % nr - jr),
                     bpack + jr * kc);
            in_place = false;
          }
          const float* bp = in_place ? g.B + pc * g.ldb + jc + jr : bpack + jr * kc;
          const int64_t ldb = in_place ? g.ldb : nr;
          const bool narrow = kern.kernel_narrow && cols <= kern.nr_narrow;
          const int64_t width = narrow ? kern.nr_narrow : nr;
          const bool rows_kernel =
              kern.kernel_rows && !narrow && cols == nr && g.alpha == 1.0f && (beta == 0.0f || beta == 1.0f);
          // C rows [i, i + rows) of this panel from the scratch tile the kernel wrote.
          auto store_tile = [&](float* c, int64_t rows) {
            for (int64_t i = 0; i < rows; ++i) {
              float* ci = c + i * g.ldc;
              const float* ti = tile + i * nr;
              if (beta == 0.0f) {
                for (int64_t j = 0; j < cols; ++j) ci[j] = g.alpha * ti[j];
              } else {
                for (int64_t j = 0; j < cols; ++j) ci[j] = g.alpha * ti[j] + beta * ci[j];
              }
            }
          };
          for (int64_t ir = 0; ir < mc; ir += mr) {
            const int64_t rows = std::min<int64_t>(mr, mc - ir);
            float* c = g.C + (ic + ir) * g.ldc + jc + jr;
            const bool here = a_in_place && (rows == mr || rows_kernel);
            const float* ap = here ? g.A + (ic + ir) * g.lda + pc : a_block + ir * kc;
            if (a_in_place && !here) {
              pack_a(kern, false, g.A, g.lda, ic + ir, rows, pc, kc, apack);
              ap = apack;
            }
            // The packed kernel `packed` or its in-place twin on this tile.
            auto run = [&](detail::GemmMicroKernel packed, auto twin, float* dst, int64_t ldd, float alpha, float b) {
              if (here)
                twin(kc, ap, g.lda, bp, ldb, dst, ldd, alpha, b);
              else
                packed(kc, ap, bp, ldb, dst, ldd, alpha, b);
            };
            if (narrow && kern.kernel_narrow_pair && mc - ir >= 2 * mr) {  // two full row tiles
              if (cols == width) {
                run(kern.kernel_narrow_pair, in_place_a.kernel_narrow_pair, c, g.ldc, g.alpha, beta);
              } else {
                run(kern.kernel_narrow_pair, in_place_a.kernel_narrow_pair, tile, nr, 1.0f, 0.0f);
                store_tile(c, 2 * mr);
              }
              ir += mr;
              continue;
            }
            const detail::GemmMicroKernel kernel = narrow ? kern.kernel_narrow : kern.kernel;
            const auto twin = narrow ? in_place_a.kernel_narrow : in_place_a.kernel;
            if (rows == mr && cols == width) {
              run(kernel, twin, c, g.ldc, g.alpha, beta);
              continue;
            }
            if (rows_kernel) {
              if (here)
                in_place_a.kernel_rows(static_cast<int>(rows), kc, ap, g.lda, bp, ldb, c, g.ldc, beta == 1.0f);
              else
                kern.kernel_rows(static_cast<int>(rows), kc, ap, bp, ldb, c, g.ldc, beta == 1.0f);
              continue;
            }
            run(kernel, twin, tile, nr, 1.0f, 0.0f);
            store_tile(c, rows);
          }
        }
      }
    }
  }
}

// C = beta * C, for K = 0 or alpha = 0 (A and B are then not read, as in BLAS).
void scale_c(int64_t M, int64_t N, float beta, float* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    float* c = C + i * ldc;
    if (beta == 0.0f) {
      std::fill(c, c + N, 0.0f);
    } else if (beta != 1.0f) {
      for (int64_t j = 0; j < N; ++j) c[j] *= beta;
    }
  }
}

// ---------------------------------------------------------------------------------------------
template <typename T>
void gemm_plain(bool ta, bool tb, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
                const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      T acc = 0;
      for (int64_t k = 0; k < K; ++k) {
        T a = ta ? A[k * lda + i] : A[i * lda + k];
        T b = tb ? B[j * ldb + k] : B[k * ldb + j];
        acc += a * b;
      }
      C[i * ldc + j] = beta == T(0) ? alpha * acc : alpha * acc + beta * C[i * ldc + j];
    }
  }
}

void check_args(const char* op, bool ta, bool tb, int64_t M, int64_t N, int64_t K, int64_t lda, int64_t ldb,
                int64_t ldc) {
  if (M < 0 || N < 0 || K < 0)
    throw std::invalid_argument(std::string(op) + ": negative dimension (M=" + std::to_string(M) +
                                ", N=" + std::to_string(N) + ", K=" + std::to_string(K) + ")");
  auto check_ld = [&](const char* name, int64_t ld, int64_t cols) {
    if (ld < std::max<int64_t>(cols, 1))
      throw std::invalid_argument(std::string(op) + ": " + name + " = " + std::to_string(ld) +
                                  " is smaller than the row length " + std::to_string(cols));
  };
  check_ld("lda", lda, ta ? M : K);
  check_ld("ldb", ldb, tb ? K : N);
  check_ld("ldc", ldc, N);
}

// The threaded driver, for M, N, K > 0 and alpha != 0.
void run_gemm(const detail::GemmKernel& kern, const GemmArgs& g) {
  const int64_t M = g.M, N = g.N, K = g.K;
  // Slice the longer of C's dimensions into tile-aligned pieces; the other operand's packing is
  // then the part repeated by every thread. Each piece should carry enough work to outweigh waking
  // a thread: 0.5 MFLOP, ~2 us of one Zen 5 core against a hand-off of well under 1 us on an idle
  // machine. At 8 MFLOP the MNIST model's 7-MFLOP convolution GEMMs ran on one thread of two
  // (gemm_bench, 2 threads: 64<-32 185 -> 286 GFLOP/s at 2 MFLOP); from 2 to 0.5 MFLOP the 1.8-MFLOP
  // products went to two threads (32 x 196 x 144: 213 -> 351 GFLOP/s; 32 x 1024 x 27: 169 -> 326).
  // Slicing changes no bits (see the file's header).
  const double flops = 2.0 * static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  const double min_flops_per_chunk = 1 << 19;
  // Under two chunks' work the split is one slice whatever the thread count: run it here.
  if (flops < 2 * min_flops_per_chunk) return gemm_slice(kern, g, 0, M, 0, N);
  const bool split_n = N >= M;
  const int64_t unit = split_n ? kern.nr : kern.mr;
  const int64_t units = ceil_div(split_n ? N : M, unit);
  const int64_t grain =
      std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(units) * min_flops_per_chunk / flops));
  // One pointer captured: the closure fits std::function's inline buffer (six references were a
  // heap allocation a call).
  const struct {
    const detail::GemmKernel& kern;
    const GemmArgs& g;
    bool split_n;
    int64_t unit;
  } s{kern, g, split_n, unit};
  parallel_for(units, grain, [p = &s](int64_t u0, int64_t u1) {
    if (p->split_n)
      gemm_slice(p->kern, p->g, 0, p->g.M, u0 * p->unit, std::min(p->g.N, u1 * p->unit));
    else
      gemm_slice(p->kern, p->g, u0 * p->unit, std::min(p->g.M, u1 * p->unit), 0, p->g.N);
  });
}

}  // namespace

void sgemm_reference(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                     int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  check_args("sgemm_reference", ta, tb, M, N, K, lda, ldb, ldc);
  gemm_plain<float>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

// float64: row-by-row axpy form (op(A)[i, k] times row k of op(B)), B transposed once if needed.
// Only gradient checks use it, on small shapes.
void dgemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t lda,
           const double* B, int64_t ldb, double beta, double* C, int64_t ldc) {
  check_args("dgemm", ta, tb, M, N, K, lda, ldb, ldc);
  std::vector<double> bt;
  if (tb && M > 0 && N > 0 && K > 0) {
    bt.resize(static_cast<std::size_t>(K * N));
    for (int64_t j = 0; j < N; ++j)
      for (int64_t k = 0; k < K; ++k) bt[k * N + j] = B[j * ldb + k];
    B = bt.data();
    ldb = N;
  }
  const int64_t grain = std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, N * K));
  parallel_for(M, grain, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      double* c = C + i * ldc;
      if (beta == 0.0) {
        std::fill(c, c + N, 0.0);
      } else if (beta != 1.0) {
        for (int64_t j = 0; j < N; ++j) c[j] *= beta;
      }
      if (alpha == 0.0) continue;
      for (int64_t k = 0; k < K; ++k) {
        const double a = alpha * (ta ? A[k * lda + i] : A[i * lda + k]);
        const double* b = B + k * ldb;
        for (int64_t j = 0; j < N; ++j) c[j] += a * b[j];
      }
    }
  });
}

void sgemm_with(SimdLevel level, bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha,
                const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  check_args("sgemm", ta, tb, M, N, K, lda, ldb, ldc);
  const detail::GemmKernel& kern = gemm_kernel(level);
  if (M == 0 || N == 0) return;
  if (K == 0 || alpha == 0.0f) {
    scale_c(M, N, beta, C, ldc);
    return;
  }
  run_gemm(kern, GemmArgs{ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc});
}

int64_t sgemm_packed_a_floats(int64_t M, int64_t K) {
  return padded_rows(gemm_kernel(simd_level()), std::max<int64_t>(M, 0)) * std::max<int64_t>(K, 0);
}

SgemmPackedA sgemm_pack_a(bool ta, int64_t M, int64_t K, const float* A, int64_t lda, float* storage) {
  check_args("sgemm_pack_a", ta, false, M, 1, K, lda, 1, 1);
  const SimdLevel level = simd_level();
  if (M == 0 || K == 0) return {storage, M, K, level};  // nothing to pack (sgemm_packed only scales C)
  const detail::GemmKernel& kern = gemm_kernel(level);
  const int64_t kc_max = block_size(K, kern.kc, 1), m_padded = padded_rows(kern, M);
  const int64_t panels = ceil_div(M, kern.mr);
  // Packing is a copy: threads only for weights of a MiB or more.
  const int64_t grain = std::max<int64_t>(1, panels * (int64_t(1) << 18) / std::max<int64_t>(1, m_padded * K));
  parallel_for(panels, grain, [&](int64_t p0, int64_t p1) {
    const int64_t i0 = p0 * kern.mr, rows = std::min(M, p1 * kern.mr) - i0;
    for (int64_t pc = 0; pc < K; pc += kc_max) {
      const int64_t kc = std::min(kc_max, K - pc);
      pack_a(kern, ta, A, lda, i0, rows, pc, kc, storage + pc * m_padded + i0 * kc);
    }
  });
  return {storage, M, K, level};
}

void sgemm_packed(const SgemmPackedA& a, bool tb, int64_t N, float alpha, const float* B, int64_t ldb, float beta,
                  float* C, int64_t ldc) {
  if (a.level != simd_level())
    throw std::invalid_argument(std::string("sgemm_packed: A was packed for SIMD level ") + simd_name(a.level) +
                                ", now in use is " + simd_name(simd_level()));
  check_args("sgemm_packed", false, tb, a.M, N, a.K, std::max<int64_t>(a.K, 1), ldb, ldc);
  if (a.M == 0 || N == 0) return;
  if (a.K == 0 || alpha == 0.0f) {
    scale_c(a.M, N, beta, C, ldc);
    return;
  }
  GemmArgs g{false, tb, a.M, N, a.K, alpha, nullptr, a.K, B, ldb, beta, C, ldc};
  g.packed_a = a.panels;
  run_gemm(gemm_kernel(a.level), g);
}

void stranspose_with(SimdLevel level, int64_t rows, int64_t cols, const float* src, int64_t lds, float* dst) {
  if (rows < 0 || cols < 0 || lds < std::max<int64_t>(cols, 1))
    throw std::invalid_argument("stranspose: negative size or row stride shorter than a row");
  if (rows == 0 || cols == 0) return;
  gemm_kernel(level).pack_transposing(src, lds, rows, cols, rows, dst);
}

void stranspose(int64_t rows, int64_t cols, const float* src, int64_t lds, float* dst) {
  stranspose_with(simd_level(), rows, cols, src, lds, dst);
}

void sgemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  sgemm_with(simd_level(), ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace hqc
