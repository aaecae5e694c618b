// gemm_x86.inl — what the AVX2 and AVX-512 GEMM files (gemm_avx2.cpp, gemm_avx512.cpp) share. Included
// by each inside its anonymous namespace, after <immintrin.h>, so each copy is compiled with that
// file's flags and none leaks into another through the linker (see gemm_kernel.hpp).

// In-register transpose of 8 rows of 8 floats (ymm, AVX): afterwards r[j] holds column j. The AVX2
// packing transposes 8 x 8 blocks with it; the AVX-512 one its 8-wide A panels.
void transpose8(__m256* r) {
  __m256 t[8], u[8];
#pragma GCC unroll 4
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
#pragma GCC unroll 2
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
    u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
    u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
    r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
  }
}
