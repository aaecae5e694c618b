// features.hpp — the feature space entering a model's head, and the numbers that describe how well it
// separates the classes (docs/study.md, "The feature space").
//
// The features: the bottleneck's N outputs for a hybrid model (the circuit's <Z_i>, or Linear(16,4)'s
// outputs for the linear ablation), the penultimate layer for the classical model (after its
// Linear, BatchNorm1d, ReLU and Dropout, which is the identity in evaluation: 128 or 256 numbers).
// Everything below works on a row-major (N, D) matrix of doubles.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "apps/models.hpp"
#include "datasets/dataset.hpp"
#include "nn/module.hpp"

namespace hqc::app {

struct FeatureMatrix {
  int64_t rows = 0, cols = 0;
  std::vector<double> v;  // (rows, cols)
  double at(int64_t i, int64_t j) const { return v[static_cast<std::size_t>(i * cols + j)]; }
};

// The features entering the head and the model's predicted class for the first `limit` images of
// `ds` (all when 0), in evaluation mode, normalised as in training.
struct HeadFeatures {
  FeatureMatrix x;
  std::vector<int64_t> labels, predicted;
};
HeadFeatures head_features(nn::Module& model, const ModelConfig& config, const data::Dataset& ds, int64_t limit,
                           int64_t batch = 64);

// Principal components: the data centred, projected on the two eigenvectors of its covariance with
// the largest eigenvalues (each signed so that its largest-magnitude loading is positive).
struct Pca {
  FeatureMatrix projection;            // (N, 2)
  std::vector<double> explained_ratio;  // the two components' shares of the total variance
};
Pca pca_2d(const FeatureMatrix& x);

// Symmetric eigen-decomposition by cyclic Jacobi rotations: eigenvalues in decreasing order, the
// eigenvectors as the columns of `vectors` (n, n).
void symmetric_eigen(std::vector<double> a, int64_t n, std::vector<double>& values, std::vector<double>& vectors);

// Fisher's LDA separation J = trace(S_w^+ S_b): S_w the within-class scatter sum_c sum_{i in c}
// (x_i - m_c)(x_i - m_c)^T, S_b the between-class scatter sum_c n_c (m_c - m)(m_c - m)^T, S_w^+ the
// pseudo-inverse (eigenvalues below 1e-10 of the largest dropped). J is the sum of the squared
// between/within ratios along the discriminant directions; unchanged by any invertible linear map
// of the features, so 4 and 128 numbers compare. Throws std::invalid_argument for fewer than two classes.
double lda_separation(const FeatureMatrix& x, const std::vector<int64_t>& labels);

// Mean silhouette (Rousseeuw 1987, scikit-learn's silhouette_score): per point s = (b - a) / max(a, b),
// a the mean Euclidean distance to the other points of its class, b the smallest mean distance to
// another class's points; s = 0 for a point alone in its class. Throws std::invalid_argument for
// fewer than two classes.
double silhouette(const FeatureMatrix& x, const std::vector<int64_t>& labels);

// Decision regions on a 2-D embedding: the nearest class centroid (Euclidean).
struct Centroids {
  std::vector<int64_t> classes;       // the classes present, ascending
  std::vector<double> xy;             // (classes, 2)
  int64_t nearest(double x, double y) const;  // the class
};
Centroids centroids_2d(const FeatureMatrix& xy, const std::vector<int64_t>& labels);
// The share of points whose nearest centroid is their own class's.
double centroid_accuracy(const Centroids& c, const FeatureMatrix& xy, const std::vector<int64_t>& labels);

}  // namespace hqc::app

#include <filesystem>
#include <optional>

#include "apps/cli.hpp"

namespace hqc::app {
struct TsneOptions;

// The feature space of a trained model on the first `limit` test images (feature_report.cpp): the
// features entering the head, their LDA separation and silhouette, the PCA and t-SNE embeddings with
// the share of points their nearest-centroid regions classify right.
struct FeatureReport {
  int64_t count = 0, dims = 0;
  double lda_separation = 0, silhouette = 0;
  double pca_explained = 0;  // the two components' share of the variance
  double pca_centroid_accuracy = 0, tsne_centroid_accuracy = 0, tsne_kl = 0;
  double perplexity = 30;
};
// With `out` not empty, writes there features.csv (index, label, predicted, pca_1, pca_2, tsne_1,
// tsne_2), features.json (feature_json) and the pictures pca.png and tsne.png (each with its SVG).
FeatureReport analyse_feature_space(nn::Module& model, const ModelConfig& config, const data::Dataset& test, int64_t limit,
                                    const TsneOptions& tsne, const std::filesystem::path& out, const std::string& title);
cli::Json feature_json(const FeatureReport& r);
// What `hqc compare` and `hqc study` keep per run: the feature space of the first n test images with
// t-SNE's defaults (perplexity 30, or (n - 1) / 3 for fewer than 91 images) seeded with the run's seed;
// nothing for fewer than 3 images or a single class.
std::optional<FeatureReport> feature_space_of(nn::Module& model, const ModelConfig& config, const data::Dataset& test,
                                              int64_t n, uint64_t seed, const std::filesystem::path& out,
                                              const std::string& title);
// The files analyse_feature_space writes, for the output folders' guard.
const std::vector<std::string>& feature_output_names();
}  // namespace hqc::app
