// simd.cpp — which kernel table is in use: the best the CPU has at start-up (cpuid on x86-64, NEON
// on aarch64), HQC_SIMD to force one.
#include "tensor/simd.hpp"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

namespace hqc::detail {
const KernelTable* kernel_table_scalar();
#ifdef HQC_X86_SIMD
const KernelTable* kernel_table_avx2();
const KernelTable* kernel_table_avx512();
#endif
#ifdef HQC_ARM_NEON
const KernelTable* kernel_table_neon();
#endif
}  // namespace hqc::detail

namespace hqc {

namespace {

bool cpu_supports(SimdLevel level) {
#if defined(HQC_X86_SIMD) && (defined(__GNUC__) || defined(__clang__))
  switch (level) {
    case SimdLevel::scalar: return true;
    case SimdLevel::avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case SimdLevel::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
    case SimdLevel::neon: return false;
  }
  return false;
#elif defined(HQC_ARM_NEON)
  return level == SimdLevel::scalar || level == SimdLevel::neon;  // NEON is in aarch64's base set
#else
  return level == SimdLevel::scalar;
#endif
}

SimdLevel initial_level() {
  SimdLevel best = simd_best();
  const char* env = std::getenv("HQC_SIMD");
  if (!env || !*env) return best;
  for (SimdLevel l : {SimdLevel::scalar, SimdLevel::avx2, SimdLevel::avx512, SimdLevel::neon}) {
    if (std::strcmp(env, simd_name(l)) == 0) {
      if (!simd_available(l)) {
        throw std::runtime_error(std::string("HQC_SIMD=") + env + ": not available on this CPU or build");
      }
      return l;
    }
  }
  throw std::runtime_error(std::string("HQC_SIMD=") + env + ": expected scalar, avx2, avx512 or neon");
}

std::atomic<int>& level_ref() {
  static std::atomic<int> level{static_cast<int>(initial_level())};
  return level;
}

}  // namespace

const char* simd_name(SimdLevel level) {
  switch (level) {
    case SimdLevel::scalar: return "scalar";
    case SimdLevel::avx2: return "avx2";
    case SimdLevel::avx512: return "avx512";
    case SimdLevel::neon: return "neon";
  }
  return "?";
}

bool simd_available(SimdLevel level) { return cpu_supports(level); }

SimdLevel simd_best() {
  if (cpu_supports(SimdLevel::avx512)) return SimdLevel::avx512;
  if (cpu_supports(SimdLevel::avx2)) return SimdLevel::avx2;
  if (cpu_supports(SimdLevel::neon)) return SimdLevel::neon;
  return SimdLevel::scalar;
}

SimdLevel simd_level() { return static_cast<SimdLevel>(level_ref().load(std::memory_order_relaxed)); }

void set_simd_level(SimdLevel level) {
  if (!simd_available(level)) {
    throw std::invalid_argument(std::string("set_simd_level: ") + simd_name(level) +
                                " is not available on this CPU or build");
  }
  level_ref().store(static_cast<int>(level), std::memory_order_relaxed);
}

const KernelTable& kernels(SimdLevel level) {
#ifdef HQC_X86_SIMD
  if (level == SimdLevel::avx512 && cpu_supports(level)) return *detail::kernel_table_avx512();
  if (level == SimdLevel::avx2 && cpu_supports(level)) return *detail::kernel_table_avx2();
#endif
#ifdef HQC_ARM_NEON
  if (level == SimdLevel::neon) return *detail::kernel_table_neon();
#endif
  (void)level;
  return *detail::kernel_table_scalar();
}

const KernelTable& kernels() { return kernels(simd_level()); }

}  // namespace hqc
