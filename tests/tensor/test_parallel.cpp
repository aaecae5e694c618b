// The thread pool behind parallel_for: the documented fixed split, wake-ups after the workers have
// gone to sleep, back-to-back regions, exceptions from a worker, nested calls.
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "helpers.hpp"
#include "tensor/parallel.hpp"

using namespace hqc;

namespace {
// Runs one region over n items and checks every item was visited exactly once, in the chunks the
// header documents (chunk k = [n*k/chunks, n*(k+1)/chunks)).
void check_region(int64_t n, int64_t grain) {
  const int64_t chunks = parallel_chunks(n, grain);
  std::vector<int> hits(static_cast<std::size_t>(n), 0);
  std::vector<std::pair<int64_t, int64_t>> seen(static_cast<std::size_t>(chunks), {-1, -1});
  parallel_for_chunks(n, grain, [&](int64_t k, int64_t b, int64_t e) {
    seen[static_cast<std::size_t>(k)] = {b, e};
    for (int64_t i = b; i < e; ++i) hits[static_cast<std::size_t>(i)] += 1;
  });
  for (int64_t i = 0; i < n; ++i) REQUIRE(hits[static_cast<std::size_t>(i)] == 1);
  for (int64_t k = 0; k < chunks; ++k) {
    CHECK(seen[static_cast<std::size_t>(k)].first == n * k / chunks);
    CHECK(seen[static_cast<std::size_t>(k)].second == n * (k + 1) / chunks);
  }
}
}  // namespace

TEST_CASE("parallel_for visits every item once in the documented chunks, for 1 to 4 threads") {
  hqc::test::ThreadCountGuard guard;
  for (int t = 1; t <= 4; ++t) {
    set_num_threads(t);
    CAPTURE(t);
    for (int64_t n : {0, 1, 2, 3, 7, 64, 1001})
      for (int64_t grain : {1, 5, 1000}) check_region(n, grain);
    CHECK(parallel_chunks(100, 1) == t);
    CHECK(parallel_chunks(100, 60) == 1);
    CHECK(parallel_chunks(0, 1) == 0);
  }
}

TEST_CASE("parallel_for wakes workers that went to sleep, and runs regions back to back") {
  hqc::test::ThreadCountGuard guard;
  set_num_threads(3);
  for (int round = 0; round < 4; ++round) {
    // Longer than the workers spin before sleeping: the next region must wake them.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    check_region(30, 1);
  }
  std::atomic<int64_t> total{0};
  for (int r = 0; r < 200; ++r)
    parallel_for(3, 1, [&](int64_t b, int64_t e) { total.fetch_add(e - b, std::memory_order_relaxed); });
  CHECK(total.load() == 600);
}

TEST_CASE("an exception in a worker's chunk reaches the caller and the pool stays usable") {
  hqc::test::ThreadCountGuard guard;
  set_num_threads(2);
  CHECK_THROWS_WITH_AS(parallel_for(10, 1,
                                    [](int64_t b, int64_t) {
                                      if (b > 0) throw std::runtime_error("chunk failed");
                                    }),
                       "chunk failed", std::runtime_error);
  check_region(10, 1);
}

TEST_CASE("a parallel_for inside a worker runs its chunks serially with the same split") {
  hqc::test::ThreadCountGuard guard;
  set_num_threads(2);
  std::vector<std::vector<int64_t>> inner(2);
  parallel_for_chunks(2, 1, [&](int64_t k, int64_t, int64_t) {
    parallel_for_chunks(6, 1, [&](int64_t j, int64_t b, int64_t e) {
      inner[static_cast<std::size_t>(k)].push_back(j * 100 + b * 10 + e);
    });
  });
  // Both outer chunks (0 on the caller, 1 on a worker) run the inner split in order on their thread.
  CHECK(inner[0] == std::vector<int64_t>{3, 136});
  CHECK(inner[1] == std::vector<int64_t>{3, 136});
}

TEST_CASE("set_num_threads refuses counts outside 1..kMaxThreads and keeps the pool as it was") {
  hqc::test::ThreadCountGuard guard;
  set_num_threads(2);
  for (int n : {0, -1, kMaxThreads + 1, 100000}) CHECK_THROWS_AS(set_num_threads(n), std::invalid_argument);
  CHECK(num_threads() == 2);
  check_region(10, 1);
}
