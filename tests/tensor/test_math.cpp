// Tests of hqc::math (tensor/math.hpp): each function against long double over a dense sweep of its
// domain and at its special values, with the error bound math.hpp states; pinned bit patterns that
// every CPU must reproduce; and the tensor ops and the sampler computing through these functions.
#include "helpers.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "tensor/math.hpp"
#include "tensor/ops.hpp"
#include "tensor/random.hpp"

using namespace hqc;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// |got - ref| in units of the last place of T at ref (the spacing of T's values around ref).
template <typename T>
double ulp_error(T got, long double ref) {
  if (std::isnan(ref)) return std::isnan(got) ? 0.0 : kInf;
  if (std::isinf(ref)) return got == static_cast<T>(ref) ? 0.0 : kInf;
  const long double a = std::fabs(ref);
  if (a > std::numeric_limits<T>::max()) return got == static_cast<T>(ref) ? 0.0 : kInf;  // overflows in T
  if (std::isinf(got) || std::isnan(got)) return kInf;
  long double ulp = std::numeric_limits<T>::denorm_min();
  if (a >= std::numeric_limits<T>::min()) ulp = std::ldexp(1.0L, std::ilogb(a) - (std::numeric_limits<T>::digits - 1));
  return static_cast<double>(std::fabs(static_cast<long double>(got) - ref) / ulp);
}

// n points spread uniformly over [lo, hi], endpoints included.
template <typename F>
void sweep(double lo, double hi, int n, F f) {
  for (int i = 0; i < n; ++i) f(lo + (hi - lo) * (double(i) / double(n - 1)));
}

// n points spread geometrically over [lo, hi] (0 < lo < hi), for functions whose scale matters.
template <typename F>
void sweep_log(double lo, double hi, int n, F f) {
  const long double r = std::log(static_cast<long double>(hi) / lo);
  for (int i = 0; i < n; ++i) f(static_cast<double>(lo * std::exp(r * (static_cast<long double>(i) / (n - 1)))));
}

// The references: the long double overloads (libstdc++ has no std::expl).
long double ref_exp(long double x) { return std::exp(x); }
long double ref_log(long double x) { return std::log(x); }
long double ref_sin(long double x) { return std::sin(x); }
long double ref_cos(long double x) { return std::cos(x); }
long double ref_tanh(long double x) { return std::tanh(x); }
long double ref_pow(long double x, long double y) { return std::pow(x, y); }

uint64_t bits(double x) { return std::bit_cast<uint64_t>(x); }
uint32_t bits(float x) { return std::bit_cast<uint32_t>(x); }

}  // namespace

TEST_CASE("math::exp is within 1 ULP of expl over its whole range, and float exp within 0.501 ULP") {
  double worst = 0, worst_f = 0;
  sweep(-745.13, 709.78, 1000000, [&](double x) { worst = std::max(worst, ulp_error(math::exp(x), ref_exp(x))); });
  sweep_log(1e-300, 745.0, 200000, [&](double x) {
    worst = std::max(worst, ulp_error(math::exp(x), ref_exp(x)));
    worst = std::max(worst, ulp_error(math::exp(-x), ref_exp(-x)));
  });
  sweep(-103.9, 88.72, 1000000, [&](double xd) {
    const float x = static_cast<float>(xd);
    worst_f = std::max(worst_f, ulp_error(math::exp(x), ref_exp(x)));
  });
  MESSAGE("exp: max error " << worst << " ULP (double), " << worst_f << " ULP (float)");
  CHECK(worst < 1.0);
  CHECK(worst_f <= 0.501);
}

TEST_CASE("math::exp at special values: signed zero, denormal results, overflow and underflow thresholds, inf, NaN") {
  CHECK(math::exp(0.0) == 1.0);
  CHECK(math::exp(-0.0) == 1.0);
  CHECK(math::exp(1000.0) == kInf);
  CHECK(math::exp(kInf) == kInf);
  CHECK(bits(math::exp(-kInf)) == bits(0.0));
  CHECK(bits(math::exp(-1000.0)) == bits(0.0));
  CHECK(std::isnan(math::exp(kNaN)));
  CHECK(math::exp(709.78) < kInf);
  CHECK(math::exp(709.79) == kInf);
  CHECK(ulp_error(math::exp(709.78), ref_exp(709.78)) < 1.0);
  CHECK(math::exp(-745.13) == std::numeric_limits<double>::denorm_min());  // the last nonzero result
  CHECK(ulp_error(math::exp(-720.0), ref_exp(-720.0)) < 1.0);           // a denormal result
  CHECK(math::exp(1e-300) == 1.0);
  CHECK(math::exp(100.0f) == std::numeric_limits<float>::infinity());
  CHECK(math::exp(-200.0f) == 0.0f);
}

