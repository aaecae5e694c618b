// cmd_train.cpp — `hqc train`: one model with the original's recipe, or the one the recipe flags make of
// it; checkpoint, metrics.csv, curves.png;
// `hqc train --resume DIR` continues an interrupted run from DIR/last.hqc with the flags it started with.
#include <filesystem>
#include <iostream>

#include "apps/cli.hpp"
#include "apps/resume.hpp"
#include "apps/study_flags.hpp"
#include "apps/training.hpp"

namespace {
void declare_flags(hqc::cli::ArgParser& p) {
  using namespace hqc;
  app::add_model_flags(p);
  app::add_run_flags(p);
  p.option("epochs", "epochs", "50").option("batch", "images per batch, 2 or more", "64").alias("batch-size");
  p.option("val-fraction", "share of the training images kept for validation, in (0, 1)", "0.2");
  p.option("limit", "train on the first N images of the training file, before the split (0: all images)", "0");
  p.option("test-limit", "test on the first N test images (0: all images)", "0");
  p.option("augment", "on | off", "on").option("out", "output folder", "runs/train");
  p.option("data-handling", "standard | original (MNIST's affine after Normalize, filling with the mean grey; "
           "validation augmented as training, as the original's code did)", "standard");
  p.flag("overwrite", "replace a previous run's files in --out (hqc's own files only)");
  p.option("resume", "continue the run in folder DIR from DIR/last.hqc, with the flags it started with");
  app::add_recipe_flags(p);
  app::add_realism_flags(p);
  app::add_val_attack_flags(p);
}

const char* kSummary =
    "Trains a model with the original's recipe for it, keeps the epoch with the best validation accuracy and "
    "evaluates it once on the test split. The recipe flags (--recipe, --optimizer, --lr, ..., --clip) change "
    "the recipe. After every epoch OUT/last.hqc holds the whole training state: `hqc train --resume OUT` "
    "continues an interrupted run and gives the files an uninterrupted one would.";

hqc::cli::Command train_cmd("train", "train a model with the original study's recipe", [](const std::vector<std::string>& args) {
  using namespace hqc;
  cli::ArgParser p("train", kSummary);
  declare_flags(p);
  if (!p.parse(args)) return 0;
  const bool resuming = p.given("resume");
  if (resuming && p.is_set("overwrite")) throw cli::UsageError("--overwrite: not with --resume (a resumed run keeps its files)");
  if (resuming) {
    // The saved flags, checked against those given, parsed as if typed again.
    const std::string dir = p.str("resume");
    const std::string state = (std::filesystem::path(dir) / "last.hqc").string();
    if (!std::filesystem::exists(state))
      throw cli::RuntimeError(state + ": no training state to resume (expected the last.hqc that `hqc train --out " +
                              dir + "` writes after every epoch)");
    const app::FlagList saved = app::read_run_state(state).flags;
    const std::vector<std::string> again = app::resume_args(p, saved, dir, {"json"}, state);
    cli::ArgParser q("train", kSummary);
    declare_flags(q);
    q.parse(again);
    p = q;
  }
  app::ModelConfig c = app::model_config_from(p);
  app::realism_from(p, c);
  app::apply_threads(p);
  app::TrainOptions o = app::train_options_from(p);
  o.out_dir = p.str("out");
  o.original_data = p.choice("data-handling", {"standard", "original"}) == "original";
  app::val_attack_from(p, o);
  o.out_mode = resuming ? app::OutputMode::resume
                        : p.is_set("overwrite") ? app::OutputMode::overwrite : app::OutputMode::fresh;
  app::install_stop_handlers();
  app::TrainResult r;
  try {
    r = app::train_model(c, o);
  } catch (const app::Interrupted& e) {
    return app::report_interrupted(e, e.saved_in.empty() ? "" : "hqc train --resume " + o.out_dir);
  } catch (const app::OptionError& e) {
    throw cli::UsageError(e.what());
  }
  if (p.is_set("json")) {
    std::cout << app::train_json(r).dump() << "\n";
  } else {
    std::printf("%s on %s: best epoch %d (validation %.2f%%), test accuracy %.2f%%, loss %.4f\n",
                c.display_name().c_str(), c.dataset.c_str(), r.best_epoch, 100 * r.best_val_accuracy,
                100 * r.test.accuracy, r.test.loss);
    std::printf("recipe: %s\n", r.recipe.describe().c_str());
    std::printf("%lld parameters, %.2f s per epoch, peak memory %.1f MB\nwrote %s, %s, %s, %s\n",
                static_cast<long long>(r.parameters), r.seconds_per_epoch, r.peak_rss_mb, r.checkpoint.c_str(),
                r.metrics_csv.c_str(), r.curves_png.c_str(), r.confusion_png.c_str());
    if (!r.robustness.empty()) {
      const app::RobustnessRecord& c = r.robustness.back();
      std::printf("PGD on %lld validation images after epoch %d: robust accuracy %.2f%% (clean %.2f%%); wrote %s\n",
                  static_cast<long long>(c.count), c.epoch, 100 * c.robust_accuracy, 100 * c.clean_accuracy,
                  r.robustness_csv.c_str());
    }
  }
  return 0;
});
}  // namespace
