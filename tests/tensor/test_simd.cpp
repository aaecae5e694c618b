// Every SIMD level against the scalar reference, on awkward sizes.
#include "helpers.hpp"

#include <cmath>
#include <cstring>
#include <limits>

using namespace hqc;
using namespace hqc::test;

namespace {
std::vector<float> random_vec(int64_t n, float lo, float hi, uint64_t seed) {
  Generator g(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = lo + (hi - lo) * g.uniform_float();
  return v;
}

// Relative closeness on elements, allowing a few ulps for FMA contraction and lane order.
void check_vec_close(const std::vector<float>& a, const std::vector<float>& b, float rtol, const char* what) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    float tol = rtol * std::max(1.0f, std::abs(b[i]));
    if (!(std::abs(a[i] - b[i]) <= tol)) {
      FAIL_CHECK(what << " differs at " << i << " of " << a.size() << ": " << a[i] << " vs " << b[i]);
      return;
    }
  }
}
}  // namespace

TEST_CASE("every SIMD level agrees with scalar on every kernel, on awkward sizes") {
  const KernelTable& ref = kernels(SimdLevel::scalar);
  for (SimdLevel level : available_levels()) {
    INFO("SIMD " << std::string(simd_name(level)));
    const KernelTable& k = kernels(level);
    for (int64_t n : awkward_sizes()) {
      CAPTURE(n);
      auto a = random_vec(n, -20, 20, 1), b = random_vec(n, 0.5, 3, 2);
      std::vector<float> o1(n), o2(n);
      auto bin = [&](auto kf, auto rf, const char* name) {
        kf(a.data(), b.data(), o1.data(), n);
        rf(a.data(), b.data(), o2.data(), n);
        check_vec_close(o1, o2, 0, name);
      };
      bin(k.add, ref.add, "add");
      bin(k.sub, ref.sub, "sub");
      bin(k.mul, ref.mul, "mul");
      bin(k.div, ref.div, "div");
      bin(k.max, ref.max, "max");
      bin(k.min, ref.min, "min");
      bin(k.relu_backward, ref.relu_backward, "relu_backward");
      auto un = [&](auto kf, auto rf, float rtol, const char* name) {
        kf(a.data(), o1.data(), n);
        rf(a.data(), o2.data(), n);
        check_vec_close(o1, o2, rtol, name);
      };
      un(k.neg, ref.neg, 0, "neg");
      un(k.abs, ref.abs, 0, "abs");
      un(k.relu, ref.relu, 0, "relu");
      un(k.exp, ref.exp, 4e-7f, "exp");
      un(k.sigmoid, ref.sigmoid, 4e-7f, "sigmoid");
      un(k.tanh, ref.tanh, 4e-7f, "tanh");
      k.sqrt(b.data(), o1.data(), n);
      ref.sqrt(b.data(), o2.data(), n);
      check_vec_close(o1, o2, 0, "sqrt");
      auto sc = [&](auto kf, auto rf, const char* name) {
        kf(a.data(), 1.75f, o1.data(), n);
        rf(a.data(), 1.75f, o2.data(), n);
        check_vec_close(o1, o2, 0, name);
      };
      sc(k.add_s, ref.add_s, "add_s");
      sc(k.mul_s, ref.mul_s, "mul_s");
      sc(k.rsub_s, ref.rsub_s, "rsub_s");
      sc(k.max_s, ref.max_s, "max_s");
      sc(k.min_s, ref.min_s, "min_s");
      k.rdiv_s(b.data(), 2.0f, o1.data(), n);
      ref.rdiv_s(b.data(), 2.0f, o2.data(), n);
      check_vec_close(o1, o2, 0, "rdiv_s");
      o1 = b;
      o2 = b;
      k.axpy(0.3f, a.data(), o1.data(), n);
      ref.axpy(0.3f, a.data(), o2.data(), n);
      check_vec_close(o1, o2, 1e-6f, "axpy");
      k.scale_add(a.data(), 0.7f, b.data(), o1.data(), n);
      ref.scale_add(a.data(), 0.7f, b.data(), o2.data(), n);
      check_vec_close(o1, o2, 1e-6f, "scale_add");
      k.affine_s(a.data(), 0.7f, -1.25f, o1.data(), n);
      ref.affine_s(a.data(), 0.7f, -1.25f, o2.data(), n);
      check_vec_close(o1, o2, 1e-6f, "affine_s");
      k.affine_relu_s(a.data(), 0.7f, -1.25f, o1.data(), n);
      ref.affine_relu_s(a.data(), 0.7f, -1.25f, o2.data(), n);
      check_vec_close(o1, o2, 1e-6f, "affine_relu_s");
      k.affine2_s(a.data(), 0.7f, b.data(), -0.4f, 2.5f, o1.data(), n);
      ref.affine2_s(a.data(), 0.7f, b.data(), -0.4f, 2.5f, o2.data(), n);
      check_vec_close(o1, o2, 2e-6f, "affine2_s");
      // Reductions: lane order differs, so compare relative to the sum of magnitudes.
      double mag = 0;
      for (float x : a) mag += std::abs(x);
      CHECK(std::abs(k.sum(a.data(), n) - ref.sum(a.data(), n)) <= 1e-6 * mag + 1e-6);
      CHECK(k.max_reduce(a.data(), n) == ref.max_reduce(a.data(), n));
      CHECK(std::abs(k.dot(a.data(), b.data(), n) - ref.dot(a.data(), b.data(), n)) <= 3e-6 * mag + 1e-6);
      CHECK(std::abs(k.sq_dev_sum(a.data(), 0.5f, n) - ref.sq_dev_sum(a.data(), 0.5f, n)) <=
            1e-5 * ref.sq_dev_sum(a.data(), 0.5f, n) + 1e-5);
    }
  }
}

