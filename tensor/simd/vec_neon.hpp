// vec_neon.hpp — 4 floats in a float32x4_t (aarch64 Advanced SIMD, which every 64-bit ARM CPU has).
// Compiled only in the kernels_neon.cpp files (tensor/simd, nn/kernels/simd).
//
// NEON's own max/min (fmax, fmin) return NaN when either operand is NaN, and its float-to-int
// conversions saturate; the wrapper keeps the scalar wrapper's rules instead: max(a, b) is exactly
// (a > b ? a : b), as maxps is on x86.
#pragma once
#include <arm_neon.h>
#include <cstdint>

struct Vec {
  static constexpr int width = 4;
  float32x4_t v;
  static Vec load(const float* p) { return {vld1q_f32(p)}; }
  static Vec set1(float x) { return {vdupq_n_f32(x)}; }
  void store(float* p) const { vst1q_f32(p, v); }
  friend Vec operator+(Vec a, Vec b) { return {vaddq_f32(a.v, b.v)}; }
  friend Vec operator-(Vec a, Vec b) { return {vsubq_f32(a.v, b.v)}; }
  friend Vec operator*(Vec a, Vec b) { return {vmulq_f32(a.v, b.v)}; }
  friend Vec operator/(Vec a, Vec b) { return {vdivq_f32(a.v, b.v)}; }
  static Vec fma(Vec a, Vec b, Vec c) { return {vfmaq_f32(c.v, a.v, b.v)}; }  // a*b+c, one rounding
  static Vec max(Vec a, Vec b) { return {vbslq_f32(vcgtq_f32(a.v, b.v), a.v, b.v)}; }  // b on NaN
  static Vec min(Vec a, Vec b) { return {vbslq_f32(vcltq_f32(a.v, b.v), a.v, b.v)}; }  // b on NaN
  static Vec sqrt(Vec a) { return {vsqrtq_f32(a.v)}; }
  static Vec abs(Vec a) { return {vabsq_f32(a.v)}; }
  static Vec floor(Vec a) { return {vrndmq_f32(a.v)}; }
  static Vec select_gt(Vec a, Vec b, Vec x, Vec y) { return {vbslq_f32(vcgtq_f32(a.v, b.v), x.v, y.v)}; }
  // 2^n for an integral-valued n in [-126, 127].
  static Vec pow2i(Vec n) {
    const int32x4_t i = vaddq_s32(vcvtnq_s32_f32(n.v), vdupq_n_s32(127));
    return {vreinterpretq_f32_s32(vshlq_n_s32(i, 23))};
  }
  static Vec copysign(Vec mag, Vec sign) {
    return {vbslq_f32(vdupq_n_u32(0x80000000u), sign.v, mag.v)};
  }
  // even = p[0], p[2], ..., odd = p[1], p[3], ... of the 2 * width floats at p: one de-interleaving load.
  static void load_even_odd(const float* p, Vec& even, Vec& odd) {
    const float32x4x2_t eo = vld2q_f32(p);
    even.v = eo.val[0];
    odd.v = eo.val[1];
  }
  bool any_nan() const { return vminvq_u32(vceqq_f32(v, v)) == 0; }
  // Masked moves: the lanes lo <= i < hi of range(lo, hi) (clamped to the vector) are read from or
  // written to p[i]; the other lanes of p are not touched, loaded ones are 0. NEON has no masked or
  // fault-suppressing load, so a partial mask moves its lanes one by one.
  struct Mask {
    int lo, hi;
  };
  static Mask range(int64_t lo, int64_t hi) {
    lo = lo < 0 ? 0 : (lo > 4 ? 4 : lo);
    hi = hi < lo ? lo : (hi > 4 ? 4 : hi);
    return {static_cast<int>(lo), static_cast<int>(hi)};
  }
  static Vec load_masked(const float* p, Mask m) {
    if (m.lo == 0 && m.hi == 4) return load(p);
    float t[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int i = m.lo; i < m.hi; ++i) t[i] = p[i];
    return load(t);
  }
  void store_masked(float* p, Mask m) const {
    if (m.lo == 0 && m.hi == 4) {
      store(p);
      return;
    }
    float t[4];
    store(t);
    for (int i = m.lo; i < m.hi; ++i) p[i] = t[i];
  }
  // Integral-valued lanes (|x| < 2^24) stored as int32.
  void store_i32(int32_t* p) const { vst1q_s32(p, vcvtq_s32_f32(v)); }
  void store_i32_masked(int32_t* p, Mask m) const {
    if (m.lo == 0 && m.hi == 4) {
      store_i32(p);
      return;
    }
    int32_t t[4];
    store_i32(t);
    for (int i = m.lo; i < m.hi; ++i) p[i] = t[i];
  }
  // Lanes (0 + 1) + (2 + 3): pairwise adds in a fixed order.
  float reduce_add() const { return vaddvq_f32(v); }
  // max(max(v0, v2), max(v1, v3)) with the wrapper's max, as the x86 wrappers fold their halves.
  float reduce_max() const {
    const Vec h = max(*this, Vec{vextq_f32(v, v, 2)});
    return vgetq_lane_f32(max(h, Vec{vrev64q_f32(h.v)}).v, 0);
  }
};
