// weights_names.hpp — a model's tensors in and out of safetensors files (`hqc export`, `hqc import`),
// under hqc's names or under those of the original study's PyTorch code.
//
// hqc's module tree and the original's differ only in the names of the top-level parts; the
// nn.Sequential indices inside them are the same, because hqc builds each part layer for layer as the
// original does (conv, BatchNorm2d, ReLU[, MaxPool2d] per block, then the pooling; docs/study.md):
//
//   model      hqc part     original part      e.g. (hqc -> original)
//   hybrid     features     classical_net      features.1.running_mean -> classical_net.1.running_mean
//   hybrid     reducer      feature_reducer    reducer.2.weight        -> feature_reducer.2.weight
//   hybrid     quantum      qlayer             quantum.weights         -> qlayer.weights (Linear: .weight, .bias)
//   hybrid     head         head               head.1.running_var      -> head.1.running_var
//   classical  features     conv_net           features.4.weight       -> conv_net.4.weight
//   classical  classifier   head               classifier.0.weight     -> head.0.weight
//
// Either naming holds every parameter and buffer of the model, BatchNorm's num_batches_tracked
// included (int64, the count hqc keeps as PyTorch does), as a PyTorch state_dict does.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "apps/models.hpp"
#include "nn/module.hpp"
#include "nn/safetensors.hpp"

namespace hqc::app {

enum class WeightNames { hqc, original };
const char* weight_names_name(WeightNames names);
// "hqc" or "original"; throws std::invalid_argument listing the choices.
WeightNames parse_weight_names(const std::string& name);

// An hqc state name ("features.0.weight") as the file names it under `names`.
std::string file_name_of(const ModelConfig& config, const std::string& hqc_name, WeightNames names);
// A file's tensor name under `names` as hqc names it; empty when no hqc part has that name.
std::string hqc_name_of(const ModelConfig& config, const std::string& file_name, WeightNames names);
// Which naming a file's tensors use: the one under which more of the names belong to the model's
// parts; on a tie (e.g. none does) `hint` (the file's "names" metadata) decides, else original.
WeightNames detect_names(const ModelConfig& config, const std::vector<std::string>& file_names,
                         const std::string& hint = "");

// __metadata__ of an exported file: format "pt" (what PyTorch's own writers put), the model
// configuration ("model", "dataset", "quantum", "qubits") and the naming ("names").
std::vector<std::pair<std::string, std::string>> export_metadata(const ModelConfig& config, WeightNames names);
// Writes the model's state (float32 and int64 tensors) to `path` through nn::write_safetensors.
void export_weights(const std::string& path, const nn::Module& model, const ModelConfig& config, WeightNames names);

// The file's tensors as the state of `config`'s model (hqc names, in the model's order), converted
// to float32 (num_batches_tracked stays int64). Checks every tensor before returning and throws one
// std::runtime_error naming `path` and listing every problem: a missing tensor (with the expected
// shape), an unexpected one (with its shape), a shape that differs (expected and found), a dtype
// that does not belong (I64 anywhere but num_batches_tracked, a float there), a non-finite value.
std::vector<std::pair<std::string, Tensor>> import_state(const nn::Safetensors& file, const ModelConfig& config,
                                                         const std::string& path);

// The metadata value for `key`, or empty.
std::string metadata_value(const nn::Safetensors& file, const std::string& key);

}  // namespace hqc::app
