// cmd_circuit.cpp — `hqc circuit`: evaluates the hybrid model's quantum layer exactly for one input,
// so the layer can be inspected and checked from outside (docs/cli.md): expectations, the final state,
// and with --grad the adjoint gradients; --qasm prints the circuit as OpenQASM 2.0 instead.
#include <cmath>
#include <iostream>
#include <sstream>

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

// Bytes of JSON text per amplitude at most: "    [" re ", " im "]," and a newline, with 24
// characters for a number ("-1.2345678901234567e-308"); and per number of a flat array.
constexpr double kAmplitudeChars = 64, kNumberChars = 26;

// Refuses, before anything large is allocated, a command whose states, gradients, circuit and
// output text (all held at once: the output is printed whole or not at all) would not fit.
void check_memory(const q::Circuit& c, int64_t K, int64_t W, bool grad, bool qasm) {
  const int n = c.num_qubits();
  const double dim = std::ldexp(1.0, n);
  // The circuit's gates, and the inputs and weights as parsed, as tensors and as bound (3 copies).
  double bytes = sizeof(q::Op) * static_cast<double>(c.ops().size()) + 3.0 * 8 * static_cast<double>(K + W);
  if (qasm) {
    bytes += static_cast<double>(q::qasm2_bytes(c));
  } else {
    const double states = grad ? 3 : 1;  // the final state; the adjoint sweep adds two
    bytes += states * 16 * dim + kAmplitudeChars * dim;
    if (grad) bytes += (8 + kNumberChars) * static_cast<double>(W + K);  // gradients and their text
    bytes += kNumberChars * n + 1024;                                   // expvals, keys, brackets
  }
  const double budget = q::memory_budget_bytes();
  if (bytes > budget) {
    std::ostringstream m;
    m.precision(3);
    m << "flag --qubits " << n << ": the " << (qasm ? "QASM text" : grad ? "states, gradients and JSON text" : "state and JSON text")
      << " of " << n << " qubits need " << bytes / (1 << 30) << " GiB, more than the " << budget / (1 << 30)
      << " GiB this process may use (half the machine's memory, or what ulimit -v leaves); use fewer qubits"
      << (qasm ? " or layers" : "");
    throw UsageError(m.str());
  }
}

void check_finite(const std::vector<double>& v, const char* what) {
  for (size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i])) {
      std::ostringstream m;
      m << "flag --grad: " << what << "[" << i << "] is not finite (" << v[i]
        << "): this upstream gradient overflows it; scale --grad down (the gradients are linear in it)";
      throw UsageError(m.str());
    }
  }
}

// The JSON document of docs/cli.md, written as text directly: a tree of 2^n amplitude pairs would take
// several times the memory of the text. Same layout as Json::dump(2).
std::string circuit_json(const q::StateBatch& state, const std::vector<double>& expvals,
                         const std::vector<double>& grad_weights, const std::vector<double>& grad_input) {
  std::string out;
  out.reserve(static_cast<size_t>(kAmplitudeChars * static_cast<double>(state.dim())) + 1024);
  out += "{\n  \"expvals\": " + Json::array_of(expvals).dump() + ",\n  \"state\": [";
  for (int64_t i = 0; i < state.dim(); ++i) {
    const auto a = state.amplitude(0, i);
    out += i ? ",\n    [" : "\n    [";
    Json::append_number(out, a.real());
    out += ", ";
    Json::append_number(out, a.imag());
    out += ']';
  }
  out += "\n  ]";
  if (!grad_weights.empty() || !grad_input.empty()) {
    out += ",\n  \"grad_weights\": " + Json::array_of(grad_weights).dump();
    out += ",\n  \"grad_input\": " + Json::array_of(grad_input).dump();
  }
  out += "\n}\n";
  return out;
}

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
  check_memory(circuit, K, W, !g.empty(), p.is_set("qasm"));
  const hqc::Tensor wt = hqc::from_data(std::span<const double>(w), {W});
  const hqc::Tensor xt = hqc::from_data(std::span<const double>(x), {1, K});
  if (p.is_set("qasm")) {
    std::string text;
    try {
      text = q::to_qasm2(circuit, wt, xt, 0);
    } catch (const std::invalid_argument& e) {  // a zero --input, or one whose norm over- or underflows
      throw hqc::cli::RuntimeError(std::string("--input: ") + e.what());
    }
    std::cout << text;
    return 0;
  }
  const q::Bound bound = q::bind(circuit, wt, xt, "circuit");
  q::StateBatch state;
  try {
    state = q::run(circuit, bound, g.empty() ? 1 : 3);
  } catch (const std::invalid_argument& e) {  // a zero --input, or one whose norm over- or underflows
    throw hqc::cli::RuntimeError(std::string("--input: ") + e.what());
  }
  const std::vector<double> e = q::expval(state, q::Pauli::Z).values<double>();
  std::vector<double> gw, gx;
  if (!g.empty()) {
    const q::Gradients grads =
        q::adjoint_expval_z(circuit, bound, state, hqc::from_data(std::span<const double>(g), {1, spec.qubits}));
    gw = grads.weights.values<double>();
    gx = grads.inputs.values<double>();
    // The gradients are linear in g: only a --grad near the largest double overflows them.
    check_finite(gw, "grad_weights");
    check_finite(gx, "grad_input");
  }
  std::cout << circuit_json(state, e, gw, gx);
  return 0;
}

hqc::cli::Command circuit_cmd("circuit", "evaluate the quantum layer exactly (expectations, state, gradients, QASM)",
                              run_circuit);
}  // namespace
