// models.cpp — the study's hybrid and classical networks, built from hqc::nn layers.
#include "apps/models.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <sstream>
#include <stdexcept>

#include "apps/cli.hpp"
#include "datasets/dataset.hpp"
#include "nn/activation.hpp"
#include "nn/batchnorm.hpp"
#include "nn/conv2d.hpp"
#include "nn/json.hpp"
#include "nn/linear.hpp"
#include "nn/pooling.hpp"

namespace hqc::app {

const char* model_name(ModelKind kind) { return kind == ModelKind::hybrid ? "hybrid" : "classical"; }

const char* quantum_name(QuantumVariant variant) {
  switch (variant) {
    case QuantumVariant::circuit: return "circuit";
    case QuantumVariant::linear: return "linear";
    case QuantumVariant::rotations: return "rotations";
  }
  return "?";
}

ModelKind parse_model_kind(const std::string& name) {
  for (ModelKind k : {ModelKind::hybrid, ModelKind::classical})
    if (name == model_name(k)) return k;
  throw std::invalid_argument("unknown model '" + name + "' (hybrid, classical)");
}

QuantumVariant parse_quantum_variant(const std::string& name) {
  for (QuantumVariant v : {QuantumVariant::circuit, QuantumVariant::linear, QuantumVariant::rotations})
    if (name == quantum_name(v)) return v;
  throw std::invalid_argument("unknown variant '" + name + "' (circuit, linear, rotations)");
}

std::string ModelConfig::family() const {
  if (dataset == "mnist" || dataset == "fashion-mnist") return "mnist";
  if (dataset == "cifar10" || dataset == "cifar100") return "cifar";
  if (dataset == "stl10") return "stl";
  throw OptionError("--dataset: unknown dataset '" + dataset + "' (mnist, fashion-mnist, cifar10, cifar100, stl10)");
}

std::string ModelConfig::display_name() const {
  if (model != ModelKind::hybrid) return model_name(model);
  std::string n = "hybrid";
  const int features = 1 << qubits;
  if (quantum == QuantumVariant::linear) n += ", Linear(" + std::to_string(features) + "," + std::to_string(qubits) + ")";
  if (quantum == QuantumVariant::rotations) n += ", rotations only";
  if (qubits != 4) n += ", " + std::to_string(qubits) + " qubits";
  if (!noise.empty()) n += ", " + noise.to_string();
  if (shots > 0) n += ", " + std::to_string(shots) + " shots";
  return n;
}

std::string ModelConfig::to_json() const {
  cli::Json j = cli::Json::object();
  j.set("model", model_name(model)).set("dataset", dataset).set("quantum", quantum_name(quantum)).set("qubits", qubits).set("classes", classes);
  j.set("input", cli::Json::array_of(input.vec()));
  if (!noise.empty()) j.set("noise", noise.to_string());
  if (shots > 0) j.set("shots", shots);
  return j.dump(-1);
}

namespace {
// A configuration's text as JSON; when it is not, the error names the member whose value breaks it.
nn::JsonValue config_json(const std::string& text) {
  nn::JsonValue j;
  try {
    j = nn::parse_json(text);
  } catch (const nn::JsonError& e) {
    // The last member name before the fault: `"name":` closest to its left.
    std::string where;
    const std::size_t colon = text.rfind(':', std::min(e.offset, text.size()));
    if (colon != std::string::npos && colon > 0) {
      const std::size_t close = text.find_last_not_of(' ', colon - 1);
      if (close != std::string::npos && text[close] == '"' && close > 0) {
        const std::size_t open = text.rfind('"', close - 1);
        if (open != std::string::npos) where = " in the value of " + text.substr(open, close - open + 1);
      }
    }
    throw std::runtime_error("model configuration is not JSON" + where + ": " + e.what());
  }
  if (j.kind != nn::JsonValue::Kind::object)
    throw std::runtime_error(std::string("model configuration is ") + nn::json_kind_name(j.kind) + ", expected an object");
  return j;
}
const nn::JsonValue& member(const nn::JsonValue& j, const std::string& key) {
  const nn::JsonValue* v = j.find(key);
  if (!v) throw std::runtime_error("model configuration has no \"" + key + "\"");
  return *v;
}
std::string text_of(const nn::JsonValue& j, const std::string& key) {
  const nn::JsonValue& v = member(j, key);
  if (v.kind != nn::JsonValue::Kind::string)
    throw std::runtime_error("model configuration: \"" + key + "\" is " + nn::json_kind_name(v.kind) + ", expected a string");
  return v.string;
}
// An integer written as one (no point, no exponent) that fits in 64 bits.
int64_t to_int(const nn::JsonValue& v, const std::string& key) {
  int64_t x = 0;
  const std::string& t = v.number_text;
  const bool plain = v.kind == nn::JsonValue::Kind::number && t.find_first_of(".eE") == std::string::npos;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), x);
  if (!plain || ec != std::errc() || end != t.data() + t.size())
    throw std::runtime_error("model configuration: \"" + key + "\" is not an integer: " +
                             (v.kind == nn::JsonValue::Kind::number ? "'" + t + "'" : std::string(nn::json_kind_name(v.kind))));
  return x;
}
std::string one_of(const std::string& value, const std::string& key, const std::vector<std::string>& choices) {
  std::string list;
  for (const auto& c : choices) {
    if (value == c) return value;
    list += (list.empty() ? "" : ", ") + c;
  }
  throw std::runtime_error("model configuration: \"" + key + "\" is '" + value + "', expected one of " + list);
}
}  // namespace

