// circuit.cpp — building and validating circuits.
#include "quantum/circuit.hpp"

#include <cmath>
#include <stdexcept>

#include "quantum/state.hpp"

namespace hqc::quantum {

Gate rotation_gate(Rotation r) {
  switch (r) {
    case Rotation::X: return Gate::RX;
    case Rotation::Y: return Gate::RY;
    case Rotation::Z: return Gate::RZ;
  }
  return Gate::RX;
}

Rotation parse_rotation(const std::string& s) {
  if (s == "X" || s == "x" || s == "RX") return Rotation::X;
  if (s == "Y" || s == "y" || s == "RY") return Rotation::Y;
  if (s == "Z" || s == "z" || s == "RZ") return Rotation::Z;
  throw std::invalid_argument("rotation must be X, Y or Z, got '" + s + "'");
}

Circuit::Circuit(int n_qubits) : n_(n_qubits) {
  if (n_qubits < 1 || n_qubits > kMaxQubits) {
    throw std::invalid_argument("Circuit: qubit count " + std::to_string(n_qubits) + " is outside [1, " +
                                std::to_string(kMaxQubits) + "]");
  }
}

int64_t Circuit::add_weights(int64_t count) {
  if (count < 0) throw std::invalid_argument("Circuit::add_weights: negative count");
  const int64_t first = num_weights_;
  num_weights_ += count;
  return first;
}

void Circuit::require_inputs(int64_t count) {
  if (amplitude_ && count > num_inputs_) {
    throw std::invalid_argument("Circuit: inputs are the amplitude embedding's " + std::to_string(num_inputs_) +
                                " columns; cannot also use column " + std::to_string(count - 1));
  }
  if (count > num_inputs_) num_inputs_ = count;
}

void Circuit::check_wire(int w, const char* what) const {
  if (w < 0 || w >= n_) {
    throw std::invalid_argument(std::string(what) + ": wire " + std::to_string(w) + " is out of range for " +
                                std::to_string(n_) + " qubits (wires 0.." + std::to_string(n_ - 1) + ")");
  }
}

Circuit& Circuit::add(Gate g, std::initializer_list<int> wires, Param p) {
  const char* name = gate_name(g);
  if (g == Gate::Unitary) throw std::invalid_argument("Circuit::add: use Circuit::unitary for QubitUnitary");
  if (static_cast<int>(wires.size()) != gate_num_wires(g)) {
    throw std::invalid_argument(std::string(name) + ": expects " + std::to_string(gate_num_wires(g)) +
                                " wire(s), got " + std::to_string(wires.size()));
  }
  Op op{g, {0, 0}, p, {}};
  int k = 0;
  for (int w : wires) {
    check_wire(w, name);
    op.wires[k++] = w;
  }
  if (k == 2 && op.wires[0] == op.wires[1]) {
    throw std::invalid_argument(std::string(name) + ": both wires are " + std::to_string(op.wires[0]));
  }
  const bool has = p.kind != Param::Kind::none;
  if (gate_is_parametrised(g) != has) {
    throw std::invalid_argument(std::string(name) + (has ? ": takes no parameter" : ": needs a parameter"));
  }
  if (p.kind == Param::Kind::weight && (p.index < 0 || p.index >= num_weights_)) {
    throw std::invalid_argument(std::string(name) + ": weight index " + std::to_string(p.index) +
                                " not reserved (circuit has " + std::to_string(num_weights_) + " weights)");
  }
  if (p.kind == Param::Kind::input) {
    if (p.index < 0) throw std::invalid_argument(std::string(name) + ": negative input column");
    require_inputs(p.index + 1);
  }
  if (p.kind == Param::Kind::constant && !std::isfinite(p.value)) {
    throw std::invalid_argument(std::string(name) + ": angle is not finite");
  }
  ops_.push_back(op);
  return *this;
}

Circuit& Circuit::rot(int wire, Param a, Param b, Param c) {
  add(Gate::RZ, {wire}, a);
  add(Gate::RY, {wire}, b);
  return add(Gate::RZ, {wire}, c);
}

Circuit& Circuit::unitary(int wire, std::complex<double> u00, std::complex<double> u01, std::complex<double> u10,
                          std::complex<double> u11) {
  check_wire(wire, "QubitUnitary");
  Op op{Gate::Unitary, {wire, 0}, {}, {u00.real(), u00.imag(), u01.real(), u01.imag(), u10.real(), u10.imag(),
                                        u11.real(), u11.imag()}};
  for (double v : op.matrix)
    if (!std::isfinite(v)) throw std::invalid_argument("QubitUnitary: matrix has a non-finite entry");
  const Mat2 p = mat2_mul(mat2_adjoint(op.matrix), op.matrix);
  const Mat2 id{1, 0, 0, 0, 0, 0, 1, 0};
  for (int i = 0; i < 8; ++i) {
    if (std::abs(p[i] - id[i]) > 1e-10) throw std::invalid_argument("QubitUnitary: matrix is not unitary (U^dagger U != I)");
  }
  ops_.push_back(op);
  return *this;
}

Circuit& Circuit::embed_amplitudes(const AmplitudeSpec& spec) {
  const int64_t dim = int64_t{1} << n_;
  if (!ops_.empty() || amplitude_ || num_inputs_ > 0) {
    throw std::invalid_argument("AmplitudeEmbedding: must be the first operation of the circuit, and only one");
  }
  if (spec.features < 1) throw std::invalid_argument("AmplitudeEmbedding: needs at least one feature");
  if (spec.pad_with && spec.features > dim) {
    throw std::invalid_argument("AmplitudeEmbedding: features must be of length " + std::to_string(dim) +
                                " or smaller to be padded; got length " + std::to_string(spec.features));
  }
  if (!spec.pad_with && spec.features != dim) {
    throw std::invalid_argument("AmplitudeEmbedding: features must be of length " + std::to_string(dim) +
                                "; got length " + std::to_string(spec.features) + " (set pad_with to pad)");
  }
  if (spec.pad_with && !std::isfinite(*spec.pad_with)) {
    throw std::invalid_argument("AmplitudeEmbedding: pad_with is not finite");
  }
  amplitude_ = spec;
  num_inputs_ = spec.features;
  return *this;
}

}  // namespace hqc::quantum
