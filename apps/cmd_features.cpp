// cmd_features.cpp — `hqc features`: the feature space entering a checkpoint's head on test images,
// by PCA and t-SNE, with the LDA separation and silhouette scores (docs/study.md, "The feature space").
#include <filesystem>
#include <iostream>

#include "apps/cli.hpp"
#include "apps/features.hpp"
#include "apps/output_folder.hpp"
#include "apps/study_flags.hpp"
#include "apps/training.hpp"
#include "apps/tsne.hpp"

namespace {
hqc::cli::Command features_cmd("features", "the feature space entering a model's head: PCA, t-SNE, LDA and silhouette", [](const std::vector<std::string>& args) {
  using namespace hqc;
  cli::ArgParser p("features",
                   "Takes the features entering the head of a checkpoint's model (the quantum layer's outputs for a "
                   "hybrid, Linear(16,4)'s for the linear ablation, the penultimate layer for the classical model) on "
                   "the first test images; writes OUT/features.csv, OUT/features.json and the PCA and t-SNE pictures "
                   "OUT/pca.png and OUT/tsne.png (points in their true class's colour over nearest-centroid regions).");
  p.option("checkpoint", "checkpoint file (from hqc train)").required();
  p.option("test-limit", "the first N test images (0: all; t-SNE's cost grows as N^2)", "1000");
  p.option("perplexity", "t-SNE's perplexity, in (0, N - 1)", "30").option("iterations", "t-SNE's iterations, 1..100000", "1000");
  p.option("out", "output folder", "runs/features");
  p.flag("overwrite", "replace previous feature files in --out (hqc's own files only)");
  p.option("dataset", "dataset (default: the checkpoint's)");
  app::add_run_flags(p);
  if (!p.parse(args)) return 0;
  if (!p.given("checkpoint")) throw cli::UsageError("--checkpoint: required");
  const int64_t limit = p.integer("test-limit", 0);
  app::TsneOptions t;
  t.perplexity = p.number("perplexity");
  t.iterations = static_cast<int>(p.integer("iterations", 1, 100000));
  t.seed = app::seed_from(p);
  if (!(t.perplexity > 0)) throw cli::UsageError("--perplexity: must be > 0, got " + p.str("perplexity"));
  if (p.given("dataset")) p.choice("dataset", app::dataset_choices());
  app::apply_threads(p);
  app::LoadedModel m = app::load_model(p.str("checkpoint"));
  const std::string dataset = p.given("dataset") ? p.str("dataset") : m.config.dataset;
  const data::Dataset ds = data::load_dataset(dataset, "test", p.str("data"));
  const int64_t n = limit > 0 ? std::min(limit, ds.size()) : ds.size();
  if (n < 3) throw cli::UsageError("--test-limit: the feature space needs at least 3 test images, the split gives " + std::to_string(n));
  if (!(t.perplexity < static_cast<double>(n - 1)))
    throw cli::UsageError("--perplexity: must be below the number of images minus 1 (" + std::to_string(n - 1) + "), got " + p.str("perplexity"));
  const std::filesystem::path out = p.str("out");
  const app::OutputFolder folder(out, p.is_set("overwrite") ? app::OutputMode::overwrite : app::OutputMode::fresh,
                                 app::feature_output_names());
  app::FeatureReport r;
  try {
    r = app::analyse_feature_space(*m.model, m.config, ds, n, t, out, m.config.display_name() + " on " + dataset);
  } catch (const std::invalid_argument& e) {
    throw cli::UsageError(std::string("--test-limit: ") + e.what());
  }
  if (p.is_set("json")) {
    cli::Json j = app::feature_json(r);
    j.set("out", out.string());
    std::cout << j.dump() << "\n";
  } else {
    std::printf("%lld features on %lld test images: LDA separation %.4f, silhouette %.4f\n", static_cast<long long>(r.dims),
                static_cast<long long>(r.count), r.lda_separation, r.silhouette);
    std::printf("PCA: %.1f %% of the variance, nearest-centroid accuracy %.1f %%; t-SNE (perplexity %g): KL %.4f, "
                "nearest-centroid accuracy %.1f %%\nwrote %s/features.csv, features.json, pca.png, tsne.png\n",
                100 * r.pca_explained, 100 * r.pca_centroid_accuracy, r.perplexity, r.tsne_kl, 100 * r.tsne_centroid_accuracy,
                out.string().c_str());
  }
  return 0;
});
}  // namespace
