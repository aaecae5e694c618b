// Finite shots: estimates on the 2/S grid, reproducible from their seed whatever the thread count
// and batch, one joint sample per shot for all wires, means within a 5-sigma bound of the exact
// value, and the parameter-shift rule on shot estimates unbiased within its computed 5-sigma bound.
#include "common.hpp"
#include "quantum/density.hpp"
#include "quantum/layer.hpp"
#include "quantum/shots.hpp"

using namespace hqc;
using namespace hqc::quantum;
using namespace hqc::test;
constexpr double kPi = std::numbers::pi;

namespace {
std::vector<double> values(const Tensor& t) {
  Tensor c = t.to(DType::f64).contiguous();
  return {c.data<double>(), c.data<double>() + c.numel()};
}

struct Fixture {
  Circuit c = layer_circuit({3, 2, Template::basic, Rotation::X}, 8);
  NoiseModel noise = parse_noise_model("depolarizing=0.05,amplitude_damping=0.1");
  Tensor w, x;
  Fixture(int64_t B, uint64_t seed) {
    Generator gen(seed);
    w = rand_uniform({c.num_weights()}, 0, 6.28, gen).to(DType::f64);
    x = rand_uniform({B, 8}, -1, 1, gen).to(DType::f64);
  }
  Bound bound() const { return bind(c, w, x, "test"); }
};
}  // namespace

TEST_CASE("shots: every estimate lies on the grid -1 + 2k/S and is reproducible from its seed") {
  ThreadCountGuard guard;
  Fixture f(9, 3);
  Tensor p = density_probabilities(f.c, f.bound(), f.noise);
  for (int64_t S : {1, 7, 100, 1001}) {
    CAPTURE(S);
    set_num_threads(1);
    const std::vector<double> a = values(shot_expval_z(p, 3, S, 42));
    set_num_threads(2);
    const std::vector<double> b = values(shot_expval_z(p, 3, S, 42));
    CHECK(a == b);  // thread count
    for (double v : a) {
      const double k = std::round((v + 1) * S / 2);
      CHECK(std::abs((v + 1) * S / 2 - k) < 1e-9);
      CHECK(v == (2 * k - S) / S);  // exactly the grid point (2k - S) / S
      CHECK(std::abs(v) <= 1.0);
    }
    // A sample's estimate depends on (seed, sample index) only, not on the rest of the batch.
    const std::vector<double> alone = values(shot_expval_z(p.narrow(0, 5, 1).contiguous(), 3, S, 42, 5));
    CHECK(alone == std::vector<double>(a.begin() + 15, a.begin() + 18));
    if (S >= 100) CHECK(values(shot_expval_z(p, 3, S, 43)) != a);  // another seed, other samples
  }
}

TEST_CASE("shots: one joint basis-state sample per shot gives every wire (a Bell pair reads equal on both)") {
  Circuit c(2);
  c.add(Gate::H, {0}).add(Gate::CNOT, {0, 1});
  Tensor p = density_probabilities(c, bind(c, Tensor(), Tensor(), "test", 6), NoiseModel{});
  const std::vector<double> e = values(shot_expval_z(p, 2, 25, 9));
  bool any_nonzero = false;
  for (int b = 0; b < 6; ++b) {
    CHECK(e[2 * b] == e[2 * b + 1]);  // independent per-wire draws would differ almost surely
    any_nonzero = any_nonzero || e[2 * b] != 0.0;
  }
  CHECK(any_nonzero);
}

TEST_CASE("shots: the estimate converges to the exact <Z_w> within 5 sigma, sigma = sqrt((1 - <Z>^2) / S)") {
  Fixture f(4, 5);
  Tensor p = density_probabilities(f.c, f.bound(), f.noise);
  const std::vector<double> exact = values(density_expval_z(f.c, f.bound(), f.noise));
  const int64_t S = 200000;
  const std::vector<double> est = values(shot_expval_z(p, 3, S, 1234));
  for (size_t i = 0; i < exact.size(); ++i) {
    const double sigma = std::sqrt((1 - exact[i] * exact[i]) / S);
    CAPTURE(i);
    CHECK(std::abs(est[i] - exact[i]) < 5 * sigma);
    CHECK(std::abs(est[i] - exact[i]) > 0.0);  // sampled, not the exact value passed through
  }
}

TEST_CASE("shots: the parameter-shift rule on shot estimates is within 5 sigma of the exact weight gradient") {
  Fixture f(3, 8);
  Bound bound = f.bound();
  Generator gen(4);
  Tensor g = rand_uniform({3, 3}, -1, 1, gen).to(DType::f64);
  const std::vector<double> exact = values(density_adjoint_expval_z(f.c, bound, f.noise, g).weights);
  const int64_t S = 50000;
  Gradients est = shot_parameter_shift_weights(f.c, bound, f.noise, g, S, 77);
  CHECK(!est.inputs.defined());
  // Var of one shifted loss: sum_b Var_b(sum_k g_bk z_k) / S, the z_k = +-1 of one joint shot.
  auto variance = [&](size_t op, double by) {
    Tensor p = density_probabilities(f.c, bound, f.noise, {op, by});
    double v = 0;
    for (int64_t b = 0; b < 3; ++b) {
      double m1 = 0, m2 = 0;
      for (int64_t i = 0; i < 8; ++i) {
        double xi = 0;
        for (int k = 0; k < 3; ++k) xi += g.data<double>()[b * 3 + k] * (((i >> (2 - k)) & 1) ? -1 : 1);
        m1 += p.data<double>()[b * 8 + i] * xi;
        m2 += p.data<double>()[b * 8 + i] * xi * xi;
      }
      v += (m2 - m1 * m1) / S;
    }
    return v;
  };
  const auto& ops = f.c.ops();
  for (size_t j = 0; j < ops.size(); ++j) {
    if (ops[j].param.kind != Param::Kind::weight) continue;
    const int64_t k = ops[j].param.index;
    const double sigma = std::sqrt(variance(j, kPi / 2) + variance(j, -kPi / 2)) / 2;
    CAPTURE(k);
    CHECK(std::abs(est.weights.data<double>()[k] - exact[k]) < 5 * sigma);
  }
  CHECK(values(shot_parameter_shift_weights(f.c, bound, f.noise, g, S, 77).weights) == values(est.weights));
}

