// qasm.hpp — a circuit written out as OpenQASM 2.0, so that a trained circuit runs elsewhere.
//
// Only gates of the original qelib1.inc are used (rx ry rz u1 u3 h x y z s t cx cz crz), so any
// OpenQASM 2.0 tool reads the output: SWAP becomes three cx, CRX and CRY their standard two-cx
// decompositions, QubitUnitary a u3 (exact up to a global phase). The amplitude embedding, which
// QASM 2.0 cannot state, becomes a state preparation of RY rotations and cx gates (the Mottonen
// construction for real amplitudes) that builds exactly the embedded state of the chosen sample.
// For n qubits that preparation is 2^n - 1 RY and 2^n - 2 CNOT gates, computed in O(n 2^n)
// arithmetic (a fast Walsh-Hadamard transform per wire) and O(2^n) memory.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "quantum/circuit.hpp"
#include "quantum/noise.hpp"
#include "tensor/tensor.hpp"

namespace hqc::quantum {

// Gates taking |0...0> of n qubits to the real vector `amplitudes` (2^n values, norm 1), using
// only RY and CNOT. Throws when the length is not 2^n or the norm is not 1 within 1e-8.
std::vector<Op> real_state_preparation(int n, const std::vector<double>& amplitudes);
// The same gates handed to `sink` one by one, in order, without holding them (2^n of them).
void real_state_preparation(int n, const std::vector<double>& amplitudes, const std::function<void(const Op&)>& sink);

// (theta, phi, lambda) with U = e^{i alpha} RZ(phi) RY(theta) RZ(lambda) for a unitary U.
std::array<double, 3> zyz_angles(const Mat2& u);

// The circuit for sample `sample` of inputs (B, K) with the given weights, as OpenQASM 2.0 text
// ending with a measurement of every qubit. Validates as run() does. A noise model and a shot count,
// which OpenQASM 2.0 cannot state, are noted in comments after the header (where the channels go,
// and the model as parse_noise_model reads it back).
std::string to_qasm2(const Circuit& c, const Tensor& weights, const Tensor& inputs, int64_t sample = 0,
                     const NoiseModel& noise = {}, int64_t shots = 0);
// An upper bound on the bytes to_qasm2 allocates for `c` (and `noise`'s comments): the text and the
// state preparation's working arrays. Callers check it against their memory budget before exporting.
int64_t qasm2_bytes(const Circuit& c, const NoiseModel& noise = {});

}  // namespace hqc::quantum
