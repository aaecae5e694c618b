// bottleneck.cpp — what sits between the reducer and the head: the quantum layer or an ablation.
//
//   circuit    quantum::QuantumLayer — |x|, L2-normalised amplitudes, BasicEntanglerLayers (2 layers
//              of RX, CNOT ring), <Z_i>: the study's layer;
//   rotations  the same circuit without the CNOTs (Template::rotations): each wire is rotated on its
//              own, so the layer can no longer entangle — the seed document's check (3);
//   linear     Linear(2^N, N) in its place.
#include "apps/models.hpp"
#include "nn/linear.hpp"
#include "quantum/layer.hpp"

namespace hqc::app {

std::shared_ptr<nn::Module> make_bottleneck(const ModelConfig& c, Generator& gen) {
  const int64_t width = int64_t{1} << c.qubits;
  if (c.quantum == QuantumVariant::linear) return std::make_shared<nn::Linear>(width, c.qubits, gen);
  quantum::LayerSpec spec;
  spec.qubits = c.qubits;
  spec.layers = 2;  // the study's BasicEntanglerLayers depth
  spec.templ = c.quantum == QuantumVariant::rotations ? quantum::Template::rotations : quantum::Template::basic;
  return std::make_shared<quantum::QuantumLayer>(spec, gen);
}

}  // namespace hqc::app
