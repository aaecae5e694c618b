// gemm.cpp — the reference GEMM, float64 GEMM, and the float32 entry point.
#include "tensor/gemm.hpp"

#include <stdexcept>
#include <vector>

#include "tensor/parallel.hpp"

namespace hqc {

namespace {
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

// Row-panel GEMM: each output row is a sum of rows of op(B) scaled by op(A)'s entries; B is
// transposed once into a contiguous copy when needed. Threads split the rows of C.
template <typename T, typename Axpy>
void gemm_rows(bool ta, bool tb, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
               const T* B, int64_t ldb, T beta, T* C, int64_t ldc, Axpy axpy) {
  std::vector<T> bt;
  if (tb) {
    bt.resize(static_cast<std::size_t>(K * N));
    for (int64_t k = 0; k < K; ++k)
      for (int64_t j = 0; j < N; ++j) bt[k * N + j] = B[j * ldb + k];
    B = bt.data();
    ldb = N;
  }
  parallel_for(M, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, N * K / 64 + 1)), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      T* c = C + i * ldc;
      if (beta == T(0)) {
        for (int64_t j = 0; j < N; ++j) c[j] = 0;
      } else if (beta != T(1)) {
        for (int64_t j = 0; j < N; ++j) c[j] *= beta;
      }
      for (int64_t k = 0; k < K; ++k) {
        T a = alpha * (ta ? A[k * lda + i] : A[i * lda + k]);
        axpy(a, B + k * ldb, c, N);
      }
    }
  });
}

void check_dims(int64_t M, int64_t N, int64_t K) {
  if (M < 0 || N < 0 || K < 0) throw std::invalid_argument("gemm: negative dimension");
}
}  // namespace

void sgemm_reference(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                     int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  check_dims(M, N, K);
  gemm_plain<float>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void dgemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t lda,
           const double* B, int64_t ldb, double beta, double* C, int64_t ldc) {
  check_dims(M, N, K);
  gemm_rows<double>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc,
                    [](double a, const double* x, double* y, int64_t n) {
                      for (int64_t j = 0; j < n; ++j) y[j] += a * x[j];
                    });
}

void sgemm_with(SimdLevel level, bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha,
                const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  check_dims(M, N, K);
  auto axpy = kernels(level).axpy;
  gemm_rows<float>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, axpy);
}

void sgemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  sgemm_with(simd_level(), ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace hqc
