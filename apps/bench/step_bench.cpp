// step_bench.cpp — time and memory of full training steps (forward, loss, backward, clipping,
// optimiser, schedule) of the MNIST models at batch 64 on random data, built from hqc::nn layers.
// The hybrid's quantum layer is replaced by Linear(16, 4) (the study's first ablation): this measures
// the classical machinery only.
//
//   step_bench [--threads N] [--steps 20] [--default-malloc]
//
// Reports ms per step, minor page faults per step after warm-up (fresh pages taken from the OS: a
// proxy for buffers allocated and freed per op) and the peak resident set.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "nn/nn.hpp"
#include "tensor/parallel.hpp"

using namespace hqc;
using namespace hqc::nn;

namespace {

std::shared_ptr<Module> block(int64_t in, int64_t out, Generator& g) {
  return fused_sequential({std::make_shared<Conv2d>(in, out, 3, g, 1, 1), std::make_shared<BatchNorm2d>(out),
                           std::make_shared<ReLU>(), std::make_shared<MaxPool2d>(2)});
}

std::shared_ptr<Sequential> classical_mnist(Generator& g) {
  return fused_sequential({block(1, 32, g), block(32, 64, g), std::make_shared<AdaptiveAvgPool2d>(4, 4),
                           std::make_shared<Flatten>(), std::make_shared<Linear>(1024, 128, g),
                           std::make_shared<BatchNorm1d>(128), std::make_shared<ReLU>(), std::make_shared<Dropout>(0.3, 1),
                           std::make_shared<Linear>(128, 10, g)});
}

std::shared_ptr<Sequential> hybrid_mnist_linear(Generator& g) {
  return fused_sequential({block(1, 16, g), block(16, 32, g), std::make_shared<AdaptiveAvgPool2d>(4, 4),
                           std::make_shared<Flatten>(), std::make_shared<Linear>(512, 256, g), std::make_shared<ReLU>(),
                           std::make_shared<Linear>(256, 16, g), std::make_shared<Softmax>(1),
                           std::make_shared<Linear>(16, 4, g), std::make_shared<Linear>(4, 128, g),
                           std::make_shared<BatchNorm1d>(128), std::make_shared<ReLU>(), std::make_shared<Dropout>(0.3, 1),
                           std::make_shared<Linear>(128, 10, g)});
}

long minor_faults() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_minflt;
}

void run(const char* name, Module& model, bool hybrid_recipe, int steps) {
  Generator g(7);
  Tensor x = rand_normal({64, 1, 28, 28}, 0, 1, g);
  std::vector<int64_t> y(64);
  for (auto& v : y) v = g.below(10);
  Tensor labels = from_data(std::span<const int64_t>(y), {64});
  std::unique_ptr<Optimizer> opt;
  std::unique_ptr<LRScheduler> sched;
  if (hybrid_recipe) {
    AdamWOptions o;
    o.lr = 1e-3, o.weight_decay = 0.01;
    opt = std::make_unique<AdamW>(model.parameters(), o);
    OneCycleOptions c;
    c.max_lr = 2e-3, c.total_steps = steps + 3;
    sched = std::make_unique<OneCycleLR>(*opt, c);
  } else {
    AdamOptions o;
    o.lr = 3e-3, o.weight_decay = 5e-3;
    opt = std::make_unique<Adam>(model.parameters(), o);
    sched = std::make_unique<CosineAnnealingWarmRestarts>(*opt, 5, 1, 1e-5);
  }
  auto step = [&] {
    opt->zero_grad();
    Variable loss = cross_entropy(model(Variable(x)), labels, 0.1);
    loss.backward();
    if (hybrid_recipe) clip_grad_norm(model.parameters(), 1.0);
    opt->step();
    sched->step();
    return loss.item();
  };
  for (int i = 0; i < 3; ++i) step();
  const long f0 = minor_faults();
  auto t0 = std::chrono::steady_clock::now();
  double last = 0;
  for (int i = 0; i < steps; ++i) last = step();
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / steps;
  const long faults = (minor_faults() - f0) / steps;
  std::printf("%-34s %9lld params  %8.1f ms/step  %7ld page faults/step (%.1f MB)  loss %.4f\n", name,
              (long long)model.num_parameters(), ms, faults, faults * 4096.0 / 1e6, last);
}

}  // namespace

int main(int argc, char** argv) {
  int steps = 20;
  bool retain = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) set_num_threads(std::atoi(argv[++i]));
    else if (a == "--steps" && i + 1 < argc) steps = std::atoi(argv[++i]);
    else if (a == "--default-malloc") retain = false;
    else {
      std::fprintf(stderr, "usage: step_bench [--threads N] [--steps 20] [--default-malloc]\n");
      return 2;
    }
  }
  if (retain && !retain_freed_memory()) std::printf("retain_freed_memory() is not available here\n");
  std::printf("allocator: %s\n", retain ? "retain_freed_memory()" : "glibc defaults");
  std::printf("training steps at batch 64, %d threads, %d timed steps after 3 warm-up steps\n", num_threads(), steps);
  Generator g(0);
  auto c = classical_mnist(g);
  run("classical MNIST (Adam, cosine)", *c, false, steps);
  auto h = hybrid_mnist_linear(g);
  run("hybrid MNIST, Linear(16,4) (AdamW, 1cycle)", *h, true, steps);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  std::printf("peak RSS: %.1f MB\n", ru.ru_maxrss / 1024.0);
  return 0;
}