TEST_CASE("math::log is within 1 ULP of logl from the smallest denormal to the largest double") {
  double worst = 0, worst_f = 0;
  sweep_log(std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max(), 1000000,
            [&](double x) { worst = std::max(worst, ulp_error(math::log(x), ref_log(x))); });
  sweep(0.5, 2.0, 1000000, [&](double x) { worst = std::max(worst, ulp_error(math::log(x), ref_log(x))); });
  sweep_log(1e-45, 3e38, 1000000, [&](double xd) {
    const float x = static_cast<float>(xd);
    if (x > 0) worst_f = std::max(worst_f, ulp_error(math::log(x), ref_log(x)));
  });
  MESSAGE("log: max error " << worst << " ULP (double), " << worst_f << " ULP (float)");
  CHECK(worst < 1.0);
  CHECK(worst_f <= 0.501);
}

TEST_CASE("math::log at special values: log(0) = -inf, log(-1) = NaN, log(1) = +0, inf, NaN") {
  CHECK(math::log(0.0) == -kInf);
  CHECK(math::log(-0.0) == -kInf);
  CHECK(std::isnan(math::log(-1.0)));
  CHECK(std::isnan(math::log(-kInf)));
  CHECK(bits(math::log(1.0)) == bits(0.0));
  CHECK(math::log(kInf) == kInf);
  CHECK(std::isnan(math::log(kNaN)));
  CHECK(math::log(0.0f) == -std::numeric_limits<float>::infinity());
  CHECK(std::isnan(math::log(-1.0f)));
}

TEST_CASE("math::sin and math::cos are within 1 ULP of sinl and cosl for |x| < 2^20 pi/2") {
  double worst = 0;
  auto check = [&](double x) {
    worst = std::max(worst, ulp_error(math::sin(x), ref_sin(x)));
    worst = std::max(worst, ulp_error(math::cos(x), ref_cos(x)));
  };
  sweep(-10.0, 10.0, 1000000, check);
  sweep(-1647099.0, 1647099.0, 300000, check);
  sweep_log(1e-300, 1647099.0, 200000, [&](double x) { check(x); check(-x); });
  // Multiples of pi/2 are where the reduced argument cancels the most.
  for (int k = -20000; k <= 20000; ++k) check(static_cast<double>(k * 1.5707963267948966192313216916397514L));
  double worst_f = 0;
  sweep(-100.0, 100.0, 1000000, [&](double xd) {
    const float x = static_cast<float>(xd);
    worst_f = std::max(worst_f, ulp_error(math::sin(x), ref_sin(x)));
    worst_f = std::max(worst_f, ulp_error(math::cos(x), ref_cos(x)));
  });
  MESSAGE("sin, cos: max error " << worst << " ULP (double), " << worst_f << " ULP (float)");
  CHECK(worst < 1.0);
  CHECK(worst_f <= 0.501);
}

TEST_CASE("math::sin and math::cos at special values: signed zero, tiny, inf and NaN give NaN") {
  CHECK(bits(math::sin(-0.0)) == bits(-0.0));
  CHECK(math::cos(-0.0) == 1.0);
  CHECK(math::sin(1e-300) == 1e-300);
  CHECK(math::cos(1e-300) == 1.0);
  CHECK(std::isnan(math::sin(kInf)));
  CHECK(std::isnan(math::cos(-kInf)));
  CHECK(std::isnan(math::sin(kNaN)));
  CHECK(std::isnan(math::cos(kNaN)));
}

TEST_CASE("math::tanh is within 5 ULP of tanhl (double) and 0.501 ULP (float), odd and saturating") {
  double worst = 0, worst_f = 0;
  sweep(-25.0, 25.0, 1000000, [&](double x) { worst = std::max(worst, ulp_error(math::tanh(x), ref_tanh(x))); });
  sweep_log(1e-300, 25.0, 200000, [&](double x) {
    worst = std::max(worst, ulp_error(math::tanh(x), ref_tanh(x)));
    CHECK(bits(math::tanh(-x)) == bits(-math::tanh(x)));
  });
  sweep(-12.0, 12.0, 1000000, [&](double xd) {
    const float x = static_cast<float>(xd);
    worst_f = std::max(worst_f, ulp_error(math::tanh(x), ref_tanh(x)));
  });
  sweep_log(1e-40, 12.0, 200000, [&](double xd) {
    const float x = static_cast<float>(xd);
    worst_f = std::max(worst_f, ulp_error(math::tanh(x), ref_tanh(x)));
  });
  MESSAGE("tanh: max error " << worst << " ULP (double), " << worst_f << " ULP (float)");
  CHECK(worst < 5.0);
  CHECK(worst_f <= 0.501);
  CHECK(math::tanh(kInf) == 1.0);
  CHECK(math::tanh(-kInf) == -1.0);
  CHECK(bits(math::tanh(-0.0)) == bits(-0.0));
  CHECK(std::isnan(math::tanh(kNaN)));
}

