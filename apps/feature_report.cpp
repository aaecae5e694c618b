// feature_report.cpp — the feature space of a trained model as numbers and pictures (features.hpp):
// what `hqc features` prints and `hqc compare` and `hqc study` keep per run.
#include <algorithm>
#include <cstdio>

#include "apps/features.hpp"
#include "apps/metrics.hpp"
#include "apps/plot.hpp"
#include "apps/tsne.hpp"
#include "nn/atomic_file.hpp"

namespace hqc::app {

const std::vector<std::string>& feature_output_names() {
  static const std::vector<std::string> names{"features.csv", "features.json", "pca.png", "pca.svg", "tsne.png", "tsne.svg"};
  return names;
}

cli::Json feature_json(const FeatureReport& r) {
  cli::Json j = cli::Json::object();
  j.set("count", r.count).set("dimensions", r.dims).set("lda_separation", r.lda_separation).set("silhouette", r.silhouette);
  j.set("pca_explained_variance", r.pca_explained).set("pca_centroid_accuracy", r.pca_centroid_accuracy);
  j.set("tsne_perplexity", r.perplexity).set("tsne_kl", r.tsne_kl).set("tsne_centroid_accuracy", r.tsne_centroid_accuracy);
  j.set("regions", "nearest class centroid in the 2-D embedding");
  return j;
}

namespace {
Embedding embedding_of(const FeatureMatrix& xy, const std::vector<int64_t>& labels, const Centroids& c) {
  Embedding e;
  e.xy = xy.v;
  e.labels = labels;
  e.classes = c.classes;
  e.region = [c](double x, double y) { return c.nearest(x, y); };
  return e;
}
std::string fixed(double v, int decimals) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}
}  // namespace

FeatureReport analyse_feature_space(nn::Module& model, const ModelConfig& config, const data::Dataset& test, int64_t limit,
                                    const TsneOptions& tsne, const std::filesystem::path& out, const std::string& title) {
  const HeadFeatures f = head_features(model, config, test, limit);
  FeatureReport r;
  r.count = f.x.rows, r.dims = f.x.cols, r.perplexity = tsne.perplexity;
  r.lda_separation = lda_separation(f.x, f.labels);
  r.silhouette = silhouette(f.x, f.labels);
  const Pca pca = pca_2d(f.x);
  r.pca_explained = pca.explained_ratio[0] + pca.explained_ratio[1];
  const Centroids pc = centroids_2d(pca.projection, f.labels);
  r.pca_centroid_accuracy = centroid_accuracy(pc, pca.projection, f.labels);
  const TsneResult t = tsne_2d(f.x, tsne);
  r.tsne_kl = t.kl.back();
  const Centroids tc = centroids_2d(t.embedding, f.labels);
  r.tsne_centroid_accuracy = centroid_accuracy(tc, t.embedding, f.labels);
  if (out.empty()) return r;
  std::string csv = "index,label,predicted,pca_1,pca_2,tsne_1,tsne_2\n";
  for (int64_t i = 0; i < f.x.rows; ++i)
    csv += std::to_string(i) + "," + std::to_string(f.labels[i]) + "," + std::to_string(f.predicted[i]) + "," +
           format_number(pca.projection.at(i, 0)) + "," + format_number(pca.projection.at(i, 1)) + "," +
           format_number(t.embedding.at(i, 0)) + "," + format_number(t.embedding.at(i, 1)) + "\n";
  nn::write_file_atomically(out / "features.csv", csv);
  nn::write_file_atomically(out / "features.json", feature_json(r).dump() + "\n");
  const std::string scores = std::to_string(r.dims) + " features, " + std::to_string(r.count) + " test images";
  const std::vector<std::string> notes{scores, "LDA separation " + fixed(r.lda_separation, 3), "silhouette " + fixed(r.silhouette, 3),
                                       "regions: nearest centroid"};
  Embedding ep = embedding_of(pca.projection, f.labels, pc);
  ep.x_label = "PC 1 (" + fixed(100 * pca.explained_ratio[0], 1) + " % of the variance)";
  ep.y_label = "PC 2 (" + fixed(100 * pca.explained_ratio[1], 1) + " %)";
  ep.notes = notes;
  ep.notes.push_back("centroid accuracy " + fixed(100 * r.pca_centroid_accuracy, 1) + " %");
  save_png(render_embedding(ep, test.classes(), "features entering the head, PCA: " + title), out / "pca.png");
  Embedding et = embedding_of(t.embedding, f.labels, tc);
  et.x_label = "t-SNE 1", et.y_label = "t-SNE 2";
  et.notes = notes;
  et.notes.push_back("centroid accuracy " + fixed(100 * r.tsne_centroid_accuracy, 1) + " %");
  et.notes.push_back("perplexity " + format_number(tsne.perplexity) + ", KL " + fixed(r.tsne_kl, 3));
  save_png(render_embedding(et, test.classes(), "features entering the head, t-SNE: " + title), out / "tsne.png");
  return r;
}

std::optional<FeatureReport> feature_space_of(nn::Module& model, const ModelConfig& config, const data::Dataset& test,
                                              int64_t n, uint64_t seed, const std::filesystem::path& out,
                                              const std::string& title) {
  n = std::min(n, test.size());
  if (n < 3) return std::nullopt;
  TsneOptions t;
  t.seed = seed;
  t.perplexity = std::min(30.0, static_cast<double>(n - 1) / 3);
  try {
    return analyse_feature_space(model, config, test, n, t, out, title);
  } catch (const std::invalid_argument&) {  // one class among the images: no separation to measure
    return std::nullopt;
  }
}

}  // namespace hqc::app
