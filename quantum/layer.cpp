// layer.cpp — the quantum layer: forward through the simulator, backward through one adjoint sweep.
#include "quantum/layer.hpp"

#include <numbers>
#include <stdexcept>

#include "quantum/adjoint.hpp"
#include "quantum/density.hpp"
#include "quantum/measure.hpp"
#include "quantum/shots.hpp"
#include "quantum/simulate.hpp"
#include "quantum/templates.hpp"

namespace hqc::quantum {

Template parse_template(const std::string& s) {
  if (s == "basic") return Template::basic;
  if (s == "strong") return Template::strong;
  if (s == "rotations") return Template::rotations;
  throw std::invalid_argument("template must be basic, strong or rotations, got '" + s + "'");
}

Shape layer_weight_shape(const LayerSpec& spec) {
  if (spec.templ == Template::strong) return {spec.layers, spec.qubits, 3};
  return {spec.layers, spec.qubits};
}

Circuit layer_circuit(const LayerSpec& spec, int64_t features) {
  Circuit c(spec.qubits);
  const int64_t dim = int64_t{1} << spec.qubits;
  if (features < 1 || features > dim) {
    throw std::invalid_argument("quantum layer: input has " + std::to_string(features) + " features; " +
                                std::to_string(spec.qubits) + " qubits take 1 to " + std::to_string(dim));
  }
  c.embed_amplitudes({features, true, 0.0, true});
  switch (spec.templ) {
    case Template::basic: basic_entangler_layers(c, spec.layers, spec.rotation); break;
    case Template::strong: strongly_entangling_layers(c, spec.layers); break;
    case Template::rotations: rotation_layers(c, spec.layers, spec.rotation); break;
  }
  return c;
}

namespace {
// The circuit of the last call on this thread: a network calls the layer with one spec and width
// batch after batch, and rebuilding it costs a tenth of the 4-qubit forward pass.
std::shared_ptr<const Circuit> cached_circuit(const LayerSpec& spec, int64_t features) {
  thread_local LayerSpec last_spec{0, 0};
  thread_local int64_t last_features = 0;
  thread_local std::shared_ptr<const Circuit> last;
  const bool same = last && last_features == features && last_spec.qubits == spec.qubits &&
                    last_spec.layers == spec.layers && last_spec.templ == spec.templ &&
                    (spec.templ == Template::strong || last_spec.rotation == spec.rotation);
  if (!same) {
    last = std::make_shared<const Circuit>(layer_circuit(spec, features));
    last_spec = spec;
    last_features = features;
  }
  return last;
}
}  // namespace

Variable quantum_layer(const Variable& input, const Variable& weights, const LayerSpec& spec) {
  if (!input.defined() || input.dim() != 2) {
    throw std::invalid_argument("quantum layer: input must be (B, K), got " +
                                (input.defined() ? shape_str(input.sizes()) : std::string("(none)")));
  }
  const Shape wshape = layer_weight_shape(spec);
  if (!weights.defined() || weights.sizes() != wshape) {
    throw std::invalid_argument("quantum layer: weights have shape " +
                                (weights.defined() ? shape_str(weights.sizes()) : std::string("(none)")) +
                                ", expected " + shape_str(wshape));
  }
  auto circuit = cached_circuit(spec, input.size(1));
  auto bound = std::make_shared<Bound>(bind(*circuit, weights.data(), input.data(), "quantum layer"));
  // Two more states are held by the adjoint sweep.
  auto state = std::make_shared<StateBatch>(run(*circuit, *bound, 3));
  Tensor out = expval(*state, Pauli::Z);
  const DType in_type = input.dtype(), w_type = weights.dtype();
  if (in_type != DType::f64) out = out.to(in_type);
  return make_result(out, {input, weights}, "quantum_layer",
                     [circuit, bound, state, in_type, w_type, wshape](const Tensor& g) {
                       Gradients grads = adjoint_expval_z(*circuit, *bound, *state, g);
                       return std::vector<Tensor>{grads.inputs.to(in_type), grads.weights.to(w_type).reshape(wshape)};
                     });
}

Variable quantum_layer(const Variable& input, const Variable& weights, const LayerSpec& spec, const Realism& realism) {
  if (realism.shots < 0) throw std::invalid_argument("quantum layer: shots must be >= 0, got " + std::to_string(realism.shots));
  if (!realism.active()) return quantum_layer(input, weights, spec);
  if (!input.defined() || input.dim() != 2) {
    throw std::invalid_argument("quantum layer: input must be (B, K), got " +
                                (input.defined() ? shape_str(input.sizes()) : std::string("(none)")));
  }
  const Shape wshape = layer_weight_shape(spec);
  if (!weights.defined() || weights.sizes() != wshape) {
    throw std::invalid_argument("quantum layer: weights have shape " +
                                (weights.defined() ? shape_str(weights.sizes()) : std::string("(none)")) +
                                ", expected " + shape_str(wshape));
  }
  auto circuit = cached_circuit(spec, input.size(1));
  auto bound = std::make_shared<Bound>(bind(*circuit, weights.data(), input.data(), "quantum layer"));
  Tensor out = realism.shots > 0
                   ? shot_expval_z(density_probabilities(*circuit, *bound, realism.noise), spec.qubits, realism.shots, realism.seed)
                   : density_expval_z(*circuit, *bound, realism.noise);
  const DType in_type = input.dtype(), w_type = weights.dtype();
  if (in_type != DType::f64) out = out.to(in_type);
  return make_result(out, {input, weights}, "quantum_layer",
                     [circuit, bound, realism, in_type, w_type, wshape](const Tensor& g) {
                       Gradients grads = density_adjoint_expval_z(*circuit, *bound, realism.noise, g);
                       if (realism.shots > 0) {
                         // The forward's streams are (seed, b); the shifted circuits' come from derived seeds.
                         grads.weights = shot_parameter_shift_weights(*circuit, *bound, realism.noise, g, realism.shots,
                                                                      derive_seed(realism.seed, 0)).weights;
                       }
                       return std::vector<Tensor>{grads.inputs.to(in_type), grads.weights.to(w_type).reshape(wshape)};
                     });
}

QuantumLayer::QuantumLayer(const LayerSpec& spec, Generator& gen, Realism realism) : spec_(spec) {
  layer_circuit(spec, 1);  // validates the spec
  set_realism(std::move(realism));
  weights_ = register_parameter("weights", rand_uniform(layer_weight_shape(spec), 0.0, 2 * std::numbers::pi, gen));
}

void QuantumLayer::set_realism(Realism realism) {
  if (realism.shots < 0) throw std::invalid_argument("quantum layer: shots must be >= 0, got " + std::to_string(realism.shots));
  for (const NoiseChannel& ch : realism.noise.channels) kraus_operators(ch);  // validates p
  realism_ = std::move(realism);
  calls_ = 0;
}

Variable QuantumLayer::forward(const Variable& input) {
  if (realism_.shots == 0) return quantum_layer(input, weights_, spec_, realism_);
  Realism r = realism_;
  r.seed = derive_seed(realism_.seed, calls_++);
  return quantum_layer(input, weights_, spec_, r);
}

std::string QuantumLayer::describe() const {
  std::string s = "QuantumLayer(qubits=" + std::to_string(spec_.qubits) + ", layers=" + std::to_string(spec_.layers) +
                  ", template=" + (spec_.templ == Template::strong ? "strong" : spec_.templ == Template::basic ? "basic" : "rotations");
  if (spec_.templ != Template::strong) s += std::string(", rotation=") + "XYZ"[static_cast<int>(spec_.rotation)];
  if (!realism_.noise.empty()) s += ", noise=" + realism_.noise.to_string();
  if (realism_.shots > 0) s += ", shots=" + std::to_string(realism_.shots);
  return s + ")";
}

}  // namespace hqc::quantum
