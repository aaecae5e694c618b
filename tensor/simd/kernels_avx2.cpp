// kernels_avx2.cpp — the float32 kernel table built for the avx2 wrapper (see kernels.inl).
#include "tensor/simd.hpp"

// Standard headers first, outside the anonymous namespace the wrapper is pulled into.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <immintrin.h>

namespace {
#include "tensor/simd/vec_avx2.hpp"
#include "tensor/simd/kernels.inl"
}  // namespace

namespace hqc::detail {
const KernelTable* kernel_table_avx2() { return &kTable; }
}  // namespace hqc::detail
