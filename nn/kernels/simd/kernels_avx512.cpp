// kernels_avx512.cpp — nn's float32 kernel table built for tensor's avx512 wrapper (see kernels.inl).
#include "nn/kernels/simd/table.hpp"

// Standard headers first, outside the anonymous namespace the wrapper is pulled into.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <immintrin.h>

namespace {
#include "tensor/simd/vec_avx512.hpp"
#include "nn/kernels/simd/kernels.inl"
}  // namespace

namespace hqc::nn::kernels::detail {
const NnKernelTable* nn_kernel_table_avx512() { return &kTable; }
}  // namespace hqc::nn::kernels::detail
