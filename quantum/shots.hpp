// shots.hpp — finite-shot estimates of <Z_w>, as a device that measures every wire S times.
//
// One shot draws one computational basis state i from the sample's outcome probabilities (|psi_i|^2
// or the diagonal of rho) and reads every wire from it, as hardware measures all wires at once; <Z_w>
// is the mean of the S values (-1)^{bit w of i}, so every estimate lies on the grid -1 + 2k/S. Each
// sample draws from its own PCG32 stream, Generator(seed, first_sample + b): the same seed gives the
// same estimates whatever the thread count and whatever the other samples of the batch.
#pragma once

#include <cstdint>

#include "quantum/adjoint.hpp"
#include "quantum/circuit.hpp"
#include "quantum/noise.hpp"
#include "quantum/simulate.hpp"
#include "tensor/tensor.hpp"

namespace hqc::quantum {

// probs: (B, 2^n) float64, each row non-negative with a positive finite sum (it is normalised by
// that sum). Returns (B, n) float64. Throws std::invalid_argument for shots < 1, a bad shape, or a
// row that is not a probability distribution (naming the row).
Tensor shot_expval_z(const Tensor& probs, int n, int64_t shots, uint64_t seed, int64_t first_sample = 0);

// The seed of the k-th of several shot estimates drawn from one seed (the parameter-shift rule
// needs one per shifted circuit): a SplitMix64 step, so neighbouring k give unrelated streams.
uint64_t derive_seed(uint64_t seed, uint64_t k);

// dL/dweights for L = sum_{b,k} g[b][k] <Z_k>_b by the parameter-shift rule on shot estimates of the
// noisy circuit (density-matrix simulator): each shifted circuit is estimated from `shots` shots on
// the stream derive_seed(seed, e) for its evaluation index e (2 per rotation, 4 per controlled
// rotation, in op order). Unbiased; its variance falls as 1/shots. `inputs` is left undefined: the
// layer gives the exact input gradient instead (docs/quantum.md, "Noise and shots").
Gradients shot_parameter_shift_weights(const Circuit& c, const Bound& bound, const NoiseModel& noise,
                                       const Tensor& grad_out, int64_t shots, uint64_t seed);

}  // namespace hqc::quantum
