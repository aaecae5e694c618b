// kernels_avx2.cpp — nn's float32 kernel table built for tensor's avx2 wrapper (see kernels.inl).
#include "nn/kernels/simd/table.hpp"

// Standard headers first, outside the anonymous namespace the wrapper is pulled into.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <immintrin.h>

namespace {
#include "tensor/simd/vec_avx2.hpp"
#include "nn/kernels/simd/kernels.inl"
}  // namespace

namespace hqc::nn::kernels::detail {
const NnKernelTable* nn_kernel_table_avx2() { return &kTable; }
}  // namespace hqc::nn::kernels::detail
