// fma_peak.cpp — the measurement of fma_peak.hpp: calibrate the iterations on one thread, then time
// every thread running them at once, each on its own CPU-time clock.
#include "apps/bench/fma_peak.hpp"

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <vector>

#include "apps/bench/fma_peak_kernel.hpp"
#include "tensor/parallel.hpp"
#include "tensor/simd.hpp"

namespace hqc::bench {

namespace {

using Kernel = float (*)(int64_t);

struct Level {
  Kernel kernel;
  int lanes;
};

Level level_kernel(SimdLevel level) {
#ifdef HQC_X86_SIMD
  if (level == SimdLevel::avx512) return {detail::fma_chains_avx512, 16};
  if (level == SimdLevel::avx2) return {detail::fma_chains_avx2, 8};
#endif
#ifdef HQC_ARM_NEON
  if (level == SimdLevel::neon) return {detail::fma_chains_neon, 4};
#endif
  (void)level;
  return {detail::fma_chains_scalar, 1};
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// CPU time of the calling thread, in seconds.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

}  // namespace

FmaPeak measure_fma_peak(double seconds, int repeats) {
  const SimdLevel level = simd_level();
  const Level k = level_kernel(level);
  std::atomic<float> sink{0};  // every result is used, so no call can be dropped
  // Iterations that take about `seconds` of one thread's CPU time: grow until a call takes 10 ms,
  // then scale.
  int64_t iters = 1 << 12;
  double t = 0;
  for (;;) {
    const double t0 = thread_cpu_seconds();
    sink = sink + k.kernel(iters);
    t = thread_cpu_seconds() - t0;
    if (t >= 0.01 || iters > (int64_t{1} << 40)) break;
    iters *= 4;
  }
  iters = std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(iters) * seconds / std::max(t, 1e-9)));

  FmaPeak p;
  p.simd = simd_name(level);
  p.lanes = k.lanes;
  p.chains = detail::kFmaChains;
  p.threads = num_threads();
  p.repeats = repeats;
  p.seconds = seconds;
  const double flops = 2.0 * k.lanes * detail::kFmaChains * static_cast<double>(iters);  // per thread
  std::vector<double> cpu(static_cast<std::size_t>(p.threads));
  for (int r = 0; r < repeats; ++r) {
    const double t0 = now_seconds();
    parallel_for(p.threads, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const double c0 = thread_cpu_seconds();
        sink = sink + k.kernel(iters);
        cpu[static_cast<std::size_t>(i)] = thread_cpu_seconds() - c0;
      }
    });
    const double wall = now_seconds() - t0;
    double rate = 0;
    for (double c : cpu) rate += flops / std::max(c, 1e-9);
    p.gflops = std::max(p.gflops, rate * 1e-9);
    p.wall_gflops = std::max(p.wall_gflops, flops * p.threads / wall * 1e-9);
  }
  return p;
}

cli::Json to_json(const FmaPeak& p) {
  cli::Json j = cli::Json::object();
  j.set("gflops", p.gflops)
      .set("wall_gflops", p.wall_gflops)
      .set("clock", "thread CPU time")
      .set("simd", p.simd)
      .set("lanes", p.lanes)
      .set("chains", p.chains)
      .set("threads", p.threads)
      .set("seconds", p.seconds)
      .set("repeats", p.repeats);
  return j;
}

}  // namespace hqc::bench
