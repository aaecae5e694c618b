// gemm_bench.cpp — hqc's sgemm against OpenBLAS's cblas_sgemm on the shapes the models use.
//
// For each shape and thread count: a warm-up call, then `reps` timed repetitions of each library
// (each repetition loops the call until it has run for at least --min-ms), reporting the median in
// GFLOP/s and the ratio hqc / OpenBLAS. The two libraries are measured in separate phases with a
// pause between them, because OpenBLAS's idle threads keep spinning for a while after a call and
// would otherwise steal the second core from hqc (and vice versa for hqc's pool). The results of
// the two are also compared, as a sanity check on the benchmark itself.
//
//   gemm_bench [--threads 1,2] [--reps 7] [--min-ms 20] [--clock wall|cpu] [--filter substring]
//
// This program is the only place OpenBLAS is linked; no hqc library depends on it.
#include <cblas.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "apps/bench/gemm_shapes.hpp"
#include "tensor/gemm.hpp"
#include "tensor/parallel.hpp"
#include "tensor/random.hpp"

namespace {


using hqc::bench::GemmShape;

// Square sizes, then the models' shapes (gemm_shapes.hpp).
std::vector<GemmShape> all_shapes() {
  std::vector<GemmShape> out = {
      {"square 64", false, false, 64, 64, 64},
      {"square 128", false, false, 128, 128, 128},
      {"square 256", false, false, 256, 256, 256},
      {"square 512", false, false, 512, 512, 512},
      {"square 1024", false, false, 1024, 1024, 1024},
      {"square 512 A^T", true, false, 512, 512, 512},
      {"square 512 B^T", false, true, 512, 512, 512},
      {"square 512 A^T B^T", true, true, 512, 512, 512},
  };
  for (const GemmShape& s : hqc::bench::kModelGemmShapes) out.push_back(s);
  return out;
}

// Wall-clock by default. --clock cpu uses the process's CPU time divided by the thread count: on a
// machine shared with other jobs this discounts the time slices the benchmark did not get (it
// still counts worker threads spinning while they wait).
bool g_cpu_clock = false;
int g_threads = 1;

double now_ms() {
  if (g_cpu_clock) {
    timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) * 1e-6) / g_threads;
  }
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Median over `reps` of the seconds per call, each repetition running >= min_ms.
template <typename F>
double median_seconds(F&& call, int reps, double min_ms) {
  call();  // warm-up: page faults, packing buffers, thread wake-up
  double t0 = now_ms();
  call();
  double one = std::max(now_ms() - t0, 1e-3);
  int inner = std::max(1, static_cast<int>(min_ms / one));
  std::vector<double> times;
  for (int r = 0; r < reps; ++r) {
    double s = now_ms();
    for (int i = 0; i < inner; ++i) call();
    times.push_back((now_ms() - s) / 1000.0 / inner);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

std::vector<int> parse_list(const char* s) {
  std::vector<int> out;
  for (const char* p = s; *p;) {
    out.push_back(std::atoi(p));
    while (*p && *p != ',') ++p;
    if (*p == ',') ++p;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> threads = {1, 2};
  int reps = 7;
  double min_ms = 20;
  std::string filter;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) {
      threads = parse_list(argv[++i]);
    } else if (a == "--reps" && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--min-ms" && i + 1 < argc) {
      min_ms = std::atof(argv[++i]);
    } else if (a == "--clock" && i + 1 < argc && (std::strcmp(argv[i + 1], "wall") == 0 ||
                                                   std::strcmp(argv[i + 1], "cpu") == 0)) {
      g_cpu_clock = std::strcmp(argv[++i], "cpu") == 0;
    } else if (a == "--filter" && i + 1 < argc) {
      filter = argv[++i];
    } else {
      std::fprintf(stderr, "usage: gemm_bench [--threads 1,2] [--reps 7] [--min-ms 20] [--clock wall|cpu] "
                   "[--filter substring]\n");
      return 2;
    }
  }
  std::printf("hqc sgemm (%s) vs OpenBLAS %s; median of %d reps (each >= %.0f ms, %s clock)\n",
              hqc::simd_name(hqc::simd_level()), openblas_get_config(), reps, min_ms,
              g_cpu_clock ? "process CPU time / threads" : "wall");
  // OPENBLAS_CORETYPE=Haswell on an AVX-512 CPU runs OpenBLAS's AVX2 kernels at about half its speed.
  for (const char* var : {"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"})
    if (const char* v = std::getenv(var))
      std::printf("WARNING: %s=%s in the environment overrides OpenBLAS's own choice of kernels: for its best, "
                  "run env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE %s\n", var, v, argv[0]);
  std::printf("%-22s %2s %5s %5s %5s %3s %9s %9s %7s %9s\n", "shape", "op", "M", "N", "K", "thr", "hqc GF/s",
              "oblas GF/s", "ratio", "max|diff|");
  for (const GemmShape& s : all_shapes()) {
    if (!filter.empty() && std::string(s.name).find(filter) == std::string::npos) continue;
    const int64_t lda = s.trans_a ? s.m : s.k, ldb = s.trans_b ? s.k : s.n, ldc = s.n;
    hqc::Generator gen(42);
    std::vector<float> A(static_cast<std::size_t>(s.m * s.k)), B(static_cast<std::size_t>(s.k * s.n));
    for (auto& x : A) x = 2 * gen.uniform_float() - 1;
    for (auto& x : B) x = 2 * gen.uniform_float() - 1;
    std::vector<float> C1(static_cast<std::size_t>(s.m * s.n)), C2(C1.size());
    const double flops = 2.0 * static_cast<double>(s.m) * static_cast<double>(s.n) * static_cast<double>(s.k);
    for (int t : threads) {
      hqc::set_num_threads(t);
      openblas_set_num_threads(t);
      g_threads = t;
      double th = median_seconds(
          [&] {
            hqc::sgemm(s.trans_a, s.trans_b, s.m, s.n, s.k, 1.0f, A.data(), lda, B.data(), ldb, 0.0f, C1.data(), ldc);
          },
          reps, min_ms);
      std::this_thread::sleep_for(std::chrono::milliseconds(150));  // let hqc's workers go to sleep
      double to = median_seconds(
          [&] {
            cblas_sgemm(CblasRowMajor, s.trans_a ? CblasTrans : CblasNoTrans, s.trans_b ? CblasTrans : CblasNoTrans,
                        static_cast<int>(s.m), static_cast<int>(s.n), static_cast<int>(s.k), 1.0f, A.data(),
                        static_cast<int>(lda), B.data(), static_cast<int>(ldb), 0.0f, C2.data(),
                        static_cast<int>(ldc));
          },
          reps, min_ms);
      std::this_thread::sleep_for(std::chrono::milliseconds(150));  // and OpenBLAS's
      double diff = 0;
      for (std::size_t i = 0; i < C1.size(); ++i) diff = std::max(diff, static_cast<double>(std::fabs(C1[i] - C2[i])));
      const char* op = s.trans_a ? (s.trans_b ? "TT" : "TN") : (s.trans_b ? "NT" : "NN");
      std::printf("%-22s %2s %5lld %5lld %5lld %3d %9.1f %9.1f %6.0f%% %9.2e\n", s.name, op,
                  static_cast<long long>(s.m), static_cast<long long>(s.n), static_cast<long long>(s.k), t,
                  flops / th * 1e-9, flops / to * 1e-9, 100.0 * to / th, diff);
      std::fflush(stdout);
    }
  }
  return 0;
}
