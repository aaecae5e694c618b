// The density-matrix simulator and the noise model: the parser's refusals, the Kraus operators'
// completeness, noiseless agreement with the statevector simulator, the noisy forward pass against
// a dense Kraus reference (tests/quantum/dense_noise.hpp), and the reverse-mode gradients against
// central finite differences and the parameter-shift rule, for weights and inputs.
#include <functional>

#include "common.hpp"
#include "dense_noise.hpp"
#include "quantum/density.hpp"
#include "quantum/layer.hpp"
#include "quantum/measure.hpp"
#include "quantum/noise.hpp"
#include "quantum/templates.hpp"

using namespace hqc;
using namespace hqc::quantum;
using namespace hqc::test;

namespace {
const char* kAllChannels = "depolarizing=0.05,amplitude_damping=0.1,phase_damping=0.07,bit_flip=0.03,phase_flip=0.04";

// Every gate kind, angles from weights, constants and input columns (AngleEmbedding-style), on 3 wires.
Circuit every_gate_circuit() {
  Circuit c(3);
  const int64_t w = c.add_weights(6);
  c.add(Gate::H, {0}).add(Gate::RX, {0}, Param::weight(w)).add(Gate::RY, {1}, Param::input(0));
  c.add(Gate::CRY, {0, 2}, Param::weight(w + 1)).add(Gate::CNOT, {1, 2}).add(Gate::PhaseShift, {1}, Param::weight(w + 2));
  c.add(Gate::S, {2}).add(Gate::CRX, {2, 0}, Param::input(1)).add(Gate::SWAP, {0, 2}).add(Gate::T, {1});
  c.add(Gate::CZ, {0, 1}).add(Gate::RZ, {2}, Param::weight(w + 3)).add(Gate::Y, {0}).add(Gate::CRZ, {1, 0}, Param::weight(w + 4));
  c.unitary(1, {0.6, 0}, {0, 0.8}, {0, 0.8}, {0.6, 0});
  c.add(Gate::X, {2}).add(Gate::Z, {1}).add(Gate::RX, {1}, Param::weight(w + 5)).add(Gate::RZ, {0}, Param::constant(0.3));
  return c;
}

// The gate's full matrix from dense.hpp's definitions, the angle read from the circuit's parameter.
dense::Mat dense_gate(int n, const Op& op, const std::vector<double>& w, const std::vector<double>& x) {
  double t = 0;
  if (op.param.kind == Param::Kind::weight) t = w[op.param.index];
  if (op.param.kind == Param::Kind::input) t = x[op.param.index];
  if (op.param.kind == Param::Kind::constant) t = op.param.value;
  const int a = op.wires[0], b = op.wires[1];
  switch (op.gate) {
    case Gate::RX: return dense::one(n, a, dense::RX(t));
    case Gate::RY: return dense::one(n, a, dense::RY(t));
    case Gate::RZ: return dense::one(n, a, dense::RZ(t));
    case Gate::PhaseShift: return dense::one(n, a, dense::Phase(t));
    case Gate::CRX: return dense::controlled(n, a, b, dense::RX(t));
    case Gate::CRY: return dense::controlled(n, a, b, dense::RY(t));
    case Gate::CRZ: return dense::controlled(n, a, b, dense::RZ(t));
    case Gate::H: return dense::one(n, a, dense::Had());
    case Gate::X: return dense::one(n, a, dense::pX());
    case Gate::Y: return dense::one(n, a, dense::pY());
    case Gate::Z: return dense::one(n, a, dense::pZ());
    case Gate::S: return dense::one(n, a, dense::S());
    case Gate::T: return dense::one(n, a, dense::T());
    case Gate::CNOT: return dense::controlled(n, a, b, dense::pX());
    case Gate::CZ: return dense::controlled(n, a, b, dense::pZ());
    case Gate::SWAP: return dense::swap(n, a, b);
    case Gate::Unitary: {
      const Mat2& m = op.matrix;
      return dense::one(n, a, dense::m2({m[0], m[1]}, {m[2], m[3]}, {m[4], m[5]}, {m[6], m[7]}));
    }
  }
  return dense::eye(int64_t{1} << n);
}

// The reference: rho_0 from the sample's input (|x| padded with zeros and normalised, or |0..0>),
// then per gate U rho U^dagger and, on each of the gate's wires in order, each channel in order.
dense::Mat dense_run(const Circuit& c, const std::vector<std::pair<std::string, double>>& noise,
                     const std::vector<double>& w, const std::vector<double>& x) {
  const int n = c.num_qubits();
  dense::Vec psi = dense::basis0(n);
  if (c.amplitude_embedding()) {
    std::fill(psi.begin(), psi.end(), 0.0);
    double s = 0;
    for (size_t i = 0; i < x.size(); ++i) s += x[i] * x[i];
    for (size_t i = 0; i < x.size(); ++i) psi[i] = std::abs(x[i]) / std::sqrt(s);
  }
  dense::Mat rho = dense::outer(psi);
  for (const Op& op : c.ops()) {
    rho = dense::conjugate(dense_gate(n, op, w, x), rho);
    const int wires = (op.gate >= Gate::CRX && op.gate <= Gate::CRZ) || op.gate == Gate::CNOT || op.gate == Gate::CZ ||
                              op.gate == Gate::SWAP
                          ? 2
                          : 1;
    for (int k = 0; k < wires; ++k)
      for (const auto& [name, p] : noise) rho = dense::channel(rho, n, op.wires[k], dense::kraus(name, p));
  }
  return rho;
}

std::vector<std::pair<std::string, double>> items(const NoiseModel& m) {
  std::vector<std::pair<std::string, double>> v;
  for (const NoiseChannel& c : m.channels) v.emplace_back(channel_name(c.kind), c.p);
  return v;
}

std::vector<double> values(const Tensor& t) {
  Tensor c = t.to(DType::f64).contiguous();
  return {c.data<double>(), c.data<double>() + c.numel()};
}

double loss(const Circuit& c, const Tensor& w, const Tensor& x, const NoiseModel& noise, const Tensor& g) {
  Tensor e = density_expval_z(c, bind(c, w, x, "test"), noise);
  double s = 0;
  for (int64_t i = 0; i < e.numel(); ++i) s += e.data<double>()[i] * g.data<double>()[i];
  return s;
}

std::vector<double> central_diff(const std::function<double()>& f, Tensor& t, double h = 1e-6) {
  std::vector<double> out(t.numel());
  double* p = t.data<double>();
  for (int64_t i = 0; i < t.numel(); ++i) {
    const double v = p[i];
    p[i] = v + h;
    const double fp = f();
    p[i] = v - h;
    const double fm = f();
    p[i] = v;
    out[i] = (fp - fm) / (2 * h);
  }
  return out;
}

double max_abs(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}
}  // namespace

