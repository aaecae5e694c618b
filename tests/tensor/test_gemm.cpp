// GEMM: every transpose combination and SIMD level against the reference triple loop.
#include "helpers.hpp"

#include <cmath>

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

void check_gemm(SimdLevel level, bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, float beta) {
  int64_t lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 1, ldc = N + 2;  // padded leading dims
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
        CAPTURE(simd_name(level));
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
