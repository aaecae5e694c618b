// tsne.cpp — exact t-SNE to 2-D (tsne.hpp). Checked by tests/apps/test_features.cpp: the perplexity
// of every row, the gradient against central differences, KL decreasing, the same bits for a seed.
#include "apps/tsne.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "tensor/random.hpp"

namespace hqc::app {

std::vector<double> tsne_conditional_affinities(const FeatureMatrix& x, double perplexity, double tolerance) {
  const int64_t n = x.rows;
  if (!(perplexity > 0) || !(perplexity < static_cast<double>(n - 1)))
    throw std::invalid_argument("t-SNE: the perplexity must be in (0, N - 1) = (0, " + std::to_string(n - 1) + "), got " +
                                std::to_string(perplexity));
  std::vector<double> d(static_cast<std::size_t>(n * n), 0.0);  // (N, N) squared distances
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j) {
      double s = 0;
      for (int64_t k = 0; k < x.cols; ++k) {
        const double t = x.at(i, k) - x.at(j, k);
        s += t * t;
      }
      d[i * n + j] = d[j * n + i] = s;
    }
  const double target = std::log(perplexity);
  std::vector<double> p(static_cast<std::size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i) {
    double* row = &p[static_cast<std::size_t>(i * n)];
    const double* di = &d[static_cast<std::size_t>(i * n)];
    double dmin = INFINITY;  // shifts the exponents: exp(-beta (d - dmin)) cannot underflow for all j
    for (int64_t j = 0; j < n; ++j)
      if (j != i) dmin = std::min(dmin, di[j]);
    // H(beta) = log Z + beta <d - dmin> falls as beta grows: bisection on beta in [0, inf).
    double beta = 1, lo = 0, hi = INFINITY;
    for (int it = 0; it < 200; ++it) {
      double z = 0, dz = 0;
      for (int64_t j = 0; j < n; ++j) {
        if (j == i) {
          row[j] = 0;
          continue;
        }
        row[j] = std::exp(-beta * (di[j] - dmin));
        z += row[j];
        dz += row[j] * (di[j] - dmin);
      }
      const double h = std::log(z) + beta * dz / z;
      for (int64_t j = 0; j < n; ++j) row[j] /= z;
      if (std::abs(h - target) <= tolerance) break;
      if (h > target) {
        lo = beta;
        beta = std::isinf(hi) ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = (beta + lo) / 2;
      }
    }
  }
  return p;
}

std::vector<double> tsne_joint_affinities(const FeatureMatrix& x, double perplexity, double tolerance) {
  const int64_t n = x.rows;
  std::vector<double> c = tsne_conditional_affinities(x, perplexity, tolerance);
  std::vector<double> p(c.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) p[i * n + j] = (c[i * n + j] + c[j * n + i]) / (2.0 * static_cast<double>(n));
  return p;
}

namespace {
// KL(P || Q) when `want_kl` (else 0), and the gradient into `grad` when given.
double kl_and_gradient(const std::vector<double>& p, const FeatureMatrix& y, std::vector<double>* grad, bool want_kl) {
  const int64_t n = y.rows;
  std::vector<double> w(static_cast<std::size_t>(n * n), 0.0);  // (N, N): (1 + |y_i - y_j|^2)^-1
  double z = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j) {
      const double dx = y.at(i, 0) - y.at(j, 0), dy = y.at(i, 1) - y.at(j, 1);
      w[i * n + j] = w[j * n + i] = 1 / (1 + dx * dx + dy * dy);
      z += 2 * w[i * n + j];
    }
  double kl = 0;
  for (int64_t i = 0; want_kl && i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      if (i != j && p[i * n + j] > 0) kl += p[i * n + j] * std::log(p[i * n + j] / (w[i * n + j] / z));
  if (grad) {
    grad->assign(static_cast<std::size_t>(n * 2), 0.0);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) {
        if (i == j) continue;
        const double m = 4 * (p[i * n + j] - w[i * n + j] / z) * w[i * n + j];
        (*grad)[i * 2] += m * (y.at(i, 0) - y.at(j, 0));
        (*grad)[i * 2 + 1] += m * (y.at(i, 1) - y.at(j, 1));
      }
  }
  return kl;
}
}  // namespace

double tsne_kl(const std::vector<double>& p, const FeatureMatrix& y, std::vector<double>* grad) {
  return kl_and_gradient(p, y, grad, true);
}

TsneResult tsne_2d(const FeatureMatrix& x, const TsneOptions& o) {
  const int64_t n = x.rows;
  const std::vector<double> p = tsne_joint_affinities(x, o.perplexity, o.entropy_tolerance);
  std::vector<double> pe = p;  // exaggerated
  for (auto& e : pe) e *= o.exaggeration;
  TsneResult r;
  FeatureMatrix& y = r.embedding;
  y.rows = n, y.cols = 2;
  Generator gen(o.seed);
  for (int64_t k = 0; k < n * 2; ++k) y.v.push_back(1e-4 * gen.normal());
  const double rate = std::max(static_cast<double>(n) / o.exaggeration / 4, 50.0);
  std::vector<double> velocity(static_cast<std::size_t>(n * 2), 0.0), gains(static_cast<std::size_t>(n * 2), 1.0), g;
  for (int it = 1; it <= o.iterations; ++it) {
    kl_and_gradient(it <= o.exaggeration_iterations ? pe : p, y, &g, false);
    const double momentum = it <= o.exaggeration_iterations ? 0.5 : 0.8;
    for (int64_t k = 0; k < n * 2; ++k) {
      gains[k] = (g[k] > 0) != (velocity[k] > 0) ? gains[k] + 0.2 : gains[k] * 0.8;
      gains[k] = std::max(gains[k], 0.01);
      velocity[k] = momentum * velocity[k] - rate * gains[k] * g[k];
      y.v[k] += velocity[k];
    }
    if (it % o.record_every == 0 || it == o.iterations) {
      r.kl_iterations.push_back(it);
      r.kl.push_back(tsne_kl(p, y));
    }
  }
  return r;
}

}  // namespace hqc::app