TEST_CASE("shots: refuses zero shots and rows that are not probabilities, naming them") {
  Tensor p = zeros({2, 4}, DType::f64);
  p.data<double>()[0] = 1.0;
  CHECK_THROWS_WITH_AS(shot_expval_z(p, 2, 0, 1), doctest::Contains("shots: must be at least 1, got 0"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(shot_expval_z(p, 2, 10, 1), doctest::Contains("probabilities of sample 1 sum to 0"),
                       std::invalid_argument);
  p.data<double>()[4] = std::nan("");
  CHECK_THROWS_WITH_AS(shot_expval_z(p, 2, 10, 1), doctest::Contains("probability 0 of sample 1 is nan"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(shot_expval_z(p, 3, 10, 1), doctest::Contains("expected (B, 8)"), std::invalid_argument);
}

TEST_CASE("noisy layer: forward and gradients are the density simulator's; with shots, values on the grid") {
  Generator gen(12);
  const LayerSpec spec{3, 2, Template::basic, Rotation::X};
  Tensor x = rand_uniform({4, 6}, 0.1, 1, gen);  // float32, as in a network
  Tensor w = rand_uniform({2, 3}, 0, 6.28, gen);
  Tensor g = rand_uniform({4, 3}, -1, 1, gen).to(DType::f64);
  Realism r{parse_noise_model("depolarizing=0.01"), 0, 0};
  Circuit c = layer_circuit(spec, 6);
  Bound bound = bind(c, w, x, "test");

  Variable xv(x, true), wv(w, true);
  Variable y = quantum_layer(xv, wv, spec, r);
  CHECK(y.dtype() == DType::f32);
  CHECK(max_abs_diff(y.data().to(DType::f64), density_expval_z(c, bound, r.noise)) < 1e-6);
  y.backward(g.to(DType::f32));
  Gradients ref = density_adjoint_expval_z(c, bound, r.noise, g.to(DType::f32).to(DType::f64));
  CHECK(max_abs_diff(wv.grad().to(DType::f64).reshape({6}), ref.weights) < 1e-5);
  CHECK(max_abs_diff(xv.grad().to(DType::f64), ref.inputs) < 1e-5);
  // The noise changes the values: the statevector layer gives others.
  CHECK(max_abs_diff(quantum_layer(Variable(x), Variable(w), spec).data(), y.data()) > 1e-4);

  r.shots = 64;
  r.seed = 5;
  Variable xs(x, true), ws(w, true);
  Variable ys = quantum_layer(xs, ws, spec, r);
  for (double v : values(ys.data())) CHECK(std::abs((v + 1) * 32 - std::round((v + 1) * 32)) < 1e-4);
  CHECK(values(quantum_layer(Variable(x), Variable(w), spec, r).data()) == values(ys.data()));
  ys.backward(g.to(DType::f32));
  CHECK(max_abs_diff(xs.grad().to(DType::f64), ref.inputs) < 1e-5);  // exact input gradient
  CHECK(ws.grad().defined());
  r.shots = -1;
  CHECK_THROWS_WITH_AS(quantum_layer(Variable(x), Variable(w), spec, r), doctest::Contains("shots must be >= 0, got -1"),
                       std::invalid_argument);
}

TEST_CASE("noisy layer module: with shots, each call draws fresh samples, the same sequence for the same seed") {
  const LayerSpec spec{3, 2, Template::basic, Rotation::X};
  Generator g1(4), g2(4);
  Realism r{parse_noise_model("bit_flip=0.02"), 50, 9};
  QuantumLayer a(spec, g1, r), b(spec, g2, r);
  Generator gx(13);
  Variable x(rand_uniform({5, 8}, 0.1, 1, gx));
  const std::vector<double> a0 = values(a(x).data()), a1 = values(a(x).data());
  CHECK(a.calls() == 2);
  CHECK(a0 != a1);  // call 1 has its own stream
  CHECK(values(b(x).data()) == a0);
  CHECK(values(b(x).data()) == a1);
  // Call k is the layer function on derive_seed(seed, k).
  Realism r1 = r;
  r1.seed = derive_seed(9, 1);
  CHECK(values(quantum_layer(x, a.weights(), spec, r1).data()) == a1);
  // set_calls resumes a stream position; set_realism restarts it.
  b.set_calls(1);
  CHECK(values(b(x).data()) == a1);
  b.set_realism(r);
  CHECK(b.calls() == 0);
  CHECK(values(b(x).data()) == a0);
  // Without shots nothing is drawn: the module is the function and its count stays 0.
  a.set_realism({parse_noise_model("bit_flip=0.02"), 0, 9});
  CHECK(values(a(x).data()) == values(quantum_layer(x, a.weights(), spec, {parse_noise_model("bit_flip=0.02"), 0, 0}).data()));
  CHECK(a.calls() == 0);
  CHECK_THROWS_WITH_AS(a.set_realism({{}, -2, 0}), doctest::Contains("shots must be >= 0, got -2"), std::invalid_argument);
  CHECK(a.describe() == "QuantumLayer(qubits=3, layers=2, template=basic, rotation=X, noise=bit_flip=0.02)");
}
