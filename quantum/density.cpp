// density.cpp — the density-matrix simulator: gates, channels, the forward pass and the reverse
// sweep through the adjoint channels.
//
// rho is held vectorised, as the state of 2n qubits: entry (r, c) at index r * D + c, the batch as
// the lane, (D^2, B) re and im arrays (quantum/state.hpp's layout). Then rho -> U rho U^dagger is
// U on the row wires w and conj(U) on the column wires n + w: two calls of the statevector kernels
// (quantum/simd/), vectorised over the batch. A channel on a wire is one real superoperator on the
// (row bit, column bit) pair (apply_channel_1q), all listed channels fused into it. At a gate,
// Im tr(O P rho) = Im <vec O | (P (x) I) vec rho> for Hermitian O: the statevector's bra-ket kernel.
// The plain per-entry version of every step is tests/quantum/dense_noise.hpp's Kraus sum.
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
#include "quantum/simd/kernels.hpp"
#include "quantum/state.hpp"
#include "tensor/parallel.hpp"
#include "tensor/reduce.hpp"

namespace hqc::quantum {

namespace {
using C = std::complex<double>;

C entry(const Mat2& m, int r, int c) { return {m[4 * r + 2 * c], m[4 * r + 2 * c + 1]}; }

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
// The 8 real coefficients apply_channel_1q takes: (x00, x11) and (x01, x10) mix among themselves
// with real weights for every channel of noise.hpp (their Kraus operators are diagonal or
// anti-diagonal with real products), and so for their compositions.
std::array<double, 8> channel_coefficients(const Super& s) {
  constexpr int kept[8] = {0 * 4 + 0, 0 * 4 + 3, 3 * 4 + 0, 3 * 4 + 3, 1 * 4 + 1, 1 * 4 + 2, 2 * 4 + 1, 2 * 4 + 2};
  std::array<double, 8> k{};
  Super rest = s;
  for (int e = 0; e < 8; ++e) k[e] = s[kept[e]].real(), rest[kept[e]] = C(0.0, s[kept[e]].imag());
  for (const C& v : rest)
    if (std::abs(v) > 1e-15) throw std::logic_error("density matrix: a channel outside the real block form of apply_channel_1q");
  return k;
}

Mat2 conj(const Mat2& m) { return {m[0], -m[1], m[2], -m[3], m[4], -m[5], m[6], -m[7]}; }

// Everything the samples' sweeps need that does not depend on the samples.
struct Plan {
  const Circuit& c;
  const Bound& bound;
  int n;
  int64_t D, DD;
  const QuantumKernels& k = sv_kernels();
  // All listed channels on one wire fused: forward (K), and adjoint (K^dagger, in reverse order).
  bool noisy = false;
  std::array<double, 8> forward{}, adjoint{};
  std::vector<double> psi0;  // (D, B) amplitude embedding, real
  Plan(const Circuit& circuit, const Bound& b, const NoiseModel& noise)
      : c(circuit), bound(b), n(circuit.num_qubits()), D(int64_t{1} << circuit.num_qubits()), DD(D * D) {
    if (!noise.empty()) {
      Super f{}, a{};
      for (int e = 0; e < 4; ++e) f[e * 5] = a[e * 5] = 1.0;
      for (const NoiseChannel& ch : noise.channels) {
        std::vector<Mat2> kraus = kraus_operators(ch);
        f = compose(superoperator(kraus), f);
        for (Mat2& m : kraus) m = mat2_adjoint(m);
        a = compose(a, superoperator(kraus));
      }
      noisy = true;
      forward = channel_coefficients(f);
      adjoint = channel_coefficients(a);
    }
    if (c.amplitude_embedding()) {
      StateBatch s(n, bound.batch, StateBatch::Uninitialized{});
      embed_amplitudes(*c.amplitude_embedding(), bound.x(), s);  // throws on a zero or bad row
      psi0.assign(s.re(), s.re() + D * bound.batch);
    }
  }
  int64_t col_bit(int w) const { return int64_t{1} << (n - 1 - w); }
  int64_t row_bit(int w) const { return col_bit(w) * D; }
  bool controlled(const Op& op) const { return gate_is_controlled(op.gate); }
  int target(const Op& op) const { return op.wires[controlled(op) ? 1 : 0]; }
};

// Buffers of this thread, kept from call to call: a network calls the layer with the same shapes
// batch after batch, and fresh pages for every call cost more than the arithmetic. Released when
// they grow past kKeptBytes (large circuits), so a big call does not pin its memory.
constexpr size_t kKeptBytes = size_t{64} << 20;
struct Scratch {
  std::vector<std::vector<double>> pool;
  double* get(size_t slot, size_t size) {
    if (pool.size() <= slot) pool.resize(slot + 1);
    if (pool[slot].size() < size) pool[slot].resize(size);
    return pool[slot].data();
  }
  void trim() {
    size_t bytes = 0;
    for (const auto& v : pool) bytes += v.capacity() * sizeof(double);
    if (bytes > kKeptBytes) pool.clear(), pool.shrink_to_fit();
  }
};
Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

// Samples [b0, b0 + Bc) of the batch: their vectorised density matrices (slots `slot` and
// `slot + 1` of the thread's scratch) and per-sample gate matrices.
struct Chunk {
  int64_t b0 = 0, Bc = 0;
  double *re, *im;
  std::vector<double> m, mc;
  Chunk(const Plan& p, int64_t b0, int64_t Bc, size_t slot)
      : b0(b0), Bc(Bc), re(scratch().get(slot, p.DD * Bc)), im(scratch().get(slot + 1, p.DD * Bc)) {}