ModelConfig ModelConfig::from_json(const std::string& text) {
  // Every field is checked against the model the dataset implies before anything is built from it:
  // a crafted "classes" or "input" must not become a multi-gigabyte layer.
  const nn::JsonValue j = config_json(text);
  ModelConfig c;
  c.model = parse_model_kind(one_of(text_of(j, "model"), "model", {"hybrid", "classical"}));
  c.dataset = one_of(text_of(j, "dataset"), "dataset", data::dataset_names());
  c.quantum = parse_quantum_variant(one_of(text_of(j, "quantum"), "quantum", {"circuit", "linear", "rotations"}));
  const int64_t qubits = to_int(member(j, "qubits"), "qubits");
  if (qubits < 1 || qubits > 10)
    throw std::runtime_error("model configuration: \"qubits\" is " + std::to_string(qubits) + ", expected 1..10");
  c.qubits = static_cast<int>(qubits);
  const ModelConfig expected = model_config(c.model, c.dataset, c.quantum, c.qubits);
  c.classes = to_int(member(j, "classes"), "classes");
  if (c.classes != expected.classes)
    throw std::runtime_error("model configuration: \"classes\" is " + std::to_string(c.classes) + ", but the " +
                             c.dataset + " models have " + std::to_string(expected.classes));
  c.input.clear();
  const nn::JsonValue& input = member(j, "input");
  if (input.kind != nn::JsonValue::Kind::array)
    throw std::runtime_error(std::string("model configuration: \"input\" is ") + nn::json_kind_name(input.kind) +
                             ", expected an array (C, H, W)");
  std::string written;
  for (const nn::JsonValue& d : input.array) {
    c.input.push_back(to_int(d, "input"));
    written += (written.empty() ? "" : ", ") + d.number_text;
  }
  if (c.input != expected.input)
    throw std::runtime_error("model configuration: \"input\" is [" + written + "], but the " + c.dataset +
                             " models take " + shape_str(expected.input) + " (C, H, W)");
  // Optional: checkpoints written before noise and shots existed are noiseless and exact.
  const bool has_noise = j.find("noise") != nullptr, has_shots = j.find("shots") != nullptr;
  if ((has_noise || has_shots) && !c.has_circuit())
    throw std::runtime_error("model configuration: \"noise\" and \"shots\" need a quantum circuit; the " + c.display_name() +
                             " model has none");
  if (has_noise) {
    try {
      c.noise = quantum::parse_noise_model(text_of(j, "noise"));
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(std::string("model configuration: \"noise\": ") + e.what());
    }
  }
  if (has_shots) {
    c.shots = to_int(member(j, "shots"), "shots");
    if (c.shots < 1 || c.shots > 1000000000)
      throw std::runtime_error("model configuration: \"shots\" is " + std::to_string(c.shots) + ", expected 1..1000000000");
  }
  return c;
}

ModelConfig model_config(const std::string& model, const std::string& dataset, const std::string& quantum, int qubits) {
  ModelKind kind;
  QuantumVariant variant;
  try {
    kind = parse_model_kind(model);
  } catch (const std::invalid_argument& e) {
    throw OptionError(std::string("--model: ") + e.what());
  }
  try {
    variant = parse_quantum_variant(quantum);
  } catch (const std::invalid_argument& e) {
    throw OptionError(std::string("--quantum: ") + e.what());
  }
  return model_config(kind, dataset, variant, qubits);
}

ModelConfig model_config(ModelKind model, const std::string& dataset, QuantumVariant quantum, int qubits) {
  if (qubits < 1 || qubits > 10) throw OptionError("--qubits: " + std::to_string(qubits) + " outside 1..10");
  ModelConfig c;
  c.model = model;
  c.dataset = dataset;
  c.quantum = quantum;
  c.qubits = qubits;
  const std::string fam = c.family();
  if (fam == "mnist") c.classes = 10, c.input = {1, 28, 28};
  if (fam == "cifar") c.classes = dataset == "cifar100" ? 100 : 10, c.input = {3, 32, 32};
  if (fam == "stl") c.classes = 10, c.input = {3, 96, 96};
  return c;
}

