// Every gate against its dense Kronecker-product matrix on random states, shared and per-sample
// angles, every wire placement, every SIMD level; norm preservation; bad wires and gates.
#include "common.hpp"
#include "quantum/circuit.hpp"
#include "quantum/simd/kernels.hpp"
#include "tensor/math.hpp"

using namespace hqc;
using namespace hqc::quantum;
using namespace hqc::test;
namespace dn = hqc::test::dense;

namespace {

dn::Mat dense_of(Gate g, double t, int n, int a, int b) {
  switch (g) {
    case Gate::RX: return dn::one(n, a, dn::RX(t));
    case Gate::RY: return dn::one(n, a, dn::RY(t));
    case Gate::RZ: return dn::one(n, a, dn::RZ(t));
    case Gate::PhaseShift: return dn::one(n, a, dn::Phase(t));
    case Gate::H: return dn::one(n, a, dn::Had());
    case Gate::X: return dn::one(n, a, dn::pX());
    case Gate::Y: return dn::one(n, a, dn::pY());
    case Gate::Z: return dn::one(n, a, dn::pZ());
    case Gate::S: return dn::one(n, a, dn::S());
    case Gate::T: return dn::one(n, a, dn::T());
    case Gate::CNOT: return dn::controlled(n, a, b, dn::pX());
    case Gate::CZ: return dn::controlled(n, a, b, dn::pZ());
    case Gate::CRX: return dn::controlled(n, a, b, dn::RX(t));
    case Gate::CRY: return dn::controlled(n, a, b, dn::RY(t));
    case Gate::CRZ: return dn::controlled(n, a, b, dn::RZ(t));
    case Gate::SWAP: return dn::swap(n, a, b);
    case Gate::Unitary: break;
  }
  return dn::Mat();
}

const Gate kAll[] = {Gate::RX, Gate::RY, Gate::RZ, Gate::PhaseShift, Gate::H,   Gate::X,   Gate::Y,   Gate::Z,
                     Gate::S,  Gate::T,  Gate::CNOT, Gate::CZ,       Gate::CRX, Gate::CRY, Gate::CRZ, Gate::SWAP};

// All (a, b) wire placements of a gate on n qubits.
std::vector<std::pair<int, int>> placements(Gate g, int n) {
  std::vector<std::pair<int, int>> out;
  for (int a = 0; a < n; ++a) {
    if (gate_num_wires(g) == 1) {
      out.push_back({a, 0});
      continue;
    }
    for (int b = 0; b < n; ++b)
      if (a != b) out.push_back({a, b});
  }
  return out;
}

void check_all_gates(int64_t batch) {
  Generator gen(7);
  for (int n = 1; n <= 4; ++n) {
    for (Gate g : kAll) {
      if (gate_num_wires(g) > n) continue;
      for (auto [a, b] : placements(g, n)) {
        CAPTURE(gate_name(g));
        CAPTURE(n);
        CAPTURE(a);
        CAPTURE(b);
        std::vector<dn::Vec> states;
        for (int64_t s = 0; s < batch; ++s) states.push_back(dn::random_state(n, gen));
        const bool param = gate_is_parametrised(g);
        const double t = 2 * std::numbers::pi * gen.uniform_double() - std::numbers::pi;
        // Shared angle (a weight).
        Circuit c(n);
        if (param) c.add_weights(1);
        if (gate_num_wires(g) == 1) c.add(g, {a}, param ? Param::weight(0) : Param{});
        else c.add(g, {a, b}, param ? Param::weight(0) : Param{});
        StateBatch s = evolve_states(c, states, param ? vec64({t}) : Tensor());
        const dn::Mat M = dense_of(g, t, n, a, b);
        std::vector<dn::Vec> want;
        for (auto& v : states) want.push_back(dn::apply(M, v));
        CHECK(max_diff(s, want) < 1e-13);
        // The inverse undoes it.
        Bound bound = bind(c, param ? vec64({t}) : Tensor(), Tensor(), "test", batch);
        std::vector<double> scratch;
        apply_op(s, c.ops()[0], bound, true, scratch);
        CHECK(max_diff(s, states) < 1e-13);
        if (!param) continue;
        // Per-sample angles (an input column): sample k gets its own angle.
        Circuit ci(n);
        if (gate_num_wires(g) == 1) ci.add(g, {a}, Param::input(0));
        else ci.add(g, {a, b}, Param::input(0));
        std::vector<double> angles(batch);
        for (auto& x : angles) x = 4 * gen.uniform_double() - 2;
        StateBatch si = evolve_states(ci, states, Tensor(), mat64(angles, batch, 1));
        std::vector<dn::Vec> want_i;
        for (int64_t k = 0; k < batch; ++k) want_i.push_back(dn::apply(dense_of(g, angles[k], n, a, b), states[k]));
        CHECK(max_diff(si, want_i) < 1e-13);
      }
    }
  }
}

}  // namespace

