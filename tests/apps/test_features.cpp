// test_features.cpp — apps/features.cpp against numpy (tests/apps/make_features_fixture.py: PCA by
// numpy.linalg.eigh, LDA's trace(S_w^+ S_b), the silhouette written out), and apps/tsne.cpp by its
// properties: every row's perplexity, the gradient against central differences, KL falling, the same
// bits for a seed.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "apps/features.hpp"
#include "apps/models.hpp"
#include "apps/training.hpp"
#include "apps/tsne.hpp"
#include "autograd/functions.hpp"
#include "fixtures.hpp"
#include "tensor/random.hpp"

using namespace hqc;
using namespace hqc::app;

namespace {
const test::Fixtures& fx() {
  static const test::Fixtures f("apps/features.txt");
  return f;
}
FeatureMatrix matrix(const std::string& name) {
  const Tensor t = fx().get(name);
  FeatureMatrix m;
  m.rows = t.size(0), m.cols = t.size(1);
  m.v.assign(t.data<double>(), t.data<double>() + t.numel());
  return m;
}
std::vector<int64_t> labels(const std::string& name) {
  const Tensor t = fx().get(name);
  std::vector<int64_t> y;
  for (int64_t i = 0; i < t.numel(); ++i) y.push_back(static_cast<int64_t>(t.data<double>()[i]));
  return y;
}
double value(const std::string& name) { return fx().get(name).data<double>()[0]; }
const char* kCases[] = {"blobs", "relu128", "bounded4"};

FeatureMatrix blobs(int64_t n, int64_t dim, int64_t classes, uint64_t seed, std::vector<int64_t>& y) {
  Generator g(seed);
  std::vector<double> centres(static_cast<std::size_t>(classes * dim));
  for (auto& c : centres) c = 3 * g.normal();
  FeatureMatrix x;
  x.rows = n, x.cols = dim;
  y.clear();
  for (int64_t i = 0; i < n; ++i) {
    y.push_back(i % classes);
    for (int64_t k = 0; k < dim; ++k) x.v.push_back(centres[(i % classes) * dim + k] + g.normal());
  }
  return x;
}
}  // namespace

TEST_CASE("PCA projections and explained variance match numpy's eigh, each component signed by its largest loading") {
  for (const char* c : kCases) {
    const std::string n = c;
    INFO(n);
    const Pca p = pca_2d(matrix(n + "_x"));
    const FeatureMatrix want = matrix(n + "_pca");
    double scale = 0;
    for (double v : want.v) scale = std::max(scale, std::abs(v));
    for (std::size_t i = 0; i < want.v.size(); ++i) CHECK(std::abs(p.projection.v[i] - want.v[i]) <= 1e-9 * scale);
    const Tensor r = fx().get(n + "_pca_ratio");
    CHECK(p.explained_ratio[0] == doctest::Approx(r.data<double>()[0]).epsilon(1e-10));
    CHECK(p.explained_ratio[1] == doctest::Approx(r.data<double>()[1]).epsilon(1e-10));
  }
}

TEST_CASE("LDA separation trace(Sw^+ Sb) and the silhouette match numpy, singular Sw and a lone class included") {
  for (const char* c : kCases) {
    const std::string n = c;
    INFO(n);
    const FeatureMatrix x = matrix(n + "_x");
    const auto y = labels(n + "_y");
    CHECK(lda_separation(x, y) == doctest::Approx(value(n + "_lda")).epsilon(1e-8));
    CHECK(silhouette(x, y) == doctest::Approx(value(n + "_silhouette")).epsilon(1e-12));
  }
}

TEST_CASE("LDA separation is unchanged by an invertible linear map of the features; the silhouette is not") {
  std::vector<int64_t> y;
  const FeatureMatrix x = blobs(90, 4, 3, 7, y);
  const double a[16] = {2, 1, 0, 0, 0, 3, 1, 0, 0, 0, 0.5, 2, 1, 0, 0, 1};  // det != 0
  FeatureMatrix z = x;
  for (int64_t i = 0; i < x.rows; ++i)
    for (int64_t j = 0; j < 4; ++j) {
      double s = 0;
      for (int64_t k = 0; k < 4; ++k) s += x.at(i, k) * a[k * 4 + j];
      z.v[i * 4 + j] = s;
    }
  CHECK(lda_separation(z, y) == doctest::Approx(lda_separation(x, y)).epsilon(1e-9));
  CHECK(std::abs(silhouette(z, y) - silhouette(x, y)) > 1e-3);
  CHECK_THROWS_AS(lda_separation(x, std::vector<int64_t>(90, 1)), std::invalid_argument);
  CHECK_THROWS_AS(silhouette(x, std::vector<int64_t>(90, 1)), std::invalid_argument);
}

