// Gradients: the adjoint sweep (weights and embedded inputs) against central finite differences in
// double precision and against the parameter-shift rule, for 1 to 6 qubits, 1 to 3 layers, both
// templates, batches > 1; every parametrised gate; determinism.
#include <functional>

#include "common.hpp"
#include "quantum/adjoint.hpp"
#include "quantum/embedding.hpp"
#include "quantum/measure.hpp"
#include "quantum/templates.hpp"

using namespace hqc;
using namespace hqc::quantum;
using namespace hqc::test;
constexpr double kPi = std::numbers::pi;

namespace {
// L = sum_{b,k} g[b][k] <Z_k>_b
double loss(const Circuit& c, const Tensor& w, const Tensor& x, const Tensor& g) {
  Tensor e = expval(run(c, w, x));
  double s = 0;
  for (int64_t i = 0; i < e.numel(); ++i) s += e.data<double>()[i] * g.data<double>()[i];
  return s;
}

// Central differences of L with respect to every element of t (a float64 tensor, perturbed in place).
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

void check_vec(const Tensor& got, const std::vector<double>& want, double tol, const char* what) {
  REQUIRE(got.numel() == static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i) {
    CAPTURE(what);
    CAPTURE(i);
    CHECK(std::abs(got.data<double>()[i] - want[i]) < tol);
  }
}

Tensor random_tensor(const Shape& s, double lo, double hi, Generator& g) {
  return rand_uniform(s, lo, hi, g, DType::f64);
}

// Inputs away from 0, of both signs, so |x| is differentiable where finite differences probe it.
Tensor random_inputs(int64_t B, int64_t K, Generator& g) {
  Tensor x = random_tensor({B, K}, 0.1, 1.0, g);
  double* p = x.data<double>();
  for (int64_t i = 0; i < x.numel(); ++i)
    if (g.below(2)) p[i] = -p[i];
  return x;
}
}  // namespace

TEST_CASE("adjoint gradients of weights and amplitude inputs match central differences and parameter shift") {
  Generator gen(101);
  for (int n = 1; n <= 6; ++n)
    for (int L = 1; L <= 3; ++L)
      for (int strong = 0; strong <= 1; ++strong) {
        CAPTURE(n);
        CAPTURE(L);
        CAPTURE(strong);
        const int64_t B = 3, K = (int64_t{1} << n) - (n > 1 ? 1 : 0);  // padding when n > 1
        Circuit c(n);
        c.embed_amplitudes({K, true, 0.0, true});
        if (strong) strongly_entangling_layers(c, L);
        else basic_entangler_layers(c, L, Rotation::X);
        Tensor w = random_tensor({c.num_weights()}, 0, 2 * kPi, gen);
        Tensor x = random_inputs(B, K, gen);
        Tensor g = random_tensor({B, n}, -1, 1, gen);
        Gradients adj = adjoint_expval_z(c, w, x, g);
        auto f = [&] { return loss(c, w, x, g); };
        check_vec(adj.weights, central_diff(f, w), 1e-6, "weights vs finite differences");
        check_vec(adj.inputs, central_diff(f, x), 1e-6, "inputs vs finite differences");
        Gradients ps = parameter_shift_expval_z(c, w, x, g);
        check_vec(adj.weights, ps.weights.values<double>(), 1e-10, "weights vs parameter shift");
        CHECK_FALSE(ps.inputs.defined());
      }
}

