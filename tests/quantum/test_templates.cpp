// Templates and embeddings: gate order against docs/quantum.md, dense products on random states,
// PennyLane's documented values, and every error the embeddings promise.
#include "common.hpp"
#include "quantum/embedding.hpp"
#include "quantum/measure.hpp"
#include "quantum/templates.hpp"

using namespace hqc;
using namespace hqc::quantum;
using namespace hqc::test;
namespace dn = hqc::test::dense;
constexpr double kPi = std::numbers::pi;

namespace {
dn::Mat rotation_dense(Rotation r, double t) {
  return r == Rotation::X ? dn::RX(t) : r == Rotation::Y ? dn::RY(t) : dn::RZ(t);
}

// BasicEntanglerLayers written out from docs/quantum.md as one dense matrix.
dn::Mat basic_dense(int M, int L, Rotation r, const std::vector<double>& w) {
  dn::Mat U = dn::eye(int64_t{1} << M);
  for (int l = 0; l < L; ++l) {
    for (int i = 0; i < M; ++i) U = dn::one(M, i, rotation_dense(r, w[l * M + i])) * U;
    if (M == 2) U = dn::controlled(M, 0, 1, dn::pX()) * U;
    if (M > 2)
      for (int i = 0; i < M; ++i) U = dn::controlled(M, i, (i + 1) % M, dn::pX()) * U;
  }
  return U;
}

dn::Mat strong_dense(int M, int L, const std::vector<int>& ranges, const std::vector<double>& w) {
  dn::Mat U = dn::eye(int64_t{1} << M);
  for (int l = 0; l < L; ++l) {
    for (int i = 0; i < M; ++i) {
      const double* p = &w[(l * M + i) * 3];
      U = dn::one(M, i, dn::Rot(p[0], p[1], p[2])) * U;
    }
    if (M > 1)
      for (int i = 0; i < M; ++i) U = dn::controlled(M, i, (i + ranges[l]) % M, dn::pX()) * U;
  }
  return U;
}

std::vector<double> random_angles(int64_t n, Generator& g) {
  std::vector<double> w(n);
  for (auto& x : w) x = 2 * kPi * g.uniform_double();
  return w;
}

std::vector<dn::Vec> random_states(int n, int count, Generator& g) {
  std::vector<dn::Vec> s;
  for (int k = 0; k < count; ++k) s.push_back(dn::random_state(n, g));
  return s;
}
}  // namespace

TEST_CASE("BasicEntanglerLayers matches its dense definition for 1 to 5 wires, 1 to 3 layers, X Y Z") {
  Generator gen(21);
  for (int M = 1; M <= 5; ++M)
    for (int L = 1; L <= 3; ++L)
      for (Rotation r : {Rotation::X, Rotation::Y, Rotation::Z}) {
        CAPTURE(M);
        CAPTURE(L);
        Circuit c(M);
        CHECK(basic_entangler_layers(c, L, r) == 0);
        REQUIRE(c.num_weights() == L * M);
        auto w = random_angles(L * M, gen);
        auto states = random_states(M, 3, gen);
        StateBatch s = evolve_states(c, states, vec64(w));
        dn::Mat U = basic_dense(M, L, r, w);
        std::vector<dn::Vec> want;
        for (auto& v : states) want.push_back(dn::apply(U, v));
        CHECK(max_diff(s, want) < 1e-12);
      }
}

TEST_CASE("StronglyEntanglingLayers matches its dense definition with default and given ranges") {
  Generator gen(22);
  for (int M = 1; M <= 5; ++M)
    for (int L = 1; L <= 3; ++L) {
      CAPTURE(M);
      CAPTURE(L);
      std::vector<std::vector<int>> range_sets = {default_ranges(L, M)};
      if (M > 2) range_sets.push_back(std::vector<int>(L, M - 1));
      for (const auto& ranges : range_sets) {
        Circuit c(M);
        strongly_entangling_layers(c, L, ranges);
        REQUIRE(c.num_weights() == L * M * 3);
        auto w = random_angles(L * M * 3, gen);
        auto states = random_states(M, 2, gen);
        StateBatch s = evolve_states(c, states, vec64(w));
        dn::Mat U = strong_dense(M, L, ranges, w);
        std::vector<dn::Vec> want;
        for (auto& v : states) want.push_back(dn::apply(U, v));
        CHECK(max_diff(s, want) < 1e-12);
      }
    }
}

