// memory.cpp — glibc allocator policy for training loops (see memory.hpp).
#include "nn/memory.hpp"

#include <cstdlib>  // defines __GLIBC__ on glibc systems

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace hqc::nn {

// Under AddressSanitizer malloc is the sanitizer's own and mallopt changes nothing.
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
#define HQC_GLIBC_MALLOC 1
#endif

bool retain_freed_memory() {
#if defined(HQC_GLIBC_MALLOC)
  // Every block comes from the heap (no mmap: the activations of the STL-10 models reach 150 MB
  // each, above the largest mmap threshold glibc accepts, 32 MB), and the heap is not trimmed below
  // 2 GB of free top: freed activations are reused by the next step instead of being returned to
  // the kernel and faulted in again as zeroed pages.
  bool ok = mallopt(M_MMAP_MAX, 0) == 1;
  ok = mallopt(M_TRIM_THRESHOLD, 0x7fffffff) == 1 && ok;
  ok = mallopt(M_TOP_PAD, 64 << 20) == 1 && ok;
  return ok;
#else
  return false;
#endif
}

}  // namespace hqc::nn
