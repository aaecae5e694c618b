// gates.hpp — the gate set, its matrices and generators, in PennyLane's conventions (docs/quantum.md).
//
// A parametrised gate is U(t) = exp(-i t P / 2) with a fixed Hermitian generator P; the adjoint
// sweep (quantum/adjoint.cpp) needs P, the parameter-shift rule needs its spectrum. Controlled
// rotations have P = |1><1| (x) sigma on (control, target). Rot(a, b, c) is not a gate of its own
// here: Circuit::rot appends RZ(a), RY(b), RZ(c), which is its definition.
#pragma once

#include <array>
#include <cstdint>

namespace hqc::quantum {

enum class Gate : uint8_t {
  RX, RY, RZ, PhaseShift, CRX, CRY, CRZ,  // parametrised
  H, X, Y, Z, S, T, CNOT, CZ, SWAP,       // fixed
  Unitary,                                // an arbitrary single-qubit unitary given as a matrix
};

// A 2x2 complex matrix as [a.re, a.im, b.re, b.im, c.re, c.im, d.re, d.im] for [[a, b], [c, d]].
using Mat2 = std::array<double, 8>;

const char* gate_name(Gate g);       // PennyLane's name: "RX", "CNOT", "QubitUnitary", ...
int gate_num_wires(Gate g);          // 1 or 2
bool gate_is_parametrised(Gate g);
bool gate_is_controlled(Gate g);     // CRX/CRY/CRZ/CNOT/CZ: wires = (control, target)

// The 2x2 matrix a single-target gate applies to its target (on the control = 1 subspace for the
// controlled ones). t is ignored for fixed gates. Not for SWAP or Unitary.
Mat2 gate_matrix(Gate g, double t);
// P in U(t) = exp(-i t P / 2), restricted to the target like gate_matrix. Parametrised gates only.
Mat2 gate_generator(Gate g);

Mat2 mat2_adjoint(const Mat2& m);
Mat2 mat2_mul(const Mat2& a, const Mat2& b);  // a * b

}  // namespace hqc::quantum
