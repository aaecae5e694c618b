// math.cpp — the elementary functions of math.hpp (the accuracy of each is stated there). The
// algorithms and coefficients are fdlibm's (Sun Microsystems, 1993, freely redistributable): each
// function reduces its argument exactly or with a tracked error, evaluates a minimax polynomial on
// the small reduced range and rebuilds the result through the exponent bits.
#include "tensor/math.hpp"

#include <bit>
#include <cmath>
#include <limits>

namespace hqc::math {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// 2^n for n in [-1022, 1023], built from the exponent bits.
double pow2(int n) { return std::bit_cast<double>(static_cast<uint64_t>(n + 1023) << 52); }

// y * 2^k for k in [-1075, 1024], with one rounding at most (only when the result is denormal).
double scale(double y, int k) {
  if (k > 1023) return y * 2.0 * pow2(k - 1);
  if (k < -1021) return y * pow2(k + 1000) * pow2(-1000);
  return y * pow2(k);
}

// ln 2 in two parts: kLn2Hi has its low 32 bits zero, so k * kLn2Hi is exact for |k| < 2^20.
constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
constexpr double kInvLn2 = 1.44269504088896338700e+00;

// exp(x) = 2^k exp(r), r = x - k ln2 in [-ln2/2, ln2/2], and exp(r) from the rational form
// exp(r) = 1 + 2r / (R(r) - r), R(r) = r (e^r + 1) / (e^r - 1), R a degree-10 even polynomial.
double exp_reduced(double hi, double lo, int k) {
  const double x = hi - lo, t = x * x;
  const double c = x - t * (1.66666666666666019037e-01 +
                            t * (-2.77777777770155933842e-03 +
                                 t * (6.61375632143793436117e-05 +
                                      t * (-1.65339022054652515390e-06 + t * 4.13813679705723846039e-08))));
  if (k == 0) return 1.0 - ((x * c) / (c - 2.0) - x);
  return scale(1.0 - ((lo - (x * c) / (2.0 - c)) - hi), k);
}

// sin and cos on [-pi/4, pi/4] of x + y, y the tail of the reduced argument (|y| < ulp(x) / 2).
double kernel_sin(double x, double y) {
  constexpr double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03,
                   S3 = -1.98412698298579493134e-04, S4 = 2.75573137070700676789e-06,
                   S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
  const double z = x * x, w = z * z, v = z * x;
  const double r = S2 + z * (S3 + z * S4) + z * w * (S5 + z * S6);
  return x - ((z * (0.5 * y - v * r) - y) - v * S1);
}

double kernel_cos(double x, double y) {
  constexpr double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03,
                   C3 = 2.48015872894767294178e-05, C4 = -2.75573143513906633035e-07,
                   C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
  const double z = x * x, w = z * z;
  const double r = z * (C1 + z * (C2 + z * C3)) + w * w * (C4 + z * (C5 + z * C6));
  const double hz = 0.5 * z, u = 1.0 - hz;
  return u + (((1.0 - u) - hz) + (z * r - x * y));
}

// x = n pi/2 + (y0 + y1), |y0 + y1| <= pi/4, with pi/2 in three 33-bit parts (and their tails):
// n * pio2_i is exact for |n| < 2^20. A further part is subtracted only when the previous
// subtraction cancelled many bits (then t - w is exact and the next part's bits are needed).
int biased_exponent(double v) { return static_cast<int>((std::bit_cast<uint64_t>(v) >> 52) & 0x7ff); }

int rem_pio2(double x, double& y0, double& y1) {
  constexpr double kInvPio2 = 6.36619772367581382433e-01;
  constexpr double pio2_1 = 1.57079632673412561417e+00, pio2_1t = 6.07710050650619224932e-11;
  constexpr double pio2_2 = 6.07710050630396597660e-11, pio2_2t = 2.02226624879595063154e-21;
  constexpr double pio2_3 = 2.02226624871116645580e-21, pio2_3t = 8.47842766036889956997e-32;
  const double fn = std::nearbyint(x * kInvPio2);
  const int ex = biased_exponent(x);
  double r = x - fn * pio2_1, w = fn * pio2_1t;
  y0 = r - w;
  if (ex - biased_exponent(y0) > 16) {  // about 16 bits cancelled: good to 118 bits with the 2nd part
    double t = r;
    w = fn * pio2_2;
    r = t - w;
    w = fn * pio2_2t - ((t - r) - w);
    y0 = r - w;
    if (ex - biased_exponent(y0) > 49) {  // about 49 bits cancelled: the 3rd part, 151 bits
      t = r;
      w = fn * pio2_3;
      r = t - w;
      w = fn * pio2_3t - ((t - r) - w);
      y0 = r - w;
    }
  }
  y1 = (r - y0) - w;
  return static_cast<int>(static_cast<int64_t>(fn) & 3);
}

// Error-free product a * b = p + e by Veltkamp splitting (no fused multiply-add), |a|, |b| < 2^995.
struct DD {
  double hi, lo;
};
DD two_prod(double a, double b) {
  constexpr double kSplit = 134217729.0;  // 2^27 + 1
  const double p = a * b;
  double t = kSplit * a;
  const double ah = t - (t - a), al = a - ah;
  t = kSplit * b;
  const double bh = t - (t - b), bl = b - bh;
  return {p, ((ah * bh - p) + ah * bl + al * bh) + al * bl};
}
DD dd_mul(DD a, DD b) {
  DD p = two_prod(a.hi, b.hi);
  const double lo = p.lo + (a.hi * b.lo + a.lo * b.hi);
  const double hi = p.hi + lo;
  return {hi, lo - (hi - p.hi)};
}

// |x|^n for n >= 1 in double-double, as (hi + lo) 2^e with hi in [1, 2): ~2 log2(n) products, each
// with a relative error near 2^-104; scaling each factor into [1, 2) (exactly) keeps every
// intermediate far from overflow and underflow whatever x and n.
struct ScaledDD {
  DD v;
  int64_t e;
};
ScaledDD normalise(DD v, int64_t e) {
  const int k = std::ilogb(v.hi);
  return {{std::ldexp(v.hi, -k), std::ldexp(v.lo, -k)}, e + k};
}
// The same for a product of two factors in [1, 2) (hi in [1, 4]): the exponent read from the bits
// and the scaling a product by an exact power of two, the same bits as ilogb and ldexp give without
// their library calls (which cost most of powi's time).
ScaledDD renormalise(DD v, int64_t e) {
  const int k = biased_exponent(v.hi) - 1023;  // 0, 1 or 2
  const double s = std::bit_cast<double>(static_cast<uint64_t>(1023 - k) << 52);  // 2^-k
  return {{v.hi * s, v.lo * s}, e + k};
}
ScaledDD dd_powi(double x, int64_t n) {
  ScaledDD result{{1.0, 0.0}, 0}, base = normalise({x, 0.0}, 0);
  while (n > 0) {
    if (n & 1) result = renormalise(dd_mul(result.v, base.v), result.e + base.e);
    n >>= 1;
    if (n > 0) base = renormalise(dd_mul(base.v, base.v), 2 * base.e);
  }
  return result;
}

// m 2^e for m in [0.5, 4), rounding once when the result is denormal; inf or 0 beyond the range.
double scale_exponent(double m, int64_t e) {
  if (e > 2000) return kInf;
  if (e < -2000) return 0.0;
  return std::ldexp(m, static_cast<int>(e));
}

bool is_integer(double y) { return std::floor(y) == y; }
bool is_odd_integer(double y) { return is_integer(y) && std::fabs(y) < 9007199254740992.0 && std::fmod(y, 2.0) != 0.0; }

}  // namespace

