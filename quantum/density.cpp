// density.cpp — the density-matrix simulator: gates, channels, the forward pass and the reverse
// sweep through the adjoint channels. One sample at a time per thread, plain complex loops: the
// matrices are small (n <= 8 in practice) and every sample is independent.
#include "quantum/density.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <numbers>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "quantum/embedding.hpp"
#include "quantum/state.hpp"
#include "tensor/parallel.hpp"
#include "tensor/reduce.hpp"

namespace hqc::quantum {

namespace {
using C = std::complex<double>;

C entry(const Mat2& m, int r, int c) { return {m[4 * r + 2 * c], m[4 * r + 2 * c + 1]}; }

// The textbook complex product. std::complex's operator* also handles infinities and NaN (Annex G)
// through a library call, which made the sweep several times slower; every value here is finite.
inline C mul(C a, C b) { return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()}; }

// The superoperator of a channel on one wire: out_ab = sum_cd S[ab][cd] B_cd for a 2x2 block B of
// rho (rows a, c and columns b, d on the wire's bit), S[ab][cd] = sum_k K_ac conj(K_bd).
using Super = std::array<C, 16>;
Super superoperator(const std::vector<Mat2>& kraus) {
  Super s{};
  for (const Mat2& k : kraus)
    for (int a = 0; a < 2; ++a)
      for (int b = 0; b < 2; ++b)
        for (int c = 0; c < 2; ++c)
          for (int d = 0; d < 2; ++d) s[(2 * a + b) * 4 + 2 * c + d] += entry(k, a, c) * std::conj(entry(k, b, d));
  return s;
}
Super compose(const Super& second, const Super& first) {  // second after first
  Super s{};
  for (int e = 0; e < 4; ++e)
    for (int f = 0; f < 4; ++f)
      for (int m = 0; m < 4; ++m) s[e * 4 + f] += second[e * 4 + m] * first[m * 4 + f];
  return s;
}

// A superoperator's non-zero entries only: a Pauli channel's has 6 of 16 (the block's diagonal
// mixes, its off-diagonal scales), amplitude damping's 5.
struct SparseSuper {
  int count = 0;
  std::array<uint8_t, 16> out{}, in{};
  std::array<C, 16> value{};
  explicit SparseSuper(const Super& s) {
    for (int e = 0; e < 16; ++e)
      if (s[e] != C{}) out[count] = static_cast<uint8_t>(e / 4), in[count] = static_cast<uint8_t>(e % 4), value[count++] = s[e];
  }
};

// One matrix rho (D x D, row-major) of one sample.
struct Rho {
  int64_t D;
  std::vector<C> a;
  C* row(int64_t i) { return a.data() + i * D; }
};

// rho -> M rho on the rows whose control bits are set (M acts on the target bit tbit).
void left_apply(Rho& r, int64_t tbit, int64_t cmask, const Mat2& m) {
  const C m00 = entry(m, 0, 0), m01 = entry(m, 0, 1), m10 = entry(m, 1, 0), m11 = entry(m, 1, 1);
  for (int64_t i = 0; i < r.D; ++i) {
    if ((i & tbit) || (i & cmask) != cmask) continue;
    C* x = r.row(i);
    C* y = r.row(i | tbit);
    for (int64_t j = 0; j < r.D; ++j) {
      const C u = x[j], v = y[j];
      x[j] = mul(m00, u) + mul(m01, v);
      y[j] = mul(m10, u) + mul(m11, v);
    }
  }
}

// rho -> rho M^dagger on the columns whose control bits are set: (rho M^dagger)_ij = sum_k rho_ik conj(M_jk).
void right_apply_dagger(Rho& r, int64_t tbit, int64_t cmask, const Mat2& m) {
  const C m00 = std::conj(entry(m, 0, 0)), m01 = std::conj(entry(m, 0, 1)), m10 = std::conj(entry(m, 1, 0)),
          m11 = std::conj(entry(m, 1, 1));
  for (int64_t i = 0; i < r.D; ++i) {
    C* x = r.row(i);
    for (int64_t j = 0; j < r.D; ++j) {
      if ((j & tbit) || (j & cmask) != cmask) continue;
      const C u = x[j], v = x[j | tbit];
      x[j] = mul(u, m00) + mul(v, m01);
      x[j | tbit] = mul(u, m10) + mul(v, m11);
    }
  }
}

// rho -> S(rho) for a channel's superoperator on the wire of bit tbit.
void apply_super(Rho& r, int64_t tbit, const SparseSuper& s) {
  for (int64_t i = 0; i < r.D; ++i) {
    if (i & tbit) continue;
    C* r0 = r.row(i);
    C* r1 = r.row(i | tbit);
    for (int64_t j = 0; j < r.D; ++j) {
      if (j & tbit) continue;
      const C in[4] = {r0[j], r0[j | tbit], r1[j], r1[j | tbit]};
      C out[4] = {};
      for (int t = 0; t < s.count; ++t) out[s.out[t]] += mul(s.value[t], in[s.in[t]]);
      r0[j] = out[0], r0[j | tbit] = out[1], r1[j] = out[2], r1[j | tbit] = out[3];
    }
  }
}

void swap_wires(Rho& r, int64_t a, int64_t b) {
  auto perm = [a, b](int64_t i) { return ((i & a) != 0) == ((i & b) != 0) ? i : i ^ (a | b); };
  std::vector<C> out(r.a.size());
  for (int64_t i = 0; i < r.D; ++i)
    for (int64_t j = 0; j < r.D; ++j) out[perm(i) * r.D + perm(j)] = r.a[i * r.D + j];
  r.a.swap(out);
}

// Everything a sample's sweep needs that does not depend on the sample.
struct Plan {
  const Circuit& c;
  const Bound& bound;
  int n;
  int64_t D;
  // All listed channels on one wire as one superoperator: forward (K), and adjoint (K^dagger, in
  // reverse order); empty without noise.
  std::vector<SparseSuper> forward, adjoint;
  std::vector<double> psi0;             // (D, B) amplitude embedding, real
  Plan(const Circuit& circuit, const Bound& b, const NoiseModel& noise)
      : c(circuit), bound(b), n(circuit.num_qubits()), D(int64_t{1} << circuit.num_qubits()) {
    if (!noise.empty()) {
      Super f{}, a{};
      for (int e = 0; e < 4; ++e) f[e * 5] = a[e * 5] = 1.0;
      for (const NoiseChannel& ch : noise.channels) {
        std::vector<Mat2> k = kraus_operators(ch);
        f = compose(superoperator(k), f);
        for (Mat2& m : k) m = mat2_adjoint(m);
        a = compose(a, superoperator(k));
      }
      forward.emplace_back(f);
      adjoint.emplace_back(a);
    }
    if (c.amplitude_embedding()) {
      StateBatch s(n, bound.batch, StateBatch::Uninitialized{});
      embed_amplitudes(*c.amplitude_embedding(), bound.x(), s);  // throws on a zero or bad row
      psi0.assign(s.re(), s.re() + D * bound.batch);
    }
  }
  int64_t bit(int w) const { return int64_t{1} << (n - 1 - w); }
  int64_t target_bit(const Op& op) const { return bit(op.wires[gate_is_controlled(op.gate) ? 1 : 0]); }
  int64_t control_mask(const Op& op) const { return gate_is_controlled(op.gate) ? bit(op.wires[0]) : 0; }