TEST_CASE("adjoint gradients of every parametrised gate, shared and per-sample angles, match both references") {
  Generator gen(202);
  const int n = 3;
  const int64_t B = 4;
  Circuit c(n);
  angle_embedding(c, 3, Rotation::Y);  // input columns 0..2
  c.add_weights(7);
  c.add(Gate::H, {0}).add(Gate::CRX, {0, 2}, Param::weight(0)).add(Gate::S, {1});
  c.add(Gate::CRY, {2, 1}, Param::weight(1)).add(Gate::T, {2}).add(Gate::CRZ, {1, 0}, Param::weight(2));
  c.add(Gate::PhaseShift, {1}, Param::weight(3)).add(Gate::H, {1}).add(Gate::SWAP, {0, 2});
  c.add(Gate::RX, {2}, Param::weight(4)).add(Gate::CZ, {0, 1}).add(Gate::Y, {0});
  c.rot(1, Param::weight(5), Param::weight(6), Param::weight(0));  // weight 0 used twice
  c.add(Gate::CRX, {1, 0}, Param::input(1)).add(Gate::RZ, {2}, Param::input(0)).add(Gate::CNOT, {2, 0});
  c.unitary(1, {0, 1}, {0, 0}, {0, 0}, {1, 0});
  Tensor w = random_tensor({7}, 0, 2 * kPi, gen);
  Tensor x = random_tensor({B, 3}, -2, 2, gen);
  Tensor g = random_tensor({B, n}, -1, 1, gen);
  Gradients adj = adjoint_expval_z(c, w, x, g);
  auto f = [&] { return loss(c, w, x, g); };
  check_vec(adj.weights, central_diff(f, w), 1e-6, "weights vs finite differences");
  check_vec(adj.inputs, central_diff(f, x), 1e-6, "inputs vs finite differences");
  Gradients ps = parameter_shift_expval_z(c, w, x, g);
  check_vec(adj.weights, ps.weights.values<double>(), 1e-10, "weights vs parameter shift");
  check_vec(adj.inputs, ps.inputs.values<double>(), 1e-10, "angle inputs vs parameter shift");
}

TEST_CASE("the input gradient obeys psi_0 . dL/dpsi_0 = 2 sum g f, so it is orthogonal to x after normalisation") {
  // With normalisation dL/dx is orthogonal to |x| (scaling x changes nothing): sum_k x_k g_k = 0.
  Generator gen(303);
  Circuit c(4);
  c.embed_amplitudes({16, true, std::nullopt, false});
  basic_entangler_layers(c, 2);
  Tensor w = random_tensor({8}, 0, 2 * kPi, gen);
  Tensor x = random_tensor({5, 16}, 0.05, 1, gen);
  Tensor g = random_tensor({5, 4}, -1, 1, gen);
  Gradients adj = adjoint_expval_z(c, w, x, g);
  for (int b = 0; b < 5; ++b) {
    double dot = 0, norm = 0;
    for (int k = 0; k < 16; ++k) {
      dot += x.at({b, k}) * adj.inputs.at({b, k});
      norm += adj.inputs.at({b, k}) * adj.inputs.at({b, k});
    }
    CHECK(norm > 1e-6);  // not trivially zero
    CHECK(std::abs(dot) < 1e-12);
  }
}

TEST_CASE("forward and adjoint are bit-identical run to run and independent of batch position") {
  Generator gen(404);
  Circuit c(4);
  c.embed_amplitudes({16, true, 0.0, true});
  strongly_entangling_layers(c, 2);
  Tensor w = random_tensor({c.num_weights()}, 0, 2 * kPi, gen);
  Tensor x = random_inputs(9, 16, gen);
  Tensor g = random_tensor({9, 4}, -1, 1, gen);
  Gradients a = adjoint_expval_z(c, w, x, g), b = adjoint_expval_z(c, w, x, g);
  CHECK(a.weights.values<double>() == b.weights.values<double>());
  CHECK(a.inputs.values<double>() == b.inputs.values<double>());
  // Sample 4 alone gives the same expectations and input gradient as inside the batch.
  Tensor e9 = expval(run(c, w, x));
  Tensor x4 = x.narrow(0, 4, 1).contiguous(), g4 = g.narrow(0, 4, 1).contiguous();
  Tensor e1 = expval(run(c, w, x4));
  for (int k = 0; k < 4; ++k) CHECK(e1.at({0, k}) == e9.at({4, k}));
  Gradients one = adjoint_expval_z(c, w, x4, g4);
  for (int k = 0; k < 16; ++k) CHECK(one.inputs.at({0, k}) == a.inputs.at({4, k}));
}

TEST_CASE("adjoint refuses an output gradient of the wrong shape or with NaN") {
  Circuit c(2);
  basic_entangler_layers(c, 1);
  Tensor w = zeros({2}, DType::f64);
  CHECK_THROWS_WITH_AS(adjoint_expval_z(c, w, Tensor(), zeros({1, 3}, DType::f64)),
                       doctest::Contains("output gradient has shape (1, 3), expected (1, 2)"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(adjoint_expval_z(c, w, Tensor(), full({1, 2}, NAN, DType::f64)),
                       doctest::Contains("not finite"), std::invalid_argument);
}
