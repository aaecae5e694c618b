// cmd_study_report.cpp — `hqc study-report ROOT`: the report of the study's final runs from the files
// each run left in ROOT/<variant>/seed-<S>/ (summary.json, command.txt): report.md's tables, tests and
// verdicts (report_seeds.cpp), the feature space side by side, the wall time, every run's command; and
// ROOT/summary.json and ROOT/comparison.png. Nothing is trained or measured again.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "apps/cli.hpp"
#include "apps/output_folder.hpp"
#include "apps/plot.hpp"
#include "apps/report.hpp"
#include "apps/study_run.hpp"
#include "nn/atomic_file.hpp"
#include "nn/json.hpp"

namespace {
namespace fs = std::filesystem;
using hqc::nn::JsonValue;

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw hqc::cli::RuntimeError(p.string() + ": cannot read it");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct StudyRun {
  hqc::app::RunResult result;
  JsonValue json;
  std::string command;
  double training_seconds = 0, cpu_seconds = 0;
  std::optional<JsonValue> features;
  // The robustness checks during training (hqc train --val-attack-every): epoch, clean and robust
  // accuracy on the validation images attacked, and how many.
  struct Check {
    int epoch;
    double clean, robust;
    int64_t images;
  };
  std::vector<Check> checks;
  std::string circuit;  // circuit.txt: the circuit with the run's trained weights, when it has one
};

StudyRun read_run(const fs::path& dir, const std::string& variant, int seed) {
  using namespace hqc::app;
  StudyRun s;
  const fs::path file = dir / "summary.json";
  try {
    s.json = hqc::nn::parse_json(read_text(file));
    const JsonValue& j = s.json;
    RunResult& r = s.result;
    r.variant = j.str("variant");
    if (r.variant != variant || static_cast<int>(j.num("seed")) != seed)
      throw std::runtime_error("it names variant " + r.variant + ", seed " + std::to_string(static_cast<int>(j.num("seed"))) +
                               ", not its folder's " + variant + ", seed " + std::to_string(seed));
    r.name = j.str("name");
    r.seed = seed;
    r.folder = variant + "/seed-" + std::to_string(seed);
    r.model = j.str("model");
    r.dataset = j.str("dataset");
    if (const JsonValue* q = j.find("quantum"); q && q->kind == JsonValue::Kind::string) r.quantum = q->string;
    if (const JsonValue* q = j.find("qubits"); q && q->kind == JsonValue::Kind::number) r.qubits = static_cast<int>(q->number);
    r.parameters = static_cast<int64_t>(j.num("parameters"));
    r.recipe = j.str("recipe_text");
    r.own_recipe = j.flag("own_recipe");
    for (const JsonValue& e : j.at("epochs").array) {
      EpochRecord rec;
      rec.epoch = static_cast<int>(e.num("epoch"));
      rec.train_loss = e.num("train_loss"), rec.train_accuracy = e.num("train_accuracy");
      rec.val_loss = e.num("val_loss"), rec.val_accuracy = e.num("val_accuracy");
      rec.learning_rate = e.num("learning_rate"), rec.seconds = e.num("seconds");
      if (const JsonValue* c = e.find("cpu_seconds")) rec.cpu_seconds = c->number;
      if (const JsonValue* c = e.find("peak_rss_mb")) rec.peak_rss_mb = c->number;
      if (const JsonValue* c = e.find("val_f1")) rec.val_f1 = c->number;
      s.training_seconds += rec.seconds;
      s.cpu_seconds += rec.cpu_seconds;
      r.epochs.push_back(rec);
    }
    r.best_epoch = static_cast<int>(j.num("best_epoch"));
    r.best_val_accuracy = j.num("best_val_accuracy");
    r.test_accuracy = j.num("test_accuracy"), r.test_loss = j.num("test_loss");
    r.precision = j.num("precision"), r.recall = j.num("recall"), r.f1 = j.num("f1");
    r.seconds_per_epoch = j.num("seconds_per_epoch"), r.peak_rss_mb = j.num("peak_rss_mb");
    if (const JsonValue* a = j.find("attack"); a && a->kind == JsonValue::Kind::object) {
      r.clean_accuracy = a->num("clean_accuracy");
      r.robust_accuracy = a->num("robust_accuracy");
    }
    if (const JsonValue* v = j.find("val_robustness"); v && v->kind == JsonValue::Kind::array)
      for (const JsonValue& c : v->array)
        s.checks.push_back({static_cast<int>(c.num("epoch")), c.num("clean_accuracy"), c.num("robust_accuracy"),
                            static_cast<int64_t>(c.num("images"))});
    if (const JsonValue* f = j.find("features"); f && f->kind == JsonValue::Kind::object) {
      r.lda_separation = f->num("lda_separation");
      r.silhouette = f->num("silhouette");
      s.features = *f;
    }
  } catch (const hqc::cli::RuntimeError&) {
    throw;
  } catch (const std::exception& e) {
    throw hqc::cli::RuntimeError(file.string() + ": " + e.what() + " (expected the summary.json `hqc study` writes)");
  }
  if (fs::exists(dir / "circuit.txt")) s.circuit = read_text(dir / "circuit.txt");
  const fs::path cmd = dir / "command.txt";
  if (fs::exists(cmd)) {
    s.command = read_text(cmd);
    while (!s.command.empty() && s.command.back() == '\n') s.command.pop_back();
  }
  return s;
}

std::string fixed(double v, int decimals) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}
// "0.512 ± 0.010" over the runs given (mean and sample standard deviation), or "—".
std::string mean_sd(const std::vector<double>& xs, int decimals) {
  if (xs.empty()) return "—";
  const hqc::app::Summary s = hqc::app::summarize(xs);
  return fixed(s.mean, decimals) + (s.sd ? " ± " + fixed(*s.sd, decimals) : "");
}
std::string duration(double seconds) {
  const long s = std::lround(seconds);
  char b[64];
  std::snprintf(b, sizeof b, "%ld h %02ld min %02ld s", s / 3600, s / 60 % 60, s % 60);
  return b;
}

