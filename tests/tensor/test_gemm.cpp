// GEMM: every transpose combination and SIMD level against the reference triple loop.
#include "helpers.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "tensor/gemm.hpp"
#include "tensor/parallel.hpp"

using namespace hqc;
using namespace hqc::test;

namespace {
std::vector<float> random_vec(int64_t n, uint64_t seed) {
  Generator g(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = 2 * g.uniform_float() - 1;
  return v;
}

// ldb = 0: one float past op(B)'s row length.
void check_gemm(SimdLevel level, bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, float beta,
                int64_t ldb = 0) {
  int64_t lda = (ta ? M : K) + 3, ldc = N + 2;  // padded leading dims
  if (ldb == 0) ldb = (tb ? K : N) + 1;
  auto A = random_vec((ta ? K : M) * lda, 1), B = random_vec((tb ? N : K) * ldb, 2), C0 = random_vec(M * ldc, 3);
  std::vector<float> C = C0, R = C0;
  sgemm_with(level, ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
  sgemm_reference(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, R.data(), ldc);
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      float tol = 2e-6f * static_cast<float>(K + 1) * (std::abs(alpha) + 1);
      if (!(std::abs(C[i * ldc + j] - R[i * ldc + j]) <= tol)) {
        FAIL_CHECK("C[" << i << "," << j << "] = " << C[i * ldc + j] << " vs " << R[i * ldc + j]);
        return;
      }
    }
    for (int64_t j = N; j < ldc; ++j) REQUIRE(C[i * ldc + j] == C0[i * ldc + j]);  // padding untouched
  }
}
}  // namespace

TEST_CASE("sgemm matches the reference for all transposes, levels and awkward sizes") {
  const std::vector<std::array<int64_t, 3>> shapes = {
      {1, 1, 1}, {1, 7, 3}, {5, 1, 9}, {3, 5, 1}, {17, 31, 13}, {64, 64, 64}, {97, 33, 129}, {130, 257, 67}};
  for (SimdLevel level : available_levels()) {
    for (auto [M, N, K] : shapes) {
      for (int t = 0; t < 4; ++t) {
        INFO("SIMD " << std::string(simd_name(level)));
        CAPTURE(M);
        CAPTURE(N);
        CAPTURE(K);
        CAPTURE(t);
        check_gemm(level, t & 1, t & 2, M, N, K, 1.0f, 0.0f);
      }
    }
    check_gemm(level, false, false, 33, 47, 29, 0.5f, 1.0f);
    check_gemm(level, true, true, 33, 47, 29, -1.5f, 0.25f);
  }
}

// The blocking parameters (AVX-512: MR 8, NR 32, MC 192, KC 256, NC 4096; AVX2: 6, 16, 144;
// portable: 4, 8, 128) put block edges at these sizes: one past a block, a tile short of one,
// several K blocks, a column block edge, single rows or columns (every tile an edge tile), and
// right-edge panels at most 16 wide (the AVX-512 narrow kernel).
TEST_CASE("sgemm matches the reference across micro-tile and cache-block edges") {
  const std::vector<std::array<int64_t, 3>> shapes = {
      {14, 32, 256}, {15, 33, 257}, {13, 31, 255}, {169, 40, 20}, {337, 9, 11}, {145, 17, 30},
      {6, 65, 513},  {1, 300, 70},  {300, 1, 70},  {1, 1, 600},   {4, 8, 1},    {5, 4097, 3},
      {29, 16, 2304}, {64, 96, 33}, {193, 20, 7}, {9, 35, 2}};
  for (SimdLevel level : available_levels()) {
    for (auto [M, N, K] : shapes) {
      for (int t = 0; t < 4; ++t) {
        INFO("SIMD " << std::string(simd_name(level)));
        CAPTURE(M);
        CAPTURE(N);
        CAPTURE(K);
        CAPTURE(t);
        check_gemm(level, t & 1, t & 2, M, N, K, 1.0f, 0.0f);
      }
    }
    // beta applies once even when K spans several blocks (later blocks accumulate).
    check_gemm(level, false, true, 20, 40, 700, 0.75f, -0.5f);
    check_gemm(level, true, false, 20, 40, 700, 2.0f, 1.0f);
  }
}