TEST_CASE("noise model: parses every channel, prints what it parsed, and refuses bad items by name") {
  NoiseModel m = parse_noise_model(kAllChannels);
  REQUIRE(m.channels.size() == 5);
  CHECK(m.channels[1].kind == Channel::amplitude_damping);
  CHECK(m.channels[1].p == 0.1);
  CHECK(parse_noise_model(m.to_string()).to_string() == m.to_string());
  CHECK(parse_noise_model("").empty());
  CHECK(parse_noise_model("none").empty());
  CHECK(parse_noise_model("bit_flip=1").channels[0].p == 1.0);
  auto refuses = [](const std::string& text, const std::string& message) {
    CHECK_THROWS_WITH_AS(parse_noise_model(text), doctest::Contains(message.c_str()), std::invalid_argument);
  };
  refuses("depolarising=0.1", "noise item 1 'depolarising=0.1': unknown channel 'depolarising' (known: depolarizing,");
  refuses("depolarizing=0.1,bit_flip=1.5", "noise item 2 'bit_flip=1.5': probability must be in [0, 1], got 1.5");
  refuses("phase_flip=-0.1", "probability must be in [0, 1], got -0.1");
  refuses("bit_flip=0.1x", "noise item 1 'bit_flip=0.1x': probability '0.1x' is not a number");
  refuses("bit_flip=", "probability '' is not a number");
  refuses("bit_flip=nan", "probability 'nan' is not a number");
  refuses("bit_flip", "noise item 1 'bit_flip': expected name=probability, found no '='");
  refuses("bit_flip=0.1,", "noise item 2 '': empty item");
  refuses(",bit_flip=0.1", "noise item 1 '': empty item");
  CHECK_THROWS_WITH_AS(kraus_operators({Channel::depolarizing, 2.0}), doctest::Contains("depolarizing: probability"),
                       std::invalid_argument);
}

