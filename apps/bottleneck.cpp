// bottleneck.cpp — what sits between the reducer and the head: the quantum layer or its ablation.
//
// The seam between the apps and the quantum library: with hqc::quantum in the build (HQC_HAVE_QUANTUM)
// "circuit" and "rotations" build its QuantumLayer; without it only the Linear ablation exists.
#include <stdexcept>

#include "apps/models.hpp"
#include "nn/linear.hpp"

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
  if (c.quantum == "linear") return std::make_shared<nn::Linear>(width, c.qubits, gen);
#ifdef HQC_HAVE_QUANTUM
#error "quantum layer seam: fill in when quantum/ lands"
#else
  throw std::runtime_error("the quantum layer is not part of this build (quantum/ library missing); "
                           "--quantum linear runs the hybrid model with Linear(" + std::to_string(width) + "," +
                           std::to_string(c.qubits) + ") in its place");
#endif
}

}  // namespace hqc::app
