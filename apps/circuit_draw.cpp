// circuit_draw.cpp — the circuit as text (circuit_draw.hpp).
#include "apps/circuit_draw.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

namespace hqc::app {

namespace q = hqc::quantum;

namespace {
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

}  // namespace

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


std::string draw_layer(const q::QuantumLayer& layer) {
  const q::LayerSpec& spec = layer.spec();
  const int64_t inputs = int64_t{1} << spec.qubits;
  const std::vector<double> w = layer.weights().data().to(DType::f64).contiguous().values<double>();
  return draw_circuit(q::layer_circuit(spec, inputs), w, std::vector<double>(static_cast<std::size_t>(inputs), 1.0));
}

}  // namespace hqc::app
