// vec_avx512.hpp — 16 floats in a __m512 (AVX-512F/DQ). Compiled only in the kernels_avx512.cpp
// files (tensor/simd, nn/kernels/simd).
#pragma once
#include <immintrin.h>
#include <cstdint>

struct Vec {
  static constexpr int width = 16;
  __m512 v;
  static Vec load(const float* p) { return {_mm512_loadu_ps(p)}; }
  static Vec set1(float x) { return {_mm512_set1_ps(x)}; }
  void store(float* p) const { _mm512_storeu_ps(p, v); }
  friend Vec operator+(Vec a, Vec b) { return {_mm512_add_ps(a.v, b.v)}; }
  friend Vec operator-(Vec a, Vec b) { return {_mm512_sub_ps(a.v, b.v)}; }
  friend Vec operator*(Vec a, Vec b) { return {_mm512_mul_ps(a.v, b.v)}; }
  friend Vec operator/(Vec a, Vec b) { return {_mm512_div_ps(a.v, b.v)}; }
  static Vec fma(Vec a, Vec b, Vec c) { return {_mm512_fmadd_ps(a.v, b.v, c.v)}; }
  static Vec max(Vec a, Vec b) { return {_mm512_max_ps(a.v, b.v)}; }  // see vec_avx2.hpp
  static Vec min(Vec a, Vec b) { return {_mm512_min_ps(a.v, b.v)}; }
  static Vec sqrt(Vec a) { return {_mm512_sqrt_ps(a.v)}; }
  static Vec abs(Vec a) { return {_mm512_abs_ps(a.v)}; }
  static Vec floor(Vec a) { return {_mm512_roundscale_ps(a.v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)}; }
  static Vec select_gt(Vec a, Vec b, Vec x, Vec y) {
    return {_mm512_mask_blend_ps(_mm512_cmp_ps_mask(a.v, b.v, _CMP_GT_OQ), y.v, x.v)};
  }
  static Vec pow2i(Vec n) {
    __m512i i = _mm512_add_epi32(_mm512_cvtps_epi32(n.v), _mm512_set1_epi32(127));
    return {_mm512_castsi512_ps(_mm512_slli_epi32(i, 23))};
  }
  static Vec copysign(Vec mag, Vec sign) {
    __m512i m = _mm512_set1_epi32(static_cast<int>(0x80000000u));
    __m512i r = _mm512_or_si512(_mm512_andnot_si512(m, _mm512_castps_si512(mag.v)),
                                _mm512_and_si512(m, _mm512_castps_si512(sign.v)));
    return {_mm512_castsi512_ps(r)};
  }
  // even = p[0], p[2], ..., odd = p[1], p[3], ... of the 2 * width floats at p.
  static void load_even_odd(const float* p, Vec& even, Vec& odd) {
    const __m512 lo = _mm512_loadu_ps(p), hi = _mm512_loadu_ps(p + 16);
    const __m512i ie = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i io = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    even.v = _mm512_permutex2var_ps(lo, ie, hi);
    odd.v = _mm512_permutex2var_ps(lo, io, hi);
  }
  bool any_nan() const { return _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q) != 0; }
  // Masked moves: the lanes lo <= i < hi of range(lo, hi) (clamped to the vector) are read from or
  // written to p[i]; the other lanes of p are not touched (fault-suppressing), loaded ones are 0.
  using Mask = __mmask16;
  static Mask range(int64_t lo, int64_t hi) {
    lo = lo < 0 ? 0 : lo;
    hi = hi > 16 ? 16 : hi;
    return hi <= lo ? static_cast<Mask>(0) : static_cast<Mask>(((1u << hi) - 1u) & ~((1u << lo) - 1u));
  }
  static Vec load_masked(const float* p, Mask m) { return {_mm512_maskz_loadu_ps(m, p)}; }
  void store_masked(float* p, Mask m) const { _mm512_mask_storeu_ps(p, m, v); }
  // Integral-valued lanes (|x| < 2^24) stored as int32.
  void store_i32(int32_t* p) const { _mm512_storeu_si512(p, _mm512_cvttps_epi32(v)); }
  void store_i32_masked(int32_t* p, Mask m) const { _mm512_mask_storeu_epi32(p, m, _mm512_cvttps_epi32(v)); }
  float reduce_add() const { return _mm512_reduce_add_ps(v); }
  float reduce_max() const { return _mm512_reduce_max_ps(v); }
};
