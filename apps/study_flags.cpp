// study_flags.cpp — shared flags of train, eval, attack, compare, summary.
#include "apps/study_flags.hpp"

#include <cstdio>
#include <thread>

#include "tensor/parallel.hpp"

namespace hqc::app {

const std::vector<std::string>& dataset_choices() {
  static const std::vector<std::string> d{"mnist", "fashion-mnist", "cifar10", "cifar100", "stl10"};
  return d;
}

void add_model_flags(cli::ArgParser& p, bool dataset_required) {
  p.option("model", "hybrid | classical", "hybrid");
  p.option("dataset", "mnist | fashion-mnist | cifar10 | cifar100 | stl10", dataset_required ? "" : "");
  p.option("quantum", "circuit | linear (Linear(2^N,N) in its place) | rotations (no entanglers)", "circuit");
  p.option("qubits", "qubits of the quantum layer; the reducer outputs 2^N features", "4");
}

void add_run_flags(cli::ArgParser& p) {
  p.option("data", "folder holding the dataset's files (default: $HQC_DATA/<dataset>, ./data/<dataset>)");
  p.option("seed", "seed of every random choice", "0");
  p.option("threads", "worker threads (default: all cores)");
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

TrainOptions train_options_from(const cli::ArgParser& p) {
  TrainOptions o;
  o.epochs = static_cast<int>(p.integer("epochs", 1, 100000));
  o.batch = p.integer("batch", 1, 1 << 20);
  o.val_fraction = p.number("val-fraction");
  o.limit = p.integer("limit", 0);
  o.test_limit = p.integer("test-limit", 0);
  o.augment = p.choice("augment", {"on", "off"}) == "on";
  o.seed = seed_from(p);
  o.data_dir = p.str("data");
  return o;
}

}  // namespace hqc::app
