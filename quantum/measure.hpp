// measure.hpp — measurements of a batch of states: Pauli expectations per wire, probabilities,
// and finite-shot estimates from a seeded sampler.
#pragma once

#include <cstdint>

#include "quantum/state.hpp"
#include "tensor/random.hpp"
#include "tensor/tensor.hpp"

namespace hqc::quantum {

enum class Pauli : uint8_t { X, Y, Z };

// (B, n) float64: column w is <P_w> of each sample (PennyLane's [expval(P(w)) for w]).
Tensor expval(const StateBatch& s, Pauli p = Pauli::Z);

// (B, D) float64: |amplitude|^2, basis index with wire 0 most significant.
Tensor probabilities(const StateBatch& s);

// (B, D) int64: counts of `shots` measurements of every sample in the computational basis, drawn
// from gen (samples in order, shots in order), so the same seed gives the same counts.
Tensor sample_counts(const StateBatch& s, int64_t shots, Generator& gen);

// (B, n) float64: the estimate of <P_w> from `shots` measurements in P's eigenbasis (the state is
// rotated on a copy: H for X, S^dagger then H for Y).
Tensor sample_expval(const StateBatch& s, Pauli p, int64_t shots, Generator& gen);

}  // namespace hqc::quantum
