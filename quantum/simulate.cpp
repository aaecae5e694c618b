// simulate.cpp — gate application and the forward pass.
#include "quantum/simulate.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "quantum/embedding.hpp"
#include "quantum/simd/kernels.hpp"

namespace hqc::quantum {

namespace {
void check_finite(const Tensor& t, const char* op, const char* what) {
  const double* p = t.data<double>();
  const int64_t count = t.numel();
  for (int64_t i = 0; i < count; ++i) {
    if (!std::isfinite(p[i])) {
      std::ostringstream m;
      m << op << ": " << what << " element " << i << " is not finite (" << p[i] << ")";
      throw std::invalid_argument(m.str());
    }
  }
}

// Swaps rows a and b (B values each, re and im).
inline void swap_rows(StateBatch& s, int64_t a, int64_t b) {
  const int64_t B = s.batch();
  std::swap_ranges(s.re() + a * B, s.re() + (a + 1) * B, s.re() + b * B);
  std::swap_ranges(s.im() + a * B, s.im() + (a + 1) * B, s.im() + b * B);
}

inline void negate_row(StateBatch& s, int64_t a) {
  const int64_t B = s.batch();
  double* r = s.re() + a * B;
  double* m = s.im() + a * B;
  for (int64_t j = 0; j < B; ++j) {
    r[j] = -r[j];
    m[j] = -m[j];
  }
}
}  // namespace

Bound bind(const Circuit& c, const Tensor& weights, const Tensor& inputs, const char* op, int64_t batch) {
  Bound b;
  const int64_t W = c.num_weights(), K = c.num_inputs();
  if (W > 0 || (weights.defined() && weights.numel() > 0)) {
    if (!weights.defined() || weights.numel() != W) {
      throw std::invalid_argument(std::string(op) + ": weights have shape " +
                                  (weights.defined() ? shape_str(weights.sizes()) : std::string("(none)")) +
                                  ", the circuit needs " + std::to_string(W) + " weights");
    }
  }
  b.weights = W > 0 ? weights.to(DType::f64).contiguous().reshape({W}) : zeros({0}, DType::f64);
  if (W > 0) check_finite(b.weights, op, "weight");
  if (inputs.defined() && !(K == 0 && inputs.numel() == 0)) {
    if (inputs.dim() != 2 || inputs.size(1) != K || inputs.size(0) < 1) {
      throw std::invalid_argument(std::string(op) + ": inputs have shape " + shape_str(inputs.sizes()) +
                                  ", the circuit needs (B, " + std::to_string(K) + ") with B >= 1" +
                                  (c.amplitude_embedding() ? " (amplitude embedding of " + std::to_string(K) + " features)" : ""));
    }
    b.batch = inputs.size(0);
    b.inputs = inputs.to(DType::f64).contiguous();
    check_finite(b.inputs, op, "input");
  } else {
    if (K > 0) {
      throw std::invalid_argument(std::string(op) + ": the circuit needs inputs of shape (B, " + std::to_string(K) +
                                  "), none were given");
    }
    b.batch = (inputs.defined() && inputs.dim() >= 1) ? inputs.size(0) : batch;
    if (b.batch < 1) throw std::invalid_argument(std::string(op) + ": batch size must be at least 1");
    b.inputs = zeros({b.batch, 0}, DType::f64);
  }
  b.cache();
  return b;
}

double op_angle(const Op& op, const Bound& bound, int64_t b) {
  switch (op.param.kind) {
    case Param::Kind::none: return 0.0;
    case Param::Kind::constant: return op.param.value;
    case Param::Kind::weight: return bound.w()[op.param.index];
    case Param::Kind::input: return bound.x()[b * bound.input_columns() + op.param.index];
  }
  return 0.0;
}

void apply_op(StateBatch& s, const Op& op, const Bound& bound, bool inverse, std::vector<double>& scratch,
              double shift) {
  const int n = s.num_qubits();
  const int64_t dim = s.dim(), B = s.batch();
  auto bit = [n](int w) { return int64_t{1} << (n - 1 - w); };
  const bool controlled = gate_is_controlled(op.gate);
  const int64_t tbit = bit(controlled ? op.wires[1] : op.wires[0]);
  const int64_t cmask = controlled ? bit(op.wires[0]) : 0;
  switch (op.gate) {
    case Gate::X:
    case Gate::CNOT:  // permutations: no arithmetic
      for (int64_t base = 0; base < dim; base += 2 * tbit)
        for (int64_t i = base; i < base + tbit; ++i)
          if ((i & cmask) == cmask) swap_rows(s, i, i | tbit);
      return;
    case Gate::Z:
    case Gate::CZ:
      for (int64_t i = 0; i < dim; ++i)
        if ((i & (tbit | cmask)) == (tbit | cmask)) negate_row(s, i);
      return;
    case Gate::SWAP: {
      const int64_t a = bit(op.wires[0]), b = bit(op.wires[1]);
      for (int64_t i = 0; i < dim; ++i)
        if ((i & a) && !(i & b)) swap_rows(s, i, (i & ~a) | b);
      return;
    }
    case Gate::Unitary: {
      const Mat2 m = inverse ? mat2_adjoint(op.matrix) : op.matrix;
      sv_kernels().apply_1q(s.re(), s.im(), dim, B, tbit, 0, m.data());
      return;
    }
    default: break;
  }
  const auto& k = sv_kernels();
  if (!gate_is_parametrised(op.gate)) {
    const Mat2 m0 = gate_matrix(op.gate, 0.0);
    const Mat2 m = inverse ? mat2_adjoint(m0) : m0;
    k.apply_1q(s.re(), s.im(), dim, B, tbit, cmask, m.data());
    return;
  }
  const double sign = inverse ? -1.0 : 1.0;  // U(t)^dagger = U(-t) for U = exp(-i t P / 2)
  if (op.param.kind != Param::Kind::input) {
    const Mat2 m = gate_matrix(op.gate, sign * (op_angle(op, bound, 0) + shift));
    k.apply_1q(s.re(), s.im(), dim, B, tbit, cmask, m.data());
    return;
  }
  scratch.resize(std::max<size_t>(scratch.size(), 8 * B));
  for (int64_t b = 0; b < B; ++b) {
    const Mat2 m = gate_matrix(op.gate, sign * (op_angle(op, bound, b) + shift));
    for (int e = 0; e < 8; ++e) scratch[e * B + b] = m[e];
  }
  k.apply_1q_batched(s.re(), s.im(), dim, B, tbit, cmask, scratch.data());
}

StateBatch run(const Circuit& c, const Bound& bound, int copies) {
  check_state_fits(c.num_qubits(), bound.batch, copies, "circuit");
  StateBatch s = c.amplitude_embedding() ? StateBatch(c.num_qubits(), bound.batch, StateBatch::Uninitialized{})
                                         : StateBatch(c.num_qubits(), bound.batch);
  if (c.amplitude_embedding()) embed_amplitudes(*c.amplitude_embedding(), bound.x(), s);
  evolve(c, bound, s);
  return s;
}

void evolve(const Circuit& c, const Bound& bound, StateBatch& state) {
  if (state.num_qubits() != c.num_qubits() || state.batch() != bound.batch) {
    throw std::invalid_argument("evolve: state of " + std::to_string(state.num_qubits()) + " qubits x batch " +
                                std::to_string(state.batch()) + " for a circuit of " + std::to_string(c.num_qubits()) +
                                " qubits x batch " + std::to_string(bound.batch));
  }
  std::vector<double> scratch;
  for (const Op& op : c.ops()) apply_op(state, op, bound, false, scratch);
}

StateBatch run(const Circuit& c, const Tensor& weights, const Tensor& inputs) {
  return run(c, bind(c, weights, inputs, "circuit"));
}

}  // namespace hqc::quantum
