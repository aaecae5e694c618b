// cmd_circuit.cpp — `hqc circuit`: evaluates the hybrid model's quantum layer exactly for one input,
// so the layer can be inspected and checked from outside (docs/cli.md): expectations, the final state,
// and with --grad the adjoint gradients; --qasm prints the circuit as OpenQASM 2.0 instead, --draw as
// text in the layout of PennyLane's qml.draw; --noise and --shots run the density-matrix simulator
// (with --qasm they are noted as comments).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <set>
#include <sstream>

#include "apps/circuit_draw.hpp"
#include "apps/cli.hpp"
#include "apps/training.hpp"
#include "quantum/adjoint.hpp"
#include "quantum/density.hpp"
#include "quantum/layer.hpp"
#include "quantum/measure.hpp"
#include "quantum/noise.hpp"
#include "quantum/qasm.hpp"
#include "quantum/shots.hpp"
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

// --noise / --shots: the density-matrix simulator (docs/quantum.md, "Noise and shots"), as the layer
// runs it: exact <Z_i> under the channels, or shot estimates on the stream (seed, 0); with --grad the
// exact gradients, or with shots the weights' parameter-shift rule on shot estimates (streams from
// derive_seed(seed, 0), as the layer's backward) and the exact input gradient.
int run_realistic(const q::Circuit& circuit, const q::Bound& bound, const std::vector<double>& g, const q::NoiseModel& noise,
                  int64_t shots, uint64_t seed) {
  const int n = circuit.num_qubits();
  std::vector<double> probs, e, gw, gx;
  try {
    const hqc::Tensor p = q::density_probabilities(circuit, bound, noise);
    probs = p.values<double>();
    e = (shots > 0 ? q::shot_expval_z(p, n, shots, seed) : q::density_expval_z(circuit, bound, noise)).values<double>();
  } catch (const std::invalid_argument& err) {  // a zero --input, or one whose norm over- or underflows
    throw hqc::cli::RuntimeError(std::string("--input: ") + err.what());
  }
  if (!g.empty()) {
    const hqc::Tensor gt = hqc::from_data(std::span<const double>(g), {1, n});
    q::Gradients grads = q::density_adjoint_expval_z(circuit, bound, noise, gt);
    if (shots > 0) grads.weights = q::shot_parameter_shift_weights(circuit, bound, noise, gt, shots, q::derive_seed(seed, 0)).weights;
    gw = grads.weights.values<double>();
    gx = grads.inputs.values<double>();
    check_finite(gw, "grad_weights");
    check_finite(gx, "grad_input");
  }
  std::string out = "{\n  \"expvals\": " + Json::array_of(e).dump() + ",\n  \"noise\": \"" + noise.to_string() +
                    "\",\n  \"shots\": " + std::to_string(shots) + ",\n  \"seed\": " + std::to_string(seed) +
                    ",\n  \"probabilities\": " + Json::array_of(probs).dump();
  if (!g.empty()) {
    out += ",\n  \"grad_weights\": " + Json::array_of(gw).dump();
    out += ",\n  \"grad_input\": " + Json::array_of(gx).dump();
  }
  std::cout << out << "\n}\n";
  return 0;
}

