// bench_density — the noisy layer's speed: forward plus backward of the study's layer (4 qubits,
// 2 basic layers, batch 64, gradients of inputs and weights) on the density-matrix simulator with
// depolarizing(0.01), beside the noiseless statevector layer. Not run by ctest.
//   ./build/tests/quantum/bench_density [runs] [threads]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "quantum/layer.hpp"
#include "tensor/ops.hpp"
#include "tensor/parallel.hpp"

using namespace hqc;
using namespace hqc::quantum;

namespace {
// Median and minimum microseconds of `runs` forward + backward passes.
void time_layer(const char* label, const Realism& r, int runs) {
  Generator gen(0);
  const LayerSpec spec{4, 2, Template::basic, Rotation::X};
  Tensor x = rand_uniform({64, 16}, 0.0, 1.0, gen);
  Tensor w = rand_uniform({2, 4}, 0.0, 6.28, gen);
  Tensor g = rand_uniform({64, 4}, -1.0, 1.0, gen);
  std::vector<double> us;
  for (int i = 0; i < runs; ++i) {
    Variable xv(x, true), wv(w, true);
    const auto t0 = std::chrono::steady_clock::now();
    Variable y = quantum_layer(xv, wv, spec, r);
    y.backward(g);
    const auto t1 = std::chrono::steady_clock::now();
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  std::sort(us.begin(), us.end());
  std::printf("%-48s median %10.1f us   min %10.1f us\n", label, us[us.size() / 2], us.front());
}
}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 200;
  if (argc > 2) set_num_threads(std::atoi(argv[2]));
  std::printf("4 qubits, 2 basic layers, batch 64, forward + backward, %d runs, %d thread(s)\n", runs, num_threads());
  time_layer("statevector, no noise (adjoint)", Realism{}, runs);
  time_layer("density matrix, depolarizing=0.01 (reverse)", Realism{parse_noise_model("depolarizing=0.01"), 0, 0}, runs);
  time_layer("density matrix, depolarizing=0.01, 1000 shots", Realism{parse_noise_model("depolarizing=0.01"), 1000, 1},
             std::max(1, runs / 10));
  return 0;
}
