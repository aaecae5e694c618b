// simd.hpp — run-time choice of the SIMD instruction set, and the float32 kernel table.
//
// Each kernel is written once (tensor/simd/kernels.inl) against a tiny vector wrapper
// (tensor/simd/vec_*.hpp) and compiled once per instruction set: portable scalar (width 1, no
// flags) everywhere; on x86-64 AVX2+FMA (-mavx2 -mfma) and AVX-512 (-mavx512f ...), of which cpuid
// picks the best the CPU has at start-up; on aarch64 NEON (width 4), which every such CPU has.
// HQC_SIMD=scalar|avx2|avx512|neon in the environment, or set_simd_level(), forces one — the tests
// use that to check every path against the scalar one on the same machine. A portable build
// (HQC_PORTABLE=ON, or another CPU) contains only the scalar table. nn's convolution and pooling
// kernels have their own table on the same wrappers and level (nn/kernels/simd/table.hpp).
//
// Across CPUs only the scalar level gives the same bits (x86-64 and aarch64 alike); each SIMD
// level has its own (FMA, lane order), the same run to run on one machine.
#pragma once

#include <cstdint>

namespace hqc {

enum class SimdLevel { scalar = 0, avx2 = 1, avx512 = 2, neon = 3 };

const char* simd_name(SimdLevel level);
SimdLevel simd_best();             // best level both built in and supported by this CPU
bool simd_available(SimdLevel level);
SimdLevel simd_level();            // the level in use
void set_simd_level(SimdLevel level);  // throws if not available

// Contiguous float32 kernels. n may be any size (tails handled inside).
struct KernelTable {
  // o[i] = a[i] op b[i]
  void (*add)(const float* a, const float* b, float* o, int64_t n);
  void (*sub)(const float* a, const float* b, float* o, int64_t n);
  void (*mul)(const float* a, const float* b, float* o, int64_t n);
  void (*div)(const float* a, const float* b, float* o, int64_t n);
  void (*max)(const float* a, const float* b, float* o, int64_t n);
  void (*min)(const float* a, const float* b, float* o, int64_t n);
  // o[i] = a[i] op s  and  o[i] = s op a[i]
  void (*add_s)(const float* a, float s, float* o, int64_t n);
  void (*mul_s)(const float* a, float s, float* o, int64_t n);
  void (*rsub_s)(const float* a, float s, float* o, int64_t n);  // s - a
  void (*rdiv_s)(const float* a, float s, float* o, int64_t n);  // s / a
  void (*max_s)(const float* a, float s, float* o, int64_t n);
  void (*min_s)(const float* a, float s, float* o, int64_t n);
  // o[i] = f(a[i])
  void (*neg)(const float* a, float* o, int64_t n);
  void (*abs)(const float* a, float* o, int64_t n);
  void (*sqrt)(const float* a, float* o, int64_t n);
  void (*exp)(const float* a, float* o, int64_t n);
  void (*relu)(const float* a, float* o, int64_t n);
  void (*sigmoid)(const float* a, float* o, int64_t n);
  void (*tanh)(const float* a, float* o, int64_t n);
  // o[i] = g[i] * (x[i] > 0)
  void (*relu_backward)(const float* g, const float* x, float* o, int64_t n);
  // y[i] += a * x[i]
  void (*axpy)(float a, const float* x, float* y, int64_t n);
  // o[i] = a[i] * s + b[i]
  void (*scale_add)(const float* a, float s, const float* b, float* o, int64_t n);
  // Reductions (order: lanes, then lanes combined in a fixed order; deterministic per level).
  float (*sum)(const float* a, int64_t n);
  float (*max_reduce)(const float* a, int64_t n);  // -inf for n = 0
  float (*dot)(const float* a, const float* b, int64_t n);
  // sum of (a[i] - mean)^2
  float (*sq_dev_sum)(const float* a, float mean, int64_t n);
  // o[i] = a[i] * s + t, and the same followed by relu (max(0, .), NaN kept as relu does)
  void (*affine_s)(const float* a, float s, float t, float* o, int64_t n);
  void (*affine_relu_s)(const float* a, float s, float t, float* o, int64_t n);
  // o[i] = a[i] * s + b[i] * u + t
  void (*affine2_s)(const float* a, float s, const float* b, float u, float t, float* o, int64_t n);
  // *sum = sum(a, n) and *dot = dot(a, b, n), bit for bit, in one pass over a
  void (*sum_dot)(const float* a, const float* b, int64_t n, float* sum, float* dot);
};

const KernelTable& kernels();                  // for simd_level()
const KernelTable& kernels(SimdLevel level);   // a specific level (tests, benchmarks)

}  // namespace hqc