  void initial(Rho& r, int64_t b) const {
    std::fill(r.a.begin(), r.a.end(), C{});
    if (psi0.empty()) {
      r.a[0] = 1.0;
      return;
    }
    const int64_t B = bound.batch;
    for (int64_t i = 0; i < D; ++i)
      for (int64_t j = 0; j < D; ++j) r.a[i * D + j] = psi0[i * B + b] * psi0[j * B + b];
  }

  // The op's 2x2 matrix for sample b (not SWAP), its angle shifted by `shift`.
  Mat2 matrix(const Op& op, int64_t b, double shift) const {
    if (op.gate == Gate::Unitary) return op.matrix;
    return gate_matrix(op.gate, op_angle(op, bound, b) + shift);
  }

  // rho -> U rho U^dagger (inverse: U^dagger rho U, the Heisenberg step of an observable).
  void gate(Rho& r, const Op& op, int64_t b, bool inverse, double shift = 0.0) const {
    if (op.gate == Gate::SWAP) return swap_wires(r, bit(op.wires[0]), bit(op.wires[1]));
    const Mat2 u = matrix(op, b, shift);
    const Mat2 m = inverse ? mat2_adjoint(u) : u;
    left_apply(r, target_bit(op), control_mask(op), m);
    right_apply_dagger(r, target_bit(op), control_mask(op), m);
  }

