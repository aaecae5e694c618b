// fma_peak_avx512.cpp — fma_peak_kernel.inl built for the avx512 wrapper (tensor/simd/vec_avx512.hpp).
#include "apps/bench/fma_peak_kernel.hpp"

// Standard headers first, outside the anonymous namespace the wrapper is pulled into.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <immintrin.h>

namespace {
#include "tensor/simd/vec_avx512.hpp"
#include "apps/bench/fma_peak_kernel.inl"
}  // namespace

namespace hqc::bench::detail {
float fma_chains_avx512(int64_t iters) { return fma_chains(iters); }
}  // namespace hqc::bench::detail
