// common.hpp — shared helpers of the quantum tests: loading dense states into a StateBatch and
// comparing, running one circuit on given states.
#pragma once

#include "dense.hpp"
#include "helpers.hpp"
#include "quantum/simulate.hpp"
#include "quantum/state.hpp"

namespace hqc::test {

inline quantum::StateBatch to_batch(const std::vector<dense::Vec>& states, int n) {
  quantum::StateBatch s(n, static_cast<int64_t>(states.size()));
  for (size_t b = 0; b < states.size(); ++b)
    for (size_t i = 0; i < states[b].size(); ++i) s.set_amplitude(b, i, states[b][i]);
  return s;
}

inline double max_diff(const quantum::StateBatch& s, const std::vector<dense::Vec>& states) {
  double m = 0;
  for (size_t b = 0; b < states.size(); ++b)
    for (size_t i = 0; i < states[b].size(); ++i) m = std::max(m, std::abs(s.amplitude(b, i) - states[b][i]));
  return m;
}

// Runs the gates of c on copies of `states` with the given weights / inputs.
inline quantum::StateBatch evolve_states(const quantum::Circuit& c, const std::vector<dense::Vec>& states,
                                         const Tensor& weights, const Tensor& inputs = Tensor()) {
  quantum::Bound bound = quantum::bind(c, weights, inputs, "test", static_cast<int64_t>(states.size()));
  quantum::StateBatch s = to_batch(states, c.num_qubits());
  quantum::evolve(c, bound, s);
  return s;
}

inline Tensor vec64(const std::vector<double>& v) { return from_data(std::span<const double>(v), {static_cast<int64_t>(v.size())}); }
inline Tensor mat64(const std::vector<double>& v, int64_t rows, int64_t cols) {
  return from_data(std::span<const double>(v), {rows, cols});
}

}  // namespace hqc::test
