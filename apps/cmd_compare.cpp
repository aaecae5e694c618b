// cmd_compare.cpp — `hqc compare`: trains several models with the same seed and data and writes
// report.md beside the original's published numbers, with the plots; with `--seeds`, every model once
// per seed, and report.md summarises over the seeds and gives a verdict per claim of the original.
//
// OUT/compare-state.hqc keeps the flags and the command line; each run trains in its own folder,
// OUT/<model> (one seed) or OUT/<model>/seed-<S> (--seeds), with its own last.hqc, and keeps its attack
// result in attack.hqc and its numbers in summary.json there. `hqc compare --resume OUT` therefore takes
// finished runs' results from OUT, continues the interrupted one, and writes the report an
// uninterrupted comparison would.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <optional>

#include "apps/attack.hpp"
#include "apps/cli.hpp"
#include "apps/distributed.hpp"
#include "apps/features.hpp"
#include "apps/tsne.hpp"
#include "apps/memory.hpp"
#include "apps/output_folder.hpp"
#include "apps/plot.hpp"
#include "apps/report.hpp"
#include "apps/resume.hpp"
#include "apps/study_flags.hpp"
#include "apps/training.hpp"
#include "nn/atomic_file.hpp"
#include "nn/checkpoint.hpp"

namespace {
// One entry of --models: the model, its name in the report, and whether it trains with the other
// model's recipe (the recipe swaps, which tell recipe from architecture).
struct Entry {
  hqc::app::ModelConfig config;
  std::string variant;  // as listed: hybrid, classical, linear, rotations, recipe-swap-*, qubits=N
  bool swap = false;
  std::string name() const {
    if (!swap) return config.display_name();
    return config.display_name() + (config.model == hqc::app::ModelKind::hybrid ? ", classical's recipe" : ", hybrid's recipe");
  }
  // The run folder under OUT (and the name --models repeats are checked by).
  std::string slug() const {
    using hqc::app::ModelKind, hqc::app::QuantumVariant;
    if (swap) return variant;
    std::string s = hqc::app::model_name(config.model);
    if (config.model == ModelKind::hybrid && config.quantum != QuantumVariant::circuit)
      s += std::string("-") + hqc::app::quantum_name(config.quantum);
    if (config.model == ModelKind::hybrid && config.qubits != 4) s += "-" + std::to_string(config.qubits) + "q";
    return s;
  }
};

const char* kModelChoices = "hybrid, classical, linear, rotations, recipe-swap-classical, recipe-swap-hybrid, qubits=N";

Entry parse_model_token(const std::string& t, const std::string& dataset) {
  using namespace hqc;
  if (t == "hybrid" || t == "classical") return {app::model_config(t, dataset), t};
  if (t == "linear" || t == "rotations") return {app::model_config("hybrid", dataset, t), t};
  if (t == "recipe-swap-classical") return {app::model_config("classical", dataset), t, true};
  if (t == "recipe-swap-hybrid") return {app::model_config("hybrid", dataset), t, true};
  if (t.rfind("qubits=", 0) == 0) {
    int n = 0;
    try {
      n = std::stoi(t.substr(7));
    } catch (const std::exception&) {
      throw cli::UsageError("--models: bad qubit count in '" + t + "'");
    }
    return {app::model_config("hybrid", dataset, "circuit", n), n == 4 ? "hybrid" : t};
  }
  throw cli::UsageError("--models: unknown model '" + t + "' (" + kModelChoices + ")");
}

// --seeds: distinct non-negative integers, in the order given.
std::vector<int> parse_seeds(const std::vector<std::string>& tokens) {
  std::vector<int> seeds;
  for (const auto& t : tokens) {
    std::size_t used = 0;
    long long v = -1;
    try {
      v = std::stoll(t, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != t.size() || v < 0 || v > 2147483647)
      throw hqc::cli::UsageError("--seeds: expected comma-separated integers >= 0, got '" + t + "'");
    if (std::find(seeds.begin(), seeds.end(), static_cast<int>(v)) != seeds.end())
      throw hqc::cli::UsageError("--seeds: seed " + t + " is listed twice");
    seeds.push_back(static_cast<int>(v));
  }
  if (seeds.empty()) throw hqc::cli::UsageError("--seeds: empty list");
  return seeds;
}

const char* kSummary =
    "Trains each model with the same seed and data and the original's recipe for it (or the one the recipe flags "
    "make of it, for every model alike), attacks each with PGD, and "
    "writes DIR/report.md with the original's published numbers beside ours. With --seeds, every model trains once "
    "per seed and report.md gives mean, spread and 95 % interval per model, the paired t-test of each claim of the "
    "original and a verdict on it. `hqc compare --resume DIR` continues an interrupted comparison: finished runs "
    "are not trained again.";

const std::vector<std::string> kSavedFlags = {"dataset", "models", "epochs", "batch", "val-fraction", "limit",
                                              "test-limit", "augment", "attack-eps", "attack-alpha", "attack-steps",
                                              "attack-limit", "attack-space", "feature-limit", "data", "seed", "seeds",
                                              "val-attack-every", "val-attack-limit", "val-attack-eps", "val-attack-alpha",
                                              "val-attack-steps"};

// The attack's result for a model, kept beside its training state; `key` names the attack's settings
// so that a result of other settings is not taken.
bool read_attack(const std::filesystem::path& path, const std::string& key, hqc::app::AttackResult& a) {
  if (!std::filesystem::exists(path)) return false;
  const hqc::nn::Checkpoint ck = hqc::nn::read_checkpoint(path.string());
  if (ck.config != key) return false;
  for (const auto& [n, t] : ck.tensors)
    if (n == "result" && t.dtype() == hqc::DType::f64 && t.numel() == 3) {
      a.clean_accuracy = t.data<double>()[0];
      a.robust_accuracy = t.data<double>()[1];
      a.count = static_cast<int64_t>(t.data<double>()[2]);
      return true;
    }
  throw std::runtime_error(path.string() + ": expected an attack result (\"result\": 3 f64 numbers)");
}

void write_attack(const std::filesystem::path& path, const std::string& key, const hqc::app::AttackResult& a) {
  const std::vector<double> v{a.clean_accuracy, a.robust_accuracy, static_cast<double>(a.count)};
  hqc::nn::write_checkpoint(path.string(), {key, {{"result", hqc::from_data(std::span<const double>(v), {3})}}});
}

void declare_flags(hqc::cli::ArgParser& p) {
  using namespace hqc;
  p.option("dataset", "mnist | fashion-mnist | cifar10 | cifar100 | stl10").meta("NAME").required();
  p.option("models", "comma-separated: hybrid, classical, linear (hybrid with Linear(16,4)), rotations (no CNOTs), "
           "recipe-swap-classical (classical with the hybrid's recipe), recipe-swap-hybrid (hybrid with the classical's "
           "recipe), qubits=N", "hybrid,classical");
  p.option("seeds", "comma-separated seeds: every model trains once per seed, in DIR/<model>/seed-<S> (not with --seed)")
      .meta("LIST");
  p.option("epochs", "epochs", "50").option("batch", "images per batch, 2 or more", "64").alias("batch-size");
  p.option("val-fraction", "share of the training images kept for validation, in (0, 1)", "0.2");
  p.option("limit", "train on the first N images of the training file, before the split (0: all images)", "0");
  p.option("test-limit", "test on the first N test images (0: all images)", "0");
  p.option("augment", "on | off", "on").option("out", "output folder", "runs/compare");
  p.flag("overwrite", "replace a previous comparison's files in --out (hqc's own files only)");
  p.option("attack-space", "pixel | normalised (the original's eps-ball and clamp on the normalised input)", "pixel");
  p.option("attack-eps", "PGD radius in pixel units (normalised units with --attack-space normalised)", "0.1").option("attack-alpha", "PGD step", "0.01");
  p.option("feature-limit", "map the features entering the head on the first N test images (0: none; t-SNE costs N^2)", "1000");
  p.option("attack-steps", "PGD steps (0: no attack)", "10").option("attack-limit", "attack the first N test images (0: all)", "1000");
  app::add_run_flags(p);
  p.option("resume", "continue the comparison in folder DIR, with the flags it started with");
  app::add_recipe_flags(p);
  app::add_realism_flags(p);
  app::add_val_attack_flags(p);
}

hqc::cli::Command compare_cmd("compare", "train several models alike and write a comparison report", [](const std::vector<std::string>& args) {
  using namespace hqc;
  cli::ArgParser p("compare", kSummary);
  declare_flags(p);
  if (!p.parse(args)) return 0;
  const bool resuming = p.given("resume");
  if (resuming && p.is_set("overwrite")) throw cli::UsageError("--overwrite: not with --resume (a resumed comparison keeps its files)");
  std::string command = "hqc compare";
  for (const auto& a : args) command += " " + a;
  if (resuming) {
    const std::string dir = p.str("resume");
    const std::filesystem::path state = std::filesystem::path(dir) / "compare-state.hqc";
    if (!std::filesystem::exists(state))
      throw cli::RuntimeError(state.string() + ": no comparison to resume (expected the compare-state.hqc that "
                              "`hqc compare --out " + dir + "` writes when it starts)");
    const app::FlagList saved = app::read_flags_file(state, "compare", &command);
    cli::ArgParser q("compare", kSummary);
    declare_flags(q);
    q.parse(app::resume_args(p, saved, dir, {"json"}, state.string()));
    p = q;
  }
  if (!p.given("dataset")) throw cli::UsageError("--dataset: required (mnist, fashion-mnist, cifar10, cifar100, stl10)");
  const std::string dataset = p.choice("dataset", app::dataset_choices());
  std::vector<Entry> configs;
  for (const auto& t : p.strings("models")) configs.push_back(parse_model_token(t, dataset));
  if (configs.empty()) throw cli::UsageError("--models: empty list");
  // --noise and --shots apply to every model with a circuit; the others are the noiseless baselines.
  if (p.given("noise") || p.given("shots")) {
    bool any = false;
    for (auto& e : configs)
      if (e.config.has_circuit()) app::realism_from(p, e.config), any = true;
    if (!any) throw cli::UsageError(std::string("--") + (p.given("noise") ? "noise" : "shots") + ": none of --models has a quantum circuit");
  }
  for (std::size_t i = 0; i < configs.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (configs[i].slug() == configs[j].slug())  // one run folder each: a repeat would meet its twin's files
        throw cli::UsageError("--models: " + configs[i].slug() + " is listed twice");
  const bool many_seeds = p.given("seeds") && !p.str("seeds").empty();
  if (many_seeds && p.given("seed")) throw cli::UsageError("--seeds: not with --seed (give one of them)");
  const int threads = app::apply_threads(p);
  app::TrainOptions o = app::train_options_from(p);
  app::val_attack_from(p, o);  // each model's robustness.csv and JSON "val_robustness"
  const std::vector<int> seeds = many_seeds ? parse_seeds(p.strings("seeds")) : std::vector<int>{static_cast<int>(o.seed)};
  // Each entry's recipe flags: a recipe swap starts from the other model's recipe; the other flags
  // change every model alike.
  std::vector<app::RecipeOverrides> recipes;
  for (const auto& e : configs) {  // refused before the first model trains, not when its turn comes
    app::RecipeOverrides r = o.recipe;
    if (e.swap) {
      if (r.base) throw cli::UsageError("--models: " + e.variant + " trains with the other model's recipe; not with --recipe");
      r.base = e.config.model == app::ModelKind::hybrid ? app::ModelKind::classical : app::ModelKind::hybrid;
    }
    try {
      app::resolve_recipe(e.config, r);
    } catch (const app::OptionError& err) {
      throw cli::UsageError(err.what());
    }
    recipes.push_back(r);
  }
  app::AttackOptions ao;
  ao.eps = p.number("attack-eps");
  ao.alpha = p.number("attack-alpha");
  ao.steps = static_cast<int>(p.integer("attack-steps", 0, 100000));
  ao.space = app::parse_attack_space(p.choice("attack-space", {"pixel", "normalised"}));
  ao.seed = o.seed;
  const int64_t attack_limit = p.integer("attack-limit", 0);
  const int64_t feature_limit = p.integer("feature-limit", 0);
  if (ao.steps > 0) {  // refused before the first model trains, not after
    try {
      app::check_attack_options(ao);
    } catch (const app::AttackOptionError& e) {
      throw cli::UsageError("--" + (e.option == "steps/alpha" ? std::string("attack-steps/--attack-alpha") : "attack-" + e.option) +
                            ": " + e.what());
    }
  }
  const std::filesystem::path out = p.str("out");
  o.out_mode = resuming                 ? app::OutputMode::resume
               : p.is_set("overwrite") ? app::OutputMode::overwrite
                                       : app::OutputMode::fresh;
  // Locked for the whole comparison; a previous one's files, its runs' included, are checked (or
  // removed) before the first model trains, not when its turn comes.
  // A run's folder: OUT/<model>, or OUT/<model>/seed-<S> with --seeds.
  const auto run_folder = [&](const Entry& e, int seed) {
    return many_seeds ? e.slug() + "/seed-" + std::to_string(seed) : e.slug();
  };
  std::vector<std::string> owned = app::compare_output_names();
  owned.push_back("summary.json");
  for (int seed : seeds)
    for (const auto& c : configs) {
      for (const auto& name : app::run_output_names()) owned.push_back(run_folder(c, seed) + "/" + name);
      for (const auto& name : app::feature_output_names()) owned.push_back(run_folder(c, seed) + "/" + name);
      owned.push_back(run_folder(c, seed) + "/summary.json");
    }
  // Under mpirun every run trains data-parallel over all the ranks (apps/distributed.hpp), one after
  // the other, and rank 0 alone writes (and locks the folder).
  const bool writer = app::dist::rank() == 0;
  std::optional<app::OutputFolder> folder;
  if (writer) folder.emplace(out, o.out_mode, owned);

  app::ReportContext ctx;
  ctx.dataset = dataset;
  ctx.epochs = o.epochs;
  ctx.batch = static_cast<int>(o.batch);
  ctx.seed = static_cast<int>(o.seed);
  if (many_seeds) ctx.seeds = seeds;
  ctx.threads = threads;
  if (ao.steps > 0)
    ctx.attack = "PGD, eps " + app::format_number(ao.eps) +
                 (ao.space == app::AttackSpace::pixel ? " (pixel units)" : " (normalised units, clamped to [0, 1] as the original did)") + ", step " + app::format_number(ao.alpha) + ", " +
                 std::to_string(ao.steps) + " steps, random start, first " + std::to_string(attack_limit) + " test images";
  ctx.command = command;  // a resumed comparison reports the command that started it
  for (const auto& e : configs)
    if (e.config.has_circuit() && ctx.realism.empty()) {
      const app::ModelConfig& c = e.config;
      if (!c.noise.empty()) ctx.realism = c.noise.to_string();
      if (c.shots > 0) ctx.realism += (ctx.realism.empty() ? "" : ", ") + std::to_string(c.shots) + " shots";
    }
  if (!resuming) {
    app::FlagList flags;
    // With --seeds, --seed is not saved: a resumed comparison would otherwise be given both.
    for (const auto& name : kSavedFlags) flags.emplace_back(name, name == "seed" && many_seeds ? "" : p.str(name));
    flags.emplace_back("threads", std::to_string(threads));
    for (auto& f : app::recipe_flags(o.recipe)) flags.push_back(std::move(f));
    for (const char* name : {"noise", "shots"})
      if (p.given(name)) flags.emplace_back(name, p.str(name));
    if (writer) app::write_flags_file(out / "compare-state.hqc", "compare", flags, command);
  }
  app::install_stop_handlers();

  std::vector<app::RunResult> runs;
  std::vector<app::NamedRun> curves;
  cli::Json json_runs = cli::Json::array();
  // Each model's own peak memory, training and attack: the kernel's high-water mark is reset before
  // it where Linux allows (/proc/self/clear_refs), else the figure is the process's peak so far.
  bool own_peak = true;
  try {
    // Seed by seed, every model in each: an interrupted comparison has whole seeds behind it.
    for (std::size_t i = 0; i < seeds.size() * configs.size(); ++i) {
      const int seed = seeds[i / configs.size()];
      const std::size_t k = i % configs.size();
      const Entry& e = configs[k];
      const app::ModelConfig& c = e.config;
      const std::string folder = run_folder(e, seed);
      if (writer) std::cerr << "== " << e.name() << (many_seeds ? ", seed " + std::to_string(seed) : "") << " on " << dataset << "\n";
      own_peak = app::reset_peak_rss() && own_peak;
      app::TrainOptions oc = o;
      oc.seed = many_seeds ? static_cast<uint64_t>(seed) : o.seed;  // --seed may exceed an int
      oc.recipe = recipes[k];
      oc.out_dir = (out / folder).string();
      app::AttackOptions aoc = ao;
      aoc.seed = oc.seed;
      const std::string attack_key = "pgd eps " + app::format_number(ao.eps) + " alpha " + app::format_number(ao.alpha) +
                                     " steps " + std::to_string(ao.steps) + " limit " + std::to_string(attack_limit) +
                                     " test-limit " + std::to_string(o.test_limit) + " seed " + std::to_string(aoc.seed) +
                                     (ao.space == app::AttackSpace::pixel ? "" : " space normalised");
      app::TrainResult r;
      try {
        r = app::train_model(c, oc);
      } catch (const app::OptionError& err) {
        throw cli::UsageError(err.what());
      }
      app::RunResult rr;
      rr.name = e.name();
      rr.variant = e.variant;
      rr.seed = seed;
      rr.folder = folder;
      rr.model = app::model_name(c.model);
      rr.quantum = app::quantum_name(c.quantum);
      rr.qubits = c.qubits;
      rr.dataset = dataset;
      rr.parameters = r.parameters;
      rr.recipe = r.recipe.describe();
      rr.own_recipe = r.recipe == app::default_recipe(c);
      rr.epochs = r.epochs;
      rr.best_epoch = r.best_epoch;
      rr.best_val_accuracy = r.best_val_accuracy;
      rr.test_accuracy = r.test.accuracy;
      rr.test_loss = r.test.loss;
      rr.precision = r.test.report.precision;
      rr.recall = r.test.report.recall;
      rr.f1 = r.test.report.f1;
      rr.seconds_per_epoch = r.seconds_per_epoch;
      rr.peak_rss_mb = r.peak_rss_mb;
      rr.curves_png = folder + "/curves.png";
      rr.confusion_png = folder + "/confusion.png";
      cli::Json j = app::train_json(r);
      if (ao.steps > 0) {
        const data::Dataset test = data::load_dataset(dataset, "test", o.data_dir);
        const int64_t n = o.test_limit > 0 ? std::min(o.test_limit, attack_limit > 0 ? attack_limit : o.test_limit) : attack_limit;
        const std::filesystem::path kept = out / folder / "attack.hqc";
        app::AttackResult a;
        if (!resuming || !read_attack(kept, attack_key, a)) {
          a = app::attack_model(*r.model, c, test, n, aoc, writer ? app::Progress::Mode::automatic : app::Progress::Mode::silent);
          if (writer) write_attack(kept, attack_key, a);
        }
        rr.clean_accuracy = a.clean_accuracy;
        rr.robust_accuracy = a.robust_accuracy;
        cli::Json aj = cli::Json::object();
        aj.set("attack", "pgd").set("space", app::attack_space_name(ao.space)).set("eps", ao.eps).set("alpha", ao.alpha).set("steps", ao.steps).set("count", a.count);
        aj.set("clean_accuracy", a.clean_accuracy).set("robust_accuracy", a.robust_accuracy);
        j.set("attack", aj);
      }
      rr.peak_rss_mb = app::bytes_to_mb(app::peak_rss_bytes());
      j.set("peak_rss_mb", rr.peak_rss_mb);
      if (feature_limit > 0) {
        const data::Dataset test = data::load_dataset(dataset, "test", o.data_dir);
        const int64_t n = std::min(o.test_limit > 0 ? std::min(o.test_limit, feature_limit) : feature_limit, test.size());
        if (const auto f = app::feature_space_of(*r.model, c, test, n, oc.seed, out / folder, rr.name)) {
          rr.lda_separation = f->lda_separation;
          rr.silhouette = f->silhouette;
          rr.pca_png = folder + "/pca.png";
          rr.tsne_png = folder + "/tsne.png";
          j.set("features", app::feature_json(*f));
        }
      }
      ctx.data_source = r.data_dir;
      ctx.train_images = r.train_images;
      ctx.val_images = r.val_images;
      ctx.test_images = r.test_images;
      j.set("variant", rr.variant).set("seed", seed).set("folder", folder);
      if (writer) nn::write_file_atomically(out / folder / "summary.json", j.dump() + "\n");
      runs.push_back(rr);
      // One entry per model in the figure: the first seed's curves, every seed's accuracies.
      auto named = std::find_if(curves.begin(), curves.end(), [&](const app::NamedRun& x) { return x.name == rr.name; });
      if (named == curves.end()) named = curves.insert(curves.end(), {rr.name, r.epochs, {}, {}});
      named->test_accuracy.push_back(rr.test_accuracy);
      if (rr.robust_accuracy) named->robust_accuracy.push_back(*rr.robust_accuracy);
      json_runs.push(j);
    }
  } catch (const app::Interrupted& e) {
    return app::report_interrupted(e, "hqc compare --resume " + out.string());
  }
  ctx.memory = own_peak ? app::PeakMemory::per_model : app::PeakMemory::process;
  ctx.comparison_png = "comparison.png";
  if (!writer) return 0;
  app::save_png(app::render_comparison(curves, "hqc compare: " + dataset + (many_seeds ? ", " + std::to_string(seeds.size()) + " seeds" : "")),
                out / ctx.comparison_png);
  const std::filesystem::path report = out / "report.md", summary = out / "summary.json";
  app::ReportContext sctx = ctx;
  sctx.seeds = seeds;
  const app::SeedsAnalysis analysis = app::analyse_seeds(runs);
  nn::write_file_atomically(summary, app::seeds_summary_json(sctx, runs, analysis).dump() + "\n");
  nn::write_file_atomically(report, many_seeds ? app::render_seeds_report(ctx, runs, analysis) : app::render_report(ctx, runs));
  if (p.is_set("json")) {
    cli::Json j = cli::Json::object();
    j.set("runs", json_runs).set("report", report.string()).set("summary", summary.string());
    std::cout << j.dump() << "\n";
  } else {
    std::cout << "\n" << (many_seeds ? app::render_seeds_terminal(ctx, analysis) : app::render_terminal_table(ctx, runs))
              << "\nreport: " << report.string() << "\n";
  }
  return 0;
});
}  // namespace
