// kernels_scalar.cpp — the float32 kernel table built for the scalar wrapper (see kernels.inl).
#include "tensor/simd.hpp"

// Standard headers first, outside the anonymous namespace the wrapper is pulled into.
#include <cmath>
#include <cstdint>
#include <cstring>

namespace {
#include "tensor/simd/vec_scalar.hpp"
#include "tensor/simd/kernels.inl"
}  // namespace

namespace hqc::detail {
const KernelTable* kernel_table_scalar() { return &kTable; }
}  // namespace hqc::detail
