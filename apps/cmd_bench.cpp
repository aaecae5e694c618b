// cmd_bench.cpp — `hqc bench`: the project's speed figures, with the keys of the schema hqc-bench/1
// (apps/bench/README.md) that apps/bench/torch_peer.py prints for PyTorch, so that
// tools/bench_compare.py can set the two side by side.
#include <sys/wait.h>
#include <spawn.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <optional>

#include "apps/bench/bench.hpp"
#include "apps/bench/fma_peak.hpp"
#include "apps/bench/models.hpp"
#include "apps/bench/quantum.hpp"
#include "apps/cli.hpp"
#include "apps/distributed.hpp"
#include "tensor/parallel.hpp"
#include "tensor/simd.hpp"

extern char** environ;

namespace {

using hqc::cli::Json;

// Runs this same binary with `args` in a fresh process and returns what it printed on stdout: a
// process of its own is the only honest way to read the peak memory of one model's training.
[[maybe_unused]] std::string run_self(const std::vector<std::string>& args) {
  int fd[2];
  if (pipe(fd) != 0) throw hqc::cli::RuntimeError("bench: cannot create a pipe for the memory child");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fd[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fd[0]);
  std::vector<std::string> all = {"hqc"};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fd[1]);
  if (rc != 0) {
    close(fd[0]);
    throw hqc::cli::RuntimeError("bench: cannot start the memory child (/proc/self/exe)");
  }
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fd[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  close(fd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw hqc::cli::RuntimeError("bench: the memory child for '" + args.back() + "' failed");
  return out;
}

std::string fmt(const hqc::bench::Stat& s, int digits) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.*f [%.*f-%.*f]", digits, s.median, digits, s.min, digits, s.max);
  return buf;
}

int run(const std::vector<std::string>& args) {
  hqc::cli::ArgParser p("bench",
                        "Measures hqc's speed: training and inference throughput of the six models of the study, "
                        "batch-1 latency, the quantum layer, GEMM at the models' shapes, peak memory of training "
                        "(apps/bench/README.md). Each figure is the median [min-max] of timed windows after a "
                        "warm-up.");
  p.flag("json", "print one JSON document (schema hqc-bench/1)");
  p.option("threads", "worker threads", std::to_string(hqc::num_threads()));
  p.option("seed", "seed of the random weights and images", "0");
  p.option("models", "comma-separated models to measure, 'all' or 'none'", "all");
  p.option("warmup", "untimed calls before the windows", "3");
  p.option("windows", "timed windows per figure", "5");
  p.option("window-seconds", "target length of one window", "1.0");
  p.flag("quick", "1 warm-up call, 3 windows of 0.2 s (a smoke test)");
  p.flag("no-memory", "skip the peak-memory child processes");
  p.flag("no-quantum", "skip the quantum layer");
  p.flag("no-gemm", "skip GEMM");
  p.option("memory-steps", "training steps of each memory child", "5");
  p.option("memory-child", "internal: train one model in this process and print its peak RSS in MiB", "");
  if (!p.parse(args)) return 0;

  const int threads = static_cast<int>(p.integer("threads", 1, hqc::kMaxThreads));
  hqc::set_num_threads(threads);
  const uint64_t seed = static_cast<uint64_t>(p.integer("seed", 0));
  if (!p.str("memory-child").empty()) {
    const double mb = hqc::bench::train_peak_rss_mb(hqc::bench::model_spec(p.str("memory-child")),
                                                   static_cast<int>(p.integer("memory-steps", 1, 1000)), seed);
    std::printf("%.3f\n", mb);
    return 0;
  }
  hqc::bench::Protocol proto;
  proto.warmup = static_cast<int>(p.integer("warmup", 0, 1000));
  proto.windows = static_cast<int>(p.integer("windows", 1, 1000));
  proto.window_seconds = p.number("window-seconds");
  if (!(proto.window_seconds > 0)) throw hqc::cli::UsageError("--window-seconds must be > 0");
  if (p.is_set("quick")) {
    proto.warmup = 1;
    proto.windows = 3;
    proto.window_seconds = 0.2;
  }

  // The denominator of every MFU figure, measured first on the threads the models will use.
  if (hqc::app::dist::rank() == 0) std::cerr << "hqc bench: FMA peak ...\n";
  const hqc::bench::FmaPeak peak = hqc::bench::measure_fma_peak();
  Json machine = hqc::bench::machine_json();
  machine.set("fma_peak_gflops", peak.gflops).set("fma_peak", hqc::bench::to_json(peak));
  Json doc = Json::object();
  doc.set("schema", "hqc-bench/1")
      .set("implementation", "hqc")
      .set("version", "0.1.0")
      .set("date", hqc::bench::utc_now())
      .set("machine", machine)
      .set("threads", threads)
      .set("batch", 64);
  Json protocol = Json::object();
  protocol.set("warmup", proto.warmup).set("windows", proto.windows).set("window_seconds", proto.window_seconds);
  doc.set("protocol", protocol);
  doc.set("models", Json::array());

  std::vector<hqc::bench::ModelResult> models;
  std::vector<const hqc::bench::ModelSpec*> chosen;
  if (p.str("models") == "all") {
    for (const auto& s : hqc::bench::model_specs()) chosen.push_back(&s);
  } else if (p.str("models") != "none") {
    for (const auto& name : p.strings("models")) chosen.push_back(&hqc::bench::model_spec(name));
  }
  const int memory_steps = static_cast<int>(p.integer("memory-steps", 1, 1000));
  for (const auto* spec : chosen) {
    if (hqc::app::dist::rank() == 0) std::cerr << "hqc bench: " << spec->name << " ...\n";
    hqc::bench::ModelResult r = hqc::bench::bench_model(*spec, proto, seed);
    if (!p.is_set("no-memory")) {
      const std::string out = run_self({"bench", "--memory-child", spec->name, "--threads", std::to_string(threads),
                                        "--memory-steps", std::to_string(memory_steps), "--seed", std::to_string(seed)});
      try {
        r.peak_rss_mb = std::stod(out);
      } catch (const std::exception&) {
        throw hqc::cli::RuntimeError("bench: the memory child for " + std::string(spec->name) + " printed '" + out + "'");
      }
    }
    models.push_back(r);
  }
  Json model_arr = Json::array();
  for (const auto& m : models) model_arr.push(hqc::bench::to_json(m, peak.gflops));
  doc.set("models", model_arr);

  std::optional<hqc::bench::QuantumResult> quantum;
  if (!p.is_set("no-quantum")) {
    if (hqc::app::dist::rank() == 0) std::cerr << "hqc bench: quantum layer ...\n";
    quantum = hqc::bench::bench_quantum(proto, seed);
    doc.set("quantum", hqc::bench::to_json(*quantum));
  }

  std::vector<hqc::bench::GemmResult> gemm;
  if (!p.is_set("no-gemm")) {
    if (hqc::app::dist::rank() == 0) std::cerr << "hqc bench: gemm ...\n";
    gemm = hqc::bench::bench_gemm(proto, seed);
    Json arr = Json::array();
    for (const auto& g : gemm) arr.push(hqc::bench::to_json(g));
    doc.set("gemm", arr);
  }

  if (p.is_set("json")) {
    std::cout << doc.dump() << "\n";
    return 0;
  }
  std::printf("hqc 0.1.0 bench, %d threads, batch 64, simd %s, %s\n", threads, hqc::simd_name(hqc::simd_level()),
              hqc::bench::utc_now().c_str());
  std::printf("median [min-max] of %d windows of ~%g s after %d warm-up calls\n", proto.windows,
              proto.window_seconds, proto.warmup);
  std::printf("FMA peak %.1f GFLOP/s (%d thread(s), %s, per CPU second; %.1f per wall-clock second now); "
              "MFU = model FLOP/s / peak, training 3x the forward's conv and linear FLOPs\n",
              peak.gflops, peak.threads, peak.simd, peak.wall_gflops);
  if (!models.empty()) {
    std::printf("\n%-20s %9s %24s %6s %24s %6s %22s %11s\n", "model", "params", "train img/s", "MFU",
                "infer64 img/s", "MFU", "latency b1 ms", "peak RSS MB");
    const auto mfu = [&](const hqc::bench::Stat& gflops) { return 100 * gflops.median / peak.gflops; };
    for (const auto& m : models) {
      char rss[32] = "-";
      if (m.peak_rss_mb >= 0) std::snprintf(rss, sizeof rss, "%.0f", m.peak_rss_mb);
      std::printf("%-20s %9lld %24s %5.1f%% %24s %5.1f%% %22s %11s\n", m.spec.name,
                  static_cast<long long>(m.parameters), fmt(m.train_images_per_s, 0).c_str(), mfu(m.train_gflops),
                  fmt(m.infer_images_per_s, 0).c_str(), mfu(m.infer_gflops), fmt(m.latency_ms, 3).c_str(), rss);
    }
    // The step above includes preparing its batch, done beside it on the loader's prefetch thread;
    // timed alone here, with and without the augmentation `hqc train` adds.
    std::printf("\n%-20s %10s %22s %7s %22s %7s\n", "batch of 64 prepared", "step ms", "normalise ms", "share",
                "augment+normalise ms", "share");
    for (const auto& m : models) {
      const double step_ms = 64e3 / m.train_images_per_s.median;
      std::printf("%-20s %10.2f %22s %6.1f%% %22s %6.1f%%\n", m.spec.name, step_ms, fmt(m.batch_prep_ms, 2).c_str(),
                  100 * m.batch_prep_ms.median / step_ms, fmt(m.batch_prep_augmented_ms, 2).c_str(),
                  100 * m.batch_prep_augmented_ms.median / step_ms);
    }
  }
  if (quantum)
    std::printf("\nquantum layer, batch %lld, %d qubits, %d layers: fwd+bwd %s us, fwd %s us\n",
                static_cast<long long>(quantum->batch), quantum->qubits, quantum->layers,
                fmt(quantum->fwd_bwd_us, 1).c_str(), fmt(quantum->fwd_us, 1).c_str());
  if (!gemm.empty()) {
    std::printf("\n%-24s %2s %5s %5s %5s %22s\n", "GEMM (hqc sgemm)", "op", "M", "N", "K", "GFLOP/s");
    for (const auto& g : gemm) {
      const char op[3] = {g.shape.trans_a ? 'T' : 'N', g.shape.trans_b ? 'T' : 'N', 0};
      std::printf("%-24s %2s %5lld %5lld %5lld %22s\n", g.shape.name, op, static_cast<long long>(g.shape.m),
                  static_cast<long long>(g.shape.n), static_cast<long long>(g.shape.k), fmt(g.gflops, 1).c_str());
    }
  }
  return 0;
}

hqc::cli::Command bench_cmd("bench", "measure training, inference, quantum-layer and GEMM speed", run);

}  // namespace
