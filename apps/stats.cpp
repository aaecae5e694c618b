// stats.cpp — Student's t from the incomplete beta function, and the summaries built on it.
#include "apps/stats.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace hqc::app {

namespace {
// The continued fraction of I_x(a, b) (Numerical Recipes §6.4, eq. 6.4.5), by the modified Lentz
// method: converges quickly for x < (a + 1) / (a + b + 2).
double beta_continued_fraction(double a, double b, double x) {
  constexpr int kMaxIterations = 10000;
  constexpr double kEps = std::numeric_limits<double>::epsilon();
  constexpr double kTiny = std::numeric_limits<double>::min() / kEps;  // keeps a division off zero
  const double qab = a + b, qap = a + 1, qam = a - 1;
  double c = 1, d = 1 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= kMaxIterations; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));  // the even step d_{2m}
    d = 1 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));  // the odd step d_{2m+1}
    d = 1 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1) <= kEps) return h;
  }
  throw std::runtime_error("incomplete beta: the continued fraction did not converge (a " + std::to_string(a) +
                           ", b " + std::to_string(b) + ", x " + std::to_string(x) + ")");
}
}  // namespace

double regularized_incomplete_beta(double a, double b, double x) {
  if (!(a > 0) || !(b > 0) || !(x >= 0 && x <= 1))
    throw std::invalid_argument("incomplete beta: expected a > 0, b > 0 and x in [0, 1], got a " + std::to_string(a) +
                                ", b " + std::to_string(b) + ", x " + std::to_string(x));
  if (x == 0 || x == 1) return x;
  // x^a (1-x)^b / (a B(a, b)), in logarithms.
  const double front =
      std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x));
  // The fraction converges for x below (a+1)/(a+b+2); above it, I_x(a, b) = 1 - I_{1-x}(b, a).
  if (x < (a + 1) / (a + b + 2)) return front * beta_continued_fraction(a, b, x) / a;
  return 1 - front * beta_continued_fraction(b, a, 1 - x) / b;
}

namespace {
// P(|T| >= |t|) = I_{df/(df+t^2)}(df/2, 1/2); x written so that it keeps its digits for large |t|.
double two_sided_tail(double t, double df) {
  if (std::isinf(t)) return 0;
  const double x = df / (df + t * t);
  return regularized_incomplete_beta(df / 2, 0.5, x);
}
void check_df(double df) {
  if (!(df > 0) || std::isinf(df))
    throw std::invalid_argument("Student's t: expected degrees of freedom > 0, got " + std::to_string(df));
}
}  // namespace

double student_t_cdf(double t, double df) {
  check_df(df);
  if (std::isnan(t)) throw std::invalid_argument("Student's t: the value is NaN");
  const double half_tail = two_sided_tail(t, df) / 2;
  return t >= 0 ? 1 - half_tail : half_tail;
}

double student_t_two_sided_p(double t, double df) {
  check_df(df);
  if (std::isnan(t)) throw std::invalid_argument("Student's t: the value is NaN");
  return two_sided_tail(t, df);
}

double student_t_quantile(double p, double df) {
  check_df(df);
  if (!(p > 0 && p < 1)) throw std::invalid_argument("Student's t quantile: expected p in (0, 1), got " + std::to_string(p));
  if (p == 0.5) return 0;
  // Symmetric: solve for the upper tail q = min(p, 1-p) with t >= 0, where the tail is exact (no 1 - p
  // cancellation), then restore the sign.
  const double q = p < 0.5 ? p : 1 - p;
  double lo = 0, hi = 1;
  while (two_sided_tail(hi, df) / 2 > q) {
    lo = hi;
    hi *= 2;
    if (std::isinf(hi)) break;
  }
  // Bisection until the bracket is two adjacent doubles: the tail falls as t grows.
  for (int i = 0; i < 2000 && std::nextafter(lo, hi) < hi; ++i) {
    const double mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break;
    (two_sided_tail(mid, df) / 2 > q ? lo : hi) = mid;
  }
  const double t = std::fabs(two_sided_tail(lo, df) / 2 - q) <= std::fabs(two_sided_tail(hi, df) / 2 - q) ? lo : hi;
  return p < 0.5 ? -t : t;
}

Summary summarize(std::span<const double> values) {
  if (values.empty()) throw std::invalid_argument("summary of no values");
  Summary s;
  s.n = static_cast<int>(values.size());
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / s.n;
  if (s.n < 2) return s;
  double ss = 0;  // two passes: the sum of squared deviations, not E[x^2] - E[x]^2
  for (double v : values) ss += (v - s.mean) * (v - s.mean);
  s.sd = std::sqrt(ss / (s.n - 1));
  const double half = student_t_quantile(0.975, s.n - 1) * *s.sd / std::sqrt(static_cast<double>(s.n));
  s.ci_low = s.mean - half;
  s.ci_high = s.mean + half;
  return s;
}

PairedTest paired_t_test(std::span<const double> a, std::span<const double> b) {
  if (a.size() != b.size() || a.empty())
    throw std::invalid_argument("paired t-test: expected two equal, non-empty samples, got " + std::to_string(a.size()) +
                                " and " + std::to_string(b.size()) + " values");
  std::vector<double> d(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
  PairedTest r;
  r.difference = summarize(d);
  if (r.difference.n < 2) return r;
  r.df = r.difference.n - 1;
  if (*r.difference.sd == 0) {
    r.p = r.difference.mean == 0 ? 1.0 : 0.0;
    return r;
  }
  r.t = r.difference.mean / (*r.difference.sd / std::sqrt(static_cast<double>(r.difference.n)));
  r.p = student_t_two_sided_p(*r.t, r.df);
  return r;
}

}  // namespace hqc::app
