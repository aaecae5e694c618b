// fma_peak_kernel.inl — the FMA chains of fma_peak_kernel.hpp, written once against tensor's `Vec`
// wrapper (tensor/simd/vec_*.hpp) and included by one file per instruction set.
//
// acc = acc * a + b with a = 1 - 2^-20 and b = 2^-20 converges to 1 and stays there: no overflow, no
// subnormals, and no compiler may fold the rounds (each depends on the last, exactly rounded).
float fma_chains(int64_t iters) {
  const Vec a = Vec::set1(1.0f - 0x1p-20f), b = Vec::set1(0x1p-20f);
  Vec acc[hqc::bench::detail::kFmaChains];
  for (int c = 0; c < hqc::bench::detail::kFmaChains; ++c) acc[c] = Vec::set1(0.5f + 0.01f * static_cast<float>(c));
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 12
    for (int c = 0; c < hqc::bench::detail::kFmaChains; ++c) acc[c] = Vec::fma(acc[c], a, b);
  }
  Vec sum = acc[0];
  for (int c = 1; c < hqc::bench::detail::kFmaChains; ++c) sum = sum + acc[c];
  return sum.reduce_add();
}
