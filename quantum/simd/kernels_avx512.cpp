// kernels_avx512.cpp — the statevector kernel table compiled for the avx512 level (see kernels.inl).
#include "quantum/simd/kernels.hpp"

#include <cstdint>

namespace {
using hqc::quantum::QuantumKernels;
#include "quantum/simd/kernels.inl"
}  // namespace

namespace hqc::quantum::detail {
const QuantumKernels* kernels_avx512() { return &kTable; }
}  // namespace hqc::quantum::detail
