// table.cpp — which of nn's kernel tables is in use: the one of tensor's level (hqc::simd_level()).
#include "nn/kernels/simd/table.hpp"

namespace hqc::nn::kernels::detail {
const NnKernelTable* nn_kernel_table_scalar();
#ifdef HQC_X86_SIMD
const NnKernelTable* nn_kernel_table_avx2();
const NnKernelTable* nn_kernel_table_avx512();
#endif
#ifdef HQC_ARM_NEON
const NnKernelTable* nn_kernel_table_neon();
#endif
}  // namespace hqc::nn::kernels::detail

namespace hqc::nn::kernels {

const NnKernelTable& nn_kernels(hqc::SimdLevel level) {
#ifdef HQC_X86_SIMD
  if (level == hqc::SimdLevel::avx512 && hqc::simd_available(level)) return *detail::nn_kernel_table_avx512();
  if (level == hqc::SimdLevel::avx2 && hqc::simd_available(level)) return *detail::nn_kernel_table_avx2();
#endif
#ifdef HQC_ARM_NEON
  if (level == hqc::SimdLevel::neon) return *detail::nn_kernel_table_neon();
#endif
  (void)level;
  return *detail::nn_kernel_table_scalar();
}

const NnKernelTable& nn_kernels() { return nn_kernels(hqc::simd_level()); }

}  // namespace hqc::nn::kernels
