// cmd_export.cpp — `hqc export`: a checkpoint's weights as a safetensors file for PyTorch
// (names and layout: apps/weights_names.hpp, docs/formats.md).
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "apps/cli.hpp"
#include "apps/training.hpp"
#include "apps/weights_names.hpp"

namespace {
hqc::cli::Command export_cmd("export", "write a checkpoint's weights as safetensors (PyTorch state_dict names)",
                             [](const std::vector<std::string>& args) {
  using namespace hqc;
  cli::ArgParser p("export",
                   "Writes a checkpoint's parameters and buffers as a safetensors file (float32; BatchNorm's "
                   "num_batches_tracked as int64) under PyTorch state_dict names: hqc's own (features.0.weight) or the "
                   "original study's code (classical_net.0.weight). The model configuration goes into __metadata__.");
  p.option("checkpoint", "checkpoint file (from hqc train or hqc import)").required();
  p.option("out", "safetensors file to write").required();
  p.option("names", "hqc | original", "hqc");
  p.flag("overwrite", "replace an existing --out file");
  p.flag("json", "print one JSON document");
  if (!p.parse(args)) return 0;
  if (!p.given("checkpoint")) throw cli::UsageError("--checkpoint: required");
  if (!p.given("out")) throw cli::UsageError("--out: required (the .safetensors file to write)");
  const app::WeightNames names = app::parse_weight_names(p.choice("names", {"hqc", "original"}));
  const std::string out = p.str("out");
  if (std::filesystem::is_directory(out)) throw cli::UsageError("--out: " + out + " is a folder, expected a file name");
  if (std::filesystem::exists(std::filesystem::symlink_status(out)) && !p.is_set("overwrite"))
    throw std::runtime_error("--out: " + out + " exists; pass --overwrite to replace it");
  // load_model checks the checkpoint (configuration, shapes, finite values) before anything is written.
  app::LoadedModel m = app::load_model(p.str("checkpoint"));
  app::export_weights(out, *m.model, m.config, names);
  const std::size_t count = m.model->state().size();
  if (p.is_set("json")) {
    cli::Json j = cli::Json::object();
    j.set("out", out).set("names", app::weight_names_name(names)).set("tensors", static_cast<int64_t>(count));
    j.set("model", app::model_name(m.config.model)).set("dataset", m.config.dataset);
    std::cout << j.dump() << "\n";
  } else {
    std::printf("%s: %zu tensors of the %s model for %s, %s names\n", out.c_str(), count,
                m.config.display_name().c_str(), m.config.dataset.c_str(), app::weight_names_name(names));
  }
  return 0;
});
}  // namespace
