// fma_peak_scalar.cpp — fma_peak_kernel.inl built for the scalar wrapper (tensor/simd/vec_scalar.hpp).
#include "apps/bench/fma_peak_kernel.hpp"

// Standard headers first, outside the anonymous namespace the wrapper is pulled into.
#include <cmath>
#include <cstdint>
#include <cstring>

namespace {
#include "tensor/simd/vec_scalar.hpp"
#include "apps/bench/fma_peak_kernel.inl"
}  // namespace

namespace hqc::bench::detail {
float fma_chains_scalar(int64_t iters) { return fma_chains(iters); }
}  // namespace hqc::bench::detail
