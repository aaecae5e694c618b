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

TEST_CASE("math::sincos gives the bits of math::sin and math::cos") {
  int64_t differ = 0;
  auto check = [&](double x) {
    double s, c;
    math::sincos(x, s, c);
    differ += bits(s) != bits(math::sin(x)) || bits(c) != bits(math::cos(x));
  };
  sweep(-100.0, 100.0, 200000, check);
  sweep_log(1e-300, 1e7, 100000, [&](double x) { check(x); check(-x); });
  for (double x : {0.0, -0.0, kInf, -kInf, kNaN}) {
    double s, c;
    math::sincos(x, s, c);
    differ += (std::isnan(s) != std::isnan(math::sin(x))) || (!std::isnan(s) && bits(s) != bits(math::sin(x)));
    differ += (std::isnan(c) != std::isnan(math::cos(x))) || (!std::isnan(c) && bits(c) != bits(math::cos(x)));
  }
  CHECK(differ == 0);
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

// The bits every CPU must reproduce: computed once by these functions (whose accuracy the sweeps
// above check). A compiler that fuses a multiply-add into them, or a change of algorithm, fails here.
TEST_CASE("hqc::math returns pinned bit patterns for fixed inputs (the same on every CPU and C library)") {
  const double exp_in[] = {-700.5, -10.5, -1.0, 0.3, 1.0, 2.5, 88.5, 709.0};
  const uint64_t exp_out[] = {0x00c4ff475c68ca02, 0x3efcdfc263f6a0ba, 0x3fd78b56362cef38, 0x3ff599058c8c1a96,
                              0x4005bf0a8b14576a, 0x40285d6fd931e0bb, 0x47e99b987155fe28, 0x7fdd422d2be5dc9b};
  for (int i = 0; i < 8; ++i) CHECK_MESSAGE(bits(math::exp(exp_in[i])) == exp_out[i], "exp(" << exp_in[i] << ")");
  const double log_in[] = {5e-324, 1e-300, 0.1, 0.5, 2.0, 10.0, 12345.678, 1e300};
  const uint64_t log_out[] = {0xc0874385446d71c3, 0xc085963447f87fb5, 0xc0026bb1bbb55515, 0xbfe62e42fefa39ef,
                              0x3fe62e42fefa39ef, 0x40026bb1bbb55516, 0x4022d79559791e31, 0x4085963447f87fb5};
  for (int i = 0; i < 8; ++i) CHECK_MESSAGE(bits(math::log(log_in[i])) == log_out[i], "log(" << log_in[i] << ")");
  const double trig_in[] = {0.1, 0.7853981633974483, 1.0, 3.0, 10.0, 1000.0, 1e6, -2.5};
  const uint64_t sin_out[] = {0x3fb98eaecb8bcb2c, 0x3fe6a09e667f3bcc, 0x3feaed548f090cee, 0x3fc210386db6d55b,
                              0xbfe1689ef5f34f52, 0x3fea75cc150a206b, 0xbfd6664b2568d867, 0xbfe326af0dcfcab0};
  const uint64_t cos_out[] = {0x3fefd712f9a817c1, 0x3fe6a09e667f3bcd, 0x3fe14a280fb5068c, 0xbfefae04be85e5d2,
                              0xbfead9ac890c6b1f, 0x3fe1ff026793f1bc, 0x3fedf9df9906d32c, 0xbfe9a2f7ef858b7d};
  for (int i = 0; i < 8; ++i) {
    CHECK_MESSAGE(bits(math::sin(trig_in[i])) == sin_out[i], "sin(" << trig_in[i] << ")");
    CHECK_MESSAGE(bits(math::cos(trig_in[i])) == cos_out[i], "cos(" << trig_in[i] << ")");
  }
  const double tanh_in[] = {1e-10, 0.1, 0.5, 0.55, 1.0, 3.0, -7.5, 20.0};
  const uint64_t tanh_out[] = {0x3ddb7cdfd9d7bdbb, 0x3fb983d7795f413a, 0x3fdd9353d7568af3, 0x3fe00442f6419203,
                               0x3fe85efab514f394, 0x3fefd77d111a0b01, 0xbfeffffeb78a3c73, 0x3ff0000000000000};
  for (int i = 0; i < 8; ++i) CHECK_MESSAGE(bits(math::tanh(tanh_in[i])) == tanh_out[i], "tanh(" << tanh_in[i] << ")");
  // Adam's bias corrections: beta1 = 0.9 and beta2 = 0.999 to the powers 1, 10, ..., 100000.
  const int64_t steps[] = {1, 10, 100, 1000, 10000, 100000};
  const uint64_t powi_out[] = {0x3feccccccccccccd, 0x3feff7ced916872b, 0x3fd650bf60432fd9, 0x3fefae7299c256e3,
                               0x3efbda056ed49410, 0x3fecf40ea930fdf5, 0x366fee7413dac341, 0x3fd788526411ed72,
                               0x0000000000000000, 0x3f07af105956a80f, 0x0000000000000000, 0x36e940747bb85395};
  for (int i = 0; i < 6; ++i) {
    CHECK_MESSAGE(bits(math::powi(0.9, steps[i])) == powi_out[2 * i], "0.9^" << steps[i]);
    CHECK_MESSAGE(bits(math::powi(0.999, steps[i])) == powi_out[2 * i + 1], "0.999^" << steps[i]);
  }
  const double pow_in[] = {0.5, 1.7, -2.25, 10.5};
  const uint64_t pow_out[] = {0x3ffec6d0353167a9, 0x40227dd5223cbd60, 0x3faaf749f3971bd3, 0x412c3a2b580bad23};
  for (int i = 0; i < 4; ++i) CHECK_MESSAGE(bits(math::pow(3.7, pow_in[i])) == pow_out[i], "3.7^" << pow_in[i]);
  const float f_in[] = {-87.5f, -1.0f, 0.3f, 2.5f, 10.0f, 88.5f};
  const uint32_t expf_out[] = {0x006cb2bc, 0x3ebc5ab2, 0x3facc82d, 0x4142eb7f, 0x46ac14ee, 0x7f4cdcc4};
  const uint32_t logf_out[] = {0x408f17aa, 0x00000000, 0xbf9a1bc8, 0x3f6a9208, 0x40135d8e, 0x408f74c2};
  const uint32_t tanhf_out[] = {0xbf800000, 0xbdfeacc9, 0x3d19872e, 0x3e9afcc5, 0x3f59291e, 0x3f800000};
  const uint32_t sinf_out[] = {0x3ee56824, 0xbf576aa4, 0x3e974e6d, 0x3f193578, 0xbf0b44f8, 0x3f029bd0};
  const uint32_t cosf_out[] = {0x3f64dd68, 0x3f0a5140, 0x3f7490ef, 0xbf4d17bf, 0xbf56cd64, 0x3f5c2d01};
  const uint32_t powf_out[] = {0x444c9f34, 0x3f800000, 0x3e2842a8, 0x407cfb72, 0x41fcfb72, 0x445023c3};
  for (int i = 0; i < 6; ++i) {
    const float x = f_in[i];
    CHECK_MESSAGE(bits(math::exp(x)) == expf_out[i], "expf(" << x << ")");
    CHECK_MESSAGE(bits(math::log(std::fabs(x))) == logf_out[i], "logf(" << std::fabs(x) << ")");
    CHECK_MESSAGE(bits(math::tanh(x / 8)) == tanhf_out[i], "tanhf(" << x / 8 << ")");
    CHECK_MESSAGE(bits(math::sin(x)) == sinf_out[i], "sinf(" << x << ")");
    CHECK_MESSAGE(bits(math::cos(x)) == cosf_out[i], "cosf(" << x << ")");
    CHECK_MESSAGE(bits(math::pow(std::fabs(x), 1.5f)) == powf_out[i], "powf(" << std::fabs(x) << ", 1.5)");
  }
}

// The element-wise ops' scalar paths (float64 tensors, every float32 op without a SIMD kernel, and
// log-softmax's sum) must call hqc::math, not libm: a libm call would give other bits on another CPU.
TEST_CASE("tensor exp, log, tanh, sigmoid, pow and log-softmax compute through hqc::math, bit for bit") {
  const int64_t n = 100000;
  Tensor d = Tensor::empty({n}, DType::f64);
  Tensor f = Tensor::empty({n}, DType::f32);
  for (int64_t i = 0; i < n; ++i) {
    d.data<double>()[i] = -20.0 + 40.0 * double(i) / double(n - 1);
    f.data<float>()[i] = static_cast<float>(d.data<double>()[i]);
  }
  const Tensor pos = add(d, 20.5), posf = add(f, 20.5);
  const Tensor e = hqc::exp(d), l = hqc::log(pos), t = hqc::tanh(d), s = sigmoid(d), p = hqc::pow(pos, 1.7);
  const Tensor lf = hqc::log(posf), pf = hqc::pow(posf, 1.7);
  int64_t differ = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double x = d.data<double>()[i], xp = pos.data<double>()[i];
    const float xpf = posf.data<float>()[i];
    differ += bits(e.data<double>()[i]) != bits(math::exp(x));
    differ += bits(l.data<double>()[i]) != bits(math::log(xp));
    differ += bits(t.data<double>()[i]) != bits(math::tanh(x));
    differ += bits(s.data<double>()[i]) != bits(1 / (1 + math::exp(-x)));
    differ += bits(p.data<double>()[i]) != bits(math::pow(xp, 1.7));
    differ += bits(lf.data<float>()[i]) != bits(math::log(xpf));
    differ += bits(pf.data<float>()[i]) != bits(math::pow(xpf, 1.7f));
  }
  CHECK(differ == 0);
  // log-softmax of float rows: y = (x - max) - log(sum exp(x - max)), the sum in row order.
  const Tensor rows = f.reshape({n / 10, 10});
  const Tensor ls = log_softmax(rows, 1);
  int64_t differ_ls = 0;
  for (int64_t r = 0; r < n / 10; ++r) {
    const float* x = rows.data<float>() + r * 10;
    float m = x[0];
    for (int k = 1; k < 10; ++k) m = x[k] > m ? x[k] : m;
    float sum = 0;
    for (int k = 0; k < 10; ++k) sum += math::exp(x[k] + -m);
    for (int k = 0; k < 10; ++k) differ_ls += bits(ls.data<float>()[r * 10 + k]) != bits((x[k] + -m) + -math::log(sum));
  }
  CHECK(differ_ls == 0);
}

TEST_CASE("Generator::normal is Box-Muller through hqc::math: the same bits on every CPU") {
  Generator g(5), u(5);
  int64_t differ = 0;
  for (int i = 0; i < 50000; ++i) {
    double u1 = 0.0;
    while (u1 <= 0.0) u1 = u.uniform_double();
    const double u2 = u.uniform_double();
    const double r = std::sqrt(-2.0 * math::log(u1)), a = 2.0 * 3.141592653589793 * u2;
    differ += bits(g.normal()) != bits(r * math::cos(a));
    differ += bits(g.normal()) != bits(r * math::sin(a));
  }
  CHECK(differ == 0);
}
