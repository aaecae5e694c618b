// kernels_scalar.cpp — nn's float32 kernel table built for tensor's scalar wrapper (see kernels.inl).
#include "nn/kernels/simd/table.hpp"

// Standard headers first, outside the anonymous namespace the wrapper is pulled into.
#include <cmath>
#include <cstdint>
#include <cstring>

namespace {
#include "tensor/simd/vec_scalar.hpp"
#include "nn/kernels/simd/kernels.inl"
}  // namespace

namespace hqc::nn::kernels::detail {
const NnKernelTable* nn_kernel_table_scalar() { return &kTable; }
}  // namespace hqc::nn::kernels::detail