TEST_CASE("sum_dot gives sum's and dot's results bit for bit at every level, on awkward sizes") {
  for (SimdLevel level : available_levels()) {
    INFO("SIMD " << std::string(simd_name(level)));
    const KernelTable& k = kernels(level);
    std::vector<int64_t> sizes = awkward_sizes();
    sizes.insert(sizes.end(), {0, 1, 63, 64, 65, 196, 784, 1000});
    for (int64_t n : sizes) {
      CAPTURE(n);
      auto a = random_vec(n, -20, 20, 3), b = random_vec(n, -3, 3, 4);
      float s = -1, d = -1;
      k.sum_dot(a.data(), b.data(), n, &s, &d);
      const float want_s = k.sum(a.data(), n), want_d = k.dot(a.data(), b.data(), n);
      CHECK(std::memcmp(&s, &want_s, sizeof s) == 0);
      CHECK(std::memcmp(&d, &want_d, sizeof d) == 0);
    }
  }
}

TEST_CASE("scalar exp, sigmoid and tanh are accurate against double precision") {
  const KernelTable& ref = kernels(SimdLevel::scalar);
  auto a = random_vec(10007, -80, 80, 5);
  std::vector<float> o(a.size());
  ref.exp(a.data(), o.data(), static_cast<int64_t>(a.size()));
  for (std::size_t i = 0; i < a.size(); ++i) {
    double e = std::exp(double(a[i]));
    REQUIRE(std::abs(o[i] - e) <= 3e-7 * e);
  }
  auto s = random_vec(10007, -30, 30, 6);
  ref.tanh(s.data(), o.data(), static_cast<int64_t>(s.size()));
  for (std::size_t i = 0; i < s.size(); ++i) REQUIRE(std::abs(o[i] - std::tanh(double(s[i]))) <= 3e-7);
  ref.sigmoid(s.data(), o.data(), static_cast<int64_t>(s.size()));
  for (std::size_t i = 0; i < s.size(); ++i) {
    double e = 1 / (1 + std::exp(-double(s[i])));
    REQUIRE(std::abs(o[i] - e) <= 3e-7 * e + 1e-30);
  }
}

TEST_CASE("exp saturates instead of overflowing, and passes NaN on") {
  for (SimdLevel level : available_levels()) {
    INFO("SIMD " << std::string(simd_name(level)));
    std::vector<float> in = {-1000, 1000, NAN, 0}, out(4);
    kernels(level).exp(in.data(), out.data(), 4);
    CHECK(out[0] < 1e-37f);
    CHECK(out[1] > 1e38f);
    CHECK(std::isnan(out[2]));
    CHECK(out[3] == 1.0f);
  }
}

TEST_CASE("tensor ops give the same results under every forced level") {
  SimdLevelGuard guard;
  Generator g(11);
  Tensor x = rand_uniform({257, 33}, -3, 3, g);
  set_simd_level(SimdLevel::scalar);
  Tensor ref = softmax(mul(add(x, x), sigmoid(x)), 1);
  for (SimdLevel level : available_levels()) {
    set_simd_level(level);
    CHECK_CLOSE(softmax(mul(add(x, x), sigmoid(x)), 1), ref, 2e-6, 1e-7);
  }
}

TEST_CASE("forcing an unavailable level is refused") {
  if (!simd_available(SimdLevel::avx512)) {
    CHECK_THROWS_AS(set_simd_level(SimdLevel::avx512), std::invalid_argument);
  }
  CHECK(simd_available(SimdLevel::scalar));
}

TEST_CASE("each architecture offers only its own levels, and the best one is the default") {
#if defined(__x86_64__)
  CHECK_FALSE(simd_available(SimdLevel::neon));
  CHECK_THROWS_AS(set_simd_level(SimdLevel::neon), std::invalid_argument);
#elif defined(__aarch64__)
  CHECK_FALSE(simd_available(SimdLevel::avx2));
  CHECK_FALSE(simd_available(SimdLevel::avx512));
  CHECK_THROWS_AS(set_simd_level(SimdLevel::avx2), std::invalid_argument);
#endif
  const SimdLevel widest = simd_available(SimdLevel::avx512) ? SimdLevel::avx512
                           : simd_available(SimdLevel::avx2)  ? SimdLevel::avx2
                           : simd_available(SimdLevel::neon)  ? SimdLevel::neon
                                                              : SimdLevel::scalar;
  CHECK(simd_best() == widest);
  CHECK(std::string(simd_name(SimdLevel::neon)) == "neon");
}

TEST_CASE("affine kernels compute a*s + t, its relu, and a*s + b*u + t") {
  const std::vector<float> a = {1, -2, 0.5f, 4}, b = {3, 1, -1, 0.25f};
  for (SimdLevel level : available_levels()) {
    INFO("SIMD " << std::string(simd_name(level)));
    std::vector<float> o(4);
    kernels(level).affine_s(a.data(), 2.0f, 0.5f, o.data(), 4);
    CHECK(o == std::vector<float>{2.5f, -3.5f, 1.5f, 8.5f});
    kernels(level).affine_relu_s(a.data(), 2.0f, 0.5f, o.data(), 4);
    CHECK(o == std::vector<float>{2.5f, 0.0f, 1.5f, 8.5f});
    const float nan_in[1] = {NAN};
    kernels(level).affine_relu_s(nan_in, 2.0f, 0.5f, o.data(), 1);
    CHECK(std::isnan(o[0]));
    kernels(level).affine2_s(a.data(), 2.0f, b.data(), -4.0f, 1.0f, o.data(), 4);
    CHECK(o == std::vector<float>{-9.0f, -7.0f, 6.0f, 8.0f});
  }
}