TEST_CASE("every gate matches its dense Kronecker matrix on random states, batch 1") { check_all_gates(1); }

TEST_CASE("every gate matches its dense Kronecker matrix on random states, batch 5") { check_all_gates(5); }

TEST_CASE("every gate matches its dense matrix at every SIMD level") {
  SimdLevelGuard guard;
  for (SimdLevel level : available_levels()) {
    INFO("SIMD " << std::string(simd_name(level)));
    set_simd_level(level);
    check_all_gates(11);  // 11: a full vector of 8 plus a tail
  }
}

TEST_CASE("Rot equals RZ(c) RY(b) RZ(a) and an arbitrary unitary is applied as given") {
  Generator gen(3);
  const int n = 3;
  std::vector<dn::Vec> states = {dn::random_state(n, gen), dn::random_state(n, gen)};
  Circuit c(n);
  c.add_weights(3);
  c.rot(1, Param::weight(0), Param::weight(1), Param::weight(2));
  StateBatch s = evolve_states(c, states, vec64({0.3, -1.2, 2.5}));
  const dn::Mat M = dn::one(n, 1, dn::Rot(0.3, -1.2, 2.5));
  CHECK(max_diff(s, {dn::apply(M, states[0]), dn::apply(M, states[1])}) < 1e-13);

  // A random unitary: Rot times a phase.
  const dn::Mat U = dn::scale(std::exp(dn::I * 0.7), dn::Rot(1.1, 0.4, -2.0));
  Circuit cu(n);
  cu.unitary(2, U(0, 0), U(0, 1), U(1, 0), U(1, 1));
  StateBatch su = evolve_states(cu, states, Tensor());
  const dn::Mat MU = dn::one(n, 2, U);
  CHECK(max_diff(su, {dn::apply(MU, states[0]), dn::apply(MU, states[1])}) < 1e-13);
  CHECK_THROWS_WITH_AS(cu.unitary(0, 1, 1, 0, 1), doctest::Contains("not unitary"), std::invalid_argument);
}

TEST_CASE("a long random circuit preserves the norm of every sample") {
  Generator gen(11);
  const int n = 5;
  Circuit c(n);
  c.add_weights(40);
  for (int k = 0; k < 200; ++k) {
    Gate g = kAll[gen.below(16)];
    int a = gen.below(n), b = (a + 1 + gen.below(n - 1)) % n;
    Param p = gate_is_parametrised(g) ? Param::weight(gen.below(40)) : Param{};
    if (gate_num_wires(g) == 1) c.add(g, {a}, p);
    else c.add(g, {a, b}, p);
  }
  std::vector<double> w(40);
  for (auto& x : w) x = 6 * gen.uniform_double();
  std::vector<dn::Vec> states;
  for (int k = 0; k < 9; ++k) states.push_back(dn::random_state(n, gen));
  StateBatch s = evolve_states(c, states, vec64(w));
  Tensor norms = s.norms_squared();
  for (int k = 0; k < 9; ++k) CHECK(std::abs(norms.at({k}) - 1.0) < 1e-12);
}

TEST_CASE("SIMD kernels agree with the scalar kernels bit for bit up to rounding, on awkward batches") {
  Generator gen(5);
  const auto& ref = sv_kernels(SimdLevel::scalar);
  for (SimdLevel level : available_levels()) {
    const auto& k = sv_kernels(level);
    for (int64_t B : {int64_t{1}, int64_t{3}, int64_t{8}, int64_t{17}, int64_t{64}}) {
      INFO("SIMD " << std::string(simd_name(level)));
      CAPTURE(B);
      const int n = 4;
      const int64_t D = 16;
      std::vector<double> re(D * B), im(D * B), m(8 * B);
      for (auto& x : re) x = gen.normal();
      for (auto& x : im) x = gen.normal();
      for (auto& x : m) x = gen.normal();
      for (int64_t tbit : {1, 2, 8})
        for (int64_t cmask : {0, 4}) {
          auto r1 = re, i1 = im, r2 = re, i2 = im;
          ref.apply_1q(r1.data(), i1.data(), D, B, tbit, cmask, m.data());
          k.apply_1q(r2.data(), i2.data(), D, B, tbit, cmask, m.data());
          for (size_t j = 0; j < r1.size(); ++j) REQUIRE(std::abs(r1[j] - r2[j]) < 1e-13);
          r1 = re, i1 = im, r2 = re, i2 = im;
          ref.apply_1q_batched(r1.data(), i1.data(), D, B, tbit, cmask, m.data());
          k.apply_1q_batched(r2.data(), i2.data(), D, B, tbit, cmask, m.data());
          for (size_t j = 0; j < r1.size(); ++j) REQUIRE(std::abs(i1[j] - i2[j]) < 1e-13);
          std::vector<double> o1(B), o2(B), p1(B), p2(B);
          ref.braket_1q(re.data(), im.data(), im.data(), re.data(), D, B, tbit, cmask, m.data(), o1.data(), p1.data());
          k.braket_1q(re.data(), im.data(), im.data(), re.data(), D, B, tbit, cmask, m.data(), o2.data(), p2.data());
          for (int64_t j = 0; j < B; ++j) REQUIRE(std::abs(o1[j] - o2[j]) < 1e-12);
          for (int64_t j = 0; j < B; ++j) REQUIRE(std::abs(p1[j] - p2[j]) < 1e-12);
        }
      std::vector<double> e1(n * B), e2(n * B), s1(B), s2(B), g(n * B);
      for (auto& x : g) x = gen.normal();
      ref.expval_z(re.data(), im.data(), D, B, n, e1.data(), s1.data());
      k.expval_z(re.data(), im.data(), D, B, n, e2.data(), s2.data());
      for (int64_t j = 0; j < n * B; ++j) REQUIRE(std::abs(e1[j] - e2[j]) < 1e-12);
      auto l1r = re, l1i = im, l2r = re, l2i = im;
      ref.apply_z_sum(re.data(), im.data(), l1r.data(), l1i.data(), D, B, n, g.data(), s1.data());
      k.apply_z_sum(re.data(), im.data(), l2r.data(), l2i.data(), D, B, n, g.data(), s2.data());
      for (size_t j = 0; j < l1r.size(); ++j) REQUIRE(std::abs(l1r[j] - l2r[j]) < 1e-12);
    }
  }
}

