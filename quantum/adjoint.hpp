// adjoint.hpp — gradients of L = sum_{b,k} g[b][k] <Z_k>_b with respect to the weights and the
// inputs of a circuit: the adjoint method (Jones and Gacon, arXiv 2009.02823; docs/quantum.md,
// "Differentiation") and, as an independent cross-check, the parameter-shift rule.
//
// The adjoint sweep starts from the final states, sets lambda = H psi with H = sum_k g_k Z_k, and
// walks the gates backwards: at a gate exp(-i t P / 2) it adds Im<lambda|P psi> to dL/dt, then
// undoes the gate on both. At the end 2 Re(lambda) is dL/dpsi_0, which goes back through the
// amplitude embedding (normalisation, padding, abs) to the inputs: every weight and every input in
// one sweep, holding two states.
#pragma once

#include "quantum/circuit.hpp"
#include "quantum/simulate.hpp"
#include "quantum/state.hpp"
#include "tensor/tensor.hpp"

namespace hqc::quantum {

struct Gradients {
  Tensor weights;  // (W) float64, summed over the batch
  Tensor inputs;   // (B, K) float64
};

// final_state: run(c, bound) for the same bound. grad_out: (B, n), dL/d<Z_k> per sample.
Gradients adjoint_expval_z(const Circuit& c, const Bound& bound, const StateBatch& final_state,
                           const Tensor& grad_out);
// Convenience: runs the forward pass itself.
Gradients adjoint_expval_z(const Circuit& c, const Tensor& weights, const Tensor& inputs, const Tensor& grad_out);

// The same gradient by the parameter-shift rule: two extra circuit runs per parametrised gate
// ([f(t + pi/2) - f(t - pi/2)] / 2), four for controlled rotations, whose generator has three
// eigenvalues (PennyLane's four-term rule). Covers weights and angle-embedded inputs; the
// amplitude embedding has no shift rule, so for such a circuit `inputs` is left undefined.
Gradients parameter_shift_expval_z(const Circuit& c, const Tensor& weights, const Tensor& inputs,
                                   const Tensor& grad_out);

}  // namespace hqc::quantum
