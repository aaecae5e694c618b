// memory.hpp — the peak resident memory of this process (not of the machine).
//
// The original study read whole-machine figures; we report what the hqc process itself held at most:
// VmHWM from /proc/self/status (Linux), else getrusage's ru_maxrss. reset_peak_rss() lets `hqc
// compare` measure each model's run separately inside one process.
#pragma once

#include <cstdint>

namespace hqc::app {

// Peak resident set size of this process in bytes since start (or since the last reset).
int64_t peak_rss_bytes();
// Current resident set size in bytes (VmRSS); 0 where unknown.
int64_t current_rss_bytes();
// Resets the kernel's peak-RSS counter to the current RSS (writes 5 to /proc/self/clear_refs), after
// returning the heap's free pages to the system (glibc's malloc_trim) so that the current RSS is what
// is live. Returns false where the reset is not supported; the peak then keeps counting from start.
bool reset_peak_rss();

inline double bytes_to_mb(int64_t b) { return static_cast<double>(b) / (1024.0 * 1024.0); }

}  // namespace hqc::app
