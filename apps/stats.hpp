// stats.hpp — the statistics of a study over several seeds: mean, sample standard deviation, the 95 %
// confidence interval of a mean by Student's t, and the paired t-test of per-seed differences.
//
// Student's t CDF is computed from the regularized incomplete beta function,
//   P(T <= t) = 1 - I_{df/(df+t^2)}(df/2, 1/2) / 2   for t >= 0 (symmetric for t < 0),
// with I_x(a, b) evaluated by its continued fraction (modified Lentz's method, Numerical Recipes
// §6.4 `betacf`); quantiles invert the CDF by bisection to the last bit.
#pragma once

#include <optional>
#include <span>

namespace hqc::app {

// I_x(a, b) for a, b > 0 and x in [0, 1]; throws std::invalid_argument outside that domain.
double regularized_incomplete_beta(double a, double b, double x);
// P(T <= t) for Student's t with `df` > 0 degrees of freedom; t may be ±infinity.
double student_t_cdf(double t, double df);
// The t with P(T <= t) = p, for p in (0, 1).
double student_t_quantile(double p, double df);
// The exact two-sided p-value of an observed t: P(|T| >= |t|).
double student_t_two_sided_p(double t, double df);

// A sample's mean, its sample standard deviation (n - 1 in the denominator) and the 95 % confidence
// interval of its mean, mean ± t_{0.975, n-1} sd / sqrt(n). With one value there is no spread and no
// interval (absent, never NaN).
struct Summary {
  int n = 0;
  double mean = 0;
  std::optional<double> sd, ci_low, ci_high;
};
Summary summarize(std::span<const double> values);  // throws std::invalid_argument when empty

// The paired t-test of differences d_i = a_i - b_i (one per seed): the summary of d, t = mean / (sd /
// sqrt(n)) with n - 1 degrees of freedom and its two-sided p-value. With n = 1 there is no test. When
// every difference is the same (sd = 0, e.g. parameter counts) the interval is that one value and p
// is 0 if it is not zero and 1 if it is; t is then absent.
struct PairedTest {
  Summary difference;
  std::optional<double> t, p;
  int df = 0;
};
PairedTest paired_t_test(std::span<const double> a, std::span<const double> b);  // equal, non-zero sizes

}  // namespace hqc::app