TEST_CASE("nearest-centroid regions: each class's centroid is its points' mean, and well-separated blobs are all classified") {
  std::vector<int64_t> y;
  FeatureMatrix x = blobs(60, 2, 3, 3, y);
  for (auto& v : x.v) v *= 10;  // centres 30 apart, spread 10: still overlapping a little
  const Centroids c = centroids_2d(x, y);
  REQUIRE(c.classes == std::vector<int64_t>{0, 1, 2});
  double mx = 0;
  for (int64_t i = 0; i < 60; i += 3) mx += x.at(i, 0) / 20;
  CHECK(c.xy[0] == doctest::Approx(mx).epsilon(1e-12));
  FeatureMatrix far = x;
  for (int64_t i = 0; i < 60; ++i) far.v[2 * i] += 1000.0 * y[i];
  CHECK(centroid_accuracy(centroids_2d(far, y), far, y) == 1.0);
}

TEST_CASE("t-SNE: every row's conditional affinities have the perplexity asked, to 1e-5 in entropy") {
  std::vector<int64_t> y;
  const FeatureMatrix x = blobs(120, 6, 4, 11, y);
  for (double perplexity : {5.0, 30.0}) {
    const auto p = tsne_conditional_affinities(x, perplexity, 1e-5);
    for (int64_t i = 0; i < x.rows; ++i) {
      double h = 0, sum = 0;
      for (int64_t j = 0; j < x.rows; ++j) {
        const double v = p[i * x.rows + j];
        sum += v;
        if (v > 0) h -= v * std::log(v);
      }
      CHECK(sum == doctest::Approx(1.0).epsilon(1e-12));
      CHECK(std::abs(h - std::log(perplexity)) <= 1e-5);
      CHECK(p[i * x.rows + i] == 0.0);
    }
  }
  CHECK_THROWS_AS(tsne_conditional_affinities(x, 119, 1e-5), std::invalid_argument);
}

TEST_CASE("t-SNE's gradient of KL(P || Q) matches central differences") {
  std::vector<int64_t> y;
  const FeatureMatrix x = blobs(25, 3, 3, 5, y);
  const auto p = tsne_joint_affinities(x, 5, 1e-5);
  FeatureMatrix e;
  e.rows = 25, e.cols = 2;
  Generator g(9);
  for (int k = 0; k < 50; ++k) e.v.push_back(g.normal());
  std::vector<double> grad;
  tsne_kl(p, e, &grad);
  const double h = 1e-6;
  for (int k = 0; k < 50; ++k) {
    FeatureMatrix a = e, b = e;
    a.v[k] += h, b.v[k] -= h;
    const double fd = (tsne_kl(p, a) - tsne_kl(p, b)) / (2 * h);
    CHECK(grad[k] == doctest::Approx(fd).epsilon(1e-6).scale(1e-3));
  }
}

TEST_CASE("t-SNE lowers KL(P || Q) after the exaggeration, gives the same bits for a seed and others for another seed") {
  std::vector<int64_t> y;
  const FeatureMatrix x = blobs(150, 8, 5, 13, y);
  TsneOptions o;
  o.iterations = 600, o.seed = 4;
  const TsneResult a = tsne_2d(x, o), b = tsne_2d(x, o);
  CHECK(a.embedding.v == b.embedding.v);
  o.seed = 5;
  CHECK(tsne_2d(x, o).embedding.v != a.embedding.v);
  REQUIRE(a.kl.size() == 12u);
  for (std::size_t i = 0; i + 1 < a.kl.size(); ++i)
    if (a.kl_iterations[i] > o.exaggeration_iterations) CHECK(a.kl[i + 1] <= a.kl[i]);
  CHECK(a.kl.back() < 0.5 * a.kl.front());
  // Well-separated blobs stay separated: the embedding's nearest-centroid regions classify them.
  CHECK(centroid_accuracy(centroids_2d(a.embedding, y), a.embedding, y) > 0.95);
}

TEST_CASE("head features: the hybrid's quantum-layer outputs and the classical penultimate layer give the model's predictions") {
  for (const char* kind : {"hybrid", "classical"}) {
    INFO(kind);
    const ModelConfig c = model_config(kind, "mnist");
    auto model = build_model(c, 2);
    Generator gen(21);
    const int64_t n = 70;
    Tensor images = rand_uniform({n, 1, 28, 28}, 0.0, 255.0, gen).to(DType::u8), yl = zeros({n}, DType::i64);
    for (int64_t i = 0; i < n; ++i) yl.data<int64_t>()[i] = i % 10;
    data::Dataset ds("mnist", "test", images, yl, data::dataset_info("mnist").classes);
    const HeadFeatures f = head_features(*model, c, ds, 0);
    CHECK(f.x.rows == n);
    CHECK(f.x.cols == (std::string(kind) == "hybrid" ? 4 : 128));
    const data::DatasetInfo& info = data::dataset_info("mnist");
    Tensor x = div(sub(div(images.to(DType::f32), 255.0), info.mean[0]), info.std[0]);
    model->eval();
    NoGradGuard g;
    CHECK(f.predicted == argmax_rows((*model)(Variable(x)).data()));
    for (double v : f.x.v) {
      if (std::string(kind) == "hybrid") CHECK(std::abs(v) <= 1.0 + 1e-6);  // <Z_i>
      else CHECK(v >= 0.0);  // after ReLU
    }
  }
}
