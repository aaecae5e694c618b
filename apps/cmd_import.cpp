// cmd_import.cpp — `hqc import`: a safetensors file of weights (from PyTorch or `hqc export`) as an hqc
// checkpoint that eval, attack and predict use like any other (apps/weights_names.hpp).
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "apps/cli.hpp"
#include "apps/study_flags.hpp"
#include "apps/training.hpp"
#include "apps/weights_names.hpp"

namespace {
hqc::cli::Command import_cmd("import", "make a checkpoint from safetensors weights (PyTorch state_dict names)",
                             [](const std::vector<std::string>& args) {
  using namespace hqc;
  cli::ArgParser p("import",
                   "Reads a safetensors file under hqc's or the original study's names (F32, F64, F16, BF16 as "
                   "float32; I64 for num_batches_tracked) and writes an hqc checkpoint. The model configuration "
                   "defaults to the file's __metadata__ (as hqc export writes it).");
  p.option("weights", "safetensors file to read").required();
  p.option("model", "hybrid | classical (default: the file's metadata)");
  p.option("dataset", "mnist | fashion-mnist | cifar10 | cifar100 | stl10 (default: the file's metadata)");
  p.option("quantum", "circuit | linear | rotations (default: the file's metadata, else circuit)");
  p.option("qubits", "qubits of the hybrid's circuit (default: the file's metadata, else 4)");
  p.option("out", "checkpoint file to write").required();
  p.flag("overwrite", "replace an existing --out file");
  p.flag("json", "print one JSON document");
  if (!p.parse(args)) return 0;
  if (!p.given("weights")) throw cli::UsageError("--weights: required (the .safetensors file to read)");
  if (!p.given("out")) throw cli::UsageError("--out: required (the checkpoint file to write)");
  const std::string out = p.str("out"), path = p.str("weights");
  if (std::filesystem::is_directory(out)) throw cli::UsageError("--out: " + out + " is a folder, expected a file name");
  if (std::filesystem::exists(std::filesystem::symlink_status(out)) && !p.is_set("overwrite"))
    throw std::runtime_error("--out: " + out + " exists; pass --overwrite to replace it");
  const nn::Safetensors file = nn::read_safetensors(path);
  // A flag wins over the metadata; a configuration that does not fit the tensors is refused below.
  auto pick = [&](const std::string& flag, const std::string& fallback) {
    if (p.given(flag)) return p.str(flag);
    const std::string v = app::metadata_value(file, flag);
    if (!v.empty()) return v;
    if (fallback.empty())
      throw cli::UsageError("--" + flag + ": required (" + path + " has no \"" + flag + "\" in its __metadata__)");
    return fallback;
  };
  const std::string model = pick("model", ""), dataset = pick("dataset", ""), quantum = pick("quantum", "circuit");
  const std::string qubits_text = pick("qubits", "4");
  // A bad value from the file's metadata is the file's fault (exit 1, naming it); a bad flag, the user's (exit 2).
  auto refuse = [&](const std::string& flag, const std::string& what) -> void {
    if (p.given(flag)) throw cli::UsageError("--" + flag + ": " + what);
    throw std::runtime_error(path + ": __metadata__ \"" + flag + "\": " + what);
  };
  int qubits = 0;
  try {
    std::size_t used = 0;
    qubits = std::stoi(qubits_text, &used);
    if (used != qubits_text.size()) throw std::invalid_argument("trailing text");
  } catch (const std::exception&) {
    refuse("qubits", "'" + qubits_text + "' is not an integer");
  }
  if (qubits < 1 || qubits > 10) refuse("qubits", std::to_string(qubits) + " outside 1..10");
  const std::vector<std::string>& datasets = app::dataset_choices();
  if (std::find(datasets.begin(), datasets.end(), dataset) == datasets.end()) refuse("dataset", "unknown dataset '" + dataset + "'");
  try {
    (void)app::parse_model_kind(model);
  } catch (const std::invalid_argument& e) {
    refuse("model", e.what());
  }
  try {
    (void)app::parse_quantum_variant(quantum);
  } catch (const std::invalid_argument& e) {
    refuse("quantum", e.what());
  }
  app::ModelConfig config = app::model_config(model, dataset, quantum, qubits);
  // The circuit's noise and shots, when the file says it was trained on them (hqc export writes them).
  const std::string noise = app::metadata_value(file, "noise"), shots = app::metadata_value(file, "shots");
  try {
    app::set_realism(config, noise.empty() ? nullptr : &noise, shots.empty() ? nullptr : &shots);
  } catch (const app::OptionError& e) {
    const std::string what = e.what();  // "--noise: ...": the file's metadata, not a flag
    throw std::runtime_error(path + ": __metadata__ \"" + what.substr(2, what.find(':') - 2) + "\"" + what.substr(what.find(':')));
  }
  const auto state = app::import_state(file, config, path);
  std::shared_ptr<nn::Module> net = app::build_model(config, 0);
  net->load_state(state);
  app::save_model(out, *net, config);
  const std::string names = app::weight_names_name(app::detect_names(config, [&] {
    std::vector<std::string> n;
    for (const auto& e : file.tensors) n.push_back(e.name);
    return n;
  }(), app::metadata_value(file, "names")));
  if (p.is_set("json")) {
    cli::Json j = cli::Json::object();
    j.set("out", out).set("names", names).set("tensors", static_cast<int64_t>(state.size()));
    j.set("model", app::model_name(config.model)).set("dataset", config.dataset);
    j.set("quantum", app::quantum_name(config.quantum)).set("qubits", config.qubits);
    std::cout << j.dump() << "\n";
  } else {
    std::printf("%s: the %s model for %s from %zu tensors (%s names) of %s\n", out.c_str(), config.display_name().c_str(),
                config.dataset.c_str(), state.size(), names.c_str(), path.c_str());
  }
  return 0;
});
}  // namespace