// Where the level has pack_panels (AVX-512, AVX2), an untransposed B's full micro-panels are copied
// eight at a time, row by row, then the right edge alone: when B is packed for several row blocks
// (M past AVX-512's MC of 192), and when a single row block copies B a few panels at a time because
// its rows alias in L1 (ldb 2048, 8 KiB apart, and a slab past 256 KiB; or ldb 2304, 9 KiB apart,
// with 16 row tiles or more on one thread). N = 549 and 1000 give
// groups of eight, a shorter last group and (549) a right-edge panel at every level's NR; the
// levels without pack_panels run the same products one panel at a time.
TEST_CASE("sgemm packs a wide B's panels in groups, then its right edge") {
  ThreadCountGuard guard;
  for (SimdLevel level : available_levels()) {
    for (int threads : {1, 2}) {
      set_num_threads(threads);
      INFO("SIMD " << std::string(simd_name(level)) << ", " << threads << " threads");
      for (int t = 0; t < 4; ++t) check_gemm(level, t & 1, t & 2, 200, 549, 40, 1.0f, 0.0f);
      check_gemm(level, false, false, 64, 1000, 300, 1.0f, 0.0f, 2048);
      check_gemm(level, true, false, 64, 1000, 300, 0.5f, 1.0f, 2048);
      // Rows 9 KiB apart (4 offsets in a 4 KiB way), 136 rows (17 tiles of 8): copied too, the
      // right-edge panel of N = 1000 packed alone.
      check_gemm(level, false, false, 136, 1000, 300, 1.0f, 0.0f, 2304);
    }
  }
}

// C's bottom-edge rows (fewer than a micro-tile: the AVX-512 edge kernel, the scratch tile
// elsewhere) against the same rows at the top of a product whose tiles are all full: the same FMAs
// in the same order, so the same bits, for beta 0 and 1 (C += A B), one and several K blocks,
// full-width and narrow right-edge panels, one thread and two.
TEST_CASE("sgemm's edge rows have the bits of the same rows in full tiles") {
  ThreadCountGuard guard;
  constexpr int64_t kFull = 64;  // rows of the full product: a multiple of every level's tile height
  for (SimdLevel level : available_levels()) {
    for (int threads : {1, 2}) {
      set_num_threads(threads);
      for (int64_t N : {32, 64, 40, 16})
        for (int64_t K : {1, 32, 300})
          for (float beta : {0.0f, 1.0f})
            for (int64_t M = 1; M <= 17; ++M) {
              INFO("SIMD " << std::string(simd_name(level)) << ", " << threads << " threads, M " << M << ", N " << N
                           << ", K " << K << ", beta " << beta);
              auto A = random_vec(kFull * K, 21 + uint64_t(M)), B = random_vec(K * N, 22), C0 = random_vec(kFull * N, 23);
              std::vector<float> full = C0, edge(C0.begin(), C0.begin() + M * N);
              sgemm_with(level, false, false, kFull, N, K, 1.0f, A.data(), K, B.data(), N, beta, full.data(), N);
              sgemm_with(level, false, false, M, N, K, 1.0f, A.data(), K, B.data(), N, beta, edge.data(), N);
              CHECK(std::memcmp(edge.data(), full.data(), edge.size() * sizeof(float)) == 0);
            }
    }
  }
}

