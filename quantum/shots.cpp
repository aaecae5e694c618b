// shots.cpp — sampling basis states per shot, and the parameter-shift rule on shot estimates.
#include "quantum/shots.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include "quantum/density.hpp"
#include "tensor/parallel.hpp"
#include "tensor/random.hpp"

namespace hqc::quantum {

uint64_t derive_seed(uint64_t seed, uint64_t k) {
  uint64_t z = seed + (k + 1) * 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Tensor shot_expval_z(const Tensor& probs, int n, int64_t shots, uint64_t seed, int64_t first_sample) {
  if (shots < 1) throw std::invalid_argument("shots: must be at least 1, got " + std::to_string(shots));
  if (n < 1 || n > 30) throw std::invalid_argument("shots: qubit count " + std::to_string(n) + " is outside [1, 30]");
  const int64_t D = int64_t{1} << n;
  if (!probs.defined() || probs.dim() != 2 || probs.size(1) != D || probs.size(0) < 1) {
    throw std::invalid_argument("shots: probabilities have shape " +
                                (probs.defined() ? shape_str(probs.sizes()) : std::string("(none)")) +
                                ", expected (B, " + std::to_string(D) + ")");
  }
  const int64_t B = probs.size(0);
  Tensor p = probs.to(DType::f64).contiguous();
  const double* pp = p.data<double>();
  for (int64_t b = 0; b < B; ++b) {
    double sum = 0.0;
    for (int64_t i = 0; i < D; ++i) {
      const double v = pp[b * D + i];
      // Rounding leaves tiny negative diagonals in a density matrix; anything larger is a bug upstream.
      if (!std::isfinite(v) || v < -1e-12) {
        throw std::invalid_argument("shots: probability " + std::to_string(i) + " of sample " + std::to_string(b) +
                                    " is " + std::to_string(v) + ", expected a finite value >= 0");
      }
      sum += std::max(v, 0.0);
    }
    if (!(sum > 0.0) || !std::isfinite(sum)) {
      throw std::invalid_argument("shots: probabilities of sample " + std::to_string(b) + " sum to " +
                                  std::to_string(sum) + ", expected a positive finite total");
    }
  }
  Tensor out = zeros({B, n}, DType::f64);
  double* o = out.data<double>();
  parallel_for(B, 1, [&](int64_t begin, int64_t end) {
    std::vector<double> cdf(D);
    std::vector<int64_t> counts(D);
    for (int64_t b = begin; b < end; ++b) {
      double acc = 0.0;
      for (int64_t i = 0; i < D; ++i) cdf[i] = (acc += std::max(pp[b * D + i], 0.0));
      std::fill(counts.begin(), counts.end(), 0);
      Generator gen(seed, static_cast<uint64_t>(first_sample + b));
      for (int64_t s = 0; s < shots; ++s) {
        // Scaled by the total, so u never passes the last bin whatever the rounding of the sum.
        const double u = gen.uniform_double() * acc;
        const int64_t i = std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin();
        ++counts[std::min(i, D - 1)];
      }
      for (int w = 0; w < n; ++w) {
        int64_t plus = 0;
        for (int64_t i = 0; i < D; ++i)
          if (!((i >> (n - 1 - w)) & 1)) plus += counts[i];
        o[b * n + w] = static_cast<double>(2 * plus - shots) / static_cast<double>(shots);
      }
    }
  });
  return out;
}

Gradients shot_parameter_shift_weights(const Circuit& c, const Bound& bound, const NoiseModel& noise,
                                       const Tensor& grad_out, int64_t shots, uint64_t seed) {
  const int n = c.num_qubits();
  const int64_t B = bound.batch;
  if (!grad_out.defined() || grad_out.dim() != 2 || grad_out.size(0) != B || grad_out.size(1) != n) {
    throw std::invalid_argument("shot parameter shift: output gradient has shape " +
                                (grad_out.defined() ? shape_str(grad_out.sizes()) : std::string("(none)")) +
                                ", expected (" + std::to_string(B) + ", " + std::to_string(n) + ")");
  }
  Tensor g = grad_out.to(DType::f64).contiguous();
  const double* gp = g.data<double>();
  for (int64_t i = 0; i < g.numel(); ++i)
    if (!std::isfinite(gp[i])) throw std::invalid_argument("shot parameter shift: output gradient is not finite");
  Gradients out{zeros({c.num_weights()}, DType::f64), Tensor()};
  uint64_t evaluation = 0;
  // sum_{b,k} g[b][k] <Z_k>_b estimated from shots, op j shifted.
  auto loss = [&](size_t j, double by) {
    Tensor e = shot_expval_z(density_probabilities(c, bound, noise, {j, by}), n, shots, derive_seed(seed, evaluation++));
    double s = 0.0;
    for (int64_t i = 0; i < B * n; ++i) s += gp[i] * e.data<double>()[i];
    return s;
  };
  const double pi = std::numbers::pi;
  const auto& ops = c.ops();
  for (size_t j = 0; j < ops.size(); ++j) {
    const Op& op = ops[j];
    if (!gate_is_parametrised(op.gate) || op.param.kind != Param::Kind::weight) continue;
    double d;
    if (gate_is_controlled(op.gate)) {
      const double fp = loss(j, pi / 2), fm = loss(j, -pi / 2), fp3 = loss(j, 3 * pi / 2), fm3 = loss(j, -3 * pi / 2);
      const double cp = (std::sqrt(2.0) + 1) / (4 * std::sqrt(2.0)), cm = (std::sqrt(2.0) - 1) / (4 * std::sqrt(2.0));
      d = cp * (fp - fm) - cm * (fp3 - fm3);
    } else {
      const double fp = loss(j, pi / 2), fm = loss(j, -pi / 2);
      d = (fp - fm) / 2;
    }
    out.weights.data<double>()[op.param.index] += d;
  }
  return out;
}

}  // namespace hqc::quantum
