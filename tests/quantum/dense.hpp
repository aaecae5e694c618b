// dense.hpp — the independent reference for the quantum tests: full 2^n x 2^n matrices built from
// Kronecker products of 2x2 matrices written from their textbook definitions (docs/quantum.md), applied
// to plain std::complex state vectors. Slow and obvious on purpose; shares no code with quantum/.
#pragma once

#include <cmath>
#include <complex>
#include <map>
#include <numbers>
#include <vector>

#include "tensor/random.hpp"

namespace hqc::test::dense {

using C = std::complex<double>;
constexpr C I{0.0, 1.0};

struct Mat {
  int64_t d = 0;
  std::vector<C> a;  // row-major d x d
  explicit Mat(int64_t dim = 0) : d(dim), a(dim * dim) {}
  C& operator()(int64_t i, int64_t j) { return a[i * d + j]; }
  C operator()(int64_t i, int64_t j) const { return a[i * d + j]; }
};

inline Mat m2(C a, C b, C c, C d) {
  Mat m(2);
  m(0, 0) = a, m(0, 1) = b, m(1, 0) = c, m(1, 1) = d;
  return m;
}
inline Mat eye(int64_t d) {
  Mat m(d);
  for (int64_t i = 0; i < d; ++i) m(i, i) = 1;
  return m;
}
inline Mat kron(const Mat& x, const Mat& y) {
  Mat m(x.d * y.d);
  for (int64_t i = 0; i < x.d; ++i)
    for (int64_t j = 0; j < x.d; ++j)
      for (int64_t k = 0; k < y.d; ++k)
        for (int64_t l = 0; l < y.d; ++l) m(i * y.d + k, j * y.d + l) = x(i, j) * y(k, l);
  return m;
}
inline Mat operator*(const Mat& x, const Mat& y) {
  Mat m(x.d);
  for (int64_t i = 0; i < x.d; ++i)
    for (int64_t k = 0; k < x.d; ++k)
      for (int64_t j = 0; j < x.d; ++j) m(i, j) += x(i, k) * y(k, j);
  return m;
}
inline Mat operator+(const Mat& x, const Mat& y) {
  Mat m(x.d);
  for (size_t i = 0; i < m.a.size(); ++i) m.a[i] = x.a[i] + y.a[i];
  return m;
}
inline Mat scale(C s, const Mat& x) {
  Mat m = x;
  for (auto& v : m.a) v *= s;
  return m;
}

// Pauli matrices and friends.
inline Mat pI() { return eye(2); }
inline Mat pX() { return m2(0, 1, 1, 0); }
inline Mat pY() { return m2(0, -I, I, 0); }
inline Mat pZ() { return m2(1, 0, 0, -1); }
inline Mat P0() { return m2(1, 0, 0, 0); }
inline Mat P1() { return m2(0, 0, 0, 1); }
// exp(-i t P / 2) = cos(t/2) I - i sin(t/2) P for a Pauli P.
inline Mat rot(const Mat& P, double t) { return scale(std::cos(t / 2), pI()) + scale(-I * std::sin(t / 2), P); }
inline Mat RX(double t) { return rot(pX(), t); }
inline Mat RY(double t) { return rot(pY(), t); }
inline Mat RZ(double t) { return rot(pZ(), t); }
inline Mat Rot(double a, double b, double c) { return RZ(c) * RY(b) * RZ(a); }
inline Mat Phase(double t) { return m2(1, 0, 0, std::exp(I * t)); }
inline Mat Had() { return scale(1 / std::sqrt(2.0), pX() + pZ()); }
inline Mat S() { return m2(1, 0, 0, I); }
inline Mat T() { return m2(1, 0, 0, std::exp(I * (std::numbers::pi / 4))); }

// The n-qubit operator with the given 2x2 factor on each listed wire and I elsewhere; wire 0 is the
// leftmost (most significant) factor.
inline Mat on_wires(int n, const std::map<int, Mat>& f) {
  Mat m = eye(1);
  for (int w = 0; w < n; ++w) m = kron(m, f.count(w) ? f.at(w) : pI());
  return m;
}
inline Mat one(int n, int w, const Mat& U) { return on_wires(n, {{w, U}}); }
inline Mat controlled(int n, int c, int t, const Mat& U) {
  return on_wires(n, {{c, P0()}}) + on_wires(n, {{c, P1()}, {t, U}});
}
inline Mat swap(int n, int a, int b) {
  Mat s = on_wires(n, {}) + on_wires(n, {{a, pX()}, {b, pX()}}) + on_wires(n, {{a, pY()}, {b, pY()}}) +
          on_wires(n, {{a, pZ()}, {b, pZ()}});
  return scale(0.5, s);
}

using Vec = std::vector<C>;
inline Vec apply(const Mat& m, const Vec& v) {
  Vec o(v.size());
  for (int64_t i = 0; i < m.d; ++i)
    for (int64_t j = 0; j < m.d; ++j) o[i] += m(i, j) * v[j];
  return o;
}
inline Vec random_state(int n, Generator& g) {
  Vec v(size_t{1} << n);
  double s = 0;
  for (auto& x : v) {
    x = C(g.normal(), g.normal());
    s += std::norm(x);
  }
  for (auto& x : v) x /= std::sqrt(s);
  return v;
}
inline Vec basis0(int n) {
  Vec v(size_t{1} << n);
  v[0] = 1;
  return v;
}
// <Z_w> with wire 0 the most significant bit.
inline double expval_z(const Vec& v, int n, int w) {
  double e = 0;
  for (size_t i = 0; i < v.size(); ++i) e += ((i >> (n - 1 - w)) & 1 ? -1 : 1) * std::norm(v[i]);
  return e;
}
inline double expval_op(const Vec& v, const Mat& op) {
  Vec o = apply(op, v);
  C e = 0;
  for (size_t i = 0; i < v.size(); ++i) e += std::conj(v[i]) * o[i];
  return e.real();
}

}  // namespace hqc::test::dense
