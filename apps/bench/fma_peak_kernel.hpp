// fma_peak_kernel.hpp — the kernel behind this machine's FMA peak (fma_peak.hpp), one compilation per
// instruction set (fma_peak_{scalar,avx2,avx512,neon}.cpp, each with its own -m flags). Kept free of the
// standard library's templates: a file compiled with AVX flags must not leave an AVX copy of an
// inline function for the whole program to link against.
#pragma once

#include <cstdint>

namespace hqc::bench::detail {

// Independent accumulators per call: enough to keep two FMA pipes of 4-cycle latency busy (8), and
// few enough for AVX2's 16 registers together with the two constants.
inline constexpr int kFmaChains = 12;

// Runs `iters` rounds of kFmaChains independent fused multiply-adds acc = acc * a + b, each on a full
// vector of the instruction set, and returns a sum of the accumulators (so that nothing is dropped).
float fma_chains_scalar(int64_t iters);
float fma_chains_avx2(int64_t iters);
float fma_chains_avx512(int64_t iters);
float fma_chains_neon(int64_t iters);

}  // namespace hqc::bench::detail
