// qasm.cpp — OpenQASM 2.0 export and the real-amplitude state preparation it needs.
#include "quantum/qasm.hpp"

#include <bit>
#include <cmath>
#include <complex>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "quantum/embedding.hpp"
#include "quantum/simulate.hpp"

namespace hqc::quantum {

std::vector<Op> real_state_preparation(int n, const std::vector<double>& a) {
  const int64_t dim = int64_t{1} << n;
  if (static_cast<int64_t>(a.size()) != dim) {
    throw std::invalid_argument("state preparation: " + std::to_string(a.size()) + " amplitudes for " +
                                std::to_string(n) + " qubits (need " + std::to_string(dim) + ")");
  }
  double sq = 0.0;
  for (double v : a) sq += v * v;
  if (!(std::fabs(sq - 1.0) <= 1e-8)) throw std::invalid_argument("state preparation: amplitudes do not have norm 1");

  // norm2[k][p]: squared norm of the amplitudes whose first k wires read p (wire 0 most significant).
  std::vector<std::vector<double>> norm2(n + 1);
  norm2[n].resize(dim);
  for (int64_t i = 0; i < dim; ++i) norm2[n][i] = a[i] * a[i];
  for (int k = n - 1; k >= 0; --k) {
    norm2[k].resize(int64_t{1} << k);
    for (int64_t p = 0; p < (int64_t{1} << k); ++p) norm2[k][p] = norm2[k + 1][2 * p] + norm2[k + 1][2 * p + 1];
  }
  std::vector<Op> ops;
  for (int k = 0; k < n; ++k) {
    // Wire k is rotated by theta_p when wires 0..k-1 read p: cos(theta_p/2), sin(theta_p/2) split the
    // block's norm between its two halves; on the last wire the signed amplitudes themselves.
    const int64_t N = int64_t{1} << k;
    std::vector<double> theta(N);
    for (int64_t p = 0; p < N; ++p) {
      const double a0 = k == n - 1 ? a[2 * p] : std::sqrt(norm2[k + 1][2 * p]);
      const double a1 = k == n - 1 ? a[2 * p + 1] : std::sqrt(norm2[k + 1][2 * p + 1]);
      theta[p] = 2.0 * std::atan2(a1, a0);
    }
    if (k == 0) {
      ops.push_back(Op{Gate::RY, {0, 0}, Param::constant(theta[0]), {}});
      continue;
    }
    // A uniformly controlled RY: RY(alpha_i) then CNOT from the control whose bit changes between
    // Gray codes i and i+1. With control value j the target sees sum_i (-1)^{j . gray(i)} alpha_i,
    // so alpha = 2^-k M^T theta inverts M_ji = (-1)^{popcount(j & gray(i))}.
    for (int64_t i = 0; i < N; ++i) {
      const uint64_t gi = static_cast<uint64_t>(i ^ (i >> 1));
      double alpha = 0.0;
      for (int64_t j = 0; j < N; ++j) alpha += (std::popcount(static_cast<uint64_t>(j) & gi) & 1) ? -theta[j] : theta[j];
      alpha /= static_cast<double>(N);
      ops.push_back(Op{Gate::RY, {k, 0}, Param::constant(alpha), {}});
      const int64_t next = (i + 1) % N;
      const uint64_t diff = gi ^ static_cast<uint64_t>(next ^ (next >> 1));
      const int q = std::countr_zero(diff);  // bit q of j is wire k-1-q
      ops.push_back(Op{Gate::CNOT, {k - 1 - q, k}, {}, {}});
    }
  }
  return ops;
}

std::array<double, 3> zyz_angles(const Mat2& u) {
  const std::complex<double> u00(u[0], u[1]), u01(u[2], u[3]), u10(u[4], u[5]), u11(u[6], u[7]);
  const double theta = 2.0 * std::atan2(std::abs(u10), std::abs(u00));
  double sum = 0.0, diff = 0.0;  // phi + lambda, phi - lambda
  if (std::abs(u00) > 1e-12) sum = std::arg(u11) - std::arg(u00);
  if (std::abs(u10) > 1e-12) diff = std::arg(u10) - std::arg(-u01);
  return {theta, (sum + diff) / 2, (sum - diff) / 2};
}

namespace {
std::string num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void emit(std::ostringstream& out, const Op& op, double t) {
  auto q = [](int w) { return "q[" + std::to_string(w) + "]"; };
  const std::string a = q(op.wires[0]), b = q(op.wires[1]);
  auto crz = [&](double l) {
    out << "u1(" << num(l / 2) << ") " << b << ";\ncx " << a << "," << b << ";\nu1(" << num(-l / 2) << ") " << b
        << ";\ncx " << a << "," << b << ";\n";
  };
  switch (op.gate) {
    case Gate::RX: out << "rx(" << num(t) << ") " << a << ";\n"; break;
    case Gate::RY: out << "ry(" << num(t) << ") " << a << ";\n"; break;
    case Gate::RZ: out << "rz(" << num(t) << ") " << a << ";\n"; break;
    case Gate::PhaseShift: out << "u1(" << num(t) << ") " << a << ";\n"; break;
    case Gate::H: out << "h " << a << ";\n"; break;
    case Gate::X: out << "x " << a << ";\n"; break;
    case Gate::Y: out << "y " << a << ";\n"; break;
    case Gate::Z: out << "z " << a << ";\n"; break;
    case Gate::S: out << "s " << a << ";\n"; break;
    case Gate::T: out << "t " << a << ";\n"; break;
    case Gate::CNOT: out << "cx " << a << "," << b << ";\n"; break;
    case Gate::CZ: out << "cz " << a << "," << b << ";\n"; break;
    case Gate::SWAP:
      out << "cx " << a << "," << b << ";\ncx " << b << "," << a << ";\ncx " << a << "," << b << ";\n";
      break;
    case Gate::CRZ: crz(t); break;
    case Gate::CRX:  // H RZ H = RX on the target
      out << "h " << b << ";\n";
      crz(t);
      out << "h " << b << ";\n";
      break;
    case Gate::CRY:  // X RY(-t/2) X RY(t/2) = RY(t) when the control is 1, identity otherwise
      out << "ry(" << num(t / 2) << ") " << b << ";\ncx " << a << "," << b << ";\nry(" << num(-t / 2) << ") " << b
          << ";\ncx " << a << "," << b << ";\n";
      break;
    case Gate::Unitary: {
      const auto z = zyz_angles(op.matrix);
      out << "u3(" << num(z[0]) << "," << num(z[1]) << "," << num(z[2]) << ") " << a << ";\n";
      break;
    }
  }
}
}  // namespace

std::string to_qasm2(const Circuit& c, const Tensor& weights, const Tensor& inputs, int64_t sample) {
  Bound bound = bind(c, weights, inputs, "qasm");
  if (sample < 0 || sample >= bound.batch) {
    throw std::invalid_argument("qasm: sample " + std::to_string(sample) + " outside the batch of " +
                                std::to_string(bound.batch));
  }
  const int n = c.num_qubits();
  std::ostringstream out;
  out << "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[" << n << "];\ncreg c[" << n << "];\n";
  if (c.amplitude_embedding()) {
    // The embedded state of this sample, as the simulator prepares it.
    const AmplitudeSpec& spec = *c.amplitude_embedding();
    StateBatch s(n, 1);
    embed_amplitudes(spec, bound.x() + sample * spec.features, s);
    std::vector<double> amps(s.dim());
    for (int64_t i = 0; i < s.dim(); ++i) amps[i] = s.re()[i];
    out << "// AmplitudeEmbedding of sample " << sample << "\n";
    for (const Op& op : real_state_preparation(n, amps)) emit(out, op, op.param.value);
  }
  for (const Op& op : c.ops()) emit(out, op, op_angle(op, bound, sample));
  out << "measure q -> c;\n";
  return out.str();
}

}  // namespace hqc::quantum
