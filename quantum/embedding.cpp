// embedding.cpp — amplitude embedding forward and backward, angle embedding.
#include "quantum/embedding.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace hqc::quantum {

bool amplitude_normalises(const AmplitudeSpec& spec) {
  return spec.normalize || (spec.pad_with && *spec.pad_with != 0.0);
}

namespace {
// PennyLane's check that a vector given without normalize has norm 1: allclose(|v|^2, 1).
constexpr double kNormAtol = 1e-10, kNormRtol = 1e-5;

// Entry k of sample b's padded (and abs'd) vector v.
inline double padded(const AmplitudeSpec& spec, const double* x, int64_t b, int64_t k) {
  if (k >= spec.features) return *spec.pad_with;
  const double e = x[b * spec.features + k];
  return spec.absolute ? std::fabs(e) : e;
}

// sq (B) = |v_b|^2, row by row so that the batch stays the inner, vectorisable loop.
void squared_norms(const AmplitudeSpec& spec, const double* x, int64_t dim, int64_t B, std::vector<double>& sq) {
  sq.assign(B, 0.0);
  for (int64_t k = 0; k < dim; ++k)
    for (int64_t b = 0; b < B; ++b) {
      const double e = padded(spec, x, b, k);
      sq[b] += e * e;
    }
}

[[noreturn]] void bad_sample(const AmplitudeSpec& spec, const double* x, int64_t b, double sq) {
  std::ostringstream m;
  m << "AmplitudeEmbedding: sample " << b;
  for (int64_t k = 0; k < spec.features; ++k) {
    if (!std::isfinite(x[b * spec.features + k])) {
      m << " has a non-finite feature at " << k << " (" << x[b * spec.features + k] << ")";
      throw std::invalid_argument(m.str());
    }
  }
  bool zero = true;
  for (int64_t k = 0; k < spec.features; ++k) zero = zero && x[b * spec.features + k] == 0.0;
  if (spec.pad_with) zero = zero && *spec.pad_with == 0.0;
  if (zero) {
    m << " is a zero vector and cannot be normalised into a state";
  } else {
    m << " has a squared norm that " << (sq > 0.0 ? "overflows" : "underflows")
      << " double precision (features near " << (sq > 0.0 ? "1e154 or above" : "1e-162 or below")
      << ") and cannot be normalised; rescale it";
  }
  throw std::invalid_argument(m.str());
}
}  // namespace

void embed_amplitudes(const AmplitudeSpec& spec, const double* x, StateBatch& state) {
  const int64_t dim = state.dim(), B = state.batch();
  const bool norm = amplitude_normalises(spec);
  std::vector<double> sq, scale(B);
  squared_norms(spec, x, dim, B, sq);
  for (int64_t b = 0; b < B; ++b) {
    if (!(sq[b] > 0.0) || !std::isfinite(sq[b])) bad_sample(spec, x, b, sq[b]);
    if (!norm && !(std::fabs(sq[b] - 1.0) <= kNormAtol + kNormRtol)) {
      std::ostringstream m;
      m << "AmplitudeEmbedding: sample " << b << " must be a vector of norm 1, got squared norm " << sq[b]
        << " (use normalize=True)";
      throw std::invalid_argument(m.str());
    }
    scale[b] = norm ? 1.0 / std::sqrt(sq[b]) : 1.0;
  }
  double* re = state.re();
  double* im = state.im();
  for (int64_t k = 0; k < dim; ++k)
    for (int64_t b = 0; b < B; ++b) {
      re[k * B + b] = padded(spec, x, b, k) * scale[b];
      im[k * B + b] = 0.0;
    }
}

void embed_amplitudes_backward(const AmplitudeSpec& spec, const double* x, int n, int64_t batch,
                               const double* g_psi, double* g_x) {
  const int64_t dim = int64_t{1} << n, K = spec.features, B = batch;
  const bool norm = amplitude_normalises(spec);
  // psi = v / |v|  =>  g_v = (g_psi - psi (psi . g_psi)) / |v|
  std::vector<double> inv(B, 1.0), dot(B, 0.0);
  if (norm) {
    std::vector<double> sq;
    squared_norms(spec, x, dim, B, sq);
    for (int64_t b = 0; b < B; ++b) inv[b] = 1.0 / std::sqrt(sq[b]);
    for (int64_t k = 0; k < dim; ++k)
      for (int64_t b = 0; b < B; ++b) dot[b] += padded(spec, x, b, k) * inv[b] * g_psi[k * B + b];
  }
  for (int64_t b = 0; b < B; ++b)
    for (int64_t k = 0; k < K; ++k) {  // padded entries are constants: their gradient is dropped
      double g = g_psi[k * B + b];
      if (norm) g = (g - padded(spec, x, b, k) * inv[b] * dot[b]) * inv[b];
      if (spec.absolute) {
        const double xv = x[b * K + k];
        g *= (xv > 0.0) - (xv < 0.0);  // d|x|/dx = sign(x), 0 at 0 as in PyTorch
      }
      g_x[b * K + k] += g;
    }
}

void angle_embedding(Circuit& c, int n_features, Rotation rotation, int64_t first_column) {
  if (n_features < 1 || n_features > c.num_qubits()) {
    throw std::invalid_argument("AngleEmbedding: features should be of length " + std::to_string(c.num_qubits()) +
                                " or less; got length " + std::to_string(n_features));
  }
  for (int i = 0; i < n_features; ++i) c.add(rotation_gate(rotation), {i}, Param::input(first_column + i));
}

}  // namespace hqc::quantum
