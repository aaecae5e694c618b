// vec_avx2.hpp — 8 floats in a __m256 (AVX2 + FMA). Compiled only in the kernels_avx2.cpp files
// (tensor/simd, nn/kernels/simd).
#pragma once
#include <immintrin.h>
#include <cstdint>

struct Vec {
  static constexpr int width = 8;
  __m256 v;
  static Vec load(const float* p) { return {_mm256_loadu_ps(p)}; }
  static Vec set1(float x) { return {_mm256_set1_ps(x)}; }
  void store(float* p) const { _mm256_storeu_ps(p, v); }
  friend Vec operator+(Vec a, Vec b) { return {_mm256_add_ps(a.v, b.v)}; }
  friend Vec operator-(Vec a, Vec b) { return {_mm256_sub_ps(a.v, b.v)}; }
  friend Vec operator*(Vec a, Vec b) { return {_mm256_mul_ps(a.v, b.v)}; }
  friend Vec operator/(Vec a, Vec b) { return {_mm256_div_ps(a.v, b.v)}; }
  static Vec fma(Vec a, Vec b, Vec c) { return {_mm256_fmadd_ps(a.v, b.v, c.v)}; }
  // maxps(a, b) is exactly (a > b ? a : b): b when either is NaN, as in the scalar wrapper.
  static Vec max(Vec a, Vec b) { return {_mm256_max_ps(a.v, b.v)}; }
  static Vec min(Vec a, Vec b) { return {_mm256_min_ps(a.v, b.v)}; }
  static Vec sqrt(Vec a) { return {_mm256_sqrt_ps(a.v)}; }
  static Vec abs(Vec a) { return {_mm256_andnot_ps(_mm256_set1_ps(-0.0f), a.v)}; }
  static Vec floor(Vec a) { return {_mm256_floor_ps(a.v)}; }
  static Vec select_gt(Vec a, Vec b, Vec x, Vec y) {
    return {_mm256_blendv_ps(y.v, x.v, _mm256_cmp_ps(a.v, b.v, _CMP_GT_OQ))};
  }
  static Vec pow2i(Vec n) {
    __m256i i = _mm256_add_epi32(_mm256_cvtps_epi32(n.v), _mm256_set1_epi32(127));
    return {_mm256_castsi256_ps(_mm256_slli_epi32(i, 23))};
  }
  static Vec copysign(Vec mag, Vec sign) {
    __m256 m = _mm256_set1_ps(-0.0f);
    return {_mm256_or_ps(_mm256_andnot_ps(m, mag.v), _mm256_and_ps(m, sign.v))};
  }
  // even = p[0], p[2], ..., odd = p[1], p[3], ... of the 2 * width floats at p. shuffle_ps works
  // within 128-bit halves, giving 64-bit pieces (lo0 lo2)(hi0 hi2)(lo4 lo6)(hi4 hi6); the permute puts
  // them in order.
  static void load_even_odd(const float* p, Vec& even, Vec& odd) {
    const __m256 lo = _mm256_loadu_ps(p), hi = _mm256_loadu_ps(p + 8);
    const __m256 e = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));
    const __m256 o = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1));
    even.v = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0)));
    odd.v = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), _MM_SHUFFLE(3, 1, 2, 0)));
  }
  bool any_nan() const { return _mm256_movemask_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q)) != 0; }
  // Masked moves: the lanes lo <= i < hi of range(lo, hi) (clamped to the vector) are read from or
  // written to p[i]; the other lanes of p are not touched (vmaskmov, fault-suppressing), loaded ones are 0.
  using Mask = __m256i;
  static Mask range(int64_t lo, int64_t hi) {
    lo = lo < 0 ? 0 : (lo > 8 ? 8 : lo);
    hi = hi < 0 ? 0 : (hi > 8 ? 8 : hi);
    const __m256i i = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(lo)), i),
                               _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(hi)), i));
  }
  static Vec load_masked(const float* p, Mask m) { return {_mm256_maskload_ps(p, m)}; }
  void store_masked(float* p, Mask m) const { _mm256_maskstore_ps(p, m, v); }
  // Integral-valued lanes (|x| < 2^24) stored as int32.
  void store_i32(int32_t* p) const {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm256_cvttps_epi32(v));
  }
  void store_i32_masked(int32_t* p, Mask m) const { _mm256_maskstore_epi32(p, m, _mm256_cvttps_epi32(v)); }
  float reduce_add() const {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    __m128 s = _mm_add_ps(lo, hi);
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  float reduce_max() const {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    __m128 s = _mm_max_ps(lo, hi);
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
};
