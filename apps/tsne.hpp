// tsne.hpp — exact t-SNE (van der Maaten & Hinton 2008) to 2-D, seeded, single-threaded, for the
// feature-space pictures (features.hpp). O(N^2) memory and time per iteration: meant for about 1,000
// points.
//
// Input affinities: for each point i a Gaussian over the squared Euclidean distances whose precision
// beta_i is found by bisection so that the entropy of p_{j|i} is log(perplexity) (natural log) to
// within `entropy_tolerance`; P = (P_{j|i} + P_{i|j}) / 2N. Output affinities: Student's t with one
// degree of freedom, q_ij = (1 + |y_i - y_j|^2)^-1 / Z. Gradient descent on KL(P || Q),
// dC/dy_i = 4 sum_j (p_ij - q_ij)(y_i - y_j) / (1 + |y_i - y_j|^2), with early exaggeration (P times
// 12 for the first 250 iterations), momentum 0.5 then 0.8, per-coordinate gains (+0.2 when the
// gradient's sign flips, x0.8 otherwise, at least 0.01) and scikit-learn's automatic learning rate
// max(N / 12 / 4, 50). The start: N(0, 1e-4^2) per coordinate from Generator(seed).
#pragma once

#include <cstdint>
#include <vector>

#include "apps/features.hpp"

namespace hqc::app {

struct TsneOptions {
  double perplexity = 30;
  int iterations = 1000;
  int exaggeration_iterations = 250;
  double exaggeration = 12;
  double entropy_tolerance = 1e-5;
  uint64_t seed = 0;
  int record_every = 50;  // KL(P || Q) is recorded every this many iterations (and at the last)
};

struct TsneResult {
  FeatureMatrix embedding;  // (N, 2)
  std::vector<int> kl_iterations;
  std::vector<double> kl;  // KL(P || Q) (without exaggeration) at kl_iterations
};

// The conditional affinities p_{j|i} (N, N), row i summing to 1, each row's entropy within
// `tolerance` of log(perplexity). Throws std::invalid_argument for perplexity outside (0, N - 1).
std::vector<double> tsne_conditional_affinities(const FeatureMatrix& x, double perplexity, double tolerance);
// The joint affinities P (N, N): symmetrised conditionals over 2N.
std::vector<double> tsne_joint_affinities(const FeatureMatrix& x, double perplexity, double tolerance);
// KL(P || Q) of an embedding y (N, 2), and its gradient (N, 2) when `grad` is given.
double tsne_kl(const std::vector<double>& p, const FeatureMatrix& y, std::vector<double>* grad = nullptr);

TsneResult tsne_2d(const FeatureMatrix& x, const TsneOptions& options = {});

}  // namespace hqc::app