  // The channels after op: for each wire of the op in order, each channel in order (composed into
  // one superoperator per wire); the adjoint walks the wires backwards with the adjoint channels.
  void noise(Rho& r, const Op& op, bool adjoint_channels) const {
    if (forward.empty()) return;
    const int nw = gate_num_wires(op.gate);
    if (!adjoint_channels) {
      for (int k = 0; k < nw; ++k) apply_super(r, bit(op.wires[k]), forward[0]);
    } else {
      for (int k = nw; k-- > 0;) apply_super(r, bit(op.wires[k]), adjoint[0]);
    }
  }

  void run(Rho& r, int64_t b, AngleShift shift = {}) const {
    initial(r, b);
    const auto& ops = c.ops();
    for (size_t j = 0; j < ops.size(); ++j) {
      gate(r, ops[j], b, false, j == shift.op ? shift.by : 0.0);
      noise(r, ops[j], false);
    }
  }
};

// Refuses n > kMaxDensityQubits, and `matrices` matrices that would not fit in memory.
void check_density_fits(int n, double matrices, const char* op) {
  if (n > kMaxDensityQubits) {
    throw std::invalid_argument(std::string(op) + ": " + std::to_string(n) + " qubits; the density-matrix simulator takes at most " +
                                std::to_string(kMaxDensityQubits));
  }
  const double bytes = std::ldexp(16.0, 2 * n) * matrices, have = memory_budget_bytes();
  if (bytes > have) {
    std::ostringstream m;
    m << op << ": " << matrices << " density matrices of " << n << " qubits need " << bytes / (1 << 20)
      << " MiB, more than the " << have / (1 << 20) << " MiB this process may use; use fewer qubits or a smaller batch";
    throw std::length_error(m.str());
  }
}

double threads_for(int64_t B) { return static_cast<double>(std::min<int64_t>(B, parallel_chunks(B, 1))); }

bool differentiable(const Op& op) {
  return gate_is_parametrised(op.gate) && (op.param.kind == Param::Kind::weight || op.param.kind == Param::Kind::input);
}

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
}  // namespace

Tensor density_matrices(const Circuit& c, const Bound& bound, const NoiseModel& noise) {
  const int n = c.num_qubits();
  const int64_t B = bound.batch;
  check_density_fits(n, static_cast<double>(B) + threads_for(B), "density matrix");
  Plan plan(c, bound, noise);
  const int64_t D = plan.D;
  Tensor out = Tensor::empty({B, D, D, 2}, DType::f64);
  double* o = out.data<double>();
  parallel_for(B, 1, [&](int64_t begin, int64_t end) {
    Rho r{D, std::vector<C>(D * D)};
    for (int64_t b = begin; b < end; ++b) {
      plan.run(r, b);
      for (int64_t e = 0; e < D * D; ++e) {
        o[(b * D * D + e) * 2] = r.a[e].real();
        o[(b * D * D + e) * 2 + 1] = r.a[e].imag();
      }
    }
  });
  return out;
}