TEST_CASE("bad wires, wire counts, parameters and qubit counts are clear errors") {
  CHECK_THROWS_WITH_AS(Circuit(0), doctest::Contains("qubit count 0"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(Circuit(31), doctest::Contains("qubit count 31"), std::invalid_argument);
  Circuit c(3);
  CHECK_THROWS_WITH_AS(c.add(Gate::H, {3}), doctest::Contains("wire 3 is out of range for 3 qubits"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(c.add(Gate::H, {-1}), doctest::Contains("wire -1"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(c.add(Gate::CNOT, {1, 1}), doctest::Contains("both wires"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(c.add(Gate::CNOT, {1}), doctest::Contains("expects 2 wire"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(c.add(Gate::RX, {0}), doctest::Contains("needs a parameter"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(c.add(Gate::RX, {0}, Param::weight(0)), doctest::Contains("weight index 0 not reserved"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(c.add(Gate::H, {0}, Param::constant(1)), doctest::Contains("takes no parameter"),
                       std::invalid_argument);
  // A state that would not fit: 30 qubits x a large batch.
  CHECK_THROWS_AS(StateBatch(30, 1 << 20), std::length_error);
  CHECK_THROWS_WITH_AS(check_state_fits(30, 1 << 20, 1, "layer"), doctest::Contains("GiB"), std::length_error);
}

TEST_CASE("weights and inputs of the wrong shape or not finite are refused before running") {
  Circuit c(2);
  c.add_weights(2);
  c.add(Gate::RX, {0}, Param::weight(0)).add(Gate::RY, {1}, Param::weight(1)).add(Gate::RZ, {0}, Param::input(0));
  CHECK_THROWS_WITH_AS(run(c, vec64({1, 2, 3}), mat64({0.1}, 1, 1)), doctest::Contains("weights have shape (3,)"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(run(c, vec64({1, 2}), mat64({0.1, 0.2}, 1, 2)), doctest::Contains("inputs have shape (1, 2)"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(run(c, vec64({1, NAN}), mat64({0.1}, 1, 1)), doctest::Contains("weight element 1 is not finite"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(run(c, vec64({1, 2}), mat64({INFINITY}, 1, 1)), doctest::Contains("not finite"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(run(c, vec64({1, 2}), Tensor()), doctest::Contains("needs inputs"), std::invalid_argument);
}

// The half-angle cos and sin come from hqc::math, not libm, so a circuit gives the same bits on every CPU.
TEST_CASE("gate matrices take cos and sin of their angle from hqc::math, bit for bit") {
  int64_t differ = 0;
  for (int i = 0; i < 20000; ++i) {
    const double t = -12.0 + 24.0 * i / 19999.0;
    const double c = hqc::math::cos(t / 2), s = hqc::math::sin(t / 2);
    const Mat2 rx = gate_matrix(Gate::RX, t), ry = gate_matrix(Gate::RY, t), ps = gate_matrix(Gate::PhaseShift, t);
    differ += rx[0] != c || rx[3] != -s || ry[2] != -s || ry[4] != s;
    differ += ps[6] != hqc::math::cos(t) || ps[7] != hqc::math::sin(t);
  }
  CHECK(differ == 0);
}
