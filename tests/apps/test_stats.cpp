// test_stats.cpp — apps/stats.cpp against an independent reference: Student's t by numerical
// integration of its density in 40-digit arithmetic (tests/apps/make_stats_fixture.py, mpmath), and
// the closed forms that exist for 1 and 2 degrees of freedom.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "apps/stats.hpp"
#include "fixtures.hpp"

using namespace hqc::app;

namespace {
const hqc::test::Fixtures& fx() {
  static const hqc::test::Fixtures f("apps/stats.txt");
  return f;
}
std::vector<double> values(const std::string& name) {
  const hqc::Tensor t = fx().get(name);
  return std::vector<double>(t.data<double>(), t.data<double>() + t.numel());
}
// Relative agreement to `digits` significant digits, for values of any size.
void close(double got, double want, double rel, const std::string& what) {
  INFO(what << ": got " << got << ", want " << want);
  CHECK(std::fabs(got - want) <= rel * std::fabs(want) + 1e-300);
}
}  // namespace

TEST_CASE("Student's t CDF and two-sided p-value match numerical integration of the density") {
  const auto cases = values("cdf_cases"), cdf = values("cdf_values"), p = values("two_sided_p");
  for (std::size_t i = 0; i < cdf.size(); ++i) {
    const double t = cases[2 * i], df = cases[2 * i + 1];
    const std::string what = "t " + std::to_string(t) + ", df " + std::to_string(df);
    close(student_t_cdf(t, df), cdf[i], 1e-12, "cdf " + what);
    close(student_t_two_sided_p(t, df), p[i], 1e-12, "p " + what);
  }
}

TEST_CASE("two-sided p-values at 1 and 2 degrees of freedom equal their closed forms") {
  // p = 1 - 2/pi atan|t| (df 1) and 1 - |t|/sqrt(2 + t^2) (df 2), written without the cancellation of
  // "1 -" so that the far tail keeps its digits: 2/pi atan(1/|t|) and 2 / (s (s + |t|)), s = sqrt(2 + t^2).
  for (double t : {0.0, 0.3, -1.0, 2.5, 7.0, -40.0, 1e4}) {
    const double a = std::fabs(t), s = std::sqrt(2 + t * t);
    close(student_t_two_sided_p(t, 1), 2 / std::numbers::pi * std::atan(1 / a), 1e-13, "df 1, t " + std::to_string(t));
    close(student_t_two_sided_p(t, 2), 2 / (s * (s + a)), 1e-12, "df 2, t " + std::to_string(t));
  }
  close(student_t_two_sided_p(0.3, 1), 1 - 2 / std::numbers::pi * std::atan(0.3), 1e-14, "df 1, the textbook form");
  close(student_t_two_sided_p(2.5, 2), 1 - 2.5 / std::sqrt(2 + 2.5 * 2.5), 1e-14, "df 2, the textbook form");
}

TEST_CASE("t quantiles match the reference and the closed form at 2 degrees of freedom") {
  const auto cases = values("quantile_cases"), q = values("quantile_values");
  for (std::size_t i = 0; i < q.size(); ++i)
    close(student_t_quantile(cases[2 * i], cases[2 * i + 1]), q[i], 1e-12,
          "p " + std::to_string(cases[2 * i]) + ", df " + std::to_string(cases[2 * i + 1]));
  // df 2: t = (2p - 1) / sqrt(2 p (1 - p)).
  const double p = 0.975;
  close(student_t_quantile(p, 2), (2 * p - 1) / std::sqrt(2 * p * (1 - p)), 1e-13, "closed form, df 2");
  close(student_t_quantile(0.975, 4), 2.7764451051977943, 1e-13, "df 4");
  CHECK(student_t_quantile(0.5, 3) == 0);
  close(student_t_quantile(0.025, 4), -student_t_quantile(0.975, 4), 1e-13, "symmetry");
}

