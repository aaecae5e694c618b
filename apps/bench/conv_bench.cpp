// conv_bench.cpp — times every conv layer shape of the study's six models (docs/study.md) at batch 64,
// forward plus backward (input and weight gradients) through hqc::nn::conv2d, and the same shapes
// in PyTorch (apps/bench/conv_torch.py, same thread count) in one run, side by side.
//
//   conv_bench [--threads 1,2] [--reps 3] [--rounds 1] [--only NAME,...] [--batch 64] [--forward] [--no-torch]
//              [--python /usr/bin/python3] [--torch-script PATH]
//
// --batch N times the layers at another batch size; --forward times an inference's forward alone:
// hqc through an nn::Conv2d in evaluation mode (its Winograd weights transformed once and kept, as a
// model's are), PyTorch's F.conv2d under no_grad.
//
// Each figure is the best of `reps` timed runs after a warm-up (at least 2 runs and 0.2 s): wall time, and the process's CPU
// time (all threads), which a loaded machine disturbs less. With --rounds N the PyTorch phase and the
// hqc phase alternate N times per thread count and each figure is the best over the rounds: on a
// shared host whose speed drifts over minutes, neither side then owns the fast or the slow minutes.
// Both sides run under the same glibc allocator policy (freed blocks kept for reuse, none mmapped).
// A benchmark, not a test.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/variable.hpp"
#include "nn/conv2d.hpp"
#include "nn/memory.hpp"
#include "tensor/parallel.hpp"
#include "tensor/random.hpp"