TEST_CASE("noise channels: the Kraus operators are complete, sum K^dagger K = I, and match the textbook ones") {
  for (const NoiseChannel& ch : parse_noise_model("depolarizing=0.3,amplitude_damping=0.4,phase_damping=0.6,bit_flip=0.2,phase_flip=0.9").channels) {
    CAPTURE(channel_name(ch.kind));
    Mat2 sum{};
    const std::vector<Mat2> ks = kraus_operators(ch);
    const std::vector<dense::Mat> ref = dense::kraus(channel_name(ch.kind), ch.p);
    REQUIRE(ks.size() == ref.size());
    for (size_t k = 0; k < ks.size(); ++k) {
      const Mat2 p = mat2_mul(mat2_adjoint(ks[k]), ks[k]);
      for (int e = 0; e < 8; ++e) sum[e] += p[e];
      for (int r = 0; r < 2; ++r)
        for (int c = 0; c < 2; ++c)
          CHECK(std::abs(std::complex<double>(ks[k][4 * r + 2 * c], ks[k][4 * r + 2 * c + 1]) - ref[k](r, c)) < 1e-15);
    }
    const Mat2 id{1, 0, 0, 0, 0, 0, 1, 0};
    for (int e = 0; e < 8; ++e) CHECK(sum[e] == doctest::Approx(id[e]).epsilon(1e-15));
  }
}

TEST_CASE("density matrix: without noise, rho = |psi><psi| of the statevector simulator to 1e-12 (double)") {
  Generator gen(7);
  for (Template t : {Template::basic, Template::strong, Template::rotations}) {
    for (int n = 1; n <= 5; ++n) {
      CAPTURE(n);
      const LayerSpec spec{n, 2, t, Rotation::Y};
      const int64_t K = std::max<int64_t>(1, (int64_t{1} << n) - 1);
      Circuit c = layer_circuit(spec, K);
      Tensor w = rand_uniform({c.num_weights()}, 0, 6.28, gen).to(DType::f64);
      Tensor x = rand_uniform({3, K}, -1, 1, gen).to(DType::f64);
      Bound bound = bind(c, w, x, "test");
      StateBatch s = run(c, bound);
      Tensor rho = density_matrices(c, bound, NoiseModel{});
      const int64_t D = s.dim();
      double diff = 0;
      for (int64_t b = 0; b < 3; ++b)
        for (int64_t i = 0; i < D; ++i)
          for (int64_t j = 0; j < D; ++j) {
            const std::complex<double> want = s.amplitude(b, i) * std::conj(s.amplitude(b, j));
            const double* r = rho.data<double>() + ((b * D + i) * D + j) * 2;
            diff = std::max(diff, std::abs(std::complex<double>(r[0], r[1]) - want));
          }
      CHECK(diff < 1e-12);
      CHECK(max_abs(values(density_expval_z(c, bound, NoiseModel{})), values(expval(s))) < 1e-12);
    }
  }
}

TEST_CASE("density matrix: the noisy forward pass equals the dense Kraus reference, every gate and channel") {
  Generator gen(11);
  const NoiseModel noise = parse_noise_model(kAllChannels);
  // A circuit of every gate with angle-embedded inputs, and the study's layer with both templates.
  std::vector<Circuit> circuits{every_gate_circuit(), layer_circuit({3, 2, Template::basic, Rotation::X}, 6),
                                layer_circuit({3, 2, Template::strong}, 8), layer_circuit({4, 1, Template::basic, Rotation::Z}, 16)};
  for (const Circuit& c : circuits) {
    const int64_t B = 3, K = c.num_inputs(), D = int64_t{1} << c.num_qubits();
    Tensor w = rand_uniform({c.num_weights()}, 0, 6.28, gen).to(DType::f64);
    Tensor x = rand_uniform({B, K}, -1, 1, gen).to(DType::f64);
    Bound bound = bind(c, w, x, "test");
    Tensor rho = density_matrices(c, bound, noise);
    Tensor z = density_expval_z(c, bound, noise);
    for (int64_t b = 0; b < B; ++b) {
      const std::vector<double> xb(x.data<double>() + b * K, x.data<double>() + (b + 1) * K);
      const dense::Mat ref = dense_run(c, items(noise), values(w), xb);
      double diff = 0, trace = 0;
      for (int64_t i = 0; i < D; ++i) {
        for (int64_t j = 0; j < D; ++j) {
          const double* r = rho.data<double>() + ((b * D + i) * D + j) * 2;
          diff = std::max(diff, std::abs(std::complex<double>(r[0], r[1]) - ref(i, j)));
        }
        trace += rho.data<double>()[((b * D + i) * D + i) * 2];
      }
      CHECK(diff < 1e-12);
      CHECK(trace == doctest::Approx(1.0).epsilon(1e-12));
      for (int k = 0; k < c.num_qubits(); ++k)
        CHECK(std::abs(z.data<double>()[b * c.num_qubits() + k] - dense::expval_z(ref, c.num_qubits(), k)) < 1e-12);
    }
  }
}