TEST_CASE("sgemm's narrow right-edge panels have the bits of one row tile at a time") {
  // Panels at most half a tile wide may run two row tiles at once; each 8-row call below (the
  // AVX-512 tile height) has one.
  constexpr int64_t kTile = 8;
  ThreadCountGuard guard;
  set_num_threads(1);
  for (SimdLevel level : available_levels())
    for (int64_t N : {16, 8, 48, 36})
      for (int64_t M : {16, 24, 40})
        for (int64_t K : {7, 300})
          for (auto [alpha, beta] : {std::pair{1.0f, 0.0f}, {1.0f, 1.0f}, {0.75f, 0.5f}}) {
            INFO("SIMD " << std::string(simd_name(level)) << ", M " << M << ", N " << N << ", K " << K << ", alpha "
                         << alpha << ", beta " << beta);
            auto A = random_vec(M * K, 31), B = random_vec(K * N, 32), C0 = random_vec(M * N, 33);
            std::vector<float> whole = C0, by_tile = C0;
            sgemm_with(level, false, false, M, N, K, alpha, A.data(), K, B.data(), N, beta, whole.data(), N);
            for (int64_t i = 0; i < M; i += kTile)
              sgemm_with(level, false, false, kTile, N, K, alpha, A.data() + i * K, K, B.data(), N, beta,
                         by_tile.data() + i * N, N);
            CHECK(std::memcmp(whole.data(), by_tile.data(), whole.size() * sizeof(float)) == 0);
          }
}

TEST_CASE("sgemm reading A in place gives the bits of A packed") {
  // One column panel (N <= 32), or two and a small A: an untransposed A is read in place; the
  // transposed copy of the same matrix is always packed. Partial row tiles, narrow panels, one and
  // two K blocks, any alpha/beta.
  ThreadCountGuard guard;
  for (SimdLevel level : available_levels())
    for (int threads : {1, 2}) {
      set_num_threads(threads);
      for (int64_t N : {32, 16, 20, 5, 1, 64, 40})
        for (int64_t M : {1, 7, 8, 9, 15, 16, 17, 24, 49, 64})
          for (int64_t K : {7, 300})
            for (auto [alpha, beta] : {std::pair{1.0f, 0.0f}, {1.0f, 1.0f}, {0.75f, 0.5f}}) {
              INFO("SIMD " << std::string(simd_name(level)) << ", " << threads << " threads, M " << M << ", N " << N
                           << ", K " << K << ", alpha " << alpha << ", beta " << beta);
              auto A = random_vec(M * K, 41), B = random_vec(K * N, 42), C0 = random_vec(M * N, 43);
              std::vector<float> At(A.size());
              for (int64_t i = 0; i < M; ++i)
                for (int64_t k = 0; k < K; ++k) At[k * M + i] = A[i * K + k];
              std::vector<float> in_place = C0, packed = C0;
              sgemm_with(level, false, false, M, N, K, alpha, A.data(), K, B.data(), N, beta, in_place.data(), N);
              sgemm_with(level, true, false, M, N, K, alpha, At.data(), M, B.data(), N, beta, packed.data(), N);
              CHECK(std::memcmp(in_place.data(), packed.data(), in_place.size() * sizeof(float)) == 0);
            }
    }
}

TEST_CASE("sgemm with a large K stays within the accumulated rounding bound") {
  for (SimdLevel level : available_levels()) {
    INFO("SIMD " << std::string(simd_name(level)));
    check_gemm(level, false, false, 3, 5, 5000, 1.0f, 0.0f);
    check_gemm(level, true, true, 3, 5, 5000, 1.0f, 0.5f);
  }
}

