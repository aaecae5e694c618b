// OpenQASM 2.0 export: the text is read back by a small interpreter written from the qelib1.inc
// definitions, simulated densely, and compared with the simulator's state (up to a global phase);
// the real-amplitude state preparation and the ZYZ angles are checked exactly.
#include <cmath>
#include <ctime>
#include <sstream>

#include "common.hpp"
#include "quantum/embedding.hpp"
#include "quantum/qasm.hpp"
#include "quantum/templates.hpp"

using namespace hqc;
using namespace hqc::quantum;
using namespace hqc::test;
namespace dn = hqc::test::dense;

namespace {
// qelib1.inc: u3(t,p,l) = [[cos(t/2), -e^{il} sin(t/2)], [e^{ip} sin(t/2), e^{i(p+l)} cos(t/2)]].
dn::Mat u3(double t, double p, double l) {
  const double c = std::cos(t / 2), s = std::sin(t / 2);
  return dn::m2(c, -std::exp(dn::I * l) * s, std::exp(dn::I * p) * s, std::exp(dn::I * (p + l)) * c);
}

// Simulates the QASM text on |0...0> with dense matrices.
dn::Vec interpret(const std::string& text, int& n_out) {
  std::istringstream in(text);
  std::string line;
  int n = 0;
  dn::Vec v;
  const double pi = std::numbers::pi;
  while (std::getline(in, line)) {
    if (line.empty() || line.rfind("//", 0) == 0 || line.rfind("OPENQASM", 0) == 0 || line.rfind("include", 0) == 0 ||
        line.rfind("creg", 0) == 0 || line.rfind("measure", 0) == 0)
      continue;
    if (line.rfind("qreg q[", 0) == 0) {
      n = std::stoi(line.substr(7));
      v = dn::basis0(n);
      continue;
    }
    std::string name = line.substr(0, line.find_first_of(" ("));
    std::vector<double> args;
    size_t pos = name.size();
    if (line[pos] == '(') {
      size_t close = line.find(')', pos);
      std::stringstream a(line.substr(pos + 1, close - pos - 1));
      std::string item;
      while (std::getline(a, item, ',')) args.push_back(std::stod(item));
      pos = close + 1;
    }
    std::vector<int> q;
    for (size_t k = line.find("q[", pos); k != std::string::npos; k = line.find("q[", k + 1)) q.push_back(std::stoi(line.substr(k + 2)));
    dn::Mat m;
    if (name == "u3") m = dn::one(n, q[0], u3(args[0], args[1], args[2]));
    else if (name == "u1") m = dn::one(n, q[0], u3(0, 0, args[0]));
    else if (name == "rz") m = dn::one(n, q[0], u3(0, 0, args[0]));
    else if (name == "rx") m = dn::one(n, q[0], u3(args[0], -pi / 2, pi / 2));
    else if (name == "ry") m = dn::one(n, q[0], u3(args[0], 0, 0));
    else if (name == "h") m = dn::one(n, q[0], u3(pi / 2, 0, pi));
    else if (name == "x") m = dn::one(n, q[0], u3(pi, 0, pi));
    else if (name == "y") m = dn::one(n, q[0], u3(pi, pi / 2, pi / 2));
    else if (name == "z") m = dn::one(n, q[0], u3(0, 0, pi));
    else if (name == "s") m = dn::one(n, q[0], u3(0, 0, pi / 2));
    else if (name == "t") m = dn::one(n, q[0], u3(0, 0, pi / 4));
    else if (name == "cx") m = dn::controlled(n, q[0], q[1], dn::pX());
    else if (name == "cz") m = dn::controlled(n, q[0], q[1], dn::pZ());
    else FAIL("unexpected QASM line: " << line);
    v = dn::apply(m, v);
  }
  n_out = n;
  return v;
}

// |<a|b>| == 1 for unit vectors: equal up to a global phase.
double phase_distance(const dn::Vec& a, const dn::Vec& b) {
  dn::C ip = 0;
  for (size_t i = 0; i < a.size(); ++i) ip += std::conj(a[i]) * b[i];
  return 1 - std::abs(ip);
}
}  // namespace