namespace {
using nn::Module;
using ModulePtr = std::shared_ptr<Module>;

// conv 3x3 (padding 1) -> BatchNorm2d -> ReLU, and optionally MaxPool2d(2). The caller fuses
// BatchNorm2d + ReLU (+ MaxPool2d) once the Sequential is complete (fuse_batchnorm_relu).
void conv_block(nn::Sequential& s, int64_t in, int64_t out, bool pool, Generator& gen) {
  s.add(std::make_shared<nn::Conv2d>(in, out, 3, gen, 1, 1));
  s.add(std::make_shared<nn::BatchNorm2d>(out));
  s.add(std::make_shared<nn::ReLU>());
  if (pool) s.add(std::make_shared<nn::MaxPool2d>(2));
}

// The model as torch's nn.Module with named parts, so checkpoints and summaries read
// "features.0.weight", "reducer.1.weight", "quantum.weights", "head.0.weight".
class Network : public Module {
 public:
  Network(std::string type, std::vector<std::pair<std::string, ModulePtr>> parts) : type_(std::move(type)) {
    for (auto& [name, m] : parts) order_.push_back(register_module(name, m));
  }
  Variable forward(const Variable& x) override {
    Variable y = x;
    for (auto& m : order_) y = (*m)(y);
    return y;
  }
  std::string type_name() const override { return type_; }

 private:
  std::string type_;
  std::vector<ModulePtr> order_;
};
}  // namespace

std::shared_ptr<nn::Module> build_model(const ModelConfig& c, uint64_t seed) {
  Generator gen = Generator(seed).fork(kInitStream);
  uint64_t dropout_streams = 0;
  auto dropout = [&](double p) { return std::make_shared<nn::Dropout>(p, seed, kDropoutStream + dropout_streams++); };
  const std::string fam = c.family();
  auto features = std::make_shared<nn::Sequential>();
  if (c.model == ModelKind::hybrid) {
    int64_t flat = 0, hidden = 0;
    if (fam == "mnist") {
      conv_block(*features, c.input[0], 16, true, gen);
      conv_block(*features, 16, 32, true, gen);
      flat = 32 * 16, hidden = 256;
    } else if (fam == "cifar") {
      conv_block(*features, c.input[0], 32, true, gen);
      conv_block(*features, 32, 64, true, gen);
      conv_block(*features, 64, 128, false, gen);
      flat = 128 * 16, hidden = 512;
    } else {
      conv_block(*features, c.input[0], 32, true, gen);
      conv_block(*features, 32, 64, true, gen);
      conv_block(*features, 64, 128, true, gen);
      conv_block(*features, 128, 256, false, gen);
      flat = 256 * 16, hidden = 1024;
    }
    features->add(std::make_shared<nn::AdaptiveAvgPool2d>(4, 4));
    features->add(std::make_shared<nn::Flatten>());
    features->fuse_batchnorm_relu();  // each block's BatchNorm2d + ReLU (+ MaxPool2d) as one op
    const int64_t width = int64_t{1} << c.qubits;
    auto reducer = nn::sequential({std::make_shared<nn::Linear>(flat, hidden, gen), std::make_shared<nn::ReLU>(),
                                   std::make_shared<nn::Linear>(hidden, width, gen), std::make_shared<nn::Softmax>(1)});
    auto bottleneck = make_bottleneck(c, gen, seed);
    // BatchNorm1d + ReLU as one op.
    auto head = nn::fused_sequential({std::make_shared<nn::Linear>(c.qubits, 128, gen), std::make_shared<nn::BatchNorm1d>(128),
                                      std::make_shared<nn::ReLU>(), dropout(0.3),
                                      std::make_shared<nn::Linear>(128, c.classes, gen)});
    return std::make_shared<Network>(
        "HybridNet", std::vector<std::pair<std::string, ModulePtr>>{
                         {"features", features}, {"reducer", reducer}, {"quantum", bottleneck}, {"head", head}});
  }
  int64_t flat = 0, hidden = 0;
  double p = 0.3;
  if (fam == "mnist") {
    conv_block(*features, c.input[0], 32, true, gen);
    conv_block(*features, 32, 64, true, gen);
    features->add(std::make_shared<nn::AdaptiveAvgPool2d>(4, 4));
    flat = 64 * 16, hidden = 128;
  } else {
    conv_block(*features, c.input[0], 64, true, gen);
    conv_block(*features, 64, 128, true, gen);
    conv_block(*features, 128, 256, true, gen);
    conv_block(*features, 256, 512, false, gen);
    features->add(std::make_shared<nn::AdaptiveAvgPool2d>(1, 1));
    flat = 512, hidden = 256;
    if (fam == "stl") p = 0.4;
  }
  features->add(std::make_shared<nn::Flatten>());
  features->fuse_batchnorm_relu();  // each block's BatchNorm2d + ReLU (+ MaxPool2d) as one op
  // BatchNorm1d + ReLU as one op.
  auto classifier = nn::fused_sequential({std::make_shared<nn::Linear>(flat, hidden, gen),
                                          std::make_shared<nn::BatchNorm1d>(hidden), std::make_shared<nn::ReLU>(),
                                          dropout(p), std::make_shared<nn::Linear>(hidden, c.classes, gen)});
  return std::make_shared<Network>("ClassicalNet", std::vector<std::pair<std::string, ModulePtr>>{
                                                       {"features", features}, {"classifier", classifier}});
}

}  // namespace hqc::app
