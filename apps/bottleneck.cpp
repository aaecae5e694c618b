// bottleneck.cpp — what sits between the reducer and the head: the quantum layer or an ablation.
//
// The seam between the apps and the quantum library: with hqc::quantum in the build (HQC_HAVE_QUANTUM)
//   circuit    CircuitLayer over quantum::quantum_layer() — |x|, L2-normalised amplitudes, BasicEntanglerLayers (2 layers
//              of RX, CNOT ring), <Z_i>: the study's layer;
//   rotations  the same circuit without the CNOTs (RotationsLayer below): each wire is rotated on its
//              own, so the layer can no longer entangle — the seed document's check (3);
//   linear     Linear(2^N, N) in its place (needs no quantum library).
#include <numbers>
#include <stdexcept>

#include "apps/models.hpp"
#include "nn/linear.hpp"

#ifdef HQC_HAVE_QUANTUM
#include "quantum/adjoint.hpp"
#include "quantum/layer.hpp"
#include "quantum/measure.hpp"
#include "quantum/simulate.hpp"
#endif

namespace hqc::app {

bool quantum_layer_available() {
#ifdef HQC_HAVE_QUANTUM
  return true;
#else
  return false;
#endif
}

#ifdef HQC_HAVE_QUANTUM
namespace {
constexpr int kLayers = 2;  // the study's BasicEntanglerLayers depth

// Amplitude embedding as the study's layer, then `layers` x RX(w[l][i]) on every wire, no entanglers.
quantum::Circuit rotations_circuit(int qubits, int64_t features) {
  quantum::Circuit c(qubits);
  c.embed_amplitudes({features, true, 0.0, true});
  const int64_t first = c.add_weights(static_cast<int64_t>(kLayers) * qubits);
  for (int l = 0; l < kLayers; ++l)
    for (int i = 0; i < qubits; ++i)
      c.add(quantum::Gate::RX, {i}, quantum::Param::weight(first + static_cast<int64_t>(l) * qubits + i));
  return c;
}

// The study's layer as an nn module (its weights registered as the parameter "weights", so
// checkpoints and summaries see them), calling the quantum library's differentiable quantum_layer().
class CircuitLayer : public nn::Module {
 public:
  CircuitLayer(const quantum::LayerSpec& spec, Generator& gen) : spec_(spec) {
    quantum::layer_circuit(spec, 1);  // validates the spec
    weights_ = register_parameter("weights", rand_uniform(quantum::layer_weight_shape(spec), 0.0, 2 * std::numbers::pi, gen));
  }
  Variable forward(const Variable& x) override { return quantum::quantum_layer(x, weights_, spec_); }
  std::string type_name() const override { return "QuantumLayer"; }
  std::string describe() const override {
    return "QuantumLayer(qubits=" + std::to_string(spec_.qubits) + ", layers=" + std::to_string(spec_.layers) +
           ", BasicEntanglerLayers, rotation=X)";
  }

 private:
  quantum::LayerSpec spec_;
  Variable weights_;
};

class RotationsLayer : public nn::Module {
 public:
  RotationsLayer(int qubits, Generator& gen) : qubits_(qubits) {
    weights_ = register_parameter("weights", rand_uniform({kLayers, qubits}, 0.0, 2 * std::numbers::pi, gen));
  }
  Variable forward(const Variable& x) override {  // x (B, 2^N) -> (B, N)
    auto circuit = std::make_shared<const quantum::Circuit>(rotations_circuit(qubits_, x.size(1)));
    auto bound = std::make_shared<quantum::Bound>(quantum::bind(*circuit, weights_.data(), x.data(), "rotations layer"));
    auto state = std::make_shared<quantum::StateBatch>(quantum::run(*circuit, *bound, 3));
    Tensor out = quantum::expval(*state, quantum::Pauli::Z);
    const DType in_type = x.dtype(), w_type = weights_.dtype();
    const Shape wshape = weights_.sizes();
    if (in_type != DType::f64) out = out.to(in_type);
    return make_result(out, {x, weights_}, "rotations_layer", [circuit, bound, state, in_type, w_type, wshape](const Tensor& g) {
      quantum::Gradients grads = quantum::adjoint_expval_z(*circuit, *bound, *state, g);
      return std::vector<Tensor>{grads.inputs.to(in_type), grads.weights.to(w_type).reshape(wshape)};
    });
  }
  std::string type_name() const override { return "RotationsLayer"; }
  std::string describe() const override {
    return "RotationsLayer(qubits=" + std::to_string(qubits_) + ", layers=2, rotation=X, no entanglers)";
  }

 private:
  int qubits_;
  Variable weights_;
};
}  // namespace
#endif

std::shared_ptr<nn::Module> make_bottleneck(const ModelConfig& c, Generator& gen) {
  const int64_t width = int64_t{1} << c.qubits;
  if (c.quantum == "linear") return std::make_shared<nn::Linear>(width, c.qubits, gen);
#ifdef HQC_HAVE_QUANTUM
  if (c.quantum == "rotations") return std::make_shared<RotationsLayer>(c.qubits, gen);
  quantum::LayerSpec spec;
  spec.qubits = c.qubits;
  spec.layers = kLayers;
  return std::make_shared<CircuitLayer>(spec, gen);
#else
  throw std::runtime_error("the quantum layer is not part of this build (quantum/ library missing); "
                           "--quantum linear runs the hybrid model with Linear(" + std::to_string(width) + "," +
                           std::to_string(c.qubits) + ") in its place");
#endif
}

}  // namespace hqc::app
