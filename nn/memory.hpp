// memory.hpp — keeping freed tensor memory in the process between training steps.
//
// A training step allocates and frees tens of megabytes of activations and gradients (the MNIST
// classical model: about 60 MB at batch 64). With glibc's default policy, blocks of that size are
// mmap'ed and unmapped, or trimmed from the heap top, so every step takes fresh zeroed pages from the
// kernel again: measured with apps/bench/step_bench, 25 MB of page faults per step and about 3x the
// step time. retain_freed_memory() makes the allocator keep such blocks for reuse (no mmap, trim
// threshold raised), at the cost of holding on to the peak once reached. The STL-10 models need the
// no-mmap part: their 150 MB activations are above any mmap threshold glibc accepts (hqc bench,
// 2 threads: STL-10 classical 21 -> 61 images/s, hybrid 92 -> 179). Call it once at
// program start (the hqc command does, via the apps); it is a no-op where the C library is not glibc.
#pragma once

namespace hqc::nn {

// Returns true when the policy was applied (glibc's malloc; false elsewhere and under AddressSanitizer).
bool retain_freed_memory();

}  // namespace hqc::nn
