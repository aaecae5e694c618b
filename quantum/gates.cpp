// gates.cpp — matrices and generators of the gate set (docs/quantum.md, "Gates").
#include "quantum/gates.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "tensor/math.hpp"

namespace hqc::quantum {

const char* gate_name(Gate g) {
  switch (g) {
    case Gate::RX: return "RX";
    case Gate::RY: return "RY";
    case Gate::RZ: return "RZ";
    case Gate::PhaseShift: return "PhaseShift";
    case Gate::CRX: return "CRX";
    case Gate::CRY: return "CRY";
    case Gate::CRZ: return "CRZ";
    case Gate::H: return "Hadamard";
    case Gate::X: return "PauliX";
    case Gate::Y: return "PauliY";
    case Gate::Z: return "PauliZ";
    case Gate::S: return "S";
    case Gate::T: return "T";
    case Gate::CNOT: return "CNOT";
    case Gate::CZ: return "CZ";
    case Gate::SWAP: return "SWAP";
    case Gate::Unitary: return "QubitUnitary";
  }
  return "?";
}

int gate_num_wires(Gate g) {
  switch (g) {
    case Gate::CRX: case Gate::CRY: case Gate::CRZ: case Gate::CNOT: case Gate::CZ: case Gate::SWAP: return 2;
    default: return 1;
  }
}

bool gate_is_parametrised(Gate g) {
  switch (g) {
    case Gate::RX: case Gate::RY: case Gate::RZ: case Gate::PhaseShift:
    case Gate::CRX: case Gate::CRY: case Gate::CRZ: return true;
    default: return false;
  }
}

bool gate_is_controlled(Gate g) {
  switch (g) {
    case Gate::CRX: case Gate::CRY: case Gate::CRZ: case Gate::CNOT: case Gate::CZ: return true;
    default: return false;
  }
}

Mat2 gate_matrix(Gate g, double t) {
  double c, s;
  math::sincos(t / 2, s, c);
  const double r = 1.0 / std::sqrt(2.0);
  switch (g) {
    case Gate::RX: case Gate::CRX: return {c, 0, 0, -s, 0, -s, c, 0};
    case Gate::RY: case Gate::CRY: return {c, 0, -s, 0, s, 0, c, 0};
    case Gate::RZ: case Gate::CRZ: return {c, -s, 0, 0, 0, 0, c, s};
    case Gate::PhaseShift: return {1, 0, 0, 0, 0, 0, math::cos(t), math::sin(t)};
    case Gate::H: return {r, 0, r, 0, r, 0, -r, 0};
    case Gate::X: case Gate::CNOT: return {0, 0, 1, 0, 1, 0, 0, 0};
    case Gate::Y: return {0, 0, 0, -1, 0, 1, 0, 0};
    case Gate::Z: case Gate::CZ: return {1, 0, 0, 0, 0, 0, -1, 0};
    case Gate::S: return {1, 0, 0, 0, 0, 0, 0, 1};
    case Gate::T: return {1, 0, 0, 0, 0, 0, r, r};
    case Gate::SWAP: case Gate::Unitary: break;
  }
  throw std::logic_error(std::string("gate_matrix: no 2x2 target matrix for ") + gate_name(g));
}

Mat2 gate_generator(Gate g) {
  switch (g) {
    case Gate::RX: case Gate::CRX: return {0, 0, 1, 0, 1, 0, 0, 0};
    case Gate::RY: case Gate::CRY: return {0, 0, 0, -1, 0, 1, 0, 0};
    case Gate::RZ: case Gate::CRZ: return {1, 0, 0, 0, 0, 0, -1, 0};
    // diag(1, e^{it}) = exp(-i t diag(0, -2) / 2) exactly, with no global phase.
    case Gate::PhaseShift: return {0, 0, 0, 0, 0, 0, -2, 0};
    default: break;
  }
  throw std::logic_error(std::string("gate_generator: ") + gate_name(g) + " has no parameter");
}

Mat2 mat2_adjoint(const Mat2& m) { return {m[0], -m[1], m[4], -m[5], m[2], -m[3], m[6], -m[7]}; }

Mat2 mat2_mul(const Mat2& a, const Mat2& b) {
  auto mul = [](double xr, double xi, double yr, double yi, double& zr, double& zi) {
    zr += xr * yr - xi * yi;
    zi += xr * yi + xi * yr;
  };
  Mat2 o{};
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 2; ++k) {
        const int ik = 2 * (2 * i + k), kj = 2 * (2 * k + j), ij = 2 * (2 * i + j);
        mul(a[ik], a[ik + 1], b[kj], b[kj + 1], o[ij], o[ij + 1]);
      }
  return o;
}

}  // namespace hqc::quantum