TEST_CASE("sgemm with K = 0 or alpha = 0 only scales C and never reads A or B") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> A = {nan, nan, nan, nan}, B = {nan, nan, nan, nan};
  for (SimdLevel level : available_levels()) {
    INFO("SIMD " << std::string(simd_name(level)));
    std::vector<float> C = {1, 2, 3, 4};
    sgemm_with(level, false, false, 2, 2, 0, 1.0f, A.data(), 1, B.data(), 2, 0.5f, C.data(), 2);
    CHECK(C == std::vector<float>{0.5f, 1, 1.5f, 2});
    sgemm_with(level, false, false, 2, 2, 2, 0.0f, A.data(), 2, B.data(), 2, 2.0f, C.data(), 2);
    CHECK(C == std::vector<float>{1, 2, 3, 4});
    C = {nan, nan, nan, nan};
    sgemm_with(level, true, true, 2, 2, 2, 0.0f, A.data(), 2, B.data(), 2, 0.0f, C.data(), 2);
    CHECK(C == std::vector<float>{0, 0, 0, 0});
    sgemm_with(level, false, false, 0, 2, 2, 1.0f, A.data(), 2, B.data(), 2, 0.0f, C.data(), 2);  // M = 0
    CHECK(C == std::vector<float>{0, 0, 0, 0});
  }
}

