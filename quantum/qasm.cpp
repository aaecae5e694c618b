// qasm.cpp — OpenQASM 2.0 export and the real-amplitude state preparation it needs.
#include "quantum/qasm.hpp"

#include <bit>
#include <cmath>
#include <complex>
#include <cstdio>
#include <string>
#include <stdexcept>

#include "quantum/embedding.hpp"
#include "quantum/simulate.hpp"

namespace hqc::quantum {

namespace {
// In place, unnormalised: v[m] <- sum_j (-1)^{popcount(j & m)} v[j]; v.size() a power of two.
// O(N log N) for N values: what turns the uniformly controlled rotations' angles from an N x N
// matrix product into a linear-time step.
void walsh_hadamard(std::vector<double>& v) {
  const size_t N = v.size();
  for (size_t h = 1; h < N; h *= 2)
    for (size_t i = 0; i < N; i += 2 * h)
      for (size_t j = i; j < i + h; ++j) {
        const double x = v[j], y = v[j + h];
        v[j] = x + y;
        v[j + h] = x - y;
      }
}
}  // namespace

void real_state_preparation(int n, const std::vector<double>& a, const std::function<void(const Op&)>& sink) {
  if (n < 1 || n > kMaxQubits) {
    throw std::invalid_argument("state preparation: qubit count " + std::to_string(n) + " is outside [1, " +
                                std::to_string(kMaxQubits) + "]");
  }
  const int64_t dim = int64_t{1} << n;
  if (static_cast<int64_t>(a.size()) != dim) {
    throw std::invalid_argument("state preparation: " + std::to_string(a.size()) + " amplitudes for " +
                                std::to_string(n) + " qubits (need " + std::to_string(dim) + ")");
  }
  double sq = 0.0;
  for (double v : a) sq += v * v;
  if (!(std::fabs(sq - 1.0) <= 1e-8)) throw std::invalid_argument("state preparation: amplitudes do not have norm 1");

  // norm2[2^k + p] (k < n): squared norm of the amplitudes whose first k+1 wires read 2p or 2p+1,
  // i.e. whose first k wires read p (wire 0 most significant). One array of 2^n values for all
  // levels; level n (the amplitudes themselves) is read from `a`.
  std::vector<double> norm2(static_cast<size_t>(dim));
  auto level = [&](int k) { return norm2.data() + (int64_t{1} << k); };
  for (int64_t p = 0; p < dim / 2; ++p) level(n - 1)[p] = a[2 * p] * a[2 * p] + a[2 * p + 1] * a[2 * p + 1];
  for (int k = n - 2; k >= 0; --k)
    for (int64_t p = 0; p < (int64_t{1} << k); ++p) level(k)[p] = level(k + 1)[2 * p] + level(k + 1)[2 * p + 1];

  std::vector<double> theta;
  for (int k = 0; k < n; ++k) {
    // Wire k is rotated by theta_p when wires 0..k-1 read p: cos(theta_p/2), sin(theta_p/2) split the
    // block's norm between its two halves; on the last wire the signed amplitudes themselves.
    const int64_t N = int64_t{1} << k;
    theta.resize(static_cast<size_t>(N));
    for (int64_t p = 0; p < N; ++p) {
      const double a0 = k == n - 1 ? a[2 * p] : std::sqrt(level(k + 1)[2 * p]);
      const double a1 = k == n - 1 ? a[2 * p + 1] : std::sqrt(level(k + 1)[2 * p + 1]);
      theta[p] = 2.0 * std::atan2(a1, a0);
    }
    if (k == 0) {
      sink(Op{Gate::RY, {0, 0}, Param::constant(theta[0]), {}});
      continue;
    }
    // A uniformly controlled RY: RY(alpha_i) then CNOT from the control whose bit changes between
    // Gray codes i and i+1. With control value j the target sees sum_i (-1)^{j . gray(i)} alpha_i,
    // so alpha_i = 2^-k sum_j (-1)^{popcount(j & gray(i))} theta_j = 2^-k WHT(theta)[gray(i)].
    walsh_hadamard(theta);
    for (int64_t i = 0; i < N; ++i) {
      const uint64_t gi = static_cast<uint64_t>(i ^ (i >> 1));
      sink(Op{Gate::RY, {k, 0}, Param::constant(theta[gi] / static_cast<double>(N)), {}});
      const int64_t next = (i + 1) % N;
      const uint64_t diff = gi ^ static_cast<uint64_t>(next ^ (next >> 1));
      const int q = std::countr_zero(diff);  // bit q of j is wire k-1-q
      sink(Op{Gate::CNOT, {k - 1 - q, k}, {}, {}});
    }
  }
}

std::vector<Op> real_state_preparation(int n, const std::vector<double>& a) {
  std::vector<Op> ops;
  real_state_preparation(n, a, [&](const Op& op) { ops.push_back(op); });
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
// Upper bounds on the text of one gate and of one step of the state preparation, with 24 characters
// for a number ("%.17g" of a finite double is at most "-1.2345678901234567e-308") and two-digit
// wires: CRX, the longest gate, is h, u1, cx, u1, cx, h (122 characters); a step is ry and cx (52).
constexpr int64_t kOpChars = 128, kPrepStepChars = 64, kHeaderChars = 256;

void append_num(std::string& out, double v) {
  char buf[40];
  const int len = std::snprintf(buf, sizeof buf, "%.17g", v);
  out.append(buf, static_cast<size_t>(len));
}

void emit(std::string& out, const Op& op, double t) {
  auto q = [](int w) { return "q[" + std::to_string(w) + "]"; };
  const std::string a = q(op.wires[0]), b = q(op.wires[1]);
  auto gate1 = [&](const char* name, double angle, const std::string& wire) {
    out += name;
    out += '(';
    append_num(out, angle);
    out += ") " + wire + ";\n";
  };
  auto cx = [&](const std::string& c, const std::string& t) { out += "cx " + c + "," + t + ";\n"; };
  auto crz = [&](double l) {
    gate1("u1", l / 2, b);
    cx(a, b);
    gate1("u1", -l / 2, b);
    cx(a, b);
  };
  switch (op.gate) {
    case Gate::RX: gate1("rx", t, a); break;
    case Gate::RY: gate1("ry", t, a); break;
    case Gate::RZ: gate1("rz", t, a); break;
    case Gate::PhaseShift: gate1("u1", t, a); break;
    case Gate::H: out += "h " + a + ";\n"; break;
    case Gate::X: out += "x " + a + ";\n"; break;
    case Gate::Y: out += "y " + a + ";\n"; break;
    case Gate::Z: out += "z " + a + ";\n"; break;
    case Gate::S: out += "s " + a + ";\n"; break;
    case Gate::T: out += "t " + a + ";\n"; break;
    case Gate::CNOT: cx(a, b); break;
    case Gate::CZ: out += "cz " + a + "," + b + ";\n"; break;
    case Gate::SWAP:
      cx(a, b);
      cx(b, a);
      cx(a, b);
      break;
    case Gate::CRZ: crz(t); break;
    case Gate::CRX:  // H RZ H = RX on the target
      out += "h " + b + ";\n";
      crz(t);
      out += "h " + b + ";\n";
      break;
    case Gate::CRY:  // X RY(-t/2) X RY(t/2) = RY(t) when the control is 1, identity otherwise
      gate1("ry", t / 2, b);
      cx(a, b);
      gate1("ry", -t / 2, b);
      cx(a, b);
      break;
    case Gate::Unitary: {
      const auto z = zyz_angles(op.matrix);
      out += "u3(";
      append_num(out, z[0]);
      out += ',';
      append_num(out, z[1]);
      out += ',';
      append_num(out, z[2]);
      out += ") " + a + ";\n";
      break;
    }
  }
}

int64_t qasm2_text_bound(const Circuit& c) {
  const int64_t prep = c.amplitude_embedding() ? kPrepStepChars << c.num_qubits() : 0;
  return kHeaderChars + kOpChars * static_cast<int64_t>(c.ops().size()) + prep;
}
}  // namespace

namespace {
// The comments that carry a noise model and a shot count (at most 512 bytes besides the model's text).
std::string realism_comment(const NoiseModel& noise, int64_t shots) {
  std::string out;
  if (!noise.empty()) {
    out += "// noise (not expressible in OpenQASM 2.0): after every gate below the state preparation, on each wire\n"
           "// it acts on (two-wire gates: control, then target), each channel in this order (PennyLane's\n"
           "// qml.transforms.insert, position=\"all\"; gates decomposed here carry it after the whole gate):\n"
           "// noise: " + noise.to_string() + "\n";
  }
  if (shots > 0) out += "// shots: " + std::to_string(shots) + " per expectation value\n";
  return out;
}
}  // namespace

int64_t qasm2_bytes(const Circuit& c, const NoiseModel& noise) {
  // The text, plus for an amplitude embedding the embedded state (16 bytes per amplitude), its real
  // part (8), the norm pyramid (8) and the angles of the last level (4).
  const int64_t prep = c.amplitude_embedding() ? int64_t{36} << c.num_qubits() : 0;
  return qasm2_text_bound(c) + prep + 512 + static_cast<int64_t>(noise.to_string().size());
}

std::string to_qasm2(const Circuit& c, const Tensor& weights, const Tensor& inputs, int64_t sample,
                     const NoiseModel& noise, int64_t shots) {
  Bound bound = bind(c, weights, inputs, "qasm");
  if (sample < 0 || sample >= bound.batch) {
    throw std::invalid_argument("qasm: sample " + std::to_string(sample) + " outside the batch of " +
                                std::to_string(bound.batch));
  }
  const int n = c.num_qubits();
  std::string out;
  out.reserve(static_cast<size_t>(qasm2_text_bound(c)));
  out += "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[" + std::to_string(n) + "];\ncreg c[" + std::to_string(n) +
         "];\n";
  out += realism_comment(noise, shots);
  if (c.amplitude_embedding()) {
    // The embedded state of this sample, as the simulator prepares it.
    const AmplitudeSpec& spec = *c.amplitude_embedding();
    std::vector<double> amps;
    {
      StateBatch s(n, 1);
      embed_amplitudes(spec, bound.x() + sample * spec.features, s);
      amps.assign(s.re(), s.re() + s.dim());
    }
    out += "// AmplitudeEmbedding of sample " + std::to_string(sample) + "\n";
    real_state_preparation(n, amps, [&](const Op& op) { emit(out, op, op.param.value); });
  }
  for (const Op& op : c.ops()) emit(out, op, op_angle(op, bound, sample));
  out += "measure q -> c;\n";
  return out;
}

}  // namespace hqc::quantum
