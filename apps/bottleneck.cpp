// bottleneck.cpp — what sits between the reducer and the head: the quantum layer or an ablation.
//
// The seam between the apps and the quantum library: with hqc::quantum in the build (HQC_HAVE_QUANTUM)
//   circuit    quantum::QuantumLayer — |x|, L2-normalised amplitudes, BasicEntanglerLayers (2 layers
//              of RX, CNOT ring), <Z_i>: the study's layer;
//   rotations  the same circuit without the CNOTs (Template::rotations): each wire is rotated on its
//              own, so the layer can no longer entangle — the seed document's check (3);
//   linear     Linear(2^N, N) in its place (needs no quantum library).
#include <stdexcept>

#include "apps/models.hpp"
#include "nn/linear.hpp"

#ifdef HQC_HAVE_QUANTUM
#include "quantum/layer.hpp"
#endif

namespace hqc::app {

bool quantum_layer_available() {
#ifdef HQC_HAVE_QUANTUM
  return true;
#else
  return false;
#endif
}

std::shared_ptr<nn::Module> make_bottleneck(const ModelConfig& c, Generator& gen) {
  const int64_t width = int64_t{1} << c.qubits;
  if (c.quantum == QuantumVariant::linear) return std::make_shared<nn::Linear>(width, c.qubits, gen);
#ifdef HQC_HAVE_QUANTUM
  quantum::LayerSpec spec;
  spec.qubits = c.qubits;
  spec.layers = 2;  // the study's BasicEntanglerLayers depth
  spec.templ = c.quantum == QuantumVariant::rotations ? quantum::Template::rotations : quantum::Template::basic;
  return std::make_shared<quantum::QuantumLayer>(spec, gen);
#else
  throw std::runtime_error("the quantum layer is not part of this build (quantum/ library missing); "
                           "--quantum linear runs the hybrid model with Linear(" + std::to_string(width) + "," +
                           std::to_string(c.qubits) + ") in its place");
#endif
}

}  // namespace hqc::app
