// kernels_neon.cpp — the float32 kernel table built for the neon wrapper (see kernels.inl).
#include "tensor/simd.hpp"

// Standard headers first, outside the anonymous namespace the wrapper is pulled into.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <arm_neon.h>

namespace {
#include "tensor/simd/vec_neon.hpp"
#include "tensor/simd/kernels.inl"
}  // namespace

namespace hqc::detail {
const KernelTable* kernel_table_neon() { return &kTable; }
}  // namespace hqc::detail
