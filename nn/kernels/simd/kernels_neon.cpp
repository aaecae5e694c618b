// kernels_neon.cpp — nn's float32 kernel table built for tensor's neon wrapper (see kernels.inl).
#include "nn/kernels/simd/table.hpp"

// Standard headers first, outside the anonymous namespace the wrapper is pulled into.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <arm_neon.h>

namespace {
#include "tensor/simd/vec_neon.hpp"
#include "nn/kernels/simd/kernels.inl"
}  // namespace

namespace hqc::nn::kernels::detail {
const NnKernelTable* nn_kernel_table_neon() { return &kTable; }
}  // namespace hqc::nn::kernels::detail
