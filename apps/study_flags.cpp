// study_flags.cpp — shared flags of train, eval, attack, compare, summary.
#include "apps/study_flags.hpp"

#include <cstdio>
#include <thread>

#include "apps/distributed.hpp"
#include "tensor/parallel.hpp"

namespace hqc::app {

const std::vector<std::string>& dataset_choices() { return data::dataset_names(); }

void add_model_flags(cli::ArgParser& p, bool dataset_required) {
  p.option("model", "hybrid | classical: the study's architecture for the dataset", "hybrid").meta("hybrid|classical");
  p.option("dataset", "mnist | fashion-mnist | cifar10 | cifar100 | stl10").meta("NAME");
  if (dataset_required) p.required();
  p.option("quantum", "circuit | linear (Linear(2^N,N) in its place) | rotations (no entanglers); hybrid only", "circuit");
  p.option("qubits", "qubits of the quantum layer, 1..10; the reducer outputs 2^N features", "4");
}

void add_run_flags(cli::ArgParser& p) {
  p.option("data", "folder holding the dataset's files (default: the first of $HQC_DATA/<dataset>, "
           "./data/<dataset> and, for fashion-mnist, /usr/share/datasets/fashion-mnist that holds them)").meta("DIR");
  p.option("seed", "seed of every random choice", "0");
  p.option("threads", "worker threads, 1.." + std::to_string(kMaxThreads) + " (default: all cores, or $HQC_THREADS)").meta("N");
  p.flag("json", "print one JSON document on stdout");
}

ModelConfig model_config_from(const cli::ArgParser& p) {
  if (!p.given("dataset") && p.str("dataset").empty()) throw cli::UsageError("--dataset: required (mnist, fashion-mnist, cifar10, cifar100, stl10)");
  const std::string dataset = p.choice("dataset", dataset_choices());
  const std::string model = p.choice("model", {"hybrid", "classical"});
  const std::string quantum = p.choice("quantum", {"circuit", "linear", "rotations"});
  const int qubits = static_cast<int>(p.integer("qubits", 1, 10));
  return model_config(model, dataset, quantum, qubits);
}

int apply_threads(const cli::ArgParser& p) {
  if (p.given("threads")) {
    const int n = static_cast<int>(p.integer("threads", 1, kMaxThreads));
    // More threads than cores only adds switching: each pass waits for its slowest, descheduled chunk.
    const unsigned cores = std::thread::hardware_concurrency();
    if (cores > 0 && static_cast<unsigned>(n) > cores)
      std::fprintf(stderr, "hqc: warning: --threads %d is more than the %u cores of this machine; it will run slower than --threads %u\n",
                   n, cores, cores);
    set_num_threads(n);
  }
  return num_threads();
}

uint64_t seed_from(const cli::ArgParser& p) { return static_cast<uint64_t>(p.integer("seed", 0)); }

void add_realism_flags(cli::ArgParser& p) {
  p.option("noise", "noise channels after every gate of the quantum layer, on each wire the gate acts on: "
           "depolarizing, amplitude_damping, phase_damping, bit_flip, phase_flip, each =p in [0, 1], comma-separated "
           "(e.g. depolarizing=0.01,amplitude_damping=0.02; none: noiseless)").meta("LIST");
  p.option("shots", "estimate each <Z_i> of the quantum layer from S shots, 1..1000000000, drawn from --seed "
           "(exact: exact expectations)").meta("S");
}

void realism_from(const cli::ArgParser& p, ModelConfig& config) {
  const std::string noise = p.given("noise") ? p.str("noise") : "", shots = p.given("shots") ? p.str("shots") : "";
  if (p.given("noise") && noise.empty()) throw cli::UsageError("--noise: empty value (none: noiseless)");
  if (p.given("shots") && shots.empty()) throw cli::UsageError("--shots: empty value");
  try {
    set_realism(config, p.given("noise") ? &noise : nullptr, p.given("shots") ? &shots : nullptr);
  } catch (const OptionError& e) {
    throw cli::UsageError(e.what());
  }
  // The density-matrix and shot layers do not yet split a batch over processes (their sums over the
  // batch and the shots' per-sample streams are the one process's only): refused rather than wrong.
  if (dist::size() > 1 && (!config.noise.empty() || config.shots > 0))
    throw cli::UsageError(std::string("--") + (!config.noise.empty() ? "noise" : "shots") +
                          ": not supported under mpirun yet; run the noisy or shot-based layer in one process");
}

void add_recipe_flags(cli::ArgParser& p) {
  p.option("recipe", "train with that model's whole recipe (default: the model's own)").meta("hybrid|classical");
  p.option("optimizer", "the optimiser (default: the recipe's)").meta("sgd|adam|adamw");
  p.option("lr", "learning rate, > 0 (not with onecycle, which starts at max-lr/25)").meta("X");
  p.option("momentum", "SGD's momentum, or Adam's and AdamW's beta1, in [0, 1) (not with onecycle, which cycles it)").meta("X");
  p.option("weight-decay", "weight decay, >= 0 (L2 for sgd and adam, decoupled for adamw)").meta("X");
  p.option("schedule", "none | onecycle | cosine-restarts | step, stepped every batch").meta("NAME");
  p.option("max-lr", "onecycle: the peak learning rate").meta("X");
  p.option("pct-start", "onecycle: the share of the steps spent rising, in (0, 1)").meta("X");
  p.option("t0", "cosine-restarts: batches in the first cycle").meta("N");
  p.option("t-mult", "cosine-restarts: each cycle's length times the previous one's").meta("N");
  p.option("eta-min", "cosine-restarts: the lowest learning rate").meta("X");
  p.option("step-size", "step: batches between two multiplications by --gamma").meta("N");
  p.option("gamma", "step: the factor, in (0, 1]").meta("X");
  p.option("label-smoothing", "label smoothing of the cross-entropy, in [0, 1)").meta("X");
  p.option("clip", "clip the gradients' total 2-norm to X (0: no clipping)").meta("X");
}

const std::vector<std::string>& recipe_flag_names() {
  static const std::vector<std::string> names{"recipe", "optimizer", "lr", "momentum", "weight-decay",
                                              "schedule", "max-lr", "pct-start", "t0", "t-mult",
                                              "eta-min", "step-size", "gamma", "label-smoothing", "clip"};
  return names;
}

RecipeOverrides recipe_overrides_from(const cli::ArgParser& p) {
  RecipeOverrides o;
  if (p.given("recipe")) o.base = parse_model_kind(p.choice("recipe", {"hybrid", "classical"}));
  if (p.given("optimizer")) o.optimizer = parse_optimizer(p.choice("optimizer", {"sgd", "adam", "adamw"}));
  if (p.given("schedule"))
    o.schedule = parse_schedule(p.choice("schedule", {"none", "onecycle", "cosine-restarts", "step"}));
  const auto number = [&](const char* name, std::optional<double>& v) {
    if (p.given(name)) v = p.number(name);
  };
  const auto integer = [&](const char* name, std::optional<int64_t>& v) {
    if (p.given(name)) v = p.integer(name, 1, INT32_MAX);
  };
  number("lr", o.lr);
  number("momentum", o.momentum);
  number("weight-decay", o.weight_decay);
  number("max-lr", o.max_lr);
  number("pct-start", o.pct_start);
  integer("t0", o.t0);
  integer("t-mult", o.t_mult);
  number("eta-min", o.eta_min);
  integer("step-size", o.step_size);
  number("gamma", o.gamma);
  number("label-smoothing", o.label_smoothing);
  number("clip", o.clip_norm);
  return o;
}

void add_val_attack_flags(cli::ArgParser& p) {
  p.option("val-attack-every", "every N epochs, attack the model with PGD in pixel space on validation images: "
           "robustness.csv (0: never; metrics.csv is the same either way)", "0").meta("N");
  p.option("val-attack-limit", "images of the validation split those checks attack, its first (0: all)", "1000").meta("N");
  p.option("val-attack-eps", "the checks' PGD radius, pixel units", "0.1").meta("X");
  p.option("val-attack-alpha", "the checks' PGD step", "0.01").meta("X");
  p.option("val-attack-steps", "the checks' PGD steps", "10").meta("N");
}

void val_attack_from(const cli::ArgParser& p, TrainOptions& o) {
  o.val_attack_every = static_cast<int>(p.integer("val-attack-every", 0, 100000));
  o.val_attack_limit = p.integer("val-attack-limit", 0);
  o.val_attack.eps = p.number("val-attack-eps");
  o.val_attack.alpha = p.number("val-attack-alpha");
  o.val_attack.steps = static_cast<int>(p.integer("val-attack-steps", 1, 100000));
}

TrainOptions train_options_from(const cli::ArgParser& p) {
  TrainOptions o;
  o.epochs = static_cast<int>(p.integer("epochs", 1, 100000));
  o.batch = p.integer("batch", 1, 1 << 20);
  o.val_fraction = p.number("val-fraction");
  o.limit = p.integer("limit", 0);
  o.test_limit = p.integer("test-limit", 0);
  o.augment = p.choice("augment", {"on", "off"}) == "on";
  o.recipe = recipe_overrides_from(p);
  o.seed = seed_from(p);
  o.data_dir = p.str("data");
  return o;
}

}  // namespace hqc::app