TEST_CASE("math::powi is within 1 ULP of powl, Adam's bias corrections beta^t included") {
  double worst = 0;
  for (double beta : {0.9, 0.99, 0.999, 0.95})
    for (int64_t t = 1; t <= 200000; ++t) worst = std::max(worst, ulp_error(math::powi(beta, t), ref_pow(beta, t)));
  Generator g(7);
  for (int i = 0; i < 200000; ++i) {
    const double x = 0.25 + 3.75 * g.uniform_double();
    const int64_t n = static_cast<int64_t>(g.next_u32() % 1001) - 500;
    worst = std::max(worst, ulp_error(math::powi(x, n), ref_pow(x, n)));
    worst = std::max(worst, ulp_error(math::powi(-x, n), ref_pow(-x, n)));
  }
  MESSAGE("powi: max error " << worst << " ULP");
  CHECK(worst < 1.0);
  CHECK(math::powi(2.0, 1023) == 0x1p1023);
  CHECK(math::powi(2.0, 1024) == kInf);
  CHECK(math::powi(2.0, -1074) == std::numeric_limits<double>::denorm_min());
  CHECK(math::powi(-3.0, 3) == -27.0);
  CHECK(math::powi(0.0, -1) == kInf);
  CHECK(bits(math::square(-3.0)) == bits(9.0));
}

TEST_CASE("math::pow is within its stated bound of powl, and float pow within 0.501 ULP") {
  Generator g(11);
  double worst_ratio = 0, worst_f = 0;
  for (int i = 0; i < 1000000; ++i) {
    const double x = std::ldexp(0.5 + 0.5 * g.uniform_double(), static_cast<int>(g.next_u32() % 41) - 20);
    const double y = -30.0 + 60.0 * g.uniform_double();
    const long double ref = ref_pow(x, y);
    const double bound = 2.0 + 2.0 * std::fabs(y * std::log(x));
    worst_ratio = std::max(worst_ratio, ulp_error(math::pow(x, y), ref) / bound);
    const float xf = static_cast<float>(x), yf = static_cast<float>(y / 8);
    worst_f = std::max(worst_f, ulp_error(math::pow(xf, yf), ref_pow(xf, yf)));
  }
  MESSAGE("pow: max error / bound " << worst_ratio << ", float max error " << worst_f << " ULP");
  CHECK(worst_ratio < 1.0);
  CHECK(worst_f <= 0.501);
}

TEST_CASE("math::pow's special values are C's: pow(x, 0) = 1, pow(1, y) = 1, negative bases, zeros and infinities") {
  CHECK(math::pow(kNaN, 0.0) == 1.0);
  CHECK(math::pow(1.0, kNaN) == 1.0);
  CHECK(std::isnan(math::pow(kNaN, 1.0)));
  CHECK(std::isnan(math::pow(-8.0, 1.0 / 3)));
  CHECK(math::pow(-2.0, 3.0) == -8.0);
  CHECK(math::pow(-2.0, 1e20) == kInf);
  CHECK(math::pow(-0.5, 1e20) == 0.0);
  CHECK(math::pow(-2.0, -1.0) == -0.5);
  CHECK(math::pow(0.0, -1.0) == kInf);
  CHECK(math::pow(-0.0, -1.0) == -kInf);
  CHECK(math::pow(-0.0, -2.0) == kInf);
  CHECK(bits(math::pow(-0.0, 3.0)) == bits(-0.0));
  CHECK(bits(math::pow(-0.0, 2.0)) == bits(0.0));
  CHECK(math::pow(0.5, kInf) == 0.0);
  CHECK(math::pow(2.0, kInf) == kInf);
  CHECK(math::pow(-1.0, kInf) == 1.0);
  CHECK(math::pow(-kInf, 3.0) == -kInf);
  CHECK(bits(math::pow(-kInf, -3.0)) == bits(-0.0));
  CHECK(math::pow(kInf, -0.5) == 0.0);
  CHECK(math::pow(10.0, 400.0) == kInf);
  CHECK(math::pow(10.0, -400.0) == 0.0);
  CHECK(math::pow(4.0, 0.5) == 2.0);
}