TEST_CASE("the incomplete beta function at known points and its symmetry") {
  close(regularized_incomplete_beta(1, 1, 0.3), 0.3, 1e-14, "I_x(1, 1) = x");
  close(regularized_incomplete_beta(2, 1, 0.3), 0.09, 1e-14, "I_x(2, 1) = x^2");
  close(regularized_incomplete_beta(1, 3, 0.2), 1 - std::pow(0.8, 3), 1e-14, "I_x(1, b) = 1 - (1-x)^b");
  close(regularized_incomplete_beta(2.5, 0.5, 0.7), 1 - regularized_incomplete_beta(0.5, 2.5, 0.3), 1e-13, "symmetry");
  CHECK(regularized_incomplete_beta(3, 2, 0) == 0);
  CHECK(regularized_incomplete_beta(3, 2, 1) == 1);
  CHECK_THROWS_AS(regularized_incomplete_beta(0, 1, 0.5), std::invalid_argument);
  CHECK_THROWS_AS(regularized_incomplete_beta(1, 1, 1.5), std::invalid_argument);
  CHECK_THROWS_AS(student_t_cdf(1, 0), std::invalid_argument);
  CHECK_THROWS_AS(student_t_quantile(1, 3), std::invalid_argument);
  CHECK_THROWS_AS(student_t_cdf(std::nan(""), 3), std::invalid_argument);
}

TEST_CASE("mean, sample standard deviation and 95 % interval match the reference") {
  for (const char* name : {"sample_a", "sample_b", "sample_c"}) {
    const auto xs = values(name), want = values(std::string(name) + "_summary");
    const Summary s = summarize(xs);
    CHECK(s.n == static_cast<int>(xs.size()));
    close(s.mean, want[0], 1e-14, std::string(name) + " mean");
    REQUIRE(s.sd);
    close(*s.sd, want[1], 1e-12, std::string(name) + " sd");
    REQUIRE(s.ci_low);
    close(*s.ci_low, want[2], 1e-12, std::string(name) + " ci low");
    close(*s.ci_high, want[3], 1e-12, std::string(name) + " ci high");
  }
}

TEST_CASE("one value has a mean and no spread or interval; no values is refused") {
  const std::vector<double> one{0.75};
  const Summary s = summarize(one);
  CHECK(s.n == 1);
  CHECK(s.mean == 0.75);
  CHECK_FALSE(s.sd);
  CHECK_FALSE(s.ci_low);
  CHECK_FALSE(s.ci_high);
  CHECK_THROWS_AS(summarize(std::vector<double>{}), std::invalid_argument);
  const PairedTest t = paired_t_test(one, std::vector<double>{0.5});
  CHECK(t.difference.mean == 0.25);
  CHECK_FALSE(t.t);
  CHECK_FALSE(t.p);
}

TEST_CASE("the paired t-test of per-seed differences matches the reference") {
  for (const char* name : {"pair_a", "pair_b", "pair_c"}) {
    const std::string n = name;
    const auto a = values(n + "_a"), b = values(n + "_b"), want = values(n + "_test");
    const PairedTest t = paired_t_test(a, b);
    CHECK(t.df == static_cast<int>(a.size()) - 1);
    close(t.difference.mean, want[0], 1e-12, n + " mean difference");
    REQUIRE(t.difference.sd);
    close(*t.difference.sd, want[1], 1e-11, n + " sd");
    close(*t.difference.ci_low, want[2], 1e-11, n + " ci low");
    close(*t.difference.ci_high, want[3], 1e-11, n + " ci high");
    REQUIRE(t.t);
    close(*t.t, want[4], 1e-11, n + " t");
    close(*t.p, want[5], 1e-11, n + " p");
  }
}

TEST_CASE("identical differences give a zero-width interval and p 0, or p 1 when they are zero") {
  const std::vector<double> a{10, 11, 12}, b{7, 8, 9};
  const PairedTest t = paired_t_test(a, b);
  CHECK(t.difference.mean == 3);
  CHECK(*t.difference.ci_low == 3);
  CHECK(*t.difference.ci_high == 3);
  CHECK_FALSE(t.t);
  CHECK(*t.p == 0);
  CHECK(*paired_t_test(a, a).p == 1);
  CHECK_THROWS_AS(paired_t_test(a, std::vector<double>{1, 2}), std::invalid_argument);
}