int run_circuit(const std::vector<std::string>& args) {
  hqc::cli::ArgParser p("circuit",
                        "Evaluates the quantum layer: x -> |x| -> zero-pad to 2^N -> L2-normalise -> amplitude "
                        "embedding -> template -> <Z_i> per wire. Wire 0 is the most significant bit of the basis-state "
                        "index (index = sum of b_w 2^(N-1-w), PennyLane's order): amplitude i of \"state\" is |i> in "
                        "binary, wire 0 first.");
  p.option("qubits", "number of qubits N (1..30) (required without --checkpoint)")
      .option("layers", "number of template layers L (required without --checkpoint)")
      .option("input", "the input x1,...,xK (K <= 2^N) (required, but with --draw)")
      .option("weights", "weights, row-major (layer, wire[, angle]): L*N for basic, L*N*3 for strong (required without --checkpoint)")
      .option("checkpoint", "a hybrid model's checkpoint.hqc: its circuit and trained weights instead of --qubits, "
                            "--layers, --weights, --template and --rotation").meta("FILE")
      .option("grad", "upstream gradient g1,...,gN of the outputs: adds grad_weights and grad_input")
      .option("template", "basic (BasicEntanglerLayers) or strong (StronglyEntanglingLayers)", "basic")
      .option("rotation", "rotation of the basic template: X, Y or Z", "X")
      .option("noise", "noise channels after every gate, e.g. depolarizing=0.01,amplitude_damping=0.02 "
                       "(also phase_damping, bit_flip, phase_flip): the density-matrix simulator")
      .option("shots", "estimate each <Z_i> from S shots (density-matrix simulator; 1..1000000000)")
      .option("seed", "the shots' random seed (with --shots)", "0")
      .flag("qasm", "print the circuit as OpenQASM 2.0 instead of JSON (--noise and --shots as comments)")
      .flag("draw", "print the circuit as text, one line per wire (as PennyLane's qml.draw), instead of JSON")
      .flag("json", "print one JSON document (the default output)");
  if (!p.parse(args)) return 0;
  const bool from_checkpoint = p.given("checkpoint");
  if (from_checkpoint) {
    for (const char* own : {"qubits", "layers", "weights", "template", "rotation"})
      if (p.given(own)) throw UsageError(std::string("flag --") + own + ": not with --checkpoint, which holds the circuit");
  } else {
    for (const char* need : {"qubits", "layers", "weights"})
      if (!p.given(need)) throw UsageError(std::string("flag --") + need + " is required (see --help)");
  }
  if (!p.given("input") && !p.is_set("draw")) throw UsageError("flag --input is required (see --help)");

  q::LayerSpec spec;
  std::vector<double> w;
  if (from_checkpoint) {
    const std::string path = p.str("checkpoint");
    hqc::app::LoadedModel m;
    try {
      m = hqc::app::load_model(path);
    } catch (const std::exception& e) {
      throw hqc::cli::RuntimeError(e.what());
    }
    const q::QuantumLayer* layer = nullptr;
    for (const auto& [name, mod] : m.model->named_modules())
      if (const auto* l = dynamic_cast<const q::QuantumLayer*>(mod)) layer = l;
    if (!layer)
      throw hqc::cli::RuntimeError("checkpoint " + path + ": the " + m.config.display_name() + " model has no circuit");
    spec = layer->spec();
    w = layer->weights().data().to(hqc::DType::f64).contiguous().values<double>();
  } else {
    spec.qubits = static_cast<int>(p.integer("qubits", 1, q::kMaxQubits));
    spec.layers = static_cast<int>(p.integer("layers", 1, 100000));
    spec.templ = p.choice("template", {"basic", "strong"}) == "strong" ? q::Template::strong : q::Template::basic;
    spec.rotation = q::parse_rotation(p.choice("rotation", {"X", "Y", "Z"}));
    if (spec.templ == q::Template::strong && p.given("rotation")) {
      throw UsageError("flag --rotation applies to --template basic only (strong uses Rot gates)");
    }
    w = p.numbers("weights");
  }
  // Without --input (a drawing) the embedding takes the whole 2^N amplitudes, as the hybrid's does.
  const std::vector<double> x = p.given("input") ? p.numbers("input") : std::vector<double>(std::size_t{1} << spec.qubits, 1.0);
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

  const bool draw = p.is_set("draw");
  if (draw && (p.is_set("qasm") || p.is_set("json") || !g.empty()))
    throw UsageError(std::string("flag --draw prints the drawing only: not with --") +
                     (p.is_set("qasm") ? "qasm" : p.is_set("json") ? "json" : "grad"));
  const bool realistic = p.given("noise") || p.given("shots");
  if (p.given("seed") && !p.given("shots")) throw UsageError("flag --seed applies with --shots only");
  if (realistic && draw) {
    throw UsageError(std::string("flag --") + (p.given("noise") ? "noise" : "shots") +
                     " does not go with --draw (it shows the circuit, not its values)");
  }
  q::NoiseModel noise;
  if (p.given("noise")) {
    try {
      noise = q::parse_noise_model(p.str("noise"));
    } catch (const std::invalid_argument& err) {
      throw UsageError(std::string("flag --noise: ") + err.what());
    }
  }
  const int64_t shots = p.given("shots") ? p.integer("shots", 1, 1000000000) : 0;
  const uint64_t seed = static_cast<uint64_t>(p.integer("seed", 0, INT64_MAX));
  const q::Circuit circuit = q::layer_circuit(spec, K);
  if (realistic && !p.is_set("qasm")) {
    if (spec.qubits > q::kMaxDensityQubits) {
      throw UsageError("flag --qubits " + std::to_string(spec.qubits) + ": with --noise or --shots the density-matrix "
                       "simulator takes at most " + std::to_string(q::kMaxDensityQubits) + " qubits");
    }
    // rho, and with --grad rho after each gate and the observable; probabilities as text.
    const double matrices = g.empty() ? 1.0 : static_cast<double>(circuit.ops().size() + 2);
    const double bytes = std::ldexp(16.0, 2 * spec.qubits) * matrices + kNumberChars * static_cast<double>(dim) + 1024;
    if (bytes > q::memory_budget_bytes()) {
      std::ostringstream m;
      m.precision(4);
      m << "flag --qubits " << spec.qubits << ": the density matrices" << (g.empty() ? "" : " of the gradient sweep")
        << " need " << bytes / (1 << 20) << " MiB, more than the " << q::memory_budget_bytes() / (1 << 20)
        << " MiB this process may use (half the machine's memory, or what ulimit -v leaves); use fewer qubits";
      throw UsageError(m.str());
    }
    const hqc::Tensor wt = hqc::from_data(std::span<const double>(w), {W});
    const hqc::Tensor xt = hqc::from_data(std::span<const double>(x), {1, K});
    return run_realistic(circuit, q::bind(circuit, wt, xt, "circuit"), g, noise, shots, seed);
  }
  if (draw) {
    // Each gate adds at most a column of about 24 display columns (3 bytes each) to every wire.
    const double bytes = 72.0 * static_cast<double>(spec.qubits) * static_cast<double>(circuit.ops().size() + 2);
    if (bytes > q::memory_budget_bytes())
      throw UsageError("flags --qubits/--layers: the drawing of " + std::to_string(circuit.ops().size()) + " gates on " +
                       std::to_string(spec.qubits) + " wires would not fit in memory; draw fewer qubits or layers");
    std::cout << hqc::app::draw_circuit(circuit, w, x);
    return 0;
  }
  check_memory(circuit, K, W, !g.empty(), p.is_set("qasm"));
  const hqc::Tensor wt = hqc::from_data(std::span<const double>(w), {W});
  const hqc::Tensor xt = hqc::from_data(std::span<const double>(x), {1, K});
  if (p.is_set("qasm")) {
    std::string text;
    try {
      text = q::to_qasm2(circuit, wt, xt, 0, noise, shots);  // noise and shots as comments
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