  void initial(const Plan& p) {
    std::fill(re, re + p.DD * Bc, 0.0);
    std::fill(im, im + p.DD * Bc, 0.0);
    if (p.psi0.empty()) {
      std::fill(re, re + Bc, 1.0);
      return;
    }
    const int64_t B = p.bound.batch;
    for (int64_t i = 0; i < p.D; ++i)
      for (int64_t j = 0; j < p.D; ++j)
        for (int64_t b = 0; b < Bc; ++b) re[(i * p.D + j) * Bc + b] = p.psi0[i * B + b0 + b] * p.psi0[j * B + b0 + b];
  }

  // x -> M x on the row wires and x -> x M^dagger (conj(M) on the column wires), M = U or U^dagger.
  void sandwich(const Plan& p, double* xr, double* xi, int t, int ctrl, const double* mat, const double* mat_conj, bool batched) {
    const int64_t rc = ctrl >= 0 ? p.row_bit(ctrl) : 0, cc = ctrl >= 0 ? p.col_bit(ctrl) : 0;
    if (batched) {
      p.k.apply_1q_batched(xr, xi, p.DD, Bc, p.row_bit(t), rc, mat);
      p.k.apply_1q_batched(xr, xi, p.DD, Bc, p.col_bit(t), cc, mat_conj);
    } else {
      p.k.apply_1q(xr, xi, p.DD, Bc, p.row_bit(t), rc, mat);
      p.k.apply_1q(xr, xi, p.DD, Bc, p.col_bit(t), cc, mat_conj);
    }
  }

  // X or CNOT on both sides: a permutation of rows, no arithmetic. Swaps entries whose row (then
  // column) has the control bit set and differs in the target bit.
  void flip(const Plan& p, double* xr, double* xi, int t, int ctrl) {
    for (const bool rows : {true, false}) {
      const int64_t tbit = rows ? p.row_bit(t) : p.col_bit(t);
      const int64_t cmask = ctrl < 0 ? 0 : rows ? p.row_bit(ctrl) : p.col_bit(ctrl);
      for (int64_t i = 0; i < p.DD; ++i) {
        if ((i & tbit) || (i & cmask) != cmask) continue;
        const int64_t j = i | tbit;
        std::swap_ranges(xr + i * Bc, xr + (i + 1) * Bc, xr + j * Bc);
        std::swap_ranges(xi + i * Bc, xi + (i + 1) * Bc, xi + j * Bc);
      }
    }
  }

