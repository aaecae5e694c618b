// fma_peak.hpp — this machine's float32 peak in fused multiply-adds, the denominator of the model
// FLOP utilisation (MFU) that `hqc bench` reports.
//
// Measured, not taken from a datasheet: every thread of hqc's pool runs kFmaChains independent
// chains of FMAs on full vectors of the SIMD level hqc dispatches to (tensor/simd.hpp) for about
// `seconds`, all threads at once; the best of `repeats` runs counts, at 2 FLOPs per lane per FMA.
// Each thread's rate is per second of its own CPU time (CLOCK_THREAD_CPUTIME_ID) and the peak is
// their sum: the time other processes of a shared machine take does not lower it (two threads that
// share one core's FMA units still do). The wall-clock rate of the same runs is kept beside it.
#pragma once

#include <cstdint>

#include "apps/cli.hpp"

namespace hqc::bench {

struct FmaPeak {
  double gflops = 0;       // best run: sum over threads of 2 * lanes * chains * iterations / CPU seconds
  double wall_gflops = 0;  // best run: the same FLOPs over the run's wall-clock seconds
  const char* simd = "";   // the level measured (the one in use)
  int lanes = 0, chains = 0, threads = 0, repeats = 0;
  double seconds = 0;      // target length of one run
};

// Runs on hqc's thread pool as configured (set_num_threads) at the SIMD level in use.
FmaPeak measure_fma_peak(double seconds = 0.2, int repeats = 3);
// {"gflops", "wall_gflops", "clock", "simd", "lanes", "chains", "threads", "seconds", "repeats"}
cli::Json to_json(const FmaPeak& p);

}  // namespace hqc::bench
