// embedding.hpp — AmplitudeEmbedding (the state preparation, with its gradient) and AngleEmbedding.
//
// Amplitude embedding of one sample x (K values), as PennyLane's AmplitudeEmbedding does it:
//   v = x (or |x| with AmplitudeSpec::absolute), padded with pad_with to 2^n,
//   psi_0 = v / |v|  when normalize, or when pad_with is set and non-zero (PennyLane normalises in
//   both cases: its test is `normalize or pad_with`, and a pad of 0.0 is false there),
//   psi_0 = v        otherwise, which must then have norm 1 (to PennyLane's tolerance).
// Unlike PennyLane, a zero or non-finite vector is an error, never NaN amplitudes. (PennyLane skips
// the division when |v|^2 is already within 1e-5 of 1; dividing anyway changes nothing measurable.)
#pragma once

#include <cstdint>

#include "quantum/circuit.hpp"
#include "quantum/state.hpp"
#include "tensor/tensor.hpp"

namespace hqc::quantum {

// True when the spec divides by the norm (see above).
bool amplitude_normalises(const AmplitudeSpec& spec);

// Writes psi_0 of every sample into `state` (n qubits, batch B) from x: (B, K) float64 contiguous.
// Throws std::invalid_argument naming the sample for a non-finite entry, a zero vector, or a norm
// other than 1 when the spec does not normalise.
void embed_amplitudes(const AmplitudeSpec& spec, const double* x, StateBatch& state);

// The chain rule back through the embedding: from g_psi = dL/dpsi_0 ((D, B) rows, as the state is
// stored) to g_x += dL/dx ((B, K) float64, accumulated). x is the same input as the forward.
void embed_amplitudes_backward(const AmplitudeSpec& spec, const double* x, int n, int64_t batch,
                               const double* g_psi, double* g_x);

// AngleEmbedding(features, rotation): rotation(x[first_column + i]) on wire i for i < n_features
// (n_features <= number of qubits), angles per sample from the inputs.
void angle_embedding(Circuit& c, int n_features, Rotation rotation, int64_t first_column = 0);

}  // namespace hqc::quantum
