// test_memory.cpp — the process's own peak memory moves with what this process touches.
#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "apps/memory.hpp"
#include "helpers.hpp"

using namespace hqc::app;

TEST_CASE("peak RSS covers the current RSS and grows by a touched 64 MB buffer") {
  // Read the current RSS first: the process may touch a page between the two reads.
  const int64_t current = current_rss_bytes();
  const int64_t before = peak_rss_bytes();
  CHECK(before > 0);
  CHECK(current <= before);
  const std::size_t n = 64u << 20;
  {
    std::unique_ptr<char[]> buf(new char[n]);
    std::memset(buf.get(), 1, n);  // touched pages count, reserved ones do not
    CHECK(buf[n - 1] == 1);
    const int64_t touched = current_rss_bytes();  // again before the peak, which is read later
    CHECK(peak_rss_bytes() >= touched);
    CHECK(peak_rss_bytes() >= static_cast<int64_t>(n));
  }
  CHECK(peak_rss_bytes() >= before);
  CHECK(peak_rss_bytes() >= static_cast<int64_t>(n));
}

TEST_CASE("reset_peak_rss brings the peak back down to about the current RSS") {
  {
    const std::size_t n = 48u << 20;
    std::unique_ptr<char[]> buf(new char[n]);
    std::memset(buf.get(), 2, n);
    CHECK(buf[1] == 2);
  }
  if (!reset_peak_rss()) HQC_SKIP("/proc/self/clear_refs is not supported here: the peak cannot be reset");
  CHECK(peak_rss_bytes() < current_rss_bytes() + (16 << 20));
}

TEST_CASE("reset_peak_rss first hands freed heap pages back, so the next peak is the next work's own") {
#if defined(__GLIBC__)
  // 400 blocks of 100 KB: below glibc's mmap threshold, so they live in the heap, and a block kept
  // above them stops free() from shrinking the heap by itself.
  std::vector<std::unique_ptr<char[]>> blocks;
  for (int i = 0; i < 400; ++i) {
    blocks.emplace_back(new char[100 << 10]);
    std::memset(blocks.back().get(), 3, 100 << 10);
  }
  std::unique_ptr<char[]> pin(new char[64]);
  pin[0] = 1;
  const int64_t held = current_rss_bytes();
  blocks.clear();
  // qemu-user (7.2) answers madvise with success and does nothing, so malloc_trim frees no page.
  if (std::getenv("HQC_TEST_EMULATOR")) HQC_SKIP("under a user-mode emulator, which ignores madvise");
#if defined(__SANITIZE_ADDRESS__)
  HQC_SKIP("built with AddressSanitizer, whose allocator keeps freed pages from malloc_trim");
#endif
  if (!reset_peak_rss()) HQC_SKIP("/proc/self/clear_refs is not supported here: the peak cannot be reset");
  CHECK(current_rss_bytes() < held - (30 << 20));
  CHECK(peak_rss_bytes() < held - (30 << 20));
  CHECK(pin[0] == 1);
#endif
}

TEST_CASE("bytes_to_mb uses binary megabytes") { CHECK(bytes_to_mb(3 << 20) == 3.0); }
