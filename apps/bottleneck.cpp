// bottleneck.cpp — what sits between the reducer and the head: the quantum layer or an ablation.
//
//   circuit    quantum::QuantumLayer — |x|, L2-normalised amplitudes, BasicEntanglerLayers (2 layers
//              of RX, CNOT ring), <Z_i>: the study's layer;
//   rotations  the same circuit without the CNOTs (Template::rotations): each wire is rotated on its
//              own, so the layer can no longer entangle — the seed document's check (3);
//   linear     Linear(2^N, N) in its place.
// The circuit may run under a noise model and with finite shots (ModelConfig::noise, ::shots).
#include "apps/models.hpp"
#include "nn/linear.hpp"
#include "quantum/layer.hpp"
#include "quantum/shots.hpp"

namespace hqc::app {

std::shared_ptr<nn::Module> make_bottleneck(const ModelConfig& c, Generator& gen, uint64_t seed) {
  const int64_t width = int64_t{1} << c.qubits;
  if (c.quantum == QuantumVariant::linear) return std::make_shared<nn::Linear>(width, c.qubits, gen);
  quantum::LayerSpec spec;
  spec.qubits = c.qubits;
  spec.layers = 2;  // the study's BasicEntanglerLayers depth
  spec.templ = c.quantum == QuantumVariant::rotations ? quantum::Template::rotations : quantum::Template::basic;
  return std::make_shared<quantum::QuantumLayer>(spec, gen, quantum::Realism{c.noise, c.shots, shot_seed(seed)});
}

uint64_t shot_seed(uint64_t seed) { return quantum::derive_seed(seed, kShotStream); }

void apply_realism(nn::Module& model, const ModelConfig& config, uint64_t seed) {
  for (const auto& [name, m] : model.named_modules())
    if (auto* q = dynamic_cast<quantum::QuantumLayer*>(m)) q->set_realism({config.noise, config.shots, shot_seed(seed)});
}

void set_realism(ModelConfig& c, const std::string* noise, const std::string* shots) {
  for (const auto& [flag, value] : {std::pair{"noise", noise}, std::pair{"shots", shots}})
    if (value && !c.has_circuit())
      throw OptionError(std::string("--") + flag + ": the " + c.display_name() + " model has no quantum circuit");
  if (noise) {
    try {
      c.noise = quantum::parse_noise_model(*noise);
    } catch (const std::invalid_argument& e) {
      throw OptionError(std::string("--noise: ") + e.what());
    }
  }
  if (shots) {
    if (*shots == "exact") {
      c.shots = 0;
    } else {
      std::size_t used = 0;
      long long v = 0;
      try {
        v = std::stoll(*shots, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || used != shots->size() || v < 1 || v > 1000000000)
        throw OptionError("--shots: expected a count of shots in 1..1000000000 or 'exact', got '" + *shots + "'");
      c.shots = v;
    }
  }
}

}  // namespace hqc::app
