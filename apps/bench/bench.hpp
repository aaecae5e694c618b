// bench.hpp — the measuring protocol of `hqc bench` and its sections (GEMM, quantum layer, models).
//
// The protocol is the one torch_peer.py uses, so that the two sides' figures mean the same thing
// (apps/bench/README.md): `warmup` untimed calls, one call to size the windows, then `windows` timed
// windows of about `window_seconds` each (at least one call); each window gives one rate and a figure
// is the median, min and max over windows. The JSON keys are those of the schema hqc-bench/1.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "apps/bench/gemm_shapes.hpp"
#include "apps/cli.hpp"

namespace hqc::bench {

struct Stat {
  double median = 0, min = 0, max = 0;
};
// Median (mean of the middle two for an even count), min and max; throws on an empty list.
Stat stat_of(std::vector<double> values);
// Maps each value (e.g. seconds per call -> images per second) before taking the statistics.
Stat stat_of(const std::vector<double>& values, const std::function<double(double)>& f);
cli::Json to_json(const Stat& s);

struct Protocol {
  int warmup = 3;
  int windows = 5;
  double window_seconds = 1.0;
  // Seconds per call of `call`, one entry per timed window.
  std::vector<double> run(const std::function<void()>& call) const;
};

// The machine: CPU model name from /proc/cpuinfo, hardware threads, SIMD level in use.
cli::Json machine_json();
// Now, UTC, as 2026-11-25T15:00:00Z.
std::string utc_now();

// --- GEMM at the models' shapes (kModelGemmShapes, gemm_shapes.hpp) ---
struct GemmResult {
  GemmShape shape;
  Stat gflops;
};
std::vector<GemmResult> bench_gemm(const Protocol& proto, uint64_t seed);
// {"name", "trans_a", "trans_b", "m", "n", "k", "gflops": Stat}
cli::Json to_json(const GemmResult& r);

}  // namespace hqc::bench
