// cmd_study.cpp — `hqc study`: one run of the study's final runs (study_run.hpp), resumable: invoked
// again, it continues an unfinished run from its last.hqc and leaves a finished one alone.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "apps/attack.hpp"
#include "apps/circuit_draw.hpp"
#include "apps/cli.hpp"
#include "apps/data_pictures.hpp"
#include "apps/features.hpp"
#include "apps/resume.hpp"
#include "apps/study_flags.hpp"
#include "apps/study_run.hpp"
#include "nn/atomic_file.hpp"

namespace hqc::app {

const std::vector<std::string>& study_variants() {
  static const std::vector<std::string> v{"hybrid", "classical", "linear", "rotations", "recipe-swap-classical",
                                          "recipe-swap-hybrid"};
  return v;
}

StudyVariant study_variant(const std::string& v, const std::string& dataset) {
  StudyVariant s;
  if (v == "hybrid" || v == "classical") {
    s.config = model_config(v, dataset);
    s.train_flags = {"--model", v};
    s.name = v;
  } else if (v == "linear" || v == "rotations") {
    s.config = model_config("hybrid", dataset, v);
    s.train_flags = {"--model", "hybrid", "--quantum", v};
    s.name = s.config.display_name();
  } else if (v == "recipe-swap-classical" || v == "recipe-swap-hybrid") {
    const bool classical = v == "recipe-swap-classical";
    s.config = model_config(classical ? "classical" : "hybrid", dataset);
    s.recipe.base = classical ? ModelKind::hybrid : ModelKind::classical;
    s.train_flags = {"--model", classical ? "classical" : "hybrid", "--recipe", classical ? "hybrid" : "classical"};
    s.name = s.config.display_name() + (classical ? ", hybrid's recipe" : ", classical's recipe");
  } else {
    std::string all;
    for (const auto& n : study_variants()) all += (all.empty() ? "" : ", ") + n;
    throw cli::UsageError("--variant: unknown variant '" + v + "' (" + all + ")");
  }
  return s;
}

}  // namespace hqc::app