  // x -> U x U^dagger (inverse: U^dagger x U, the Heisenberg step of an observable), the angle of a
  // parametrised op shifted by `shift`.
  void gate(const Plan& p, double* xr, double* xi, const Op& op, bool inverse, double shift = 0.0) {
    if (op.gate == Gate::SWAP) {  // three CNOTs
      const int a = op.wires[0], b = op.wires[1];
      for (const auto& [ctrl, t] : {std::pair{a, b}, std::pair{b, a}, std::pair{a, b}}) flip(p, xr, xi, t, ctrl);
      return;
    }
    if (op.gate == Gate::X || op.gate == Gate::CNOT) return flip(p, xr, xi, p.target(op), p.controlled(op) ? op.wires[0] : -1);
    const int t = p.target(op), ctrl = p.controlled(op) ? op.wires[0] : -1;
    if (op.gate != Gate::Unitary && gate_is_parametrised(op.gate) && op.param.kind == Param::Kind::input) {
      m.resize(8 * Bc);
      mc.resize(8 * Bc);
      for (int64_t b = 0; b < Bc; ++b) {
        const Mat2 u = gate_matrix(op.gate, op_angle(op, p.bound, b0 + b) + shift);
        const Mat2 mm = inverse ? mat2_adjoint(u) : u, mcj = conj(mm);
        for (int e = 0; e < 8; ++e) m[e * Bc + b] = mm[e], mc[e * Bc + b] = mcj[e];
      }
      sandwich(p, xr, xi, t, ctrl, m.data(), mc.data(), true);
      return;
    }
    const Mat2 u = op.gate == Gate::Unitary ? op.matrix
                   : gate_is_parametrised(op.gate) ? gate_matrix(op.gate, op_angle(op, p.bound, b0) + shift)
                                                   : gate_matrix(op.gate, 0.0);
    const Mat2 mm = inverse ? mat2_adjoint(u) : u, mcj = conj(mm);
    sandwich(p, xr, xi, t, ctrl, mm.data(), mcj.data(), false);
  }

  // The channels after op: for each wire of the op in order, the fused channel; the adjoint walks
  // the wires backwards with the adjoint channels.
  void noise(const Plan& p, double* xr, double* xi, const Op& op, bool adjoint_channels) {
    if (!p.noisy) return;
    const int nw = gate_num_wires(op.gate);
    for (int q = 0; q < nw; ++q) {
      const int w = op.wires[adjoint_channels ? nw - 1 - q : q];
      p.k.apply_channel_1q(xr, xi, p.DD, Bc, p.row_bit(w), p.col_bit(w), (adjoint_channels ? p.adjoint : p.forward).data());
    }
  }

