// density.hpp — a batched density-matrix simulator with noise channels, and its exact gradients.
//
// Each sample's state is a 2^n x 2^n complex matrix rho (double precision), evolved gate by gate as
// rho -> U rho U^dagger, with the noise model's channels rho -> sum_k K_k rho K_k^dagger after every
// gate (quantum/noise.hpp). Same circuits, gates and conventions as the statevector simulator
// (quantum/simulate.hpp); without noise the results agree with it to rounding.
//
// Gradients of L = sum_{b,k} g[b][k] <Z_k>_b by reverse mode in Liouville space: the observable
// O = sum_k g_k Z_k is carried backwards through the adjoint channels (O -> sum_k K_k^dagger O K_k,
// O -> U^dagger O U), and at a gate exp(-i t P / 2) with rho_j the state just after it and O_j the
// observable carried back to that point, dL/dt = Im tr(O_j P rho_j). At the start, O_0 gives
// dL/dpsi_0 = 2 Re(O_0) psi_0 for the amplitude embedding's real psi_0, which goes back through
// normalisation, padding and abs to the inputs (quantum/embedding.hpp).
//
// Samples are independent and run in parallel over the batch (fixed split, per-sample results
// combined in sample order): the same bits for any thread count.
#pragma once

#include <cstddef>
#include <cstdint>

#include "quantum/adjoint.hpp"
#include "quantum/circuit.hpp"
#include "quantum/noise.hpp"
#include "quantum/simulate.hpp"
#include "tensor/tensor.hpp"

namespace hqc::quantum {

// Largest qubit count of the density-matrix simulator (a 12-qubit rho is 256 MB); memory is checked
// separately, per thread, before anything is allocated.
constexpr int kMaxDensityQubits = 12;

// (B, D, D, 2) float64: [re, im] of rho[i][j] per sample, wire 0 the most significant bit of i and j.
Tensor density_matrices(const Circuit& c, const Bound& bound, const NoiseModel& noise);
// An angle shift of one op (the parameter-shift rule): `by` is added to the angle of ops()[op].
struct AngleShift {
  size_t op = static_cast<size_t>(-1);  // none
  double by = 0.0;
};
// (B, D) float64: the diagonal of rho, the outcome probabilities of a computational-basis measurement.
Tensor density_probabilities(const Circuit& c, const Bound& bound, const NoiseModel& noise, AngleShift shift = {});
// (B, n) float64: <Z_w> = Re tr(rho Z_w) per wire.
Tensor density_expval_z(const Circuit& c, const Bound& bound, const NoiseModel& noise);

// dL/dweights (summed over the batch) and dL/dinputs (B, K), exact, by the reverse sweep above.
// grad_out: (B, n). Recomputes the forward pass, keeping rho after each parametrised gate.
Gradients density_adjoint_expval_z(const Circuit& c, const Bound& bound, const NoiseModel& noise,
                                   const Tensor& grad_out);

// The same gradient by the parameter-shift rule on the noisy circuit (two runs per parametrised
// gate, four for controlled rotations): exact because the channels do not depend on the angles.
// Weights and angle-embedded inputs; `inputs` is left undefined for an amplitude-embedded circuit.
Gradients density_parameter_shift_expval_z(const Circuit& c, const Bound& bound, const NoiseModel& noise,
                                           const Tensor& grad_out);

}  // namespace hqc::quantum