TEST_CASE("real state preparation builds any real unit vector exactly from RY and CNOT") {
  Generator gen(41);
  for (int n = 1; n <= 5; ++n) {
    std::vector<double> a(size_t{1} << n);
    double s = 0;
    for (auto& x : a) {
      x = gen.normal();
      s += x * x;
    }
    for (auto& x : a) x /= std::sqrt(s);
    if (n == 3) std::fill(a.begin(), a.begin() + 4, 0.0), a[4] = 1, a[5] = a[6] = a[7] = 0;  // a zero block
    Circuit c(n);
    for (const Op& op : real_state_preparation(n, a)) {
      if (op.gate == Gate::RY) c.add(Gate::RY, {op.wires[0]}, op.param);
      else c.add(Gate::CNOT, {op.wires[0], op.wires[1]});
    }
    StateBatch st = run(c, Tensor(), Tensor());
    for (size_t i = 0; i < a.size(); ++i) {
      CHECK(st.amplitude(0, i).real() == doctest::Approx(a[i]).epsilon(1e-12).scale(1));
      CHECK(std::abs(st.amplitude(0, i).imag()) < 1e-14);
    }
  }
  CHECK_THROWS_WITH_AS(real_state_preparation(2, {1, 0, 0}), doctest::Contains("3 amplitudes for 2 qubits"),
                       std::invalid_argument);
}

namespace {
// The gates of real_state_preparation(n, a) as a circuit of hqc's own simulator.
Circuit preparation_circuit(int n, const std::vector<double>& a) {
  Circuit c(n);
  real_state_preparation(n, a, [&](const Op& op) {
    if (op.gate == Gate::RY) c.add(Gate::RY, {op.wires[0]}, op.param);
    else c.add(Gate::CNOT, {op.wires[0], op.wires[1]});
  });
  return c;
}

// A random real unit vector of 2^n values; with `sparse`, most entries zero (zero blocks at every
// level of the norm pyramid, and signs on the last wire only).
std::vector<double> random_real_state(int n, Generator& gen, bool sparse) {
  std::vector<double> a(size_t{1} << n);
  double s = 0;
  for (auto& x : a) {
    x = sparse && gen.uniform_double() < 0.8 ? 0.0 : gen.normal();
    s += x * x;
  }
  if (s == 0) a[a.size() - 1] = s = 1;
  for (auto& x : a) x /= std::sqrt(s);
  return a;
}
}  // namespace

TEST_CASE("the state preparation simulated by hqc's simulator gives random states of 1 to 12 qubits") {
  Generator gen(44);
  for (int n = 1; n <= 12; ++n) {
    for (bool sparse : {false, true}) {
      const std::vector<double> a = random_real_state(n, gen, sparse);
      const Circuit c = preparation_circuit(n, a);
      CHECK(c.ops().size() == (size_t{1} << n) - 1 + (size_t{1} << n) - 2);  // 2^n - 1 RY, 2^n - 2 CNOT
      StateBatch st = run(c, Tensor(), Tensor());
      double err = 0;
      for (size_t i = 0; i < a.size(); ++i)
        err = std::max(err, std::max(std::abs(st.amplitude(0, i).real() - a[i]), std::abs(st.amplitude(0, i).imag())));
      CHECK_MESSAGE(err < 1e-12, "n = " << n << (sparse ? " (sparse)" : "") << ": max |error| " << err);
    }
  }
}

TEST_CASE("the state preparation is near-linear in 2^n: 19 qubits in a fraction of a second, not minutes") {
  // n 2^n arithmetic: about 10M operations here (~0.1 s). An angle computation quadratic in 2^n (a
  // 2^k x 2^k matrix product per wire) needs about 4x10^11 and minutes (25 s of CPU at 18 qubits).
  // The bound is a guard two orders of magnitude from both, not a speed target: a loaded or
  // sanitized build stays far below it, the quadratic algorithm far above.
  Generator gen(45);
  const int n = 19;
  const std::vector<double> a = random_real_state(n, gen, false);
  int64_t ry = 0, cx = 0;
  double last_angle = 0;
  const std::clock_t t0 = std::clock();
  real_state_preparation(n, a, [&](const Op& op) {
    if (op.gate == Gate::RY) ++ry, last_angle = op.param.value;
    else ++cx;
  });
  const double cpu = static_cast<double>(std::clock() - t0) / CLOCKS_PER_SEC;
  CHECK(ry == (int64_t{1} << n) - 1);
  CHECK(cx == (int64_t{1} << n) - 2);
  CHECK(std::isfinite(last_angle));
  CHECK_MESSAGE(cpu < 10.0, "state preparation of " << n << " qubits took " << cpu << " s of CPU");
}

