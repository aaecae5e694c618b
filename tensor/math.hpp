// math.hpp — hqc's own elementary functions: exp, log, tanh, sin, cos, pow, written once with only
// IEEE-exact operations (+ - * /, sqrt, and floor, nearbyint, fmod, ldexp, ilogb, whose results
// are exact by definition, plus bit manipulation) so that they return the same bits on every CPU
// and C library. libm's versions are not correctly rounded and their last bit differs between
// glibc's x86-64 and aarch64 code paths, musl, MSVC...; every scalar computation on hqc's numeric
// path calls these instead (tensor/README.md says which SIMD levels that makes portable).
//
// The double functions follow fdlibm's algorithms (Cody-Waite range reduction with a two- or
// three-part constant, a minimax polynomial, reconstruction through the exponent bits). The float
// overloads evaluate the double function and round once: their error is at most 0.5 ULP plus the
// double's error scaled down by 2^-29, i.e. at most 0.501 ULP — correctly rounded except for inputs
// whose exact result lies within 2^-52 (relative) of a midpoint between two floats.
//
// Accuracy of the double functions, each checked against long double by tests/tensor/test_math.cpp:
//   exp   < 1 ULP for all x; exp(x > 709.78...) = inf, exp(x < -745.13...) = +0
//   log   < 1 ULP for all x > 0 (denormals included); log(0) = -inf, log(x < 0) = NaN, log(inf) = inf
//   sin, cos  < 1 ULP for |x| < 2^20 * pi/2 (~1.6e6); beyond it the three-part reduction loses
//         bits (still the same bits everywhere); inf and NaN give NaN
//   tanh  < 5 ULP (1 - 2/(1 + e^(2x)) from 0.55 up, expm1 by Kahan's identity below); tanh(+-inf) = +-1
//   pow   integral y with |y| <= 2^31: < 1 ULP (double-double square-and-multiply, scaled); otherwise
//         exp(y log x), whose relative error grows with |y ln x|: < (2 + 2|y ln x|) ULP. Special
//         values as C's pow (pow(x, 0) = 1, pow(1, y) = 1, pow(-8, 1/3) = NaN, pow(0, -1) = inf...).
//   powi(x, n)  x^n for an integer n, < 1 ULP (the same double-double path as pow)
//
// The .cpp is compiled with -ffp-contract=off: a fused multiply-add would change the bits of the
// error-free products these functions rely on, and would be present on one CPU and not another.
#pragma once
#include <cstdint>

namespace hqc::math {

double exp(double x);
double log(double x);
double tanh(double x);
double sin(double x);
double cos(double x);
// sin(x) and cos(x), the same bits as the two calls, sharing one range reduction.
void sincos(double x, double& s, double& c);
double pow(double x, double y);
double powi(double x, int64_t n);
// x^2 with one rounding: what a correctly rounded pow(x, 2) returns.
inline double square(double x) { return x * x; }

inline float exp(float x) { return static_cast<float>(exp(static_cast<double>(x))); }
inline float log(float x) { return static_cast<float>(log(static_cast<double>(x))); }
inline float tanh(float x) { return static_cast<float>(tanh(static_cast<double>(x))); }
inline float sin(float x) { return static_cast<float>(sin(static_cast<double>(x))); }
inline float cos(float x) { return static_cast<float>(cos(static_cast<double>(x))); }
inline float pow(float x, float y) { return static_cast<float>(pow(static_cast<double>(x), static_cast<double>(y))); }

}  // namespace hqc::math
