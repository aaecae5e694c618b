// bench.cpp — the timing protocol, machine description and the GEMM section of `hqc bench`.
#include "apps/bench/bench.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "apps/distributed.hpp"
#include "tensor/gemm.hpp"
#include "tensor/random.hpp"
#include "tensor/simd.hpp"

namespace hqc::bench {

Stat stat_of(std::vector<double> v) {
  if (v.empty()) throw std::invalid_argument("bench: statistics of no window");
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  Stat s;
  s.median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  s.min = v.front();
  s.max = v.back();
  return s;
}

Stat stat_of(const std::vector<double>& values, const std::function<double(double)>& f) {
  std::vector<double> mapped;
  mapped.reserve(values.size());
  for (double x : values) mapped.push_back(f(x));
  return stat_of(std::move(mapped));
}

cli::Json to_json(const Stat& s) {
  cli::Json j = cli::Json::object();
  j.set("median", s.median).set("min", s.min).set("max", s.max);
  return j;
}

namespace {
double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

std::vector<double> Protocol::run(const std::function<void()>& call) const {
  for (int i = 0; i < warmup; ++i) call();
  double t0 = now_seconds();
  call();
  const double one = std::max(now_seconds() - t0, 1e-7);
  // Rank 0's count on every rank under mpirun: a training step there is an exchange between ranks.
  const int64_t per_window = app::dist::rank0_value(std::max<int64_t>(1, static_cast<int64_t>(window_seconds / one)));
  std::vector<double> out;
  for (int w = 0; w < windows; ++w) {
    t0 = now_seconds();
    for (int64_t i = 0; i < per_window; ++i) call();
    out.push_back((now_seconds() - t0) / static_cast<double>(per_window));
  }
  return out;
}

cli::Json machine_json() {
  std::string cpu = "unknown";
  std::ifstream f("/proc/cpuinfo");
  for (std::string line; std::getline(f, line);) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        cpu = line.substr(colon + 1);
        cpu.erase(0, cpu.find_first_not_of(" \t"));
      }
      break;
    }
  }
  cli::Json j = cli::Json::object();
  j.set("cpu", cpu)
      .set("cores", static_cast<int64_t>(std::thread::hardware_concurrency()))
      .set("simd", simd_name(simd_level()));
  return j;
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::vector<GemmResult> bench_gemm(const Protocol& proto, uint64_t seed) {
  std::vector<GemmResult> out;
  Generator gen(seed);
  for (const GemmShape& s : kModelGemmShapes) {
    // A is stored (K, M) when transposed, B (N, K): the row-major operands the call sees.
    std::vector<float> a(static_cast<std::size_t>(s.m * s.k)), b(static_cast<std::size_t>(s.k * s.n)),
        c(static_cast<std::size_t>(s.m * s.n));
    for (float& x : a) x = 2 * gen.uniform_float() - 1;
    for (float& x : b) x = 2 * gen.uniform_float() - 1;
    const int64_t lda = s.trans_a ? s.m : s.k, ldb = s.trans_b ? s.k : s.n;
    auto times = proto.run([&] {
      sgemm(s.trans_a, s.trans_b, s.m, s.n, s.k, 1.0f, a.data(), lda, b.data(), ldb, 0.0f, c.data(), s.n);
    });
    const double flops = 2.0 * static_cast<double>(s.m) * static_cast<double>(s.n) * static_cast<double>(s.k);
    out.push_back({s, stat_of(times, [&](double t) { return flops / t * 1e-9; })});
  }
  return out;
}

cli::Json to_json(const GemmResult& r) {
  cli::Json e = cli::Json::object();
  e.set("name", r.shape.name)
      .set("trans_a", r.shape.trans_a)
      .set("trans_b", r.shape.trans_b)
      .set("m", r.shape.m)
      .set("n", r.shape.n)
      .set("k", r.shape.k)
      .set("gflops", to_json(r.gflops));
  return e;
}

}  // namespace hqc::bench
