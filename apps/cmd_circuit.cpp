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

#include "apps/cli.hpp"
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

// ---- the text drawing, laid out as PennyLane's qml.draw lays out a tape ----
// Gates go into columns ("layers"): each as far left as it can go without sharing a wire with a gate
// of its column, a two-wire gate occupying every wire between its two. A column is as wide as its
// widest label, filled with '─'; one '─' separates columns; the measurements follow "─┤".

// Display columns of UTF-8 text (the box-drawing characters are one column, three bytes).
std::size_t columns(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
  return n;
}

struct Drawn {
  std::vector<int> wires;      // every wire it touches
  std::vector<int> controls;   // drawn as ●
  std::string label;           // on the other wires
};

std::string angle(const q::Param& p, const std::vector<double>& w, const std::vector<double>& x) {
  double v = p.value;
  if (p.kind == q::Param::Kind::weight) v = w[static_cast<std::size_t>(p.index)];
  if (p.kind == q::Param::Kind::input) v = x[static_cast<std::size_t>(p.index)];
  char b[48];
  std::snprintf(b, sizeof b, "%.2f", v);
  return std::string(b) == "-0.00" ? "0.00" : b;
}

// The circuit's gates as qml.draw labels them; Rot(a, b, c), which the circuit holds as RZ(a) RY(b)
// RZ(c) on one wire from three consecutive weights, is drawn as the one Rot gate PennyLane shows.
std::vector<Drawn> drawn_ops(const q::Circuit& c, const std::vector<double>& w, const std::vector<double>& x) {
  std::vector<Drawn> out;
  if (c.amplitude_embedding()) {
    Drawn d;
    for (int i = 0; i < c.num_qubits(); ++i) d.wires.push_back(i);
    d.label = "AmplitudeEmbedding(M0)";
    out.push_back(d);
  }
  const auto& ops = c.ops();
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const q::Op& op = ops[i];
    if (op.gate == q::Gate::RZ && i + 2 < ops.size() && op.param.kind == q::Param::Kind::weight) {
      const q::Op &b = ops[i + 1], &g = ops[i + 2];
      if (b.gate == q::Gate::RY && g.gate == q::Gate::RZ && b.wires[0] == op.wires[0] && g.wires[0] == op.wires[0] &&
          b.param.kind == q::Param::Kind::weight && g.param.kind == q::Param::Kind::weight &&
          b.param.index == op.param.index + 1 && g.param.index == op.param.index + 2) {
        out.push_back({{op.wires[0]}, {}, "Rot(" + angle(op.param, w, x) + "," + angle(b.param, w, x) + "," + angle(g.param, w, x) + ")"});
        i += 2;
        continue;
      }
    }
    const int a = op.wires[0], t = op.wires[1];
    switch (op.gate) {
      case q::Gate::RX: case q::Gate::RY: case q::Gate::RZ:
        out.push_back({{a}, {}, std::string(q::gate_name(op.gate)) + "(" + angle(op.param, w, x) + ")"});
        break;
      case q::Gate::PhaseShift: out.push_back({{a}, {}, "Rϕ(" + angle(op.param, w, x) + ")"}); break;
      case q::Gate::CRX: case q::Gate::CRY: case q::Gate::CRZ:
        out.push_back({{a, t}, {a}, std::string(q::gate_name(op.gate)).substr(1) + "(" + angle(op.param, w, x) + ")"});
        break;
      case q::Gate::H: out.push_back({{a}, {}, "H"}); break;
      case q::Gate::X: out.push_back({{a}, {}, "X"}); break;
      case q::Gate::Y: out.push_back({{a}, {}, "Y"}); break;
      case q::Gate::Z: out.push_back({{a}, {}, "Z"}); break;
      case q::Gate::S: out.push_back({{a}, {}, "S"}); break;
      case q::Gate::T: out.push_back({{a}, {}, "T"}); break;
      case q::Gate::CNOT: out.push_back({{a, t}, {a}, "X"}); break;
      case q::Gate::CZ: out.push_back({{a, t}, {a}, "Z"}); break;
      case q::Gate::SWAP: out.push_back({{a, t}, {}, "SWAP"}); break;
      case q::Gate::Unitary: out.push_back({{a}, {}, "U"}); break;
    }
  }
  return out;
}

std::string draw_circuit(const q::Circuit& c, const std::vector<double>& w, const std::vector<double>& x) {
  const int n = c.num_qubits();
  // Columns: a gate goes right after the last column that holds any wire of its span.
  std::vector<std::vector<Drawn>> layers;
  std::vector<std::set<int>> occupied;
  for (Drawn& d : drawn_ops(c, w, x)) {
    const auto [lo, hi] = std::minmax_element(d.wires.begin(), d.wires.end());
    std::set<int> span;
    for (int v = *lo; v <= *hi; ++v) span.insert(v);
    std::size_t at = layers.size();
    while (at > 0 && std::none_of(span.begin(), span.end(), [&](int v) { return occupied[at - 1].count(v) > 0; })) --at;
    if (at == layers.size()) layers.emplace_back(), occupied.emplace_back();
    layers[at].push_back(std::move(d));
    occupied[at].insert(span.begin(), span.end());
  }
  std::vector<std::string> lines(static_cast<std::size_t>(n));
  const std::string last = std::to_string(n - 1) + ": ";
  for (int i = 0; i < n; ++i) {
    const std::string label = std::to_string(i) + ": ";
    lines[i] = std::string(last.size() - label.size(), ' ') + label;
  }
  for (const auto& layer : layers) {
    std::vector<std::string> cell(static_cast<std::size_t>(n), "─");
    for (const Drawn& d : layer) {
      if (d.wires.size() > 1) {  // the span's brackets: ╭ top, ├ a wire of the gate, │ a wire it passes, ╰ bottom
        const auto [lo, hi] = std::minmax_element(d.wires.begin(), d.wires.end());
        for (int v = *lo; v <= *hi; ++v)
          cell[v] = v == *lo ? "╭" : v == *hi ? "╰" : std::count(d.wires.begin(), d.wires.end(), v) ? "├" : "│";
      }
      for (int v : d.wires)
        cell[v] += std::count(d.controls.begin(), d.controls.end(), v) ? std::string("●") : d.label;
    }
    std::size_t width = 0;
    for (const auto& s : cell) width = std::max(width, columns(s));
    for (int i = 0; i < n; ++i) {
      std::string padded = cell[i];
      for (std::size_t k = columns(cell[i]); k < width; ++k) padded += "─";
      lines[i] += "─" + padded;
    }
  }
  std::string out;
  for (int i = 0; i < n; ++i) out += lines[i] + "─┤  <Z>\n";
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
  p.option("qubits", "number of qubits N (1..30)").required()
      .option("layers", "number of template layers L").required()
      .option("input", "the input x1,...,xK (K <= 2^N)").required()
      .option("weights", "weights, row-major (layer, wire[, angle]): L*N for basic, L*N*3 for strong").required()
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
    std::cout << draw_circuit(circuit, w, x);
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