TEST_CASE("density matrix: channels on one wire are applied in the order listed") {
  // Amplitude damping then bit flip leaves a different state than bit flip then damping: the
  // reference above fixes the order, this checks that the order is not accidentally symmetric.
  Circuit c(1);
  c.add(Gate::X, {0});
  Bound bound = bind(c, Tensor(), Tensor(), "test");
  const double a = density_expval_z(c, bound, parse_noise_model("amplitude_damping=0.5,bit_flip=0.2")).data<double>()[0];
  const double b = density_expval_z(c, bound, parse_noise_model("bit_flip=0.2,amplitude_damping=0.5")).data<double>()[0];
  // |1> -> damping: p1 = 0.5 -> flip: p1 = 0.5 (Z = 0); |1> -> flip: p1 = 0.8 -> damping: p1 = 0.4 (Z = 0.2).
  CHECK(a == doctest::Approx(0.0).epsilon(1e-15));
  CHECK(b == doctest::Approx(0.2).epsilon(1e-14));
}

TEST_CASE("density matrix: refuses more qubits than it takes, naming the limit") {
  Circuit c(kMaxDensityQubits + 1);
  c.add(Gate::H, {0});
  CHECK_THROWS_WITH_AS(density_expval_z(c, bind(c, Tensor(), Tensor(), "test"), NoiseModel{}),
                       doctest::Contains("the density-matrix simulator takes at most"), std::invalid_argument);
}

TEST_CASE("density gradients: reverse mode equals central differences, weights and inputs, under noise") {
  Generator gen(23);
  const NoiseModel noise = parse_noise_model(kAllChannels);
  std::vector<Circuit> circuits{every_gate_circuit(), layer_circuit({3, 2, Template::basic, Rotation::X}, 5),
                                layer_circuit({2, 3, Template::strong}, 4), layer_circuit({4, 2, Template::basic, Rotation::Y}, 16)};
  for (const Circuit& c : circuits) {
    const int64_t B = 3, K = c.num_inputs(), n = c.num_qubits();
    Tensor w = rand_uniform({c.num_weights()}, 0, 6.28, gen).to(DType::f64);
    // Inputs away from zero: the layer's abs is not differentiable there.
    Tensor x = rand_uniform({B, K}, 0.2, 1, gen).to(DType::f64);
    Tensor g = rand_uniform({B, n}, -1, 1, gen).to(DType::f64);
    Gradients grads = density_adjoint_expval_z(c, bind(c, w, x, "test"), noise, g);
    auto f = [&] { return loss(c, w, x, noise, g); };
    CHECK(max_abs(values(grads.weights), central_diff(f, w)) < 1e-6);
    CHECK(max_abs(values(grads.inputs), central_diff(f, x)) < 1e-6);
  }
}

TEST_CASE("density gradients: reverse mode equals the parameter-shift rule (pi/2; four terms for CRX/CRY/CRZ) to 1e-10") {
  Generator gen(29);
  const NoiseModel noise = parse_noise_model("depolarizing=0.01,amplitude_damping=0.02");
  std::vector<Circuit> circuits{every_gate_circuit(), layer_circuit({4, 2, Template::basic, Rotation::X}, 16),
                                layer_circuit({3, 2, Template::strong}, 8)};
  for (const Circuit& c : circuits) {
    const int64_t B = 4, K = c.num_inputs(), n = c.num_qubits();
    Tensor w = rand_uniform({c.num_weights()}, 0, 6.28, gen).to(DType::f64);
    Tensor x = rand_uniform({B, K}, -1, 1, gen).to(DType::f64);
    Tensor g = rand_uniform({B, n}, -1, 1, gen).to(DType::f64);
    Bound bound = bind(c, w, x, "test");
    Gradients adj = density_adjoint_expval_z(c, bound, noise, g);
    Gradients ps = density_parameter_shift_expval_z(c, bound, noise, g);
    CHECK(max_abs(values(adj.weights), values(ps.weights)) < 1e-10);
    if (!c.amplitude_embedding()) CHECK(max_abs(values(adj.inputs), values(ps.inputs)) < 1e-10);
    CHECK(ps.inputs.defined() == !c.amplitude_embedding());
  }
}

