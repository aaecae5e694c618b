// models.cpp — the study's hybrid and classical networks, built from hqc::nn layers.
#include "apps/models.hpp"

#include <map>
#include <sstream>
#include <stdexcept>

#include "apps/cli.hpp"
#include "nn/activation.hpp"
#include "nn/batchnorm.hpp"
#include "nn/conv2d.hpp"
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
  j.set("input", cli::Json::array_of(input));
  if (!noise.empty()) j.set("noise", noise.to_string());
  if (shots > 0) j.set("shots", shots);
  return j.dump(-1);
}

namespace {
// The value text of "key": in a flat JSON object written by Json::dump (strings without escapes,
// numbers, and one array of integers).
std::string json_field(const std::string& text, const std::string& key) {
  const std::string k = "\"" + key + "\"";
  std::size_t p = text.find(k);
  if (p == std::string::npos) throw std::runtime_error("model configuration has no \"" + key + "\"");
  p = text.find(':', p + k.size());
  if (p == std::string::npos) throw std::runtime_error("model configuration: malformed \"" + key + "\"");
  ++p;
  while (p < text.size() && text[p] == ' ') ++p;
  if (p < text.size() && text[p] == '"') {
    const std::size_t e = text.find('"', p + 1);
    if (e == std::string::npos) throw std::runtime_error("model configuration: unterminated \"" + key + "\"");
    return text.substr(p + 1, e - p - 1);
  }
  if (p < text.size() && text[p] == '[') {
    const std::size_t e = text.find(']', p);
    if (e == std::string::npos) throw std::runtime_error("model configuration: unterminated \"" + key + "\"");
    return text.substr(p + 1, e - p - 1);
  }
  std::size_t e = p;
  while (e < text.size() && text[e] != ',' && text[e] != '}') ++e;
  return text.substr(p, e - p);
}
int64_t to_int(const std::string& s, const std::string& key) {
  // The whole text must be the integer: stoll would read "1e11" as 1 and "10abc" as 10.
  std::size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  std::size_t end = used;
  while (end < s.size() && s[end] == ' ') ++end;
  if (used == 0 || end != s.size())
    throw std::runtime_error("model configuration: \"" + key + "\" is not an integer: '" + s + "'");
  return v;
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
  ModelConfig c;
  c.model = parse_model_kind(one_of(json_field(text, "model"), "model", {"hybrid", "classical"}));
  c.dataset = one_of(json_field(text, "dataset"), "dataset", {"mnist", "fashion-mnist", "cifar10", "cifar100", "stl10"});
  c.quantum = parse_quantum_variant(one_of(json_field(text, "quantum"), "quantum", {"circuit", "linear", "rotations"}));
  const int64_t qubits = to_int(json_field(text, "qubits"), "qubits");
  if (qubits < 1 || qubits > 10)
    throw std::runtime_error("model configuration: \"qubits\" is " + std::to_string(qubits) + ", expected 1..10");
  c.qubits = static_cast<int>(qubits);
  const ModelConfig expected = model_config(c.model, c.dataset, c.quantum, c.qubits);
  c.classes = to_int(json_field(text, "classes"), "classes");
  if (c.classes != expected.classes)
    throw std::runtime_error("model configuration: \"classes\" is " + std::to_string(c.classes) + ", but the " +
                             c.dataset + " models have " + std::to_string(expected.classes));
  c.input.clear();
  std::stringstream dims(json_field(text, "input"));
  std::string d;
  while (c.input.size() < 4 && std::getline(dims, d, ',')) c.input.push_back(to_int(d, "input"));
  if (c.input != expected.input)
    throw std::runtime_error("model configuration: \"input\" is [" + json_field(text, "input") + "], but the " +
                             c.dataset + " models take " + shape_str(expected.input) + " (C, H, W)");
  // Optional: checkpoints written before noise and shots existed are noiseless and exact.
  const bool has_noise = text.find("\"noise\"") != std::string::npos, has_shots = text.find("\"shots\"") != std::string::npos;
  if ((has_noise || has_shots) && !c.has_circuit())
    throw std::runtime_error("model configuration: \"noise\" and \"shots\" need a quantum circuit; the " + c.display_name() +
                             " model has none");
  if (has_noise) {
    try {
      c.noise = quantum::parse_noise_model(json_field(text, "noise"));
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(std::string("model configuration: \"noise\": ") + e.what());
    }
  }
  if (has_shots) {
    c.shots = to_int(json_field(text, "shots"), "shots");
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
