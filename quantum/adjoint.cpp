// adjoint.cpp — the adjoint sweep and the parameter-shift rule.
#include "quantum/adjoint.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "quantum/embedding.hpp"
#include "quantum/measure.hpp"
#include "quantum/simd/kernels.hpp"
#include "tensor/reduce.hpp"

namespace hqc::quantum {

namespace {
// grad_out as contiguous float64 (B, n), checked.
Tensor check_grad_out(const Tensor& g, int n, int64_t B, const char* op) {
  if (!g.defined() || g.dim() != 2 || g.size(0) != B || g.size(1) != n) {
    throw std::invalid_argument(std::string(op) + ": output gradient has shape " +
                                (g.defined() ? shape_str(g.sizes()) : std::string("(none)")) + ", expected (" +
                                std::to_string(B) + ", " + std::to_string(n) + ")");
  }
  Tensor t = g.to(DType::f64).contiguous();
  const double* p = t.data<double>();
  for (int64_t i = 0; i < t.numel(); ++i)
    if (!std::isfinite(p[i])) throw std::invalid_argument(std::string(op) + ": output gradient is not finite");
  return t;
}

// Accumulates a per-sample dL/dt (d: B values) into the gradient of the op's parameter source. A
// weight's is summed over the batch as every batch reduction is (batch_sum, tensor/reduce.hpp).
void accumulate(const Op& op, const double* d, int64_t B, Gradients& g) {
  if (op.param.kind == Param::Kind::weight) {
    g.weights.data<double>()[op.param.index] += batch_sum(d, B);
  } else if (op.param.kind == Param::Kind::input) {
    const int64_t K = g.inputs.size(1);
    double* gi = g.inputs.data<double>();
    for (int64_t b = 0; b < B; ++b) gi[b * K + op.param.index] += d[b];
  }
}

bool differentiable(const Op& op) {
  return gate_is_parametrised(op.gate) &&
         (op.param.kind == Param::Kind::weight || op.param.kind == Param::Kind::input);
}
}  // namespace

Gradients adjoint_expval_z(const Circuit& c, const Bound& bound, const StateBatch& final_state,
                           const Tensor& grad_out) {
  const int n = c.num_qubits();
  const int64_t B = bound.batch, dim = final_state.dim();
  if (final_state.num_qubits() != n || final_state.batch() != B) {
    throw std::invalid_argument("adjoint: final state (" + std::to_string(final_state.num_qubits()) + " qubits, batch " +
                                std::to_string(final_state.batch()) + ") does not match the circuit (" +
                                std::to_string(n) + " qubits, batch " + std::to_string(B) + ")");
  }
  Tensor g = check_grad_out(grad_out, n, B, "adjoint");
  check_state_fits(n, B, 3, "adjoint");
  Gradients out{zeros({c.num_weights()}, DType::f64), zeros({B, c.num_inputs()}, DType::f64)};

  // g as (n, B), the kernels' layout.
  std::vector<double> gt(static_cast<size_t>(n) * B), scratch(std::max<int64_t>(B, 8 * B));
  for (int64_t b = 0; b < B; ++b)
    for (int k = 0; k < n; ++k) gt[static_cast<size_t>(k) * B + b] = g.data<double>()[b * n + k];

  const auto& kern = sv_kernels();
  StateBatch psi = final_state.clone();
  StateBatch lam(n, B, StateBatch::Uninitialized{});
  kern.apply_z_sum(psi.re(), psi.im(), lam.re(), lam.im(), dim, B, n, gt.data(), scratch.data());

  std::vector<double> dre(B), dim_(B);
  // The weights' sums over the batch, in sweep order, are added once the sweep is done: under a batch
  // split (tensor/batch_split.hpp) they are exchanged first, in one call, and become the whole batch's.
  std::vector<double> wsum;
  std::vector<int64_t> widx;
  const auto& ops = c.ops();
  for (size_t j = ops.size(); j-- > 0;) {
    const Op& op = ops[j];
    if (differentiable(op)) {
      const bool controlled = gate_is_controlled(op.gate);
      const int64_t tbit = int64_t{1} << (n - 1 - op.wires[controlled ? 1 : 0]);
      const int64_t cmask = controlled ? int64_t{1} << (n - 1 - op.wires[0]) : 0;
      const Mat2 P = gate_generator(op.gate);
      std::fill(dre.begin(), dre.end(), 0.0);
      std::fill(dim_.begin(), dim_.end(), 0.0);
      kern.braket_1q(lam.re(), lam.im(), psi.re(), psi.im(), dim, B, tbit, cmask, P.data(), dre.data(), dim_.data());
      // dL/dt = Im<lambda|P psi>
      if (op.param.kind == Param::Kind::weight) {
        wsum.push_back(batch_sum(dim_.data(), B));
        widx.push_back(op.param.index);
      } else {
        accumulate(op, dim_.data(), B, out);
      }
    }
    apply_op(psi, op, bound, true, scratch);
    apply_op(lam, op, bound, true, scratch);
  }

  combine_batch_sums(wsum.data(), static_cast<int64_t>(wsum.size()));
  for (size_t i = 0; i < wsum.size(); ++i) out.weights.data<double>()[widx[i]] += wsum[i];

  if (c.amplitude_embedding()) {
    // dL/dpsi_0 = 2 Re(lambda_0) for the real psi_0 the embedding prepares.
    double* gpsi = lam.re();
    for (int64_t i = 0; i < dim * B; ++i) gpsi[i] *= 2.0;
    embed_amplitudes_backward(*c.amplitude_embedding(), bound.x(), n, B, gpsi, out.inputs.data<double>());
  }
  return out;
}

Gradients adjoint_expval_z(const Circuit& c, const Tensor& weights, const Tensor& inputs, const Tensor& grad_out) {
  Bound bound = bind(c, weights, inputs, "adjoint");
  StateBatch s = run(c, bound, 4);
  return adjoint_expval_z(c, bound, s, grad_out);
}

Gradients parameter_shift_expval_z(const Circuit& c, const Tensor& weights, const Tensor& inputs,
                                   const Tensor& grad_out) {
  Bound bound = bind(c, weights, inputs, "parameter_shift");
  const int n = c.num_qubits();
  const int64_t B = bound.batch;
  Tensor g = check_grad_out(grad_out, n, B, "parameter_shift");
  Gradients out{zeros({c.num_weights()}, DType::f64), zeros({B, c.num_inputs()}, DType::f64)};
  const double* gp = g.data<double>();
  const auto& ops = c.ops();
  std::vector<double> scratch, d(B);

  // sum_k g[b][k] <Z_k>_b of the circuit with op j's angle shifted, per sample.
  auto shifted = [&](size_t j, double shift, std::vector<double>& f) {
    StateBatch s(n, B);
    if (c.amplitude_embedding()) embed_amplitudes(*c.amplitude_embedding(), bound.x(), s);
    for (size_t i = 0; i < ops.size(); ++i) apply_op(s, ops[i], bound, false, scratch, i == j ? shift : 0.0);
    Tensor e = expval(s, Pauli::Z);
    for (int64_t b = 0; b < B; ++b) {
      double acc = 0.0;
      for (int k = 0; k < n; ++k) acc += gp[b * n + k] * e.data<double>()[b * n + k];
      f[b] = acc;
    }
  };
  const double pi = std::numbers::pi;
  std::vector<double> fp(B), fm(B), fp3(B), fm3(B);
  for (size_t j = 0; j < ops.size(); ++j) {
    if (!differentiable(ops[j])) continue;
    shifted(j, pi / 2, fp);
    shifted(j, -pi / 2, fm);
    if (gate_is_controlled(ops[j].gate)) {
      // Generator eigenvalues {0, +-1/2}: df/dt = c+ [f(t+pi/2) - f(t-pi/2)] - c- [f(t+3pi/2) - f(t-3pi/2)].
      shifted(j, 3 * pi / 2, fp3);
      shifted(j, -3 * pi / 2, fm3);
      const double cp = (std::sqrt(2.0) + 1) / (4 * std::sqrt(2.0)), cm = (std::sqrt(2.0) - 1) / (4 * std::sqrt(2.0));
      for (int64_t b = 0; b < B; ++b) d[b] = cp * (fp[b] - fm[b]) - cm * (fp3[b] - fm3[b]);
    } else {
      for (int64_t b = 0; b < B; ++b) d[b] = (fp[b] - fm[b]) / 2;
    }
    accumulate(ops[j], d.data(), B, out);
  }
  if (c.amplitude_embedding()) out.inputs = Tensor();
  return out;
}

}  // namespace hqc::quantum
