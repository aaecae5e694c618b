// parallel.hpp — a small thread pool with a fixed split of work.
//
// parallel_for(n, grain, fn) cuts [0, n) into as many equal, contiguous chunks as there are threads
// (fewer when a chunk would hold less than `grain` items) and runs chunk k on thread k. The split
// depends only on n, grain and the thread count, never on timing, so any computation whose chunks
// write disjoint outputs gives bit-identical results run after run. Reductions combine per-chunk
// partials in chunk order (see parallel_reduce) for the same reason.
//
// The thread count: HQC_THREADS from the environment, else all hardware threads (at most kMaxThreads);
// set_num_threads() changes it. A parallel_for called from inside a worker runs serially (no nested
// pools).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace hqc {

// More threads than this is never useful on one machine and only risks the process's thread limit.
inline constexpr int kMaxThreads = 256;

// Throws std::runtime_error when HQC_THREADS is set to anything but a whole number in [1, kMaxThreads].
int num_threads();
// Throws std::invalid_argument for n outside [1, kMaxThreads].
void set_num_threads(int n);

// Runs fn(chunk_begin, chunk_end) over a fixed split of [0, n).
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

// Number of chunks parallel_for would use for (n, grain): callers that keep per-chunk partial
// results size their buffers with it.
int64_t parallel_chunks(int64_t n, int64_t grain);

// Like parallel_for, but also passes the chunk index (0 .. parallel_chunks(n, grain) - 1).
void parallel_for_chunks(int64_t n, int64_t grain,
                         const std::function<void(int64_t chunk, int64_t begin, int64_t end)>& fn);

}  // namespace hqc