Tensor density_probabilities(const Circuit& c, const Bound& bound, const NoiseModel& noise, AngleShift shift) {
  const int n = c.num_qubits();
  const int64_t B = bound.batch;
  check_density_fits(n, threads_for(B), "density matrix");
  Plan plan(c, bound, noise);
  const int64_t D = plan.D;
  Tensor out = Tensor::empty({B, D}, DType::f64);
  double* o = out.data<double>();
  parallel_for(B, 1, [&](int64_t begin, int64_t end) {
    Rho r{D, std::vector<C>(D * D)};
    for (int64_t b = begin; b < end; ++b) {
      plan.run(r, b, shift);
      for (int64_t i = 0; i < D; ++i) o[b * D + i] = r.a[i * D + i].real();
    }
  });
  return out;
}

Tensor density_expval_z(const Circuit& c, const Bound& bound, const NoiseModel& noise) {
  const int n = c.num_qubits();
  const int64_t B = bound.batch, D = int64_t{1} << n;
  Tensor p = density_probabilities(c, bound, noise);
  Tensor out = zeros({B, n}, DType::f64);
  const double* pp = p.data<double>();
  double* o = out.data<double>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < D; ++i)
      for (int w = 0; w < n; ++w) o[b * n + w] += ((i >> (n - 1 - w)) & 1) ? -pp[b * D + i] : pp[b * D + i];
  return out;
}

Gradients density_adjoint_expval_z(const Circuit& c, const Bound& bound, const NoiseModel& noise,
                                   const Tensor& grad_out) {
  const int n = c.num_qubits();
  const int64_t B = bound.batch, W = c.num_weights(), K = c.num_inputs();
  Tensor g = check_grad_out(grad_out, n, B, "density adjoint");
  const auto& ops = c.ops();
  std::vector<size_t> saved_at(ops.size(), 0);  // slot of rho after op j, for differentiable ops
  size_t slots = 0;
  for (size_t j = 0; j < ops.size(); ++j)
    if (differentiable(ops[j])) saved_at[j] = slots++;
  check_density_fits(n, threads_for(B) * static_cast<double>(slots + 2), "density adjoint");
  Plan plan(c, bound, noise);
  const int64_t D = plan.D;
  Gradients out{zeros({W}, DType::f64), zeros({B, K}, DType::f64)};
  std::vector<double> gw(static_cast<size_t>(B * W), 0.0);  // per sample, summed over the batch below
  std::vector<double> gpsi(static_cast<size_t>(D * B), 0.0);  // dL/dpsi_0, (D, B) as the embedding wants
  const double* gp = g.data<double>();
  double* gin = out.inputs.data<double>();

  parallel_for(B, 1, [&](int64_t begin, int64_t end) {
    Rho r{D, std::vector<C>(D * D)}, o{D, std::vector<C>(D * D)};
    std::vector<std::vector<C>> saved(slots, std::vector<C>(D * D));
    for (int64_t b = begin; b < end; ++b) {
      plan.initial(r, b);
      for (size_t j = 0; j < ops.size(); ++j) {
        plan.gate(r, ops[j], b, false);
        if (differentiable(ops[j])) saved[saved_at[j]] = r.a;
        plan.noise(r, ops[j], false);
      }
      // O = sum_k g_k Z_k: diagonal.
      std::fill(o.a.begin(), o.a.end(), C{});
      for (int64_t i = 0; i < D; ++i) {
        double v = 0.0;
        for (int k = 0; k < n; ++k) v += ((i >> (n - 1 - k)) & 1) ? -gp[b * n + k] : gp[b * n + k];
        o.a[i * D + i] = v;
      }
      for (size_t j = ops.size(); j-- > 0;) {
        const Op& op = ops[j];
        plan.noise(o, op, true);
        if (differentiable(op)) {
          // Im tr(O P rho) = Im sum_{i, x} O_ix (P rho)_xi, P on the target within the control subspace.
          const std::vector<C>& rho = saved[saved_at[j]];
          const Mat2 P = gate_generator(op.gate);
          const int64_t tbit = plan.target_bit(op), cmask = plan.control_mask(op);
          C acc = 0.0;
          for (int64_t x = 0; x < D; ++x) {
            if ((x & cmask) != cmask) continue;
            const int tx = (x & tbit) ? 1 : 0;
            const C p0 = entry(P, tx, 0), p1 = entry(P, tx, 1);
            const C* r0 = rho.data() + (x & ~tbit) * D;
            const C* r1 = rho.data() + (x | tbit) * D;
            for (int64_t i = 0; i < D; ++i) acc += mul(o.a[i * D + x], mul(p0, r0[i]) + mul(p1, r1[i]));
          }
          const double d = acc.imag();
          if (op.param.kind == Param::Kind::weight) gw[b * W + op.param.index] += d;
          else gin[b * K + op.param.index] += d;
        }
        plan.gate(o, op, b, true);
      }
      if (!plan.psi0.empty()) {
        for (int64_t i = 0; i < D; ++i) {
          double s = 0.0;
          for (int64_t j = 0; j < D; ++j) s += o.a[i * D + j].real() * plan.psi0[j * B + b];
          gpsi[i * B + b] = 2.0 * s;
        }
      }
    }
  });
  double* ow = out.weights.data<double>();
  // Summed over the batch as every batch reduction is (tensor/reduce.hpp); the whole batch's under a split.
  std::vector<double> sw(static_cast<size_t>(W));
  for (int64_t w = 0; w < W; ++w) sw[w] = batch_sum(gw.data() + w, B, W);
  combine_batch_sums(sw.data(), W);
  for (int64_t w = 0; w < W; ++w) ow[w] += sw[w];
  if (c.amplitude_embedding()) embed_amplitudes_backward(*c.amplitude_embedding(), bound.x(), n, B, gpsi.data(), gin);
  return out;
}

