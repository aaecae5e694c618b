// vec_scalar.hpp — the portable "vector" of width 1: the reference every SIMD path is tested against.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

struct Vec {
  static constexpr int width = 1;
  float v;
  static Vec load(const float* p) { return {*p}; }
  static Vec set1(float x) { return {x}; }
  void store(float* p) const { *p = v; }
  friend Vec operator+(Vec a, Vec b) { return {a.v + b.v}; }
  friend Vec operator-(Vec a, Vec b) { return {a.v - b.v}; }
  friend Vec operator*(Vec a, Vec b) { return {a.v * b.v}; }
  friend Vec operator/(Vec a, Vec b) { return {a.v / b.v}; }
  static Vec fma(Vec a, Vec b, Vec c) { return {a.v * b.v + c.v}; }  // a*b+c
  static Vec max(Vec a, Vec b) { return {a.v > b.v ? a.v : b.v}; }  // as maxps: b on NaN
  static Vec min(Vec a, Vec b) { return {a.v < b.v ? a.v : b.v}; }  // as minps: b on NaN
  static Vec sqrt(Vec a) { return {std::sqrt(a.v)}; }
  static Vec abs(Vec a) { return {std::fabs(a.v)}; }
  static Vec floor(Vec a) { return {std::floor(a.v)}; }
  // Where mask (a > b) select x else y.
  static Vec select_gt(Vec a, Vec b, Vec x, Vec y) { return {a.v > b.v ? x.v : y.v}; }
  // 2^n for an integral-valued n in [-126, 127].
  static Vec pow2i(Vec n) {
    if (!(n.v >= -127.0f && n.v <= 128.0f)) return {n.v};  // NaN stays NaN (no UB cast)
    int32_t bits = (static_cast<int32_t>(n.v) + 127) << 23;
    float f;
    std::memcpy(&f, &bits, 4);
    return {f};
  }
  static Vec copysign(Vec mag, Vec sign) { return {std::copysign(mag.v, sign.v)}; }
  static void load_even_odd(const float* p, Vec& even, Vec& odd) {
    even.v = p[0];
    odd.v = p[1];
  }
  bool any_nan() const { return v != v; }
  // Masked moves: lane 0 is in range(lo, hi) when lo <= 0 < hi; a lane not loaded is 0.
  using Mask = bool;
  static Mask range(int64_t lo, int64_t hi) { return lo <= 0 && 0 < hi; }
  static Vec load_masked(const float* p, Mask m) { return {m ? *p : 0.0f}; }
  void store_masked(float* p, Mask m) const {
    if (m) *p = v;
  }
  void store_i32(int32_t* p) const { *p = static_cast<int32_t>(v); }
  void store_i32_masked(int32_t* p, Mask m) const {
    if (m) *p = static_cast<int32_t>(v);
  }
  float reduce_add() const { return v; }
  float reduce_max() const { return v; }
};
