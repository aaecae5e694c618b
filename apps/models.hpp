// models.hpp — the six networks of the study (docs/study.md) and their ablations.
//
// Hybrid: convolutional features -> reducer (Linear, ReLU, Linear to 2^N, Softmax) -> bottleneck
// (the N-qubit circuit, or an ablation) -> head (Linear(N,128), BatchNorm1d, ReLU, Dropout(0.3),
// Linear(128, classes)). Classical: convolutional features -> Linear, BatchNorm1d, ReLU, Dropout,
// Linear. Every conv is 3x3, padding 1, then BatchNorm2d and ReLU. mnist and fashion-mnist use the
// MNIST models, cifar10 the CIFAR-100 ones with 10 classes, stl10 its own.
//
// Every random number of a model comes from its seed: weights from Generator(seed).fork(kInitStream)
// in construction order, each Dropout from its own stream.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "nn/module.hpp"
#include "quantum/noise.hpp"
#include "tensor/random.hpp"

namespace hqc::app {

// An option of the study out of range, unknown or not fitting the others, naming the flag that sets
// it. The library throws it; the command line reports it as a usage error (exit 2).
struct OptionError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

enum class ModelKind { hybrid, classical };
// The hybrid's bottleneck: the circuit, Linear(2^N, N) in its place, or the circuit without entanglers.
enum class QuantumVariant { circuit, linear, rotations };
// The names flags, JSON, checkpoints and last.hqc spell them with ("hybrid", "rotations"), and back:
// parse_* throw std::invalid_argument listing the choices.
const char* model_name(ModelKind kind);
const char* quantum_name(QuantumVariant variant);
ModelKind parse_model_kind(const std::string& name);
QuantumVariant parse_quantum_variant(const std::string& name);

struct ModelConfig {
  ModelKind model = ModelKind::hybrid;
  std::string dataset = "mnist";  // mnist | fashion-mnist | cifar10 | cifar100 | stl10
  QuantumVariant quantum = QuantumVariant::circuit;  // hybrid only
  int qubits = 4;                   // the reducer outputs 2^qubits features; the head takes qubits
  int64_t classes = 10;
  Shape input{1, 28, 28};           // (C, H, W)
  // The quantum layer on hardware-like terms (docs/quantum.md, "Noise and shots"): channels after
  // every gate, and <Z_i> estimated from `shots` shots (0: exact). Circuit and rotations only.
  quantum::NoiseModel noise;
  int64_t shots = 0;

  bool has_circuit() const { return model == ModelKind::hybrid && quantum != QuantumVariant::linear; }

  // "mnist", "cifar" or "stl": which architecture family the dataset uses.
  std::string family() const;
  // A short display name: "hybrid", "classical", "hybrid, Linear(16,4)", "hybrid, 5 qubits",
  // "hybrid, depolarizing=0.01, 1000 shots".
  std::string display_name() const;
  // "noise" and "shots" are written only when set, so a noiseless model's text is what it always was.
  std::string to_json() const;
  // Parses what to_json() wrote and checks every field (names among the choices, qubits 1..10, and the
  // classes and input shape of that dataset's model, a noise model and shots that parse); throws
  // std::runtime_error naming the field. Without "noise" and "shots" (older checkpoints): noiseless, exact.
  static ModelConfig from_json(const std::string& text);
};

// The configuration for a model on a dataset with the study's shapes; throws OptionError for an
// unknown model, dataset, quantum variant, or a qubit count outside 1..10.
ModelConfig model_config(ModelKind model, const std::string& dataset, QuantumVariant quantum = QuantumVariant::circuit,
                         int qubits = 4);
// The same from the names (flags, --models tokens).
ModelConfig model_config(const std::string& model, const std::string& dataset, const std::string& quantum = "circuit",
                         int qubits = 4);

inline constexpr uint64_t kInitStream = 1, kDropoutStream = 100, kShotStream = 200;

// Sets config.noise and config.shots, which the command line gives as text ("depolarizing=0.01",
// "none"; "1000", "exact"); throws OptionError naming --noise or --shots for a value that does not
// parse, is out of range, or a model without a circuit.
void set_realism(ModelConfig& config, const std::string* noise, const std::string* shots);
// The seed of the quantum layer's shot streams for a run seeded `seed`: a stream of its own
// (kShotStream), so shots move no other random choice.
uint64_t shot_seed(uint64_t seed);
// Puts config.noise and config.shots (shots drawn from shot_seed(seed)) into the model's quantum
// layers, as build_model would: how eval and attack run a checkpoint under other conditions.
void apply_realism(nn::Module& model, const ModelConfig& config, uint64_t seed);

// Builds the network with fresh weights drawn from `seed`.
std::shared_ptr<nn::Module> build_model(const ModelConfig& config, uint64_t seed);

// The bottleneck between reducer and head: (B, 2^qubits) -> (B, qubits). "linear" is Linear(2^N, N);
// "circuit" and "rotations" are the quantum layer (BasicEntanglerLayers with 2 layers of RX, with or
// without the CNOT ring).
// The quantum layer carries config.noise and config.shots (shots drawn from shot_seed(seed)).
std::shared_ptr<nn::Module> make_bottleneck(const ModelConfig& config, Generator& gen, uint64_t seed = 0);

}  // namespace hqc::app