TEST_CASE("density gradients: without noise they equal the statevector adjoint sweep to 1e-12") {
  Generator gen(31);
  Circuit c = layer_circuit({4, 2, Template::strong}, 13);
  Tensor w = rand_uniform({c.num_weights()}, 0, 6.28, gen).to(DType::f64);
  Tensor x = rand_uniform({5, 13}, -1, 1, gen).to(DType::f64);
  Tensor g = rand_uniform({5, 4}, -1, 1, gen).to(DType::f64);
  Bound bound = bind(c, w, x, "test");
  Gradients d = density_adjoint_expval_z(c, bound, NoiseModel{}, g);
  Gradients s = adjoint_expval_z(c, w, x, g);
  CHECK(max_abs(values(d.weights), values(s.weights)) < 1e-12);
  CHECK(max_abs(values(d.inputs), values(s.inputs)) < 1e-12);
}

TEST_CASE("density matrix: the same bits for 1 and 2 threads, and a sample's result does not depend on its batch") {
  ThreadCountGuard guard;
  Generator gen(37);
  const NoiseModel noise = parse_noise_model("depolarizing=0.01,phase_damping=0.05");
  Circuit c = layer_circuit({4, 2, Template::basic, Rotation::X}, 16);
  Tensor w = rand_uniform({c.num_weights()}, 0, 6.28, gen).to(DType::f64);
  Tensor x = rand_uniform({7, 16}, -1, 1, gen).to(DType::f64);
  Tensor g = rand_uniform({7, 4}, -1, 1, gen).to(DType::f64);
  Bound bound = bind(c, w, x, "test");
  set_num_threads(1);
  Tensor z1 = density_expval_z(c, bound, noise);
  Gradients g1 = density_adjoint_expval_z(c, bound, noise, g);
  set_num_threads(2);
  Tensor z2 = density_expval_z(c, bound, noise);
  Gradients g2 = density_adjoint_expval_z(c, bound, noise, g);
  CHECK(values(z1) == values(z2));
  CHECK(values(g1.weights) == values(g2.weights));
  CHECK(values(g1.inputs) == values(g2.inputs));
  Tensor x3 = x.narrow(0, 3, 1).contiguous();
  Tensor z3 = density_expval_z(c, bind(c, w, x3, "test"), noise);
  CHECK(values(z3) == std::vector<double>(z1.data<double>() + 12, z1.data<double>() + 16));
}

TEST_CASE("density matrix: every SIMD level equals the dense Kraus reference, and the gradients agree across levels") {
  SimdLevelGuard guard;
  Generator gen(41);
  const NoiseModel noise = parse_noise_model(kAllChannels);
  // 11 samples: a full vector of 8 plus a tail; every gate kind and the study's layer.
  std::vector<Circuit> circuits{every_gate_circuit(), layer_circuit({4, 2, Template::basic, Rotation::X}, 16)};
  for (const Circuit& c : circuits) {
    const int64_t B = 11, K = c.num_inputs(), n = c.num_qubits(), D = int64_t{1} << n;
    Tensor w = rand_uniform({c.num_weights()}, 0, 6.28, gen).to(DType::f64);
    Tensor x = rand_uniform({B, K}, 0.2, 1, gen).to(DType::f64);
    Tensor g = rand_uniform({B, n}, -1, 1, gen).to(DType::f64);
    Bound bound = bind(c, w, x, "test");
    std::vector<double> gw0, gx0;
    for (SimdLevel level : available_levels()) {
      INFO("SIMD " << std::string(simd_name(level)));
      set_simd_level(level);
      Tensor rho = density_matrices(c, bound, noise);
      double diff = 0;
      for (int64_t b = 0; b < B; ++b) {
        const std::vector<double> xb(x.data<double>() + b * K, x.data<double>() + (b + 1) * K);
        const dense::Mat ref = dense_run(c, items(noise), values(w), xb);
        for (int64_t i = 0; i < D; ++i)
          for (int64_t j = 0; j < D; ++j) {
            const double* r = rho.data<double>() + ((b * D + i) * D + j) * 2;
            diff = std::max(diff, std::abs(std::complex<double>(r[0], r[1]) - ref(i, j)));
          }
      }
      CHECK(diff < 1e-12);
      Gradients gr = density_adjoint_expval_z(c, bound, noise, g);
      if (gw0.empty()) {
        gw0 = values(gr.weights), gx0 = values(gr.inputs);
        auto f = [&] { return loss(c, w, x, noise, g); };
        CHECK(max_abs(gw0, central_diff(f, w)) < 1e-6);
      } else {
        CHECK(max_abs(values(gr.weights), gw0) < 1e-12);
        CHECK(max_abs(values(gr.inputs), gx0) < 1e-12);
      }
    }
  }
}
