// layer.hpp — the study's quantum layer as a differentiable function and as a module.
//
// x (B, K), K <= 2^n  ->  |x|  ->  zero-pad to 2^n  ->  divide by the L2 norm  ->  amplitude
// embedding  ->  BasicEntanglerLayers (rotation X|Y|Z) or StronglyEntanglingLayers  ->  <Z_i> per
// wire, (B, n). This is docs/study.md's "quantum layer" (4 qubits, 2 basic layers of RX in the study).
// Float32 at the boundary (the network's type), double inside; the backward pass is one adjoint
// sweep (quantum/adjoint.hpp) that yields the weight gradient and dL/dx together.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "autograd/variable.hpp"
#include "nn/module.hpp"
#include "quantum/circuit.hpp"
#include "quantum/noise.hpp"
#include "tensor/random.hpp"

namespace hqc::quantum {

// basic: BasicEntanglerLayers; strong: StronglyEntanglingLayers; rotations: BasicEntanglerLayers
// without the CNOTs (the ablation that cannot entangle).
enum class Template : uint8_t { basic, strong, rotations };
Template parse_template(const std::string& s);  // "basic" | "strong" | "rotations"

struct LayerSpec {
  int qubits = 4;
  int layers = 2;
  Template templ = Template::basic;
  Rotation rotation = Rotation::X;  // basic and rotations
};

// (L, n) for basic and rotations, (L, n, 3) for strong.
Shape layer_weight_shape(const LayerSpec& spec);
// The circuit for K input features. Throws std::invalid_argument for K outside [1, 2^n] or a bad spec.
Circuit layer_circuit(const LayerSpec& spec, int64_t features);

// The differentiable layer: input (B, K) float32 or float64, weights of layer_weight_shape(spec).
// Returns (B, n) of the input's type. Gradients reach both input and weights (in their own types).
// A zero or non-finite input row, a wrong shape or a state too large is a std::invalid_argument /
// std::length_error naming the layer and the shapes.
Variable quantum_layer(const Variable& input, const Variable& weights, const LayerSpec& spec);

// Noise and finite shots for the layer (docs/quantum.md, "Noise and shots"). With noise, the layer
// runs on the density-matrix simulator (quantum/density.hpp): exact <Z_i> under the channels and
// exact gradients for inputs and weights. With shots > 0, each <Z_i> is the mean of `shots` +-1
// readings (quantum/shots.hpp, sample b on stream (seed, b)), the weight gradient is the
// parameter-shift rule on shot estimates, and the input gradient is the exact one (no shot noise).
struct Realism {
  NoiseModel noise;
  int64_t shots = 0;   // 0: exact expectations
  uint64_t seed = 0;   // the shots' streams; a caller that wants fresh samples per step changes it
  bool active() const { return !noise.empty() || shots > 0; }
};
// The layer under a Realism; an inactive one is exactly quantum_layer(input, weights, spec).
// Throws std::invalid_argument for shots < 0.
Variable quantum_layer(const Variable& input, const Variable& weights, const LayerSpec& spec, const Realism& realism);

// The layer as an nn module with one parameter, "weights" (float32, layer_weight_shape(spec)),
// initialised uniform on [0, 2 pi) from a seeded generator (PennyLane's TorchLayer default).
// With shots, call k of forward draws its samples from derive_seed(realism.seed, k) (quantum/shots.hpp):
// every batch gets fresh shots, and the same seed gives the same sequence. calls() is that
// position, which a resumed training run restores with set_calls().
class QuantumLayer : public nn::Module {
 public:
  QuantumLayer(const LayerSpec& spec, Generator& gen, Realism realism = {});
  Variable forward(const Variable& input) override;
  std::string type_name() const override { return "QuantumLayer"; }
  std::string describe() const override;  // "QuantumLayer(qubits=4, layers=2, template=basic, rotation=X)"
  const Variable& weights() const { return weights_; }
  const LayerSpec& spec() const { return spec_; }
  const Realism& realism() const { return realism_; }
  // Throws std::invalid_argument for shots < 0; restarts the shot streams at call 0.
  void set_realism(Realism realism);
  uint64_t calls() const { return calls_; }
  void set_calls(uint64_t calls) { calls_ = calls; }

 private:
  LayerSpec spec_;
  Realism realism_;
  Variable weights_;  // shares the registered parameter
  uint64_t calls_ = 0;
};

}  // namespace hqc::quantum