TEST_CASE("qasm2_bytes bounds the exported text, long numbers and the amplitude embedding included") {
  Generator gen(46);
  for (int n : {2, 3, 7, 10}) {
    Circuit c(n);
    c.embed_amplitudes({int64_t{1} << n, true, std::nullopt, true});
    strongly_entangling_layers(c, 2);
    const int64_t w0 = c.add_weights(3);
    c.add(Gate::CRX, {0, n - 1}, Param::weight(w0)).add(Gate::CRY, {n - 1, 0}, Param::weight(w0 + 1));
    c.add(Gate::CRZ, {0, n - 1}, Param::weight(w0 + 2));
    c.unitary(0, {0, 1}, {0, 0}, {0, 0}, {std::cos(0.3), std::sin(0.3)});
    // Weights whose "%.17g" text is as long as a double's can be.
    Tensor w = full({c.num_weights()}, -1.2345678901234567e-300, DType::f64);
    Tensor x = rand_uniform({1, int64_t{1} << n}, -1, 1, gen, DType::f64);
    const std::string text = to_qasm2(c, w, x, 0);
    CHECK(static_cast<int64_t>(text.size()) <= qasm2_bytes(c));
  }
}

TEST_CASE("ZYZ angles reproduce a unitary up to a global phase, diagonal and anti-diagonal included") {
  Generator gen(42);
  std::vector<dn::Mat> us = {dn::RX(0.3) * dn::RZ(1.2) * dn::RY(-2.1), dn::Phase(0.7), dn::pX(), dn::pY(),
                             dn::scale(std::exp(dn::I * 0.4), dn::Had())};
  for (const dn::Mat& U : us) {
    Mat2 m{U(0, 0).real(), U(0, 0).imag(), U(0, 1).real(), U(0, 1).imag(),
           U(1, 0).real(), U(1, 0).imag(), U(1, 1).real(), U(1, 1).imag()};
    auto z = zyz_angles(m);
    dn::Mat V = u3(z[0], z[1], z[2]);
    // V = e^{ia} U: compare V U^dagger with a multiple of I.
    dn::C ratio = 0;
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j)
        if (std::abs(U(i, j)) > 1e-9) ratio = V(i, j) / U(i, j);
    CHECK(std::abs(std::abs(ratio) - 1) < 1e-12);
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j) CHECK(std::abs(V(i, j) - ratio * U(i, j)) < 1e-12);
  }
}

TEST_CASE("an exported circuit with every gate and an amplitude embedding reproduces the simulated state") {
  Generator gen(43);
  const int n = 3;
  Circuit c(n);
  c.embed_amplitudes({7, true, 0.0, true});
  strongly_entangling_layers(c, 1);
  const int64_t w0 = c.add_weights(4);
  c.add(Gate::CRX, {0, 2}, Param::weight(w0)).add(Gate::CRY, {2, 1}, Param::weight(w0 + 1));
  c.add(Gate::CRZ, {1, 0}, Param::weight(w0 + 2)).add(Gate::PhaseShift, {2}, Param::weight(w0 + 3));
  c.add(Gate::H, {0}).add(Gate::X, {1}).add(Gate::Y, {2}).add(Gate::Z, {0}).add(Gate::S, {1}).add(Gate::T, {2});
  c.add(Gate::CZ, {0, 2}).add(Gate::SWAP, {0, 1}).add(Gate::RX, {1}, Param::constant(0.4));
  c.unitary(2, {0, 1}, {0, 0}, {0, 0}, {std::cos(0.3), std::sin(0.3)});
  basic_entangler_layers(c, 1, Rotation::Y);
  Tensor w = rand_uniform({c.num_weights()}, 0, 6.28, gen, DType::f64);
  Tensor x = rand_uniform({2, 7}, -1, 1, gen, DType::f64);
  StateBatch s = run(c, w, x);
  for (int64_t sample = 0; sample < 2; ++sample) {
    const std::string text = to_qasm2(c, w, x, sample);
    CHECK(text.rfind("OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];", 0) == 0);
    int nq = 0;
    dn::Vec got = interpret(text, nq);
    REQUIRE(nq == n);
    dn::Vec want(8);
    for (int i = 0; i < 8; ++i) want[i] = s.amplitude(sample, i);
    CHECK(phase_distance(got, want) < 1e-12);
  }
  CHECK_THROWS_WITH_AS(to_qasm2(c, w, x, 2), doctest::Contains("sample 2 outside the batch of 2"), std::invalid_argument);
}
