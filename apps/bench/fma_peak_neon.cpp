// fma_peak_neon.cpp — fma_peak_kernel.inl built for the neon wrapper (tensor/simd/vec_neon.hpp).
#include "apps/bench/fma_peak_kernel.hpp"

// Standard headers first, outside the anonymous namespace the wrapper is pulled into.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <arm_neon.h>

namespace {
#include "tensor/simd/vec_neon.hpp"
#include "apps/bench/fma_peak_kernel.inl"
}  // namespace

namespace hqc::bench::detail {
float fma_chains_neon(int64_t iters) { return fma_chains(iters); }
}  // namespace hqc::bench::detail
