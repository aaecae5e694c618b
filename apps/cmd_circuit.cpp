// cmd_circuit.cpp — `hqc circuit`: evaluates the hybrid model's quantum layer exactly for one input,
// so the layer can be inspected and checked from outside (CLI.md): expectations, the final state,
// and with --grad the adjoint gradients; --qasm prints the circuit as OpenQASM 2.0 instead.
#include <iostream>

#include "apps/cli.hpp"
#include "quantum/adjoint.hpp"
#include "quantum/layer.hpp"
#include "quantum/measure.hpp"
#include "quantum/qasm.hpp"
#include "quantum/simulate.hpp"

namespace {
using hqc::cli::Json;
using hqc::cli::UsageError;
namespace q = hqc::quantum;

int run_circuit(const std::vector<std::string>& args) {
  hqc::cli::ArgParser p("circuit",
                        "Evaluates the quantum layer: x -> |x| -> zero-pad to 2^N -> L2-normalise -> amplitude "
                        "embedding -> template -> <Z_i> per wire.");
  p.option("qubits", "number of qubits N (1..30)")
      .option("layers", "number of template layers L")
      .option("input", "the input x1,...,xK (K <= 2^N)")
      .option("weights", "weights, row-major (layer, wire[, angle]): L*N for basic, L*N*3 for strong")
      .option("grad", "upstream gradient g1,...,gN of the outputs: adds grad_weights and grad_input")
      .option("template", "basic (BasicEntanglerLayers) or strong (StronglyEntanglingLayers)", "basic")
      .option("rotation", "rotation of the basic template: X, Y or Z", "X")
      .flag("qasm", "print the circuit as OpenQASM 2.0 instead of JSON")
      .flag("json", "print one JSON document (the default output)");
  if (!p.parse(args)) return 0;
  for (const char* need : {"qubits", "layers", "input", "weights"})
    if (!p.given(need)) throw UsageError(std::string("flag --") + need + " is required (see --help)");

  q::LayerSpec spec;
  spec.qubits = static_cast<int>(p.integer("qubits", 1, q::kMaxQubits));
  spec.layers = static_cast<int>(p.integer("layers", 1, 100000));
  spec.templ = p.choice("template", {"basic", "strong"}) == "strong" ? q::Template::strong : q::Template::basic;
  spec.rotation = q::parse_rotation(p.choice("rotation", {"X", "Y", "Z"}));
  if (spec.templ == q::Template::strong && p.given("rotation")) {
    throw UsageError("flag --rotation applies to --template basic only (strong uses Rot gates)");
  }
  const std::vector<double> x = p.numbers("input"), w = p.numbers("weights");
  const int64_t dim = int64_t{1} << spec.qubits, K = static_cast<int64_t>(x.size());
  if (K < 1 || K > dim) {
    throw UsageError("flag --input has " + std::to_string(K) + " values; " + std::to_string(spec.qubits) +
                     " qubits take 1 to " + std::to_string(dim));
  }
  const int64_t W = hqc::shape_numel(q::layer_weight_shape(spec));
  if (static_cast<int64_t>(w.size()) != W) {
    throw UsageError("flag --weights has " + std::to_string(w.size()) + " values; " + std::to_string(spec.layers) +
                     " layer(s) of the " + (spec.templ == q::Template::strong ? "strong" : "basic") + " template on " +
                     std::to_string(spec.qubits) + " qubits need " + std::to_string(W));
  }
  std::vector<double> g;
  if (p.given("grad")) {
    g = p.numbers("grad");
    if (static_cast<int64_t>(g.size()) != spec.qubits) {
      throw UsageError("flag --grad has " + std::to_string(g.size()) + " values, one per qubit needs " +
                       std::to_string(spec.qubits));
    }
  }

  const q::Circuit circuit = q::layer_circuit(spec, K);
  const hqc::Tensor wt = hqc::from_data(std::span<const double>(w), {W});
  const hqc::Tensor xt = hqc::from_data(std::span<const double>(x), {1, K});
  if (p.is_set("qasm")) {
    std::cout << q::to_qasm2(circuit, wt, xt, 0);
    return 0;
  }
  const q::Bound bound = q::bind(circuit, wt, xt, "circuit");
  q::StateBatch state;
  try {
    state = q::run(circuit, bound, 3);
  } catch (const std::invalid_argument& e) {  // a zero or non-finite --input
    throw hqc::cli::RuntimeError(std::string("--input: ") + e.what());
  }
  const hqc::Tensor e = q::expval(state, q::Pauli::Z);

  Json out = Json::object();
  out.set("expvals", Json::array_of(e.values<double>()));
  Json amps = Json::array();
  for (int64_t i = 0; i < state.dim(); ++i) {
    const auto a = state.amplitude(0, i);
    amps.push(Json::array_of(std::vector<double>{a.real(), a.imag()}));
  }
  out.set("state", std::move(amps));
  if (!g.empty()) {
    const q::Gradients grads =
        q::adjoint_expval_z(circuit, bound, state, hqc::from_data(std::span<const double>(g), {1, spec.qubits}));
    out.set("grad_weights", Json::array_of(grads.weights.values<double>()));
    out.set("grad_input", Json::array_of(grads.inputs.values<double>()));
  }
  std::cout << out.dump() << "\n";
  return 0;
}

hqc::cli::Command circuit_cmd("circuit", "evaluate the quantum layer exactly (expectations, state, gradients, QASM)",
                              run_circuit);
}  // namespace
