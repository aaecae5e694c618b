// kernels.hpp — the table of double-precision statevector kernels, one per SIMD level.
//
// The kernels (quantum/simd/kernels.inl) are plain loops over the batch, compiled once per
// instruction set; sv_kernels() picks the table for hqc::simd_level(), so HQC_SIMD=scalar|avx2|avx512|neon
// and set_simd_level() steer this module exactly as they steer tensor/. Arguments are documented in
// kernels.inl; callers (quantum/state.cpp, quantum/adjoint.cpp) have validated them.
#pragma once

#include <cstdint>

#include "tensor/simd.hpp"

namespace hqc::quantum {

struct QuantumKernels {
  void (*apply_1q)(double* re, double* im, int64_t dim, int64_t B, int64_t tbit, int64_t cmask, const double* m);
  void (*apply_1q_batched)(double* re, double* im, int64_t dim, int64_t B, int64_t tbit, int64_t cmask,
                           const double* m);
  void (*braket_1q)(const double* lre, const double* lim, const double* pre, const double* pim, int64_t dim,
                    int64_t B, int64_t tbit, int64_t cmask, const double* g, double* out_re, double* out_im);
  void (*expval_z)(const double* re, const double* im, int64_t dim, int64_t B, int n, double* out, double* p);
  void (*apply_z_sum)(const double* pre, const double* pim, double* lre, double* lim, int64_t dim, int64_t B,
                      int n, const double* g, double* h);
  // The density-matrix simulator's channels (quantum/density.cpp).
  void (*apply_channel_1q)(double* re, double* im, int64_t dim, int64_t B, int64_t rbit, int64_t cbit, const double* k);
};

const QuantumKernels& sv_kernels();                 // for hqc::simd_level()
const QuantumKernels& sv_kernels(SimdLevel level);  // a given level (tests compare levels)

}  // namespace hqc::quantum
