// helpers.hpp — small things every test file uses.
#pragma once

#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "tensor/batch_split.hpp"
#include "tensor/ops.hpp"
#include "tensor/parallel.hpp"
#include "tensor/random.hpp"
#include "tensor/simd.hpp"

namespace hqc::test {

// The line CTest looks for (SKIP_REGULAR_EXPRESSION in tests/CMakeLists.txt) to report a case as
// skipped rather than passed: a case whose precondition is missing has checked nothing.
inline constexpr const char* kSkipMarker = "HQC_TEST_SKIPPED";

// Ends the current TEST_CASE as skipped, saying why. Use only before the first check.
#define HQC_SKIP(reason)                                                             \
  do {                                                                               \
    std::printf("%s: %s\n", ::hqc::test::kSkipMarker, reason);                       \
    std::fflush(stdout);                                                             \
    return;                                                                          \
  } while (0)

// CHECK that two tensors have one shape and agree within atol + rtol * |expected|.
#define CHECK_CLOSE(actual, expected, rtol, atol)                                               \
  do {                                                                                          \
    const ::hqc::Tensor& a_ = (actual);                                                         \
    const ::hqc::Tensor& e_ = (expected);                                                       \
    REQUIRE_MESSAGE(a_.sizes() == e_.sizes(), "shape " << ::hqc::shape_str(a_.sizes())         \
                                                       << " vs " << ::hqc::shape_str(e_.sizes())); \
    CHECK_MESSAGE(::hqc::allclose(a_, e_, (rtol), (atol)),                                      \
                  "max |diff| " << ::hqc::max_abs_diff(a_, e_) << "\nactual   " << a_.str(8)     \
                                << "\nexpected " << e_.str(8));                                 \
  } while (0)

// Runs the body once per SIMD level this CPU and build have, restoring the level afterwards.
class SimdLevelGuard {
 public:
  SimdLevelGuard() : saved_(simd_level()) {}
  ~SimdLevelGuard() { set_simd_level(saved_); }

 private:
  SimdLevel saved_;
};

// A batch split's exchange that exchanges nothing: a test runs a process's share of a batch under
// BatchSplitScope (what depends on the whole batch's size follows it) and adds the shares itself.
struct NoExchange final : BatchExchange {
  void combine(double*, int64_t) override {}
  void combine(float*, int64_t) override {}
};

// Restores the thread count when the test that changes it ends.
class ThreadCountGuard {
 public:
  ThreadCountGuard() : saved_(num_threads()) {}
  ~ThreadCountGuard() { set_num_threads(saved_); }

 private:
  int saved_;
};

inline std::vector<SimdLevel> available_levels() {
  std::vector<SimdLevel> out;
  for (SimdLevel l : {SimdLevel::scalar, SimdLevel::avx2, SimdLevel::avx512, SimdLevel::neon})
    if (simd_available(l)) out.push_back(l);
  return out;
}

// Awkward sizes for SIMD tails and blocking: 1, odd, prime, around and beyond the vector widths.
inline const std::vector<int64_t>& awkward_sizes() {
  static const std::vector<int64_t> sizes = {1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 64, 97, 255, 1031, 40009};
  return sizes;
}

}  // namespace hqc::test