double exp(double x) {
  if (x != x) return x;
  if (x > 7.09782712893383973096e+02) return kInf;
  if (x < -7.45133219101941108420e+02) return 0.0;
  const double ax = std::fabs(x);
  if (ax < 0x1p-28) return 1.0 + x;
  if (ax <= 0.5 * kLn2Hi) return exp_reduced(x, 0.0, 0);
  int k;
  if (ax < 1.5 * kLn2Hi) {
    k = x < 0 ? -1 : 1;
  } else {
    k = static_cast<int>(kInvLn2 * x + (x < 0 ? -0.5 : 0.5));
  }
  return exp_reduced(x - k * kLn2Hi, k * kLn2Lo, k);
}

// log(x) = k ln2 + log(1 + f), 1 + f in [sqrt(2)/2, sqrt(2)]; log(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2)),
// s = f / (2 + f), R a degree-14 polynomial.
double log(double x) {
  if (x != x) return x;
  if (x < 0) return kNaN;
  if (x == 0) return -kInf;
  if (x == kInf) return x;
  uint64_t u = std::bit_cast<uint64_t>(x);
  int k = 0;
  if (u < (uint64_t{1} << 52)) {  // denormal: scale into the normal range
    k = -54;
    u = std::bit_cast<uint64_t>(x * 0x1p54);
  }
  // Shift the mantissa's range so that 1 + f lands in [sqrt(2)/2, sqrt(2)).
  uint32_t hx = static_cast<uint32_t>(u >> 32) + (0x3ff00000 - 0x3fe6a09e);
  k += static_cast<int>(hx >> 20) - 0x3ff;
  hx = (hx & 0x000fffff) + 0x3fe6a09e;
  const double m = std::bit_cast<double>((static_cast<uint64_t>(hx) << 32) | (u & 0xffffffff));
  const double f = m - 1.0, hfsq = 0.5 * f * f, s = f / (2.0 + f), z = s * s, w = z * z;
  const double t1 = w * (3.999999999940941908e-01 + w * (2.222219843214978396e-01 + w * 1.531383769920937332e-01));
  const double t2 = z * (6.666666666666735130e-01 +
                         w * (2.857142874366239149e-01 + w * (1.818357216161805012e-01 + w * 1.479819860511658591e-01)));
  const double R = t2 + t1, dk = k;
  return s * (hfsq + R) + dk * kLn2Lo - hfsq + f + dk * kLn2Hi;
}