TEST_CASE("sgemm rejects negative sizes and short leading dimensions naming both") {
  std::vector<float> A(16), B(16), C(16);
  CHECK_THROWS_WITH_AS(sgemm(false, false, -1, 2, 2, 1.0f, A.data(), 2, B.data(), 2, 0.0f, C.data(), 2),
                       doctest::Contains("negative dimension"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(sgemm(false, false, 2, 2, 3, 1.0f, A.data(), 2, B.data(), 2, 0.0f, C.data(), 2),
                       doctest::Contains("lda = 2 is smaller than the row length 3"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(sgemm(false, true, 2, 2, 3, 1.0f, A.data(), 3, B.data(), 2, 0.0f, C.data(), 2),
                       doctest::Contains("ldb = 2"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(sgemm(false, false, 2, 4, 3, 1.0f, A.data(), 3, B.data(), 4, 0.0f, C.data(), 3),
                       doctest::Contains("ldc = 3"), std::invalid_argument);
}

TEST_CASE("sgemm gives identical bits for any thread count") {
  // Wide (threads split columns) and tall (threads split rows), with K over several blocks.
  const std::vector<std::array<int64_t, 3>> shapes = {{70, 300, 600}, {300, 70, 600}};
  ThreadCountGuard guard;
  for (SimdLevel level : available_levels()) {
    for (auto [M, N, K] : shapes) {
      INFO("SIMD " << std::string(simd_name(level)));
      CAPTURE(M);
      auto A = random_vec(M * K, 11), B = random_vec(K * N, 12);
      std::vector<float> C1(M * N), Ct(M * N);
      set_num_threads(1);
      sgemm_with(level, false, true, M, N, K, 1.0f, A.data(), K, B.data(), K, 0.0f, C1.data(), N);
      for (int t : {2, 3, 4}) {
        set_num_threads(t);
        sgemm_with(level, false, true, M, N, K, 1.0f, A.data(), K, B.data(), K, 0.0f, Ct.data(), N);
        CHECK(Ct == C1);
      }
    }
  }
}

TEST_CASE("sgemm gives B's bits whether its rows alias in L1 (panels copied) or not (read in place)") {
  // An untransposed B under a single row block is read in place; with rows a multiple of 4 KiB
  // apart and a slab of over 256 KiB per thread its panels are copied one at a time first. Both
  // must give the bits of the same B stored densely, edge panel, several K blocks and beta included.
  for (SimdLevel level : available_levels()) {
    for (auto [M, N, K, ldb] : std::vector<std::array<int64_t, 4>>{
             {64, 700, 200, 1024}, {24, 1000, 300, 2048}, {32, 5000, 27, 5120}, {20, 33, 9, 4096}}) {
      INFO("SIMD " << std::string(simd_name(level)));
      CAPTURE(M);
      CAPTURE(ldb);
      auto A = random_vec(M * K, 21), B = random_vec(K * N, 22), C0 = random_vec(M * N, 23);
      std::vector<float> Bs(static_cast<size_t>(K * ldb), NAN);
      for (int64_t k = 0; k < K; ++k) std::copy(B.begin() + k * N, B.begin() + (k + 1) * N, Bs.begin() + k * ldb);
      for (float beta : {0.0f, 0.5f}) {
        std::vector<float> Cd = C0, Cs = C0, R = C0;
        sgemm_with(level, false, false, M, N, K, 1.0f, A.data(), K, B.data(), N, beta, Cd.data(), N);
        sgemm_with(level, false, false, M, N, K, 1.0f, A.data(), K, Bs.data(), ldb, beta, Cs.data(), N);
        CHECK(Cs == Cd);
        sgemm_reference(false, false, M, N, K, 1.0f, A.data(), K, B.data(), N, beta, R.data(), N);
        for (int64_t i = 0; i < M * N; ++i) REQUIRE(std::abs(Cs[i] - R[i]) <= 2e-6f * static_cast<float>(K + 2));
      }
    }
  }
}

TEST_CASE("sgemm with beta = 0 ignores NaN in C") {
  std::vector<float> A = {1, 2}, B = {3, 4}, C = {NAN};
  sgemm(false, false, 1, 1, 2, 1.0f, A.data(), 2, B.data(), 1, 0.0f, C.data(), 1);
  CHECK(C[0] == 11.0f);
}

TEST_CASE("sgemm gives identical bits for the same thread count") {
  int64_t M = 200, N = 150, K = 300;
  auto A = random_vec(M * K, 7), B = random_vec(K * N, 8);
  std::vector<float> C1(M * N), C2(M * N);
  sgemm(false, false, M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f, C1.data(), N);
  sgemm(false, false, M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f, C2.data(), N);
  CHECK(C1 == C2);
}

TEST_CASE("dgemm matches the float reference in double precision") {
  std::vector<double> A = {1, 2, 3, 4, 5, 6}, B = {7, 8, 9, 10, 11, 12}, C(4);
  dgemm(false, false, 2, 2, 3, 1.0, A.data(), 3, B.data(), 2, 0.0, C.data(), 2);
  CHECK(C == std::vector<double>{58, 64, 139, 154});
  dgemm(true, true, 2, 2, 3, 1.0, B.data(), 2, A.data(), 3, 0.0, C.data(), 2);  // (B^T A^T)
  CHECK(C == std::vector<double>{58, 139, 64, 154});
}

TEST_CASE("dgemm matches a long-double triple loop for all transposes, alpha and beta") {
  const int64_t M = 13, N = 9, K = 21;
  Generator g(5);
  std::vector<double> A(K * M), B(K * N), C0(M * N);
  for (auto& x : A) x = g.uniform_float() - 0.5;
  for (auto& x : B) x = g.uniform_float() - 0.5;
  for (auto& x : C0) x = g.uniform_float() - 0.5;
  for (int t = 0; t < 4; ++t) {
    const bool ta = t & 1, tb = t & 2;
    std::vector<double> C = C0;
    dgemm(ta, tb, M, N, K, 1.5, A.data(), ta ? M : K, B.data(), tb ? K : N, -0.5, C.data(), N);
    for (int64_t i = 0; i < M; ++i) {
      for (int64_t j = 0; j < N; ++j) {
        long double acc = 0;
        for (int64_t k = 0; k < K; ++k)
          acc += static_cast<long double>(ta ? A[k * M + i] : A[i * K + k]) * (tb ? B[j * K + k] : B[k * N + j]);
        CHECK(std::abs(static_cast<double>(1.5L * acc - 0.5L * C0[i * N + j]) - C[i * N + j]) < 1e-13);
      }
    }
  }
}

TEST_CASE("sgemm_packed gives sgemm's bits, for every transpose, level and thread count") {
  // Shapes across tile and cache-block edges: M not a multiple of any MR, K over several K blocks,
  // tall (threads split rows of the packed A) and wide (threads split columns).
  const std::vector<std::array<int64_t, 3>> shapes = {{1, 1, 1},     {13, 40, 7},   {70, 300, 600}, {300, 70, 600},
                                                      {33, 17, 257}, {200, 9, 1000}, {6, 5, 0},      {0, 5, 3}};
  SimdLevelGuard level_guard;
  ThreadCountGuard thread_guard;
  for (SimdLevel level : available_levels()) {
    set_simd_level(level);
    for (auto [M, N, K] : shapes)
      for (bool ta : {false, true})
        for (bool tb : {false, true})
          for (int threads : {1, 2, 3}) {
            INFO("SIMD " << std::string(simd_name(level)));
            CAPTURE(M);
            CAPTURE(N);
            CAPTURE(K);
            CAPTURE(ta);
            CAPTURE(tb);
            CAPTURE(threads);
            set_num_threads(threads);
            const int64_t lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 1, ldc = N + 2;
            auto A = random_vec((ta ? K : M) * lda, 21), B = random_vec((tb ? N : K) * ldb, 22);
            auto C = random_vec(M * ldc, 23);
            std::vector<float> want = C;
            sgemm(ta, tb, M, N, K, 0.5f, A.data(), lda, B.data(), ldb, 0.25f, want.data(), ldc);
            std::vector<float> storage(sgemm_packed_a_floats(M, K) + 16, NAN);
            float* aligned = storage.data() + (16 - reinterpret_cast<std::uintptr_t>(storage.data()) / 4 % 16) % 16;
            const SgemmPackedA packed = sgemm_pack_a(ta, M, K, A.data(), lda, aligned);
            sgemm_packed(packed, tb, N, 0.5f, B.data(), ldb, 0.25f, C.data(), ldc);
            CHECK(C == want);  // bit for bit, padding columns included
          }
  }
}

TEST_CASE("sgemm_packed refuses panels packed under another SIMD level") {
  if (available_levels().size() < 2) HQC_SKIP("this CPU and build have only one SIMD level");
  SimdLevelGuard guard;
  std::vector<float> A = {1, 2, 3, 4}, B = {1, 1}, C(2);
  set_simd_level(SimdLevel::scalar);
  std::vector<float> storage(sgemm_packed_a_floats(2, 2));
  const SgemmPackedA packed = sgemm_pack_a(false, 2, 2, A.data(), 2, storage.data());
  set_simd_level(available_levels().back());
  CHECK_THROWS_WITH_AS(sgemm_packed(packed, false, 1, 1.0f, B.data(), 1, 0.0f, C.data(), 1),
                       doctest::Contains("packed for SIMD level scalar"), std::invalid_argument);
}

TEST_CASE("stranspose equals the definition at every SIMD level and rejects bad sizes") {
  // rows x cols, src rows lds = cols + 5 apart: single entries, under and over a 16 x 16 block, the
  // channel counts a convolution lays out channels-last.
  const std::vector<std::array<int64_t, 2>> shapes = {{1, 1}, {3, 17}, {16, 16}, {8, 196}, {33, 70}, {64, 23}};
  for (SimdLevel level : available_levels()) {
    for (auto [rows, cols] : shapes) {
      INFO("SIMD " << std::string(simd_name(level)));
      CAPTURE(rows);
      CAPTURE(cols);
      const int64_t lds = cols + 5;
      const auto src = random_vec(rows * lds, 4);
      std::vector<float> dst(static_cast<size_t>(rows * cols), -7.0f);
      stranspose_with(level, rows, cols, src.data(), lds, dst.data());
      int64_t wrong = 0;
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j) wrong += dst[j * rows + i] != src[i * lds + j];
      CHECK(wrong == 0);
    }
  }
  float x = 0;
  CHECK_THROWS_AS(stranspose(2, 3, &x, 2, &x), std::invalid_argument);
  CHECK_THROWS_AS(stranspose(-1, 3, &x, 3, &x), std::invalid_argument);
}