// Per epoch, one curve per variant (its first seed): validation F1, and the resources the original
// drew (wall time, the process's CPU time, peak memory), in one figure of four panels.
hqc::app::Canvas render_epoch_panels(const std::vector<hqc::app::RunResult>& runs, const std::string& title) {
  using namespace hqc::app;
  struct Panel {
    const char* title;
    const char* y;
    double (*of)(const EpochRecord&);
  };
  const Panel panels[] = {
      {"validation F1, macro", "F1 (%)", [](const EpochRecord& e) { return 100 * e.val_f1; }},
      {"wall time per epoch", "seconds", [](const EpochRecord& e) { return e.seconds; }},
      {"CPU time per epoch (the process's own clock)", "CPU seconds", [](const EpochRecord& e) { return e.cpu_seconds; }},
      {"peak memory of the process", "MB", [](const EpochRecord& e) { return e.peak_rss_mb; }},
  };
  Canvas cv(1200, 860);
  cv.text(20, 10, title, colors::black, 2);
  for (int k = 0; k < 4; ++k) {
    LinePlot plot;
    plot.title = panels[k].title, plot.x_label = kEpochAxis, plot.y_label = panels[k].y;
    plot.x_integer = true;
    plot.y_from_zero = k > 0;
    std::vector<std::string> seen;
    for (const auto& r : runs) {
      if (std::find(seen.begin(), seen.end(), r.variant) != seen.end()) continue;
      seen.push_back(r.variant);
      Series s{r.name, {}, {}, palette(seen.size() - 1)};
      for (const auto& e : r.epochs) s.x.push_back(e.epoch), s.y.push_back(panels[k].of(e));
      plot.series.push_back(std::move(s));
    }
    draw_line_plot(cv, 10 + (k % 2) * 595, 40 + (k / 2) * 410, 585, 400, plot);
  }
  return cv;
}

