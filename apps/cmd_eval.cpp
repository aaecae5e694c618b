// cmd_eval.cpp — `hqc eval`: accuracy, loss, macro precision / recall / F1 and the confusion matrix of
// a checkpoint, with a confusion.png.
#include <iostream>

#include "apps/cli.hpp"
#include "apps/plot.hpp"
#include "apps/study_flags.hpp"
#include "apps/training.hpp"

namespace {
hqc::cli::Command eval_cmd("eval", "evaluate a checkpoint on a dataset split", [](const std::vector<std::string>& args) {
  using namespace hqc;
  cli::ArgParser p("eval", "Evaluates a checkpoint: accuracy, loss, macro precision, recall, F1, confusion matrix.");
  p.option("checkpoint", "checkpoint file (from hqc train)").required();
  p.option("dataset", "dataset (default: the checkpoint's)");
  p.option("split", "test | train", "test").option("batch", "batch size", "64");
  p.option("limit", "evaluate the first N images (0: all images)", "0");
  p.option("confusion", "write the confusion matrix picture here (PNG)");
  app::add_run_flags(p);
  app::add_realism_flags(p);
  if (!p.parse(args)) return 0;
  if (!p.given("checkpoint")) throw cli::UsageError("--checkpoint: required");
  if (p.given("dataset")) p.choice("dataset", app::dataset_choices());
  const std::string split = p.choice("split", {"test", "train"});
  app::apply_threads(p);
  app::LoadedModel m = app::load_model(p.str("checkpoint"));
  // --noise and --shots replace the checkpoint's (a noiselessly trained model evaluated under noise).
  app::realism_from(p, m.config);
  app::apply_realism(*m.model, m.config, app::seed_from(p));
  const std::string dataset = p.given("dataset") ? p.str("dataset") : m.config.dataset;
  data::Dataset ds = data::load_dataset(dataset, split, p.str("data"));
  app::check_dataset_fits(m.config, ds);
  const int64_t limit = p.integer("limit", 0);
  if (limit > 0 && limit < ds.size()) ds = ds.head(limit);
  const app::EvalResult r = app::evaluate(*m.model, m.config, ds, {}, p.integer("batch", 1, 1 << 20),
                                          m.recipe.label_smoothing, "eval " + dataset + " " + split,
                                          app::Progress::Mode::automatic);
  if (p.given("confusion"))
    app::save_png(app::render_confusion(r.confusion, ds.classes(), "confusion: " + m.config.display_name() + " on " + dataset + " " + split),
                  p.str("confusion"));
  if (p.is_set("json")) {
    cli::Json j = cli::Json::object();
    j.set("accuracy", r.accuracy).set("loss", r.loss).set("precision", r.report.precision).set("recall", r.report.recall);
    j.set("f1", r.report.f1).set("count", r.count);
    app::realism_json(j, m.config);
    cli::Json cm = cli::Json::array();
    for (const auto& row : r.confusion) cm.push(cli::Json::array_of(row));
    j.set("confusion", cm);
    std::cout << j.dump() << "\n";
  } else {
    std::printf("%s on %s %s (%lld images): accuracy %.2f%%, loss %.4f, precision %.2f%%, recall %.2f%%, F1 %.2f%%\n",
                m.config.display_name().c_str(), dataset.c_str(), split.c_str(), static_cast<long long>(r.count),
                100 * r.accuracy, r.loss, 100 * r.report.precision, 100 * r.report.recall, 100 * r.report.f1);
    if (p.given("confusion")) std::printf("wrote %s\n", p.str("confusion").c_str());
  }
  return 0;
});
}  // namespace
