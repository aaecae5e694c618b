// Tests of the seeded generator: fixed streams, independence of forks, distribution moments.
#include "helpers.hpp"

#include <cmath>

using namespace hqc;

TEST_CASE("pcg32 stream is fixed for a seed (values pinned so any platform drift fails)") {
  Generator g(42);
  // First outputs for seed 42, stream 0, pinned when the generator was written; the algorithm is
  // integer-only, so they may never change on any platform.
  const uint32_t first[4] = {1662027041u, 1669097796u, 1911443431u, 1974432408u};
  for (uint32_t want : first) CHECK(g.next_u32() == want);
  Generator h(0);
  CHECK(h.uniform_float() == 0.262447536f);
  CHECK(h.normal() == doctest::Approx(0.68537232468149312).epsilon(1e-15));
  Generator other(43);
  CHECK(other.next_u32() != first[0]);
}

TEST_CASE("uniform_float lies in the unit interval with mean 1/2 and variance 1/12") {
  Generator g(1);
  double s = 0, s2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    float u = g.uniform_float();
    REQUIRE(u >= 0.0f);
    REQUIRE(u < 1.0f);
    s += u;
    s2 += u * u;
  }
  double m = s / n, v = s2 / n - m * m;
  CHECK(m == doctest::Approx(0.5).epsilon(0.01));
  CHECK(v == doctest::Approx(1.0 / 12).epsilon(0.02));
}

TEST_CASE("normal has mean 0 and variance 1") {
  Generator g(2);
  double s = 0, s2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    double x = g.normal();
    s += x;
    s2 += x * x;
  }
  CHECK(std::abs(s / n) < 0.01);
  CHECK(s2 / n == doctest::Approx(1.0).epsilon(0.02));
}

TEST_CASE("below(n) is unbiased and in range") {
  Generator g(3);
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 70000; ++i) {
    uint32_t k = g.below(7);
    REQUIRE(k < 7);
    counts[k]++;
  }
  for (int c : counts) CHECK(std::abs(c - 10000) < 500);
  CHECK_THROWS_AS(g.below(0), std::invalid_argument);
}

TEST_CASE("fork(k) depends only on the seed and k, not on draws made before") {
  Generator a(5), b(5);
  for (int i = 0; i < 10; ++i) b.next_u32();
  Generator fa = a.fork(3), fb = b.fork(3), fc = a.fork(4);
  uint32_t x = fa.next_u32();
  CHECK(x == fb.next_u32());
  CHECK(x != fc.next_u32());
}

TEST_CASE("rand_uniform fills float32 and float64 tensors reproducibly") {
  Generator g1(9), g2(9);
  Tensor a = rand_uniform({3, 5}, -2, 3, g1), b = rand_uniform({3, 5}, -2, 3, g2);
  CHECK(max_abs_diff(a, b) == 0.0);
  for (double v : a.to_vector()) {
    CHECK(v >= -2);
    CHECK(v < 3);
  }
  Tensor d = rand_normal({4}, 1, 2, g1, DType::f64);
  CHECK(d.dtype() == DType::f64);
}