Gradients density_parameter_shift_expval_z(const Circuit& c, const Bound& bound, const NoiseModel& noise,
                                           const Tensor& grad_out) {
  const int n = c.num_qubits();
  const int64_t B = bound.batch, D = int64_t{1} << n, K = c.num_inputs();
  Tensor g = check_grad_out(grad_out, n, B, "density parameter shift");
  const double* gp = g.data<double>();
  Gradients out{zeros({c.num_weights()}, DType::f64), zeros({B, K}, DType::f64)};
  // sum_k g[b][k] <Z_k>_b with op j shifted, per sample.
  auto loss = [&](size_t j, double by) {
    Tensor p = density_probabilities(c, bound, noise, {j, by});
    std::vector<double> f(B, 0.0);
    for (int64_t b = 0; b < B; ++b)
      for (int64_t i = 0; i < D; ++i)
        for (int k = 0; k < n; ++k)
          f[b] += gp[b * n + k] * (((i >> (n - 1 - k)) & 1) ? -1.0 : 1.0) * p.data<double>()[b * D + i];
    return f;
  };
  const double pi = std::numbers::pi;
  const auto& ops = c.ops();
  for (size_t j = 0; j < ops.size(); ++j) {
    if (!differentiable(ops[j])) continue;
    std::vector<double> d(B), fp = loss(j, pi / 2), fm = loss(j, -pi / 2);
    if (gate_is_controlled(ops[j].gate)) {
      const std::vector<double> fp3 = loss(j, 3 * pi / 2), fm3 = loss(j, -3 * pi / 2);
      const double cp = (std::sqrt(2.0) + 1) / (4 * std::sqrt(2.0)), cm = (std::sqrt(2.0) - 1) / (4 * std::sqrt(2.0));
      for (int64_t b = 0; b < B; ++b) d[b] = cp * (fp[b] - fm[b]) - cm * (fp3[b] - fm3[b]);
    } else {
      for (int64_t b = 0; b < B; ++b) d[b] = (fp[b] - fm[b]) / 2;
    }
    if (ops[j].param.kind == Param::Kind::weight) {
      out.weights.data<double>()[ops[j].param.index] += batch_sum(d.data(), B);
    } else {
      for (int64_t b = 0; b < B; ++b) out.inputs.data<double>()[b * K + ops[j].param.index] += d[b];
    }
  }
  if (c.amplitude_embedding()) out.inputs = Tensor();
  return out;
}

}  // namespace hqc::quantum