namespace {
// The command line, quoted for a POSIX shell where a word needs it.
std::string shell_line(const std::vector<std::string>& words) {
  std::string line;
  for (const auto& w : words) {
    const bool plain = !w.empty() && w.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=,:+") == std::string::npos;
    std::string q = w;
    if (!plain) {
      q = "'";
      for (char c : w) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
      q += "'";
    }
    line += (line.empty() ? "" : " ") + q;
  }
  return line;
}

const char* kSummary =
    "Trains one variant of the study for one seed in ROOT/<variant>/seed-<S> (writing there first command.txt, the "
    "`hqc train` command that gives the same metrics.csv), attacks the best epoch's model with PGD and maps the "
    "features entering its head; writes summary.json. Invoked again it continues an unfinished run from its last.hqc "
    "and leaves a finished one alone. tools/study_runs.sh runs them all, `hqc study-report --root ROOT` writes the report.";

hqc::cli::Command study_cmd("study", "one run of the study's final runs (resumable), for hqc study-report", [](const std::vector<std::string>& args) {
  using namespace hqc;
  cli::ArgParser p("study", kSummary);
  p.option("root", "the results folder: the run goes to ROOT/<variant>/seed-<S>").meta("DIR").required();
  p.option("variant", "hybrid | classical | linear | rotations | recipe-swap-classical | recipe-swap-hybrid").meta("NAME").required();
  p.option("seed", "the run's seed", "0").option("dataset", "mnist | fashion-mnist | cifar10 | cifar100 | stl10", "fashion-mnist");
  p.option("epochs", "epochs", "50").option("batch", "images per batch, 2 or more", "64");
  p.option("val-fraction", "share of the training images kept for validation, in (0, 1)", "0.2");
  p.option("limit", "train on the first N images of the training file, before the split (0: all images)", "0");
  p.option("test-limit", "test on the first N test images (0: all images)", "0");
  p.option("threads", "worker threads, 1.." + std::to_string(app::kMaxThreads), "1");
  p.option("data", "folder holding the dataset's files (default: as hqc train)").meta("DIR");
  p.option("attack-eps", "PGD radius in pixel units", "0.1").option("attack-alpha", "PGD step", "0.01");
  p.option("attack-steps", "PGD steps (0: no attack)", "10").option("attack-limit", "attack the first N test images (0: all)", "1000");
  p.option("val-attack-every", "attack the model with that PGD on validation images every N epochs, as the "
           "original did (0: never)", "5").meta("N");
  p.option("val-attack-limit", "images of the validation split those checks attack, its first (0: all)", "1000").meta("N");
  p.option("feature-limit", "map the features entering the head on the first N test images (0: none)", "1000");
  p.flag("json", "print the run's summary.json on stdout");
  if (!p.parse(args)) return 0;
  if (!p.given("root")) throw cli::UsageError("--root: required");
  if (!p.given("variant")) throw cli::UsageError("--variant: required");
  const std::string dataset = p.choice("dataset", app::dataset_choices());
  const app::StudyVariant v = app::study_variant(p.str("variant"), dataset);
  // One run per core is the study's plan: 1 thread unless --threads says otherwise (not all cores).
  if (!p.given("threads")) set_num_threads(1);
  const int threads = app::apply_threads(p);
  app::TrainOptions o;  // augmentation on, as the original trained
  o.epochs = static_cast<int>(p.integer("epochs", 1, 100000));
  o.batch = p.integer("batch", 1, 1 << 20);
  o.val_fraction = p.number("val-fraction");
  o.limit = p.integer("limit", 0);
  o.test_limit = p.integer("test-limit", 0);
  o.seed = app::seed_from(p);
  o.data_dir = p.str("data");
  o.recipe = v.recipe;
  const std::filesystem::path dir = std::filesystem::path(p.str("root")) / p.str("variant") / ("seed-" + p.str("seed"));
  o.out_dir = dir.string();
  // The command that reproduces the run's metrics.csv, with every flag that decides a number explicit.
  std::vector<std::string> words{"hqc", "train", "--dataset", dataset};
  words.insert(words.end(), v.train_flags.begin(), v.train_flags.end());
  for (const char* f : {"epochs", "batch", "val-fraction", "limit", "test-limit", "seed"}) {
    words.push_back(std::string("--") + f);
    words.push_back(p.str(f));
  }
  words.insert(words.end(), {"--threads", std::to_string(threads)});
  if (p.given("data")) words.insert(words.end(), {"--data", p.str("data")});
  words.insert(words.end(), {"--out", dir.string()});
  app::AttackOptions ao;
  ao.eps = p.number("attack-eps"), ao.alpha = p.number("attack-alpha");
  ao.steps = static_cast<int>(p.integer("attack-steps", 0, 100000));
  ao.seed = o.seed;
  const int64_t attack_limit = p.integer("attack-limit", 0), feature_limit = p.integer("feature-limit", 0);
  if (ao.steps > 0) {
    try {
      app::check_attack_options(ao);
    } catch (const app::AttackOptionError& e) {
      throw cli::UsageError("--attack-" + (e.option == "steps/alpha" ? std::string("steps/--attack-alpha") : e.option) + ": " + e.what());
    }
    o.val_attack_every = static_cast<int>(p.integer("val-attack-every", 0, 100000));
    o.val_attack_limit = p.integer("val-attack-limit", 0);
    o.val_attack.eps = ao.eps, o.val_attack.alpha = ao.alpha, o.val_attack.steps = ao.steps;
  }
  if (o.val_attack_every > 0)  // the checks are the command's too: its robustness.csv
    words.insert(words.end() - 2, {"--val-attack-every", std::to_string(o.val_attack_every), "--val-attack-limit",
                                   std::to_string(o.val_attack_limit), "--val-attack-eps", app::format_number(ao.eps),
                                   "--val-attack-alpha", app::format_number(ao.alpha), "--val-attack-steps",
                                   std::to_string(ao.steps)});
  const std::string command = shell_line(words);
  const std::filesystem::path summary = dir / "summary.json", state = dir / "last.hqc";
  if (std::filesystem::exists(summary) && std::filesystem::exists(state) && app::read_run_state(state).finished) {
    std::cerr << "hqc study: " << dir.string() << " is finished (summary.json); nothing to do\n";
    if (p.is_set("json")) std::cout << std::ifstream(summary).rdbuf();
    return 0;
  }
  std::filesystem::create_directories(dir);
  nn::write_file_atomically(dir / "command.txt", command + "\n");
  o.out_mode = std::filesystem::exists(state) ? app::OutputMode::resume : app::OutputMode::fresh;
  app::install_stop_handlers();
  app::TrainResult r;
  cli::Json j;
  try {
    try {
      r = app::train_model(v.config, o);
    } catch (const app::OptionError& e) {
      throw cli::UsageError(e.what());
    }
    j = app::train_json(r);
    j.set("variant", p.str("variant")).set("name", v.name).set("seed", o.seed).set("threads", threads);
    j.set("recipe_text", r.recipe.describe()).set("own_recipe", r.recipe == app::default_recipe(v.config));
    j.set("command", command).set("batch", o.batch).set("data_dir", r.data_dir);
    const data::Dataset test = data::load_dataset(dataset, "test", o.data_dir);
    if (ao.steps > 0) {
      const int64_t n = o.test_limit > 0 ? (attack_limit > 0 ? std::min(o.test_limit, attack_limit) : o.test_limit) : attack_limit;
      const app::AttackResult a = app::attack_model(*r.model, v.config, test, n, ao, app::Progress::Mode::automatic);
      cli::Json aj = cli::Json::object();
      aj.set("attack", "pgd").set("space", "pixel").set("eps", ao.eps).set("alpha", ao.alpha).set("steps", ao.steps);
      aj.set("count", a.count).set("clean_accuracy", a.clean_accuracy).set("robust_accuracy", a.robust_accuracy);
      j.set("attack", aj);
    }
    if (feature_limit > 0) {
      const int64_t n = o.test_limit > 0 ? std::min(o.test_limit, feature_limit) : feature_limit;
      if (const auto f = app::feature_space_of(*r.model, v.config, test, n, o.seed, dir, v.name))
        j.set("features", app::feature_json(*f));
    }
    // The data as this seed split it, and the model's predictions on the first test images.
    data::Dataset train_all = data::load_dataset(dataset, "train", o.data_dir);
    if (o.limit > 0 && o.limit < train_all.size()) train_all = train_all.head(o.limit);
    const data::Dataset shown = o.test_limit > 0 && o.test_limit < test.size() ? test.head(o.test_limit) : test;
    app::write_split_pictures(train_all, data::train_val_split(train_all.size(), o.val_fraction, o.seed), shown, 20, dir,
                              dataset + ", seed " + p.str("seed"));
    app::write_prediction_grid(*r.model, v.config, shown, 20, dir, v.name);
    // The circuit with the best epoch's weights, as `hqc circuit --checkpoint checkpoint.hqc --draw` draws it.
    for (const auto& [name, mod] : r.model->named_modules())
      if (const auto* layer = dynamic_cast<const quantum::QuantumLayer*>(mod))
        nn::write_file_atomically(dir / "circuit.txt", app::draw_layer(*layer));
  } catch (const app::Interrupted& e) {
    std::vector<std::string> again{"hqc", "study"};
    again.insert(again.end(), args.begin(), args.end());
    return app::report_interrupted(e, shell_line(again));
  }
  nn::write_file_atomically(summary, j.dump() + "\n");
  if (p.is_set("json")) std::cout << j.dump() << "\n";
  else
    std::printf("%s, seed %s: test accuracy %.2f%%, best epoch %d; wrote %s\n", v.name.c_str(), p.str("seed").c_str(),
                100 * r.test.accuracy, r.best_epoch, summary.string().c_str());
  return 0;
});
}  // namespace
