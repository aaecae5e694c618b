// kernels.cpp — which statevector kernel table is in use (follows hqc::simd_level()).
//
// The neon level (aarch64) uses the scalar table: NEON is in aarch64's base instruction set, so the
// compiler already vectorises these loops with it, without contraction. A copy built with
// -ffp-contract=fast, as the AVX ones are, gave a sample's amplitudes bits that depended on its
// position in the batch (GCC fused the vectorised body and the scalar tail differently).
#include "quantum/simd/kernels.hpp"

namespace hqc::quantum::detail {
const QuantumKernels* kernels_scalar();
#ifdef HQC_X86_SIMD
const QuantumKernels* kernels_avx2();
const QuantumKernels* kernels_avx512();
#endif
}  // namespace hqc::quantum::detail

namespace hqc::quantum {

const QuantumKernels& sv_kernels(SimdLevel level) {
#ifdef HQC_X86_SIMD
  switch (level) {
    case SimdLevel::avx512: return *detail::kernels_avx512();
    case SimdLevel::avx2: return *detail::kernels_avx2();
    case SimdLevel::scalar:
    case SimdLevel::neon: break;
  }
#else
  (void)level;
#endif
  return *detail::kernels_scalar();
}

const QuantumKernels& sv_kernels() { return sv_kernels(simd_level()); }

}  // namespace hqc::quantum