// The robustness checks during training: per variant and checked epoch, the robust accuracy on the
// validation images attacked, mean ± sd over the seeds (a table, and robustness.png of the means).
// Empty when no run made checks.
std::string robustness_section(const std::vector<StudyRun>& runs, const hqc::app::SeedsAnalysis& analysis, const fs::path& root) {
  using namespace hqc::app;
  std::vector<int> epochs;
  int64_t images = 0;
  for (const auto& r : runs)
    for (const auto& c : r.checks) {
      if (std::find(epochs.begin(), epochs.end(), c.epoch) == epochs.end()) epochs.push_back(c.epoch);
      images = c.images;
    }
  if (epochs.empty()) return "";
  std::sort(epochs.begin(), epochs.end());
  const JsonValue* a = runs.front().json.find("attack");
  std::ostringstream x;
  x << "\n## Robustness during training\n\nAs the original checked it: at the epochs below, after the epoch's "
       "validation, PGD in pixel space";
  if (a && a->kind == JsonValue::Kind::object)
    x << " (eps " << format_number(a->num("eps")) << ", step " << format_number(a->num("alpha")) << ", "
      << static_cast<int>(a->num("steps")) << " steps, random start)";
  x << " on the first " << images << " validation images; robust accuracy (%), mean ± standard deviation over the seeds "
    << "(robustness.csv in each run's folder).\n\n| variant |";
  for (int e : epochs) x << " epoch " << e << " |";
  x << "\n|---|";
  for (std::size_t i = 0; i < epochs.size(); ++i) x << "---:|";
  x << "\n";
  LinePlot plot;
  plot.title = "PGD on validation images during training, mean over seeds";
  plot.x_label = kEpochAxis, plot.y_label = "robust accuracy (%)";
  plot.x_integer = true, plot.y_from_zero = true;
  for (const auto& m : analysis.models) {
    Series series{m.name, {}, {}, palette(plot.series.size())};
    x << "| " << m.name << " |";
    for (int e : epochs) {
      std::vector<double> v;
      for (const auto& r : runs)
        if (r.result.variant == m.variant)
          for (const auto& c : r.checks)
            if (c.epoch == e) v.push_back(100 * c.robust);
      x << " " << mean_sd(v, 2) << " |";
      if (!v.empty()) series.x.push_back(e), series.y.push_back(summarize(v).mean);
    }
    x << "\n";
    if (!series.x.empty()) plot.series.push_back(std::move(series));
  }
  Canvas cv(900, 520);
  draw_line_plot(cv, 10, 10, 880, 500, plot);
  save_png(cv, root / "robustness.png");
  x << "\n![robust accuracy on validation images during training, mean over seeds](robustness.png)\n";
  return x.str();
}

const char* kSummary =
    "Reads the runs `hqc study` left in ROOT/<variant>/seed-<S>/ (summary.json, command.txt) and writes ROOT/README.md: "
    "per variant mean, spread and 95 % interval of every metric, the paired t-test and verdict of each claim of the "
    "original, the feature space entering the head side by side, the wall time and every run's command; with "
    "ROOT/summary.json and ROOT/comparison.png. Nothing is trained or measured again.";

