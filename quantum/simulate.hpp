// simulate.hpp — running a circuit on a batch: the forward pass.
//
// run() validates weights and inputs at this public boundary (shapes, finiteness) and returns the
// final state of every sample; quantum/measure.hpp turns it into expectations, quantum/adjoint.hpp
// differentiates it. apply_op() is the one place a gate touches a state.
#pragma once

#include <cstdint>
#include <vector>

#include "quantum/circuit.hpp"
#include "quantum/state.hpp"
#include "tensor/tensor.hpp"

namespace hqc::quantum {

// Weights and inputs checked against a circuit and converted to contiguous float64.
struct Bound {
  Tensor weights;  // (W)
  Tensor inputs;   // (B, K)
  int64_t batch = 0;
  const double* w() const { return w_; }
  const double* x() const { return x_; }
  int64_t input_columns() const { return k_; }
  // Caches the raw pointers above (bind() calls it): they are read once per gate.
  void cache() {
    w_ = weights.numel() ? weights.data<double>() : nullptr;
    x_ = inputs.numel() ? inputs.data<double>() : nullptr;
    k_ = inputs.size(1);
  }

 private:
  const double* w_ = nullptr;
  const double* x_ = nullptr;
  int64_t k_ = 0;
};

// weights: W values (any shape with W elements); inputs: (B, K) with K = c.num_inputs(), or
// undefined / (B, 0) for a circuit without inputs, which then runs on `batch` samples.
// Throws std::invalid_argument naming `op` and both shapes when they do not fit, or when a value
// is not finite.
Bound bind(const Circuit& c, const Tensor& weights, const Tensor& inputs, const char* op, int64_t batch = 1);

// The final states. `copies` is how many states the caller will hold at once (memory check).
StateBatch run(const Circuit& c, const Bound& bound, int copies = 1);
StateBatch run(const Circuit& c, const Tensor& weights, const Tensor& inputs);

// Applies the circuit's gates (not its amplitude embedding) to a given batch of states.
void evolve(const Circuit& c, const Bound& bound, StateBatch& state);

// Applies op (or its inverse) to every sample. `shift` is added to the op's angle (parameter
// shift). scratch: at least 8 * B doubles, for per-sample matrices.
void apply_op(StateBatch& s, const Op& op, const Bound& bound, bool inverse, std::vector<double>& scratch,
              double shift = 0.0);

// The op's angle for sample b (0 for fixed gates).
double op_angle(const Op& op, const Bound& bound, int64_t b);

}  // namespace hqc::quantum