  void run(const Plan& p, AngleShift shift = {}) {
    initial(p);
    const auto& ops = p.c.ops();
    for (size_t j = 0; j < ops.size(); ++j) {
      gate(p, re, im, ops[j], false, j == shift.op ? shift.by : 0.0);
      noise(p, re, im, ops[j], false);
    }
  }
};

// Samples per chunk: enough for the batch lane to fill the vector registers, few enough for a
// chunk's matrices to stay in cache at the study's sizes.
constexpr int64_t kChunk = 64;

// Each thread's part of the batch in chunks of at most kChunk samples (a fixed split: the same
// samples meet the same arithmetic for any thread count; a sample's values do not depend on its chunk).
template <typename F>
void for_chunks(int64_t B, F f) {
  parallel_for(B, 1, [&](int64_t begin, int64_t end) {
    for (int64_t b0 = begin; b0 < end; b0 += kChunk) f(b0, std::min(kChunk, end - b0));
    scratch().trim();
  });
}

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

// The samples held at once: a chunk per thread.
double samples_held(int64_t B) {
  return static_cast<double>(std::min<int64_t>(B, parallel_chunks(B, 1) * kChunk));
}

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
  check_density_fits(n, static_cast<double>(B) + samples_held(B), "density matrix");
  Plan plan(c, bound, noise);
  const int64_t DD = plan.DD;
  Tensor out = Tensor::empty({B, plan.D, plan.D, 2}, DType::f64);
  double* o = out.data<double>();
  for_chunks(B, [&](int64_t b0, int64_t Bc) {
    Chunk ch(plan, b0, Bc, 0);
    ch.run(plan);
    for (int64_t b = 0; b < Bc; ++b)
      for (int64_t e = 0; e < DD; ++e) {
        o[((b0 + b) * DD + e) * 2] = ch.re[e * Bc + b];
        o[((b0 + b) * DD + e) * 2 + 1] = ch.im[e * Bc + b];
      }
  });
  return out;
}

Tensor density_probabilities(const Circuit& c, const Bound& bound, const NoiseModel& noise, AngleShift shift) {
  const int n = c.num_qubits();
  const int64_t B = bound.batch;
  check_density_fits(n, samples_held(B), "density matrix");
  Plan plan(c, bound, noise);
  const int64_t D = plan.D;
  Tensor out = Tensor::empty({B, D}, DType::f64);
  double* o = out.data<double>();
  for_chunks(B, [&](int64_t b0, int64_t Bc) {
    Chunk ch(plan, b0, Bc, 0);
    ch.run(plan, shift);
    for (int64_t b = 0; b < Bc; ++b)
      for (int64_t i = 0; i < D; ++i) o[(b0 + b) * D + i] = ch.re[(i * D + i) * Bc + b];
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
  check_density_fits(n, samples_held(B) * static_cast<double>(slots + 2), "density adjoint");
  Plan plan(c, bound, noise);
  const int64_t D = plan.D, DD = plan.DD;
  Gradients out{zeros({W}, DType::f64), zeros({B, K}, DType::f64)};
  std::vector<double> gw(static_cast<size_t>(B * W), 0.0);  // per sample, summed over the batch below
  std::vector<double> gpsi(static_cast<size_t>(D * B), 0.0);  // dL/dpsi_0, (D, B) as the embedding wants
  const double* gp = g.data<double>();
  double* gin = out.inputs.data<double>();

  for_chunks(B, [&](int64_t b0, int64_t Bc) {
    Chunk r(plan, b0, Bc, 0), o(plan, b0, Bc, 2);
    // rho after each differentiable op (before its channels): re in slot 4 + 2k, im in 5 + 2k.
    auto saved = [&](size_t k) { return scratch().get(4 + k, DD * Bc); };
    for (size_t k = 0; k < 2 * slots; ++k) saved(k);  // allocated before any pointer is taken
    std::vector<double> acc_re(Bc), acc_im(Bc);
    r.initial(plan);
    for (size_t j = 0; j < ops.size(); ++j) {
      r.gate(plan, r.re, r.im, ops[j], false);
      if (differentiable(ops[j])) {
        std::copy(r.re, r.re + DD * Bc, saved(2 * saved_at[j]));
        std::copy(r.im, r.im + DD * Bc, saved(2 * saved_at[j] + 1));
      }
      r.noise(plan, r.re, r.im, ops[j], false);
    }
    // O = sum_k g_k Z_k: diagonal.
    std::fill(o.re, o.re + DD * Bc, 0.0);
    std::fill(o.im, o.im + DD * Bc, 0.0);
    for (int64_t i = 0; i < D; ++i)
      for (int64_t b = 0; b < Bc; ++b) {
        double v = 0.0;
        for (int k = 0; k < n; ++k) v += ((i >> (n - 1 - k)) & 1) ? -gp[(b0 + b) * n + k] : gp[(b0 + b) * n + k];
        o.re[(i * D + i) * Bc + b] = v;
      }
    for (size_t j = ops.size(); j-- > 0;) {
      const Op& op = ops[j];
      o.noise(plan, o.re, o.im, op, true);
      if (differentiable(op)) {
        // Im tr(O P rho) = Im <vec O | (P (x) I) vec rho>, P on the target row wire within the controls.
        const Mat2 P = gate_generator(op.gate);
        std::fill(acc_re.begin(), acc_re.end(), 0.0);
        std::fill(acc_im.begin(), acc_im.end(), 0.0);
        const int64_t cmask = plan.controlled(op) ? plan.row_bit(op.wires[0]) : 0;
        plan.k.braket_1q(o.re, o.im, saved(2 * saved_at[j]), saved(2 * saved_at[j] + 1), DD, Bc,
                         plan.row_bit(plan.target(op)), cmask, P.data(), acc_re.data(), acc_im.data());
        for (int64_t b = 0; b < Bc; ++b) {
          if (op.param.kind == Param::Kind::weight) gw[(b0 + b) * W + op.param.index] += acc_im[b];
          else gin[(b0 + b) * K + op.param.index] += acc_im[b];
        }
      }
      o.gate(plan, o.re, o.im, op, true);
    }
    if (!plan.psi0.empty()) {
      for (int64_t b = 0; b < Bc; ++b)
        for (int64_t i = 0; i < D; ++i) {
          double s = 0.0;
          for (int64_t j = 0; j < D; ++j) s += o.re[(i * D + j) * Bc + b] * plan.psi0[j * B + b0 + b];
          gpsi[i * B + b0 + b] = 2.0 * s;
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
