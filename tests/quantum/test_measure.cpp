// Measurements: Pauli X/Y/Z expectations and probabilities against the dense reference, and the
// seeded finite-shot sampler (repeatable, unbiased within its standard error).
#include "common.hpp"
#include "quantum/measure.hpp"

using namespace hqc;
using namespace hqc::quantum;
using namespace hqc::test;
namespace dn = hqc::test::dense;

TEST_CASE("expval of PauliX, PauliY, PauliZ per wire and probabilities match the dense reference") {
  Generator gen(31);
  for (int n = 1; n <= 5; ++n) {
    std::vector<dn::Vec> states;
    for (int b = 0; b < 3; ++b) states.push_back(dn::random_state(n, gen));
    StateBatch s = to_batch(states, n);
    Tensor ex = expval(s, Pauli::X), ey = expval(s, Pauli::Y), ez = expval(s, Pauli::Z);
    Tensor p = probabilities(s);
    for (int b = 0; b < 3; ++b) {
      for (int w = 0; w < n; ++w) {
        CHECK(ex.at({b, w}) == doctest::Approx(dn::expval_op(states[b], dn::one(n, w, dn::pX()))).epsilon(1e-12));
        CHECK(ey.at({b, w}) == doctest::Approx(dn::expval_op(states[b], dn::one(n, w, dn::pY()))).epsilon(1e-12));
        CHECK(ez.at({b, w}) == doctest::Approx(dn::expval_op(states[b], dn::one(n, w, dn::pZ()))).epsilon(1e-12));
      }
      for (size_t i = 0; i < states[b].size(); ++i) CHECK(p.at({b, int64_t(i)}) == doctest::Approx(std::norm(states[b][i])));
    }
  }
}

TEST_CASE("finite-shot estimates are repeatable with a seed and within 5 standard errors of the exact value") {
  Generator gen(32);
  const int n = 3;
  std::vector<dn::Vec> states = {dn::random_state(n, gen), dn::random_state(n, gen)};
  StateBatch s = to_batch(states, n);
  const int64_t shots = 20000;
  for (Pauli p : {Pauli::X, Pauli::Y, Pauli::Z}) {
    Generator g1(9), g2(9), g3(10);
    Tensor a = sample_expval(s, p, shots, g1), b = sample_expval(s, p, shots, g2), c = sample_expval(s, p, shots, g3);
    CHECK(a.values<double>() == b.values<double>());
    CHECK(a.values<double>() != c.values<double>());
    Tensor exact = expval(s, p);
    for (int64_t i = 0; i < exact.numel(); ++i) {
      const double e = exact.data<double>()[i];
      const double se = std::sqrt(std::max(1e-12, 1 - e * e) / shots);
      CHECK(std::abs(a.data<double>()[i] - e) < 5 * se + 1e-12);
    }
  }
  Generator g(1);
  Tensor counts = sample_counts(s, 100, g);
  for (int b = 0; b < 2; ++b) {
    int64_t total = 0;
    for (int i = 0; i < 8; ++i) total += static_cast<int64_t>(counts.at({b, i}));
    CHECK(total == 100);
  }
  CHECK_THROWS_WITH_AS(sample_counts(s, 0, g), doctest::Contains("shots"), std::invalid_argument);
}
