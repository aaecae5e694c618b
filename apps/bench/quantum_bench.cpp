// quantum_bench.cpp — speed of the quantum layer: forward plus backward (one adjoint sweep) of the
// study's circuit (4 qubits, 2 BasicEntanglerLayers, batch 64), at every SIMD level, through the
// library and through the autograd function; then 10, 16 and 20 qubits to show the 2^n growth.
// With --torch it runs apps/bench/quantum_torch.py in the same run (the same circuit in PyTorch with
// autograd, as one batched unitary and gate by gate) and prints both ratios; and the layer under
// depolarizing(0.01) on the density-matrix simulator beside density_torch.py (batched density
// matrices in PyTorch with autograd). Not part of the test suite.
//
// usage: quantum_bench [--reps N] [--torch] [--python PATH] [--no-scaling]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "autograd/functions.hpp"
#include "quantum/adjoint.hpp"
#include "quantum/layer.hpp"
#include "quantum/measure.hpp"
#include "quantum/simulate.hpp"
#include "tensor/parallel.hpp"
#include "tensor/random.hpp"
#include "tensor/simd.hpp"

using namespace hqc;
using namespace hqc::quantum;

namespace {
struct Timing {
  double median_us, min_us;
};

// Median and minimum of `reps` timed calls after a warm-up (the machine is shared: the median is
// the figure, the minimum what an idle machine gives).
Timing time_it(int reps, const std::function<void()>& f) {
  for (int i = 0; i < std::max(3, reps / 20); ++i) f();
  std::vector<double> t(reps);
  for (int i = 0; i < reps; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    t[i] = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  }
  std::sort(t.begin(), t.end());
  return {t[reps / 2], t[0]};
}

// Library path: bind, run, <Z>, adjoint sweep -- what the layer's forward and backward do.
Timing bench_library(int n, int layers, int64_t B, int reps) {
  Generator gen(1);
  LayerSpec spec{n, layers};
  const int64_t K = int64_t{1} << n;
  Circuit c = layer_circuit(spec, K);
  Tensor x = rand_uniform({B, K}, 0, 1, gen);  // float32, as the network feeds it
  Tensor w = rand_uniform({layers, n}, 0, 6.28, gen);
  Tensor g = rand_uniform({B, n}, -1, 1, gen);
  return time_it(reps, [&] {
    Bound bound = bind(c, w, x, "bench");
    StateBatch s = run(c, bound, 3);
    Tensor e = expval(s, Pauli::Z);
    Gradients gr = adjoint_expval_z(c, bound, s, g);
    (void)e;
  });
}

// The autograd function: Variable in, Variable out, backward from a weighted sum; `realism`: the
// density-matrix layer under noise.
Timing bench_autograd(int n, int layers, int64_t B, int reps, const Realism& realism = {}) {
  Generator gen(2);
  LayerSpec spec{n, layers};
  Variable x(rand_uniform({B, int64_t{1} << n}, 0, 1, gen), true);
  QuantumLayer q(spec, gen, realism);
  Tensor g = rand_uniform({B, n}, -1, 1, gen);
  return time_it(reps, [&] {
    x.zero_grad();
    Variable w = q.weights();  // shares the parameter
    w.zero_grad();
    Variable y = q(x);
    y.backward(g);
  });
}
}  // namespace

