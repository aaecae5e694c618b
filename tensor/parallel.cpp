// parallel.cpp — the pool behind parallel_for: workers wait on an atomic generation counter.
#include "tensor/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

namespace hqc {

namespace {

thread_local bool t_in_worker = false;

class Pool {
 public:
  explicit Pool(int threads) { resize(threads); }
  ~Pool() { stop(); }

  int size() const { return threads_; }

  void resize(int threads) {
    stop();
    threads_ = std::max(1, threads);
    quit_ = false;
    // Each worker starts from the generation current now: a task posted before the thread gets
    // to run is then still seen as new.
    uint64_t start = generation_.load(std::memory_order_acquire);
    for (int i = 1; i < threads_; ++i) workers_.emplace_back([this, i, start] { loop(i, start); });
  }

  // Runs task(k) for k in [0, count) with k = 0 on the caller; count <= size().
  void run(int count, const std::function<void(int)>& task) {
    std::lock_guard<std::mutex> lock(run_mutex_);  // one parallel region at a time
    task_ = &task;
    count_ = count;
    error_ = nullptr;
    pending_.store(count - 1, std::memory_order_relaxed);
    // The wake-up is a system call: made only when a worker has gone to sleep. Sequentially
    // consistent increments and reads of generation_ and sleepers_ mean that either this thread sees
    // the sleeper or the sleeper sees the new generation before it sleeps.
    generation_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) generation_.notify_all();
    run_one(task, 0);
    wait_for_workers();
    task_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void run_one(const std::function<void(int)>& task, int k) {
    try {
      task(k);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex_);
      if (!error_) error_ = std::current_exception();
    }
  }

  // The caller's side of the end of a region: spin while the workers finish (they usually do within
  // microseconds), then sleep until the last one wakes it.
  void wait_for_workers() {
    for (int spin = 0; spin < kSpins; ++spin) {
      if (pending_.load(std::memory_order_acquire) == 0) return;
      cpu_relax();
    }
    caller_sleeping_.store(true, std::memory_order_seq_cst);
    int left;
    while ((left = pending_.load(std::memory_order_seq_cst)) != 0) pending_.wait(left, std::memory_order_seq_cst);
    caller_sleeping_.store(false, std::memory_order_relaxed);
  }

  void loop(int index, uint64_t seen) {
    t_in_worker = true;
    while (true) {
      // Spin a while (consecutive kernels follow each other closely: a sleeping worker costs a
      // system call and a reschedule to wake, more than a small kernel's whole run), then sleep.
      uint64_t g = generation_.load(std::memory_order_acquire);
      for (int spin = 0; g == seen && spin < kSpins; ++spin) {
        cpu_relax();
        g = generation_.load(std::memory_order_acquire);
      }
      if (g == seen) {
        sleepers_.fetch_add(1, std::memory_order_seq_cst);
        generation_.wait(seen, std::memory_order_seq_cst);
        sleepers_.fetch_sub(1, std::memory_order_seq_cst);
        continue;
      }
      seen = g;
      if (quit_) return;
      if (index < count_) {
        run_one(*task_, index);
        if (pending_.fetch_sub(1, std::memory_order_seq_cst) == 1 && caller_sleeping_.load(std::memory_order_seq_cst))
          pending_.notify_one();
      }
    }
  }

  static void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
  // 80-200 us of spinning: pause takes ~20 ns on Zen 5, ~40 ns on Intel cores since Skylake.
  static constexpr int kSpins = 4000;

  void stop() {
    if (workers_.empty()) return;
    quit_ = true;
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  int threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex run_mutex_, error_mutex_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<int> sleepers_{0};            // workers blocked in generation_.wait
  std::atomic<bool> caller_sleeping_{false};  // the caller blocked in pending_.wait
  const std::function<void(int)>* task_ = nullptr;
  int count_ = 0;
  std::atomic<bool> quit_{false};
  std::exception_ptr error_;
};

int default_threads() {
  if (const char* env = std::getenv("HQC_THREADS"); env && *env) {
    // Strictly a whole number: a typo must not silently become "all cores" (or a thousand threads).
    char* end = nullptr;
    errno = 0;
    const long n = std::strtol(env, &end, 10);
    if (errno != 0 || *end != '\0' || end == env || n < 1 || n > kMaxThreads)
      throw std::runtime_error(std::string("HQC_THREADS=") + env + ": expected a thread count in [1, " +
                               std::to_string(kMaxThreads) + "]");
    return static_cast<int>(n);
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw ? static_cast<int>(std::min<unsigned>(hw, kMaxThreads)) : 1;
}

Pool& pool() {
  static Pool p(default_threads());
  return p;
}

}  // namespace

int num_threads() { return pool().size(); }

void set_num_threads(int n) {
  if (n < 1 || n > kMaxThreads)
    throw std::invalid_argument("set_num_threads: " + std::to_string(n) + " threads, expected 1.." +
                                std::to_string(kMaxThreads));
  if (n != pool().size()) pool().resize(n);
}

int64_t parallel_chunks(int64_t n, int64_t grain) {
  if (n <= 0) return 0;
  int64_t by_grain = std::max<int64_t>(1, n / std::max<int64_t>(grain, 1));
  return std::min<int64_t>({static_cast<int64_t>(num_threads()), by_grain, n});
}

void parallel_for_chunks(int64_t n, int64_t grain,
                         const std::function<void(int64_t, int64_t, int64_t)>& fn) {
  int64_t chunks = parallel_chunks(n, grain);
  if (chunks == 0) return;
  auto range = [n, chunks](int64_t k, int64_t& b, int64_t& e) {
    b = n * k / chunks;
    e = n * (k + 1) / chunks;
  };
  if (chunks == 1 || t_in_worker) {
    // Same split, run in order on this thread: results equal the threaded ones.
    for (int64_t k = 0; k < chunks; ++k) {
      int64_t b, e;
      range(k, b, e);
      fn(k, b, e);
    }
    return;
  }
  std::function<void(int)> task = [&](int k) {
    int64_t b, e;
    range(k, b, e);
    fn(k, b, e);
  };
  bool was_worker = t_in_worker;
  t_in_worker = true;  // the caller runs chunk 0: nested calls from it stay serial too
  try {
    pool().run(static_cast<int>(chunks), task);
  } catch (...) {
    t_in_worker = was_worker;
    throw;
  }
  t_in_worker = was_worker;
}

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  parallel_for_chunks(n, grain, [&](int64_t, int64_t b, int64_t e) { fn(b, e); });
}

}  // namespace hqc