hqc::cli::Command report_cmd("study-report", "the report of the study's final runs, from their files", [](const std::vector<std::string>& args) {
  using namespace hqc;
  cli::ArgParser p("study-report", kSummary);
  p.option("root", "the results folder hqc study wrote into").meta("DIR").required();
  p.option("title", "the report's first heading (default: \"Results: <dataset>\")");
  p.flag("json", "print the report's summary.json on stdout");
  if (!p.parse(args)) return 0;
  if (!p.given("root")) throw cli::UsageError("--root: required");
  const fs::path root = p.str("root");
  if (!fs::is_directory(root)) throw cli::UsageError("--root: " + root.string() + " is not a folder");
  // Variant by variant in the study's order, seeds ascending.
  std::vector<StudyRun> runs;
  std::vector<std::string> unfinished;
  for (const auto& variant : app::study_variants()) {
    const fs::path vdir = root / variant;
    if (!fs::is_directory(vdir)) continue;
    std::vector<int> seeds;
    for (const auto& e : fs::directory_iterator(vdir)) {
      const std::string n = e.path().filename().string();
      if (!e.is_directory() || n.rfind("seed-", 0) != 0) continue;
      try {
        seeds.push_back(std::stoi(n.substr(5)));
      } catch (const std::exception&) {
      }
    }
    std::sort(seeds.begin(), seeds.end());
    for (int seed : seeds) {
      const fs::path dir = vdir / ("seed-" + std::to_string(seed));
      if (!fs::exists(dir / "summary.json")) {
        unfinished.push_back(variant + "/seed-" + std::to_string(seed));
        continue;
      }
      runs.push_back(read_run(dir, variant, seed));
    }
  }
  if (runs.empty()) throw cli::RuntimeError(root.string() + ": no finished run (no <variant>/seed-<S>/summary.json)");
  std::vector<app::RunResult> results;
  std::vector<int> seeds;
  for (const auto& r : runs) {
    results.push_back(r.result);
    if (std::find(seeds.begin(), seeds.end(), r.result.seed) == seeds.end()) seeds.push_back(r.result.seed);
  }
  std::sort(seeds.begin(), seeds.end());
  const JsonValue& first = runs.front().json;
  app::ReportContext ctx;
  ctx.dataset = first.str("dataset");
  ctx.epochs = static_cast<int>(first.at("epochs").array.size());
  ctx.batch = static_cast<int>(first.num("batch"));
  ctx.threads = static_cast<int>(first.num("threads"));
  ctx.seeds = seeds;
  ctx.train_images = static_cast<int64_t>(first.num("train_images"));
  ctx.val_images = static_cast<int64_t>(first.num("val_images"));
  ctx.test_images = static_cast<int64_t>(first.num("test_images"));
  ctx.data_source = first.str("data_dir");
  if (const JsonValue* a = first.find("attack"); a && a->kind == JsonValue::Kind::object)
    ctx.attack = "PGD, eps " + app::format_number(a->num("eps")) + " (pixel units), step " + app::format_number(a->num("alpha")) +
                 ", " + std::to_string(static_cast<int>(a->num("steps"))) + " steps, random start, first " +
                 std::to_string(static_cast<int64_t>(a->num("count"))) + " test images";
  ctx.memory = app::PeakMemory::per_model;  // one process per run
  ctx.comparison_png = "comparison.png";
  for (const auto& r : runs)  // the runs must be one study: the same data and schedule
    if (r.json.str("dataset") != ctx.dataset || r.json.at("epochs").array.size() != static_cast<std::size_t>(ctx.epochs) ||
        static_cast<int64_t>(r.json.num("train_images")) != ctx.train_images)
      throw cli::RuntimeError(root.string() + "/" + r.result.folder + ": its dataset, epochs or images differ from " +
                              runs.front().result.folder + "'s; one report covers runs of one study");
  const app::OutputFolder folder(root, app::OutputMode::overwrite, {"README.md", "summary.json", "comparison.png", "comparison.svg", "epochs.png", "epochs.svg", "robustness.png", "robustness.svg"});
  std::vector<app::NamedRun> curves;
  for (const auto& r : results) {
    auto named = std::find_if(curves.begin(), curves.end(), [&](const app::NamedRun& x) { return x.name == r.name; });
    if (named == curves.end()) named = curves.insert(curves.end(), {r.name, r.epochs, {}, {}});
    named->test_accuracy.push_back(r.test_accuracy);
    if (r.robust_accuracy) named->robust_accuracy.push_back(*r.robust_accuracy);
  }
  app::save_png(app::render_comparison(curves, "hqc study: " + ctx.dataset + ", " + std::to_string(seeds.size()) + " seeds"),
                root / "comparison.png");
  app::save_png(render_epoch_panels(results, "per epoch, first seed of each variant: validation F1, time, CPU time, memory"),
                root / "epochs.png");
  const app::SeedsAnalysis analysis = app::analyse_seeds(results);
  const cli::Json summary = app::seeds_summary_json(ctx, results, analysis);
  nn::write_file_atomically(root / "summary.json", summary.dump() + "\n");
  std::string md = app::render_seeds_report(ctx, results, analysis);
  // The first heading names the study, not the command.
  const std::string title = p.given("title") ? p.str("title") : "Results: " + ctx.dataset;
  md = "# " + title + md.substr(md.find('\n'));
  std::ostringstream x;
  x << "\n## The feature space entering the head\n\n"
    << "On the first test images of each run (docs/study.md, \"The feature space\"): LDA separation trace(S_w^+ S_b), "
       "mean silhouette (Euclidean), the share of the variance in the first two principal components, and the share of "
       "points the nearest-centroid regions of the PCA and t-SNE embeddings classify right. Mean ± standard deviation "
       "over the seeds; each run's pictures are pca.png and tsne.png in its folder.\n\n"
    << "| variant | features | LDA separation | silhouette | PCA variance (%) | PCA centroid acc. (%) | t-SNE centroid acc. (%) |\n"
    << "|---|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& m : analysis.models) {
    std::vector<double> lda, sil, var, pca, tsne;
    int64_t dims = 0;
    for (const auto& r : runs)
      if (r.result.variant == m.variant && r.features) {
        lda.push_back(r.features->num("lda_separation")), sil.push_back(r.features->num("silhouette"));
        var.push_back(100 * r.features->num("pca_explained_variance"));
        pca.push_back(100 * r.features->num("pca_centroid_accuracy")), tsne.push_back(100 * r.features->num("tsne_centroid_accuracy"));
        dims = static_cast<int64_t>(r.features->num("dimensions"));
      }
    if (lda.empty()) continue;
    x << "| " << m.name << " | " << dims << " | " << mean_sd(lda, 3) << " | " << mean_sd(sil, 3) << " | " << mean_sd(var, 1)
      << " | " << mean_sd(pca, 1) << " | " << mean_sd(tsne, 1) << " |\n";
  }
  x << robustness_section(runs, analysis, root);
  for (const auto& r : runs)  // the circuit of the first run that has one (the hybrid's first seed)
    if (!r.circuit.empty()) {
      x << "\n## The circuit\n\nThe quantum layer of " << r.result.name << ", seed " << r.result.seed
        << ", with its best epoch's weights (" << r.result.folder << "/circuit.txt; wire 0 is the most significant "
        << "bit of the amplitude index, as in PennyLane; M0 is the 2^N features entering it, |x| L2-normalised):\n\n```\n"
        << r.circuit << "```\n";
      break;
    }
  x << "\n## Per epoch\n\n![validation F1, wall time, CPU time and peak memory per epoch, first seed of each variant](epochs.png)\n";
  double total = 0, total_cpu = 0;
  x << "\n## Wall time\n\nEach run's training, from summary.json: the sum of its epochs' wall time and of the CPU time "
       "the process itself spent in them (its own clock), and its peak memory; "
    << ctx.threads << " thread" << (ctx.threads == 1 ? "" : "s")
    << " per run.\n\n| run | training time | CPU time | peak memory (MB) |\n|---|---:|---:|---:|\n";
  for (const auto& r : runs) {
    total += r.training_seconds, total_cpu += r.cpu_seconds;
    x << "| " << r.result.folder << " | " << duration(r.training_seconds) << " | " << duration(r.cpu_seconds) << " | "
      << fixed(r.result.peak_rss_mb, 1) << " |\n";
  }
  x << "| all runs, summed | " << duration(total) << " | " << duration(total_cpu) << " | |\n";
  if (!unfinished.empty()) {
    x << "\nNot finished, left out: ";
    for (std::size_t i = 0; i < unfinished.size(); ++i) x << (i ? ", " : "") << unfinished[i];
    x << ".\n";
  }
  x << "\n## Commands\n\nEach run's command.txt: run again (with another `--out`), it writes the same metrics.csv byte for byte.\n\n```\n";
  for (const auto& r : runs) x << r.command << "\n";
  x << "```\n";
  md += x.str();
  nn::write_file_atomically(root / "README.md", md);
  if (p.is_set("json")) std::cout << summary.dump() << "\n";
  else
    std::printf("%zu runs (%zu variants, %zu seeds)%s; wrote %s\n", runs.size(), analysis.models.size(), seeds.size(),
                unfinished.empty() ? "" : (", " + std::to_string(unfinished.size()) + " unfinished left out").c_str(),
                (root / "README.md").string().c_str());
  return 0;
});
}  // namespace