TEST_CASE("template gate order: the study's layer, the 1- and 2-wire special cases, default ranges") {
  auto listing = [](const Circuit& c) {
    std::string s;
    for (const Op& op : c.ops()) {
      s += gate_name(op.gate);
      s += "(" + std::to_string(op.wires[0]);
      if (gate_num_wires(op.gate) == 2) s += "," + std::to_string(op.wires[1]);
      s += ") ";
    }
    return s;
  };
  Circuit study(4);
  basic_entangler_layers(study, 2, Rotation::X);
  const std::string layer = "RX(0) RX(1) RX(2) RX(3) CNOT(0,1) CNOT(1,2) CNOT(2,3) CNOT(3,0) ";
  CHECK(listing(study) == layer + layer);
  CHECK(study.ops()[9].param.index == 5);  // RX(w[1][1]) on wire 1 of layer 1
  Circuit one(1);
  basic_entangler_layers(one, 2, Rotation::Y);
  CHECK(listing(one) == "RY(0) RY(0) ");
  Circuit two(2);
  basic_entangler_layers(two, 1);
  CHECK(listing(two) == "RX(0) RX(1) CNOT(0,1) ");
  Circuit s2(2);
  strongly_entangling_layers(s2, 1);
  CHECK(listing(s2) == "RZ(0) RY(0) RZ(0) RZ(1) RY(1) RZ(1) CNOT(0,1) CNOT(1,0) ");
  Circuit s1(1);
  strongly_entangling_layers(s1, 1);
  CHECK(listing(s1) == "RZ(0) RY(0) RZ(0) ");
  CHECK(default_ranges(5, 4) == std::vector<int>{1, 2, 3, 1, 2});
  CHECK(default_ranges(3, 1) == std::vector<int>{0, 0, 0});
  Circuit bad(4);
  CHECK_THROWS_WITH_AS(strongly_entangling_layers(bad, 2, {1, 4}), doctest::Contains("range 4"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(strongly_entangling_layers(bad, 2, {1}), doctest::Contains("does not match"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(basic_entangler_layers(bad, 0), doctest::Contains("at least 1 layer"), std::invalid_argument);
}

TEST_CASE("PennyLane's BasicEntanglerLayers reference values from |0...0>") {
  // From PennyLane's docstring: weights [[pi, pi, pi]] on 3 wires give <Z> = [1, 1, -1];
  // [[pi, pi]] on 2 wires give [-1, 1].
  Circuit c3(3);
  basic_entangler_layers(c3, 1);
  Tensor e3 = expval(run(c3, vec64({kPi, kPi, kPi}), Tensor()));
  CHECK_CLOSE(e3, mat64({1, 1, -1}, 1, 3), 0, 1e-12);
  Circuit c2(2);
  basic_entangler_layers(c2, 1);
  Tensor e2 = expval(run(c2, vec64({kPi, kPi}), Tensor()));
  CHECK_CLOSE(e2, mat64({-1, 1}, 1, 2), 0, 1e-12);
}

TEST_CASE("AmplitudeEmbedding pads, normalises, takes abs and puts feature 0 on |0...0>") {
  Circuit c(2);
  c.embed_amplitudes({3, true, 0.0, false});
  StateBatch s = run(c, Tensor(), mat64({3, 0, -4, 0, 1, 0}, 2, 3));
  CHECK(s.amplitude(0, 0).real() == doctest::Approx(0.6));
  CHECK(s.amplitude(0, 2).real() == doctest::Approx(-0.8));
  CHECK(s.amplitude(0, 3).real() == 0.0);
  CHECK(s.amplitude(1, 1).real() == doctest::Approx(1.0));
  // |1000> is index 8: <Z_0> = -1.
  Circuit c4(4);
  c4.embed_amplitudes({16, false, std::nullopt, false});
  std::vector<double> e8(16, 0.0);
  e8[8] = 1;
  Tensor z = expval(run(c4, Tensor(), mat64(e8, 1, 16)));
  CHECK_CLOSE(z, mat64({-1, 1, 1, 1}, 1, 4), 0, 0);
  // abs before padding: the study's preprocessing.
  Circuit ca(2);
  ca.embed_amplitudes({2, true, 0.0, true});
  StateBatch sa = run(ca, Tensor(), mat64({-3, 4}, 1, 2));
  CHECK(sa.amplitude(0, 0).real() == doctest::Approx(0.6));
  CHECK(sa.amplitude(0, 1).real() == doctest::Approx(0.8));
  // PennyLane normalises when pad_with is non-zero even without normalize.
  Circuit cp(1);
  cp.embed_amplitudes({1, false, 1.0, false});
  StateBatch sp = run(cp, Tensor(), mat64({1}, 1, 1));
  CHECK(sp.amplitude(0, 0).real() == doctest::Approx(1 / std::sqrt(2.0)));
}

TEST_CASE("AmplitudeEmbedding errors: length, norm, zero and non-finite vectors never become NaN") {
  Circuit c(2);
  CHECK_THROWS_WITH_AS(c.embed_amplitudes({5, true, 0.0, false}), doctest::Contains("of length 4 or smaller to be padded; got length 5"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(c.embed_amplitudes({3, true, std::nullopt, false}), doctest::Contains("must be of length 4; got length 3"),
                       std::invalid_argument);
  Circuit cz(2);
  cz.embed_amplitudes({3, true, 0.0, true});
  CHECK_THROWS_WITH_AS(run(cz, Tensor(), mat64({1, 1, 1, 0, 0, 0}, 2, 3)), doctest::Contains("sample 1 is a zero vector"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(run(cz, Tensor(), mat64({1, NAN, 1}, 1, 3)), doctest::Contains("not finite"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(run(cz, Tensor(), mat64({1e200, 1e200, 1}, 1, 3)), doctest::Contains("overflows"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(run(cz, Tensor(), mat64({1, 1, 1, 1}, 1, 4)), doctest::Contains("inputs have shape (1, 4)"),
                       std::invalid_argument);
  // Without normalisation the norm must be 1; pad_with = 0 does not normalise (as in PennyLane).
  Circuit cn(2);
  cn.embed_amplitudes({3, false, 0.0, false});
  CHECK_THROWS_WITH_AS(run(cn, Tensor(), mat64({1, 1, 1}, 1, 3)), doctest::Contains("norm 1"), std::invalid_argument);
  CHECK_NOTHROW(run(cn, Tensor(), mat64({0.6, 0, 0.8}, 1, 3)));
  Circuit twice(2);
  twice.add(Gate::H, {0});
  CHECK_THROWS_WITH_AS(twice.embed_amplitudes({4, true, std::nullopt, false}), doctest::Contains("first operation"),
                       std::invalid_argument);
}

TEST_CASE("AngleEmbedding matches dense rotations with per-sample angles") {
  Generator gen(4);
  for (Rotation r : {Rotation::X, Rotation::Y, Rotation::Z}) {
    Circuit c(3);
    angle_embedding(c, 2, r);
    basic_entangler_layers(c, 1);
    auto w = random_angles(3, gen);
    std::vector<double> x = {0.3, -1.0, 2.0, 0.5};
    Tensor e = expval(run(c, vec64(w), mat64(x, 2, 2)));
    for (int b = 0; b < 2; ++b) {
      dn::Vec v = dn::basis0(3);
      v = dn::apply(dn::one(3, 0, rotation_dense(r, x[b * 2])), v);
      v = dn::apply(dn::one(3, 1, rotation_dense(r, x[b * 2 + 1])), v);
      v = dn::apply(basic_dense(3, 1, Rotation::X, w), v);
      for (int k = 0; k < 3; ++k) CHECK(e.at({b, k}) == doctest::Approx(dn::expval_z(v, 3, k)).epsilon(1e-12));
    }
  }
  Circuit c(2);
  CHECK_THROWS_WITH_AS(angle_embedding(c, 3, Rotation::X), doctest::Contains("length 2 or less; got length 3"),
                       std::invalid_argument);
}
