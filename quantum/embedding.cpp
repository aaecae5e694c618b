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

// v: the padded (and abs'd) vector of sample b, length D. Returns |v|^2.
double padded_sample(const AmplitudeSpec& spec, const double* x, int64_t b, int64_t dim, std::vector<double>& v) {
  const int64_t K = spec.features;
  double sq = 0.0;
  for (int64_t k = 0; k < dim; ++k) {
    double e;
    if (k < K) {
      e = x[b * K + k];
      if (!std::isfinite(e)) {
        std::ostringstream m;
        m << "AmplitudeEmbedding: sample " << b << " has a non-finite feature at " << k << " (" << e << ")";
        throw std::invalid_argument(m.str());
      }
      if (spec.absolute) e = std::fabs(e);
    } else {
      e = *spec.pad_with;
    }
    v[k] = e;
    sq += e * e;
  }
  return sq;
}
}  // namespace

void embed_amplitudes(const AmplitudeSpec& spec, const double* x, StateBatch& state) {
  const int64_t dim = state.dim(), B = state.batch();
  const bool norm = amplitude_normalises(spec);
  std::vector<double> v(dim);
  double* re = state.re();
  double* im = state.im();
  for (int64_t b = 0; b < B; ++b) {
    const double sq = padded_sample(spec, x, b, dim, v);
    if (!(sq > 0.0) || !std::isfinite(sq)) {
      std::ostringstream m;
      m << "AmplitudeEmbedding: sample " << b << " is a " << (sq > 0.0 ? "vector whose norm overflows" : "zero vector")
        << " and cannot be normalised into a state";
      throw std::invalid_argument(m.str());
    }
    if (!norm && !(std::fabs(sq - 1.0) <= kNormAtol + kNormRtol)) {
      std::ostringstream m;
      m << "AmplitudeEmbedding: sample " << b << " must be a vector of norm 1, got squared norm " << sq
        << " (use normalize=True)";
      throw std::invalid_argument(m.str());
    }
    const double scale = norm ? 1.0 / std::sqrt(sq) : 1.0;
    for (int64_t i = 0; i < dim; ++i) {
      re[i * B + b] = v[i] * scale;
      im[i * B + b] = 0.0;
    }
  }
}

void embed_amplitudes_backward(const AmplitudeSpec& spec, const double* x, int n, int64_t batch,
                               const double* g_psi, double* g_x) {
  const int64_t dim = int64_t{1} << n, K = spec.features;
  const bool norm = amplitude_normalises(spec);
  std::vector<double> v(dim);
  for (int64_t b = 0; b < batch; ++b) {
    const double sq = padded_sample(spec, x, b, dim, v);
    // psi = v / |v|  =>  g_v = (g_psi - psi (psi . g_psi)) / |v|
    double inv = 1.0, dot = 0.0;
    if (norm) {
      inv = 1.0 / std::sqrt(sq);
      for (int64_t i = 0; i < dim; ++i) dot += v[i] * inv * g_psi[i * batch + b];
    }
    for (int64_t k = 0; k < K; ++k) {  // padded entries are constants: their gradient is dropped
      double g = g_psi[k * batch + b];
      if (norm) g = (g - v[k] * inv * dot) * inv;
      if (spec.absolute) {
        const double xv = x[b * K + k];
        g *= (xv > 0.0) - (xv < 0.0);  // d|x|/dx = sign(x), 0 at 0 as in PyTorch
      }
      g_x[b * K + k] += g;
    }
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
