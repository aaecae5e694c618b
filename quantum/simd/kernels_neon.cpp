// kernels_neon.cpp — the statevector kernel table compiled for the neon level (see kernels.inl).
#include "quantum/simd/kernels.hpp"

#include <cstdint>

namespace {
using hqc::quantum::QuantumKernels;
#include "quantum/simd/kernels.inl"
}  // namespace

namespace hqc::quantum::detail {
const QuantumKernels* kernels_neon() { return &kTable; }
}  // namespace hqc::quantum::detail
