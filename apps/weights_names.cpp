// weights_names.cpp — the two namings of a model's tensors and the checks of an imported file
// (weights_names.hpp).
#include "apps/weights_names.hpp"

#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

namespace hqc::app {

namespace {

struct PartName {
  const char* hqc;
  const char* original;
};
constexpr PartName kHybridParts[] = {
    {"features", "classical_net"}, {"reducer", "feature_reducer"}, {"quantum", "qlayer"}, {"head", "head"}};
constexpr PartName kClassicalParts[] = {{"features", "conv_net"}, {"classifier", "head"}};

std::vector<PartName> parts(const ModelConfig& c) {
  if (c.model == ModelKind::hybrid) return {std::begin(kHybridParts), std::end(kHybridParts)};
  return {std::begin(kClassicalParts), std::end(kClassicalParts)};
}

// Replaces the first dotted component of `name` found among `from` by its partner; empty if none.
std::string rename(const ModelConfig& c, const std::string& name, bool to_original) {
  const std::size_t dot = name.find('.');
  const std::string head = name.substr(0, dot);
  const std::string rest = dot == std::string::npos ? "" : name.substr(dot);
  for (const PartName& p : parts(c))
    if (head == (to_original ? p.hqc : p.original)) return (to_original ? p.original : p.hqc) + rest;
  return "";
}

bool is_count(const std::string& hqc_name) {
  const std::string suffix = ".num_batches_tracked";
  return hqc_name.size() > suffix.size() && hqc_name.compare(hqc_name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string describe(const Shape& shape, const std::string& dtype) { return shape_str(shape) + " " + dtype; }

}  // namespace

const char* weight_names_name(WeightNames names) { return names == WeightNames::hqc ? "hqc" : "original"; }

WeightNames parse_weight_names(const std::string& name) {
  if (name == "hqc") return WeightNames::hqc;
  if (name == "original") return WeightNames::original;
  throw std::invalid_argument("unknown naming '" + name + "' (hqc, original)");
}

std::string file_name_of(const ModelConfig& c, const std::string& hqc_name, WeightNames names) {
  if (names == WeightNames::hqc) return hqc_name;
  const std::string n = rename(c, hqc_name, true);
  if (n.empty()) throw std::logic_error("weights_names: no original name for '" + hqc_name + "'");
  return n;
}

std::string hqc_name_of(const ModelConfig& c, const std::string& file_name, WeightNames names) {
  if (names == WeightNames::original) return rename(c, file_name, false);
  return rename(c, rename(c, file_name, true), false);  // empty unless the first part is hqc's
}

WeightNames detect_names(const ModelConfig& c, const std::vector<std::string>& file_names, const std::string& hint) {
  int64_t original = 0, own = 0;
  for (const std::string& n : file_names) {
    original += !hqc_name_of(c, n, WeightNames::original).empty();
    own += !hqc_name_of(c, n, WeightNames::hqc).empty();
  }
  if (original != own) return original > own ? WeightNames::original : WeightNames::hqc;
  return hint == "hqc" ? WeightNames::hqc : WeightNames::original;
}

std::vector<std::pair<std::string, std::string>> export_metadata(const ModelConfig& c, WeightNames names) {
  std::vector<std::pair<std::string, std::string>> m{{"format", "pt"},
                                                     {"model", model_name(c.model)},
                                                     {"dataset", c.dataset},
                                                     {"quantum", quantum_name(c.quantum)},
                                                     {"qubits", std::to_string(c.qubits)},
                                                     {"names", weight_names_name(names)}};
  // The circuit's terms when it was trained on them (an ideal model's metadata is what it always was).
  if (!c.noise.empty()) m.emplace_back("noise", c.noise.to_string());
  if (c.shots > 0) m.emplace_back("shots", std::to_string(c.shots));
  return m;
}

void export_weights(const std::string& path, const nn::Module& model, const ModelConfig& c, WeightNames names) {
  std::vector<std::pair<std::string, Tensor>> out;
  for (const auto& [name, t] : model.state()) out.emplace_back(file_name_of(c, name, names), t);
  nn::write_safetensors(path, out, export_metadata(c, names));
}

std::string metadata_value(const nn::Safetensors& file, const std::string& key) {
  for (const auto& [k, v] : file.metadata)
    if (k == key) return v;
  return "";
}

std::vector<std::pair<std::string, Tensor>> import_state(const nn::Safetensors& file, const ModelConfig& c,
                                                         const std::string& path) {
  std::vector<std::string> file_names;
  for (const auto& e : file.tensors) file_names.push_back(e.name);
  const WeightNames names = detect_names(c, file_names, metadata_value(file, "names"));
  std::map<std::string, const nn::SafetensorsEntry*> by_hqc_name;  // names are unique in a parsed file
  std::vector<std::string> problems;
  for (const auto& e : file.tensors) {
    const std::string h = hqc_name_of(c, e.name, names);
    if (!h.empty()) by_hqc_name[h] = &e;
  }
  const std::shared_ptr<nn::Module> model = build_model(c, 0);
  std::vector<std::pair<std::string, Tensor>> out;
  std::set<std::string> expected;
  for (const auto& [h, mine] : model->state()) {
    expected.insert(h);
    const std::string fname = file_name_of(c, h, names);
    const std::string want_dtype = is_count(h) ? "I64" : "F32";
    auto it = by_hqc_name.find(h);
    if (it == by_hqc_name.end()) {
      problems.push_back("missing tensor '" + fname + "' (expected " + describe(mine.sizes(), want_dtype) + ")");
      continue;
    }
    const nn::SafetensorsEntry& e = *it->second;
    if (e.tensor.sizes() != mine.sizes()) {
      problems.push_back("tensor '" + fname + "' has shape " + shape_str(e.tensor.sizes()) + ", expected " +
                         shape_str(mine.sizes()));
      continue;
    }
    if (is_count(h) != (e.dtype == "I64")) {
      problems.push_back("tensor '" + fname + "' is " + e.dtype + ", expected " +
                         (is_count(h) ? std::string("I64 (a count)") : std::string("F32, F64, F16 or BF16")));
      continue;
    }
    if (e.tensor.dtype() == DType::f32) {
      const float* p = e.tensor.data<float>();
      for (int64_t i = 0; i < e.tensor.numel(); ++i)
        if (!std::isfinite(p[i])) {
          problems.push_back("tensor '" + fname + "' holds " + std::to_string(p[i]) + " at element " + std::to_string(i) +
                             (e.dtype == "F64" ? " (after rounding F64 to float32)" : ""));
          break;
        }
    } else if (e.tensor.data<int64_t>()[0] < 0) {
      problems.push_back("tensor '" + fname + "' is " + std::to_string(e.tensor.data<int64_t>()[0]) +
                         ", expected a count (>= 0)");
    }
    out.emplace_back(h, e.tensor);
  }
  for (const auto& e : file.tensors) {
    const std::string h = hqc_name_of(c, e.name, names);
    if (h.empty() || !expected.count(h))
      problems.push_back("unexpected tensor '" + e.name + "' (" + describe(e.tensor.sizes(), e.dtype) + ")");
  }
  if (!problems.empty()) {
    std::string msg = path + ": does not fit the " + c.display_name() + " model for " + c.dataset + " (" +
                      weight_names_name(names) + " names; " + std::to_string(problems.size()) + " problem" +
                      (problems.size() == 1 ? "" : "s") + "): ";
    for (std::size_t i = 0; i < problems.size(); ++i) msg += (i ? "; " : "") + problems[i];
    throw std::runtime_error(msg);
  }
  return out;
}

}  // namespace hqc::app
