// dense_noise.hpp — the independent reference for the density-matrix tests: each gate as a full
// 2^n x 2^n matrix (tests/quantum/dense.hpp), each channel as full Kraus matrices K_k (x) I built by
// Kronecker products from the textbook 2x2 operators, applied as rho -> sum_k K rho K^dagger on a
// plain std::complex matrix. Shares no code with quantum/.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "dense.hpp"

namespace hqc::test::dense {

inline Mat dagger(const Mat& m) {
  Mat o(m.d);
  for (int64_t i = 0; i < m.d; ++i)
    for (int64_t j = 0; j < m.d; ++j) o(i, j) = std::conj(m(j, i));
  return o;
}

// The 2x2 Kraus operators, written out from their definitions (PennyLane's DepolarizingChannel,
// AmplitudeDamping, PhaseDamping, BitFlip, PhaseFlip).
inline std::vector<Mat> kraus(const std::string& name, double p) {
  if (name == "depolarizing") {
    const double s = std::sqrt(p / 3);
    return {scale(std::sqrt(1 - p), pI()), scale(s, pX()), scale(s, pY()), scale(s, pZ())};
  }
  if (name == "amplitude_damping") return {m2(1, 0, 0, std::sqrt(1 - p)), m2(0, std::sqrt(p), 0, 0)};
  if (name == "phase_damping") return {m2(1, 0, 0, std::sqrt(1 - p)), m2(0, 0, 0, std::sqrt(p))};
  if (name == "bit_flip") return {scale(std::sqrt(1 - p), pI()), scale(std::sqrt(p), pX())};
  if (name == "phase_flip") return {scale(std::sqrt(1 - p), pI()), scale(std::sqrt(p), pZ())};
  return {};
}

// rho -> sum_k K_k rho K_k^dagger with K_k the 2x2 operator on wire w, identity elsewhere.
inline Mat channel(const Mat& rho, int n, int w, const std::vector<Mat>& ks) {
  Mat out(rho.d);
  for (const Mat& k : ks) {
    const Mat K = one(n, w, k);
    out = out + K * rho * dagger(K);
  }
  return out;
}

inline Mat conjugate(const Mat& U, const Mat& rho) { return U * rho * dagger(U); }

inline Mat outer(const Vec& v) {
  Mat m(static_cast<int64_t>(v.size()));
  for (size_t i = 0; i < v.size(); ++i)
    for (size_t j = 0; j < v.size(); ++j) m(i, j) = v[i] * std::conj(v[j]);
  return m;
}

inline double expval_z(const Mat& rho, int n, int w) {
  double e = 0;
  for (int64_t i = 0; i < rho.d; ++i) e += ((i >> (n - 1 - w)) & 1 ? -1 : 1) * rho(i, i).real();
  return e;
}

}  // namespace hqc::test::dense
