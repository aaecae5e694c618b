// kernels.cpp — which statevector kernel table is in use (follows hqc::simd_level()).
#include "quantum/simd/kernels.hpp"

namespace hqc::quantum::detail {
const QuantumKernels* kernels_scalar();
#ifdef HQC_X86_SIMD
const QuantumKernels* kernels_avx2();
const QuantumKernels* kernels_avx512();
#endif
#ifdef HQC_ARM_NEON
const QuantumKernels* kernels_neon();
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
#elif defined(HQC_ARM_NEON)
  if (level == SimdLevel::neon) return *detail::kernels_neon();
#else
  (void)level;
#endif
  return *detail::kernels_scalar();
}

const QuantumKernels& sv_kernels() { return sv_kernels(simd_level()); }

}  // namespace hqc::quantum