// tanh|x| = (1 - e) / (1 + e), e = exp(-2|x|), where 1 - e >= 2/3 keeps its bits (|x| >= 0.55);
// below, tanh|x| = -em / (2 + em), em = expm1(-2|x|) = (e - 1) y / log(e) for y = -2|x|: Kahan's
// identity, whose rounding errors cancel (Higham, Accuracy and Stability, 1.14.1).
double tanh(double x) {
  if (x != x) return x;
  const double ax = std::fabs(x);
  if (ax > 22.0) return std::copysign(1.0, x);  // 1 - tanh < 2^-63
  if (ax < 0x1p-28) return x;                   // tanh x = x (1 - x^2/3 + ...), x^2/3 < 2^-57
  const double y = -2.0 * ax, e = exp(y);
  if (ax >= 0.55) return std::copysign((1.0 - e) / (1.0 + e), x);
  const double em = (e - 1.0) * y / log(e);
  return std::copysign(-em / (2.0 + em), x);
}

double sin(double x) {
  if (std::fabs(x) <= 0.785398163397448279) {
    if (std::fabs(x) < 0x1p-26) return x;
    return kernel_sin(x, 0.0);
  }
  if (!std::isfinite(x)) return kNaN;
  double y0, y1;
  switch (rem_pio2(x, y0, y1)) {
    case 0: return kernel_sin(y0, y1);
    case 1: return kernel_cos(y0, y1);
    case 2: return -kernel_sin(y0, y1);
    default: return -kernel_cos(y0, y1);
  }
}

double cos(double x) {
  if (std::fabs(x) <= 0.785398163397448279) {
    if (std::fabs(x) < 0x1p-27) return 1.0;
    return kernel_cos(x, 0.0);
  }
  if (!std::isfinite(x)) return kNaN;
  double y0, y1;
  switch (rem_pio2(x, y0, y1)) {
    case 0: return kernel_cos(y0, y1);
    case 1: return -kernel_sin(y0, y1);
    case 2: return -kernel_cos(y0, y1);
    default: return kernel_sin(y0, y1);
  }
}

void sincos(double x, double& s, double& c) {
  if (std::fabs(x) <= 0.785398163397448279) {
    s = std::fabs(x) < 0x1p-26 ? x : kernel_sin(x, 0.0);
    c = std::fabs(x) < 0x1p-27 ? 1.0 : kernel_cos(x, 0.0);
    return;
  }
  if (!std::isfinite(x)) {
    s = c = kNaN;
    return;
  }
  double y0, y1;
  const int n = rem_pio2(x, y0, y1);
  const double ks = kernel_sin(y0, y1), kc = kernel_cos(y0, y1);
  switch (n) {
    case 0: s = ks, c = kc; break;
    case 1: s = kc, c = -ks; break;
    case 2: s = -ks, c = -kc; break;
    default: s = -kc, c = ks; break;
  }
}

double powi(double x, int64_t n) {
  if (n == 0) return 1.0;
  const double ax = std::fabs(x);
  const double sign = (x < 0 && (n & 1)) ? -1.0 : 1.0;
  if (x != x) return x;
  if (ax == 0.0 || ax == kInf || n > (int64_t{1} << 31) || n < -(int64_t{1} << 31)) {
    return pow(x, static_cast<double>(n));
  }
  const ScaledDD p = dd_powi(ax, n < 0 ? -n : n);
  if (n > 0) return sign * scale_exponent(p.v.hi + p.v.lo, p.e);
  // 1 / (hi + lo): q = 1/hi corrected by the exact remainder 1 - q hi - q lo.
  const double q = 1.0 / p.v.hi;
  const DD qh = two_prod(q, p.v.hi);
  const double rem = ((1.0 - qh.hi) - qh.lo) - q * p.v.lo;
  return sign * scale_exponent(q + q * rem, -p.e);
}

double pow(double x, double y) {
  if (y == 0.0 || x == 1.0) return 1.0;
  if (x != x || y != y) return x + y;
  const bool odd = is_odd_integer(y);
  if (x == 0.0) {
    if (y < 0) return odd ? std::copysign(kInf, x) : kInf;
    return odd ? x : 0.0;
  }
  if (std::isinf(y)) {
    const double ax = std::fabs(x);
    if (ax == 1.0) return 1.0;
    return (ax > 1.0) == (y > 0) ? kInf : 0.0;
  }
  if (std::isinf(x)) {
    const double mag = y < 0 ? 0.0 : kInf;
    return (x < 0 && odd) ? -mag : mag;
  }
  if (is_integer(y) && std::fabs(y) <= 0x1p31) return powi(x, static_cast<int64_t>(y));
  if (x < 0 && !is_integer(y)) return kNaN;  // a negative base to a non-integral power
  const double r = exp(y * log(std::fabs(x)));
  return (x < 0 && odd) ? -r : r;
}

}  // namespace hqc::math