int main(int argc, char** argv) {
  int reps = 2000;
  bool torch = false, scaling = true;
  std::string python = "/usr/bin/python3";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) reps = std::max(10, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--torch")) torch = true;
    else if (!std::strcmp(argv[i], "--python") && i + 1 < argc) python = argv[++i];
    else if (!std::strcmp(argv[i], "--no-scaling")) scaling = false;
    else {
      std::fprintf(stderr, "usage: %s [--reps N] [--torch] [--python PATH] [--no-scaling]\n", argv[0]);
      return 2;
    }
  }
  set_num_threads(1);  // the density-matrix layer splits its batch over threads; the figures are per thread
  std::printf("quantum layer, forward + backward (inputs and weights), 1 thread, median (min) over %d runs\n", reps);
  std::printf("%-44s %12s %12s\n", "case", "median us", "min us");
  const SimdLevel best = simd_level();
  Timing study{};
  for (SimdLevel l : {SimdLevel::scalar, SimdLevel::avx2, SimdLevel::avx512, SimdLevel::neon}) {
    if (!simd_available(l)) continue;
    set_simd_level(l);
    Timing t = bench_library(4, 2, 64, reps);
    std::printf("4 qubits, 2 layers, batch 64, library, %-7s %12.2f %12.2f\n", simd_name(l), t.median_us, t.min_us);
  }
  set_simd_level(best);
  study = bench_autograd(4, 2, 64, reps);
  std::printf("4 qubits, 2 layers, batch 64, autograd, %-6s %12.2f %12.2f\n", simd_name(best), study.median_us,
              study.min_us);
  const Realism noisy{parse_noise_model("depolarizing=0.01"), 0, 0};
  const Timing density = bench_autograd(4, 2, 64, std::max(10, reps / 10), noisy);
  std::printf("%-44s %12.2f %12.2f\n", "the same, depolarizing=0.01 (density matrix)", density.median_us, density.min_us);
  if (scaling) {
    struct Row { int n; int64_t B; int reps; };
    for (Row r : {Row{10, 64, std::max(10, reps / 20)}, Row{10, 1, std::max(10, reps / 4)},
                  Row{16, 1, std::max(10, reps / 100)}, Row{20, 1, 5}}) {
      Timing t = bench_library(r.n, 2, r.B, r.reps);
      const double per = t.median_us * 1e3 / (static_cast<double>(int64_t{1} << r.n) * r.B);
      char label[64];
      std::snprintf(label, sizeof label, "%d qubits, 2 layers, batch %lld, library", r.n, static_cast<long long>(r.B));
      std::printf("%-44s %12.1f %12.1f   (%.2f ns per amplitude per sample)\n", label, t.median_us, t.min_us, per);
    }
  }
  if (torch) {
    // Without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE: OpenBLAS then runs its best kernels for this CPU.
    const std::string cmd = "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE " + python + " " + HQC_BENCH_DIR
                            "/quantum_torch.py --json --reps " + std::to_string(std::max(50, reps / 10));
    FILE* p = popen(cmd.c_str(), "r");
    char buf[1024] = {};
    const bool ok = p && std::fgets(buf, sizeof buf, p) != nullptr;
    const int rc = p ? pclose(p) : -1;
    // {"median_us": U, "min_us": U, "gate_by_gate": {"median_us": G, "min_us": G}, ...}: the batched
    // unitary first, then gate by gate.
    const char* u = ok ? std::strstr(buf, "\"median_us\": ") : nullptr;
    const char* un = ok ? std::strstr(buf, "\"min_us\": ") : nullptr;
    const char* g = ok ? std::strstr(buf, "\"gate_by_gate\": ") : nullptr;
    const char* gm = g ? std::strstr(g, "\"median_us\": ") : nullptr;
    const char* gn = g ? std::strstr(g, "\"min_us\": ") : nullptr;
    if (rc == 0 && u && un && gm && gn) {
      const double rows[2][2] = {{std::atof(u + 13), std::atof(un + 10)}, {std::atof(gm + 13), std::atof(gn + 10)}};
      const char* labels[2] = {"PyTorch, batched unitary + autograd", "PyTorch, gate by gate + autograd"};
      for (int i = 0; i < 2; ++i)
        std::printf("%-44s %12.2f %12.2f   (hqc %.1fx faster, median; %.1fx, min)\n", labels[i], rows[i][0],
                    rows[i][1], rows[i][0] / study.median_us, rows[i][1] / study.min_us);
    } else {
      std::printf("PyTorch peer not run (%s failed: is python3-torch installed?)\n", cmd.c_str());
    }
    // The density-matrix peer: {"median_us": U, "min_us": U, ...}.
    const std::string dcmd = "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE " + python + " " + HQC_BENCH_DIR
                             "/density_torch.py --json --p 0.01 --reps " + std::to_string(std::max(20, reps / 40));
    FILE* d = popen(dcmd.c_str(), "r");
    char dbuf[1024] = {};
    const bool dok = d && std::fgets(dbuf, sizeof dbuf, d) != nullptr;
    const int drc = d ? pclose(d) : -1;
    const char* dm = dok ? std::strstr(dbuf, "\"median_us\": ") : nullptr;
    const char* dn = dok ? std::strstr(dbuf, "\"min_us\": ") : nullptr;
    if (drc == 0 && dm && dn) {
      const double med = std::atof(dm + 13), mn = std::atof(dn + 10);
      std::printf("%-44s %12.2f %12.2f   (hqc %.1fx faster, median; %.1fx, min)\n",
                  "PyTorch, density matrices + autograd, dep.", med, mn, med / density.median_us, mn / density.min_us);
    } else {
      std::printf("PyTorch density-matrix peer not run (%s failed)\n", dcmd.c_str());
    }
  }
  return 0;
}