namespace {

struct Shape4 {
  std::string name;  // which models use it
  int64_t N, C, H, W, OC;
};

// Every 3x3 / stride 1 / padding 1 conv of the six models, at batch 64 (input sizes after pooling).
std::vector<Shape4> study_shapes() {
  return {
      {"hyb-mnist c1 1>16 @28", 64, 1, 28, 28, 16},    {"hyb-mnist c2 16>32 @14", 64, 16, 14, 14, 32},
      {"cls-mnist c1 1>32 @28", 64, 1, 28, 28, 32},    {"cls-mnist c2 32>64 @14", 64, 32, 14, 14, 64},
      {"hyb-cifar c1 3>32 @32", 64, 3, 32, 32, 32},    {"hyb-cifar c2 32>64 @16", 64, 32, 16, 16, 64},
      {"hyb-cifar c3 64>128 @8", 64, 64, 8, 8, 128},   {"cls-cifar c1 3>64 @32", 64, 3, 32, 32, 64},
      {"cls-cifar c2 64>128 @16", 64, 64, 16, 16, 128}, {"cls-cifar c3 128>256 @8", 64, 128, 8, 8, 256},
      {"cls-cifar c4 256>512 @4", 64, 256, 4, 4, 512}, {"hyb-stl c1 3>32 @96", 64, 3, 96, 96, 32},
      {"hyb-stl c2 32>64 @48", 64, 32, 48, 48, 64},    {"hyb-stl c3 64>128 @24", 64, 64, 24, 24, 128},
      {"hyb-stl c4 128>256 @12", 64, 128, 12, 12, 256}, {"cls-stl c1 3>64 @96", 64, 3, 96, 96, 64},
      {"cls-stl c2 64>128 @48", 64, 64, 48, 48, 128},  {"cls-stl c3 128>256 @24", 64, 128, 24, 24, 256},
      {"cls-stl c4 256>512 @12", 64, 256, 12, 12, 512},
  };
}

std::string key(const Shape4& s) {
  std::string k = s.name;
  for (char& c : k)
    if (c == ' ' || c == '>' || c == '@') c = '_';
  return k;
}

struct Timing {
  double wall = 1e30, cpu = 1e30;  // ms
};

double cpu_ms() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

Timing time_hqc(const Shape4& s, int reps, bool forward_only) {
  hqc::Generator gen(1);
  hqc::Variable x(hqc::rand_normal({s.N, s.C, s.H, s.W}, 0, 1, gen), !forward_only);
  hqc::Variable w(hqc::rand_normal({s.OC, s.C, 3, 3}, 0, 0.1, gen), true);
  hqc::Variable b(hqc::zeros({s.OC}), true);
  hqc::Tensor gy = hqc::rand_normal({s.N, s.OC, s.H, s.W}, 0, 1, gen);
  hqc::nn::Conv2d layer(s.C, s.OC, 3, gen, 1, 1);
  layer.eval();
  auto call = [&] {
    if (forward_only) {
      hqc::NoGradGuard no_grad;
      layer.forward(x);
      return;
    }
    x.zero_grad(), w.zero_grad(), b.zero_grad();
    hqc::Variable y = hqc::nn::conv2d(x, w, b, 1, 1);
    y.backward(gy);
  };
  // Warm-up: at least 2 calls and 0.2 s (a fresh process's first calls pay for page faults as the
  // heap grows), then `reps` timed calls.
  const auto w0 = std::chrono::steady_clock::now();
  for (int k = 0; k < 2 || std::chrono::steady_clock::now() - w0 < std::chrono::milliseconds(200); ++k) call();
  Timing best;
  for (int r = 0; r < reps; ++r) {
    const double c0 = cpu_ms();
    auto t0 = std::chrono::steady_clock::now();
    call();
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_ms() - c0;
    best.wall = std::min(best.wall, ms), best.cpu = std::min(best.cpu, cpu);
  }
  return best;
}

std::map<std::string, Timing> time_torch(const std::string& python, const std::string& script, int threads, int reps,
                                         bool forward_only, const std::vector<Shape4>& shapes) {
  std::ostringstream cmd;
  // The peer gets hqc's allocator policy (retain_freed_memory(), nn/memory.cpp) through glibc's
  // environment: with the defaults, its freshly mmapped outputs fault in on every call in some
  // processes and not in others (32>64 on 14x14: 28 ms or 8.6 ms a pass).
  cmd << "MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=2147483647 MALLOC_TOP_PAD_=67108864 ";
  cmd << "OMP_NUM_THREADS=" << threads << " MKL_NUM_THREADS=" << threads << " " << python << " " << script
      << " --threads " << threads << " --reps " << reps << (forward_only ? " --forward" : "");
  for (const auto& s : shapes) cmd << " " << key(s) << ":" << s.N << "," << s.C << "," << s.H << "," << s.W << "," << s.OC;
  std::map<std::string, Timing> out;
  FILE* p = popen(cmd.str().c_str(), "r");
  if (!p) return out;
  char name[256];
  double ms, cpu;
  while (std::fscanf(p, "%255s %lf %lf", name, &ms, &cpu) == 3) out[name] = {ms, cpu};
  if (pclose(p) != 0) std::cerr << "conv_bench: the PyTorch peer failed (" << cmd.str() << ")\n";
  return out;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(item);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> threads = {1, 2};
  int reps = 3, rounds = 1;
  int64_t batch = 64;
  bool with_torch = true, forward_only = false;
  std::string python = "/usr/bin/python3", script = HQC_CONV_TORCH_SCRIPT;
  std::vector<std::string> only;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "conv_bench: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    // A whole number from 1 to 1,000,000 for flag `a`, or a clear error and exit.
    auto count = [&](const std::string& v) -> int {
      std::size_t used = 0;
      long long n = 0;
      try {
        n = std::stoll(v, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || used != v.size() || n < 1 || n > 1000000) {
        std::cerr << "conv_bench: " << a << " takes whole numbers from 1 to 1000000, got '" << v << "'\n";
        std::exit(2);
      }
      return static_cast<int>(n);
    };
    if (a == "--threads") {
      threads.clear();
      for (auto& t : split(next())) threads.push_back(count(t));
    } else if (a == "--reps") {
      reps = count(next());
    } else if (a == "--rounds") {
      rounds = count(next());
    } else if (a == "--only") {
      only = split(next());
    } else if (a == "--batch") {
      batch = count(next());
    } else if (a == "--forward") {
      forward_only = true;
    } else if (a == "--no-torch") {
      with_torch = false;
    } else if (a == "--python") {
      python = next();
    } else if (a == "--torch-script") {
      script = next();
    } else {
      std::cerr << "usage: conv_bench [--threads 1,2] [--reps 3] [--rounds 1] [--only SUBSTRING,...] [--batch 64] "
                   "[--forward] [--no-torch] [--python P] [--torch-script PATH]\n";
      return 2;
    }
  }
  std::vector<Shape4> shapes;
  for (const auto& s : study_shapes()) {
    bool keep = only.empty();
    for (const auto& o : only) keep = keep || s.name.find(o) != std::string::npos;
    if (!keep) continue;
    shapes.push_back(s);
    shapes.back().N = batch;
  }
  hqc::nn::retain_freed_memory();  // as a training run does: outputs reuse freed blocks
  std::printf("conv2d 3x3/s1/p1, batch %lld, %s, best of %d", static_cast<long long>(batch),
              forward_only ? "an inference's forward" : "forward + backward (input and weight gradients)", reps);
  if (rounds > 1) std::printf(" in each of %d alternating rounds", rounds);
  std::printf(", ms\n");
  auto keep_best = [](Timing& best, const Timing& t) {
    best.wall = std::min(best.wall, t.wall);
    best.cpu = std::min(best.cpu, t.cpu);
  };
  for (int t : threads) {
    hqc::set_num_threads(t);
    std::map<std::string, Timing> torch_ms, hqc_ms;
    for (int r = 0; r < rounds; ++r) {
      if (rounds > 1) std::fprintf(stderr, "conv_bench: %d thread(s), round %d of %d\n", t, r + 1, rounds);
      if (with_torch)
        for (const auto& [name, timing] : time_torch(python, script, t, reps, forward_only, shapes))
          keep_best(torch_ms[name], timing);
      for (const auto& s : shapes) keep_best(hqc_ms[key(s)], time_hqc(s, reps, forward_only));
    }
    std::printf("\nthreads %d          wall: %9s %9s %6s    cpu: %9s %9s %6s\n%-26s %9s %9s %6s         %9s %9s %6s\n", t,
                "", "", "", "", "", "", "shape", "hqc", "torch", "t/h", "hqc", "torch", "t/h");
    for (const auto& s : shapes) {
      const Timing ours = hqc_ms[key(s)];
      auto it = torch_ms.find(key(s));
      if (it != torch_ms.end())
        std::printf("%-26s %9.2f %9.2f %6.2f         %9.2f %9.2f %6.2f\n", s.name.c_str(), ours.wall, it->second.wall,
                    it->second.wall / ours.wall, ours.cpu, it->second.cpu, it->second.cpu / ours.cpu);
      else
        std::printf("%-26s %9.2f %9s %6s         %9.2f %9s %6s\n", s.name.c_str(), ours.wall, "-", "-", ours.cpu, "-", "-");
      std::fflush(stdout);
    }
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  std::printf("\npeak RSS of this process: %.1f MB\n", ru.ru_maxrss / 1024.0);
  return 0;
}
