// latency_bench.cpp — batch-1 inference of one study model in a tight loop, as `hqc bench` times it
// (loader batch from uint8, forward without autograd, argmax), for profiling: run it under perf.
//
//   latency_bench [--model mnist-hybrid] [--threads N] [--seconds 5] [--layers]
//
// Prints the median and fastest microseconds per image over 100-call windows. --layers adds the time
// of each leaf layer run alone on the previous leaf's output (as `hqc summary` runs them: unfused, so
// a BatchNorm, ReLU and MaxPool that the model runs as one op are timed one by one).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "apps/models.hpp"
#include "apps/training.hpp"
#include "autograd/variable.hpp"
#include "datasets/loader.hpp"
#include "nn/memory.hpp"
#include "tensor/parallel.hpp"

using namespace hqc;

namespace {
int run(int argc, char** argv) {
  std::string model = "hybrid", dataset = "mnist";
  double seconds = 5;
  bool layers = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--model" && i + 1 < argc) {
      const std::string m = argv[++i];
      const auto dash = m.rfind('-');
      if (dash == std::string::npos) {
        std::fprintf(stderr, "latency_bench: --model takes DATASET-MODEL, e.g. mnist-hybrid\n");
        return 2;
      }
      dataset = m.substr(0, dash), model = m.substr(dash + 1);
    } else if (a == "--threads" && i + 1 < argc) {
      char* end = nullptr;
      const long n = std::strtol(argv[++i], &end, 10);
      if (*argv[i] == '\0' || *end != '\0' || n < 1 || n > 1024) {
        std::fprintf(stderr, "latency_bench: --threads takes a whole number from 1 to 1024, not '%s'\n", argv[i]);
        return 2;
      }
      set_num_threads(static_cast<int>(n));
    } else if (a == "--seconds" && i + 1 < argc) {
      char* end = nullptr;
      seconds = std::strtod(argv[++i], &end);
      if (*argv[i] == '\0' || *end != '\0' || !(seconds > 0 && seconds <= 3600)) {
        std::fprintf(stderr, "latency_bench: --seconds takes a number of seconds in (0, 3600], not '%s'\n", argv[i]);
        return 2;
      }
    } else if (a == "--layers") {
      layers = true;
    } else {
      std::fprintf(stderr, "usage: latency_bench [--model mnist-hybrid] [--threads N] [--seconds 5] [--layers]\n");
      return 2;
    }
  }
  nn::retain_freed_memory();
  const app::ModelConfig config = app::model_config(model, dataset);
  auto net = app::build_model(config, 0);
  net->eval();
  const int64_t pixels = config.input[0] * config.input[1] * config.input[2];
  Tensor images = Tensor::empty({1, config.input[0], config.input[1], config.input[2]}, DType::u8);
  for (int64_t i = 0; i < pixels; ++i) images.data<uint8_t>()[i] = static_cast<uint8_t>(i * 37 % 256);
  Tensor labels = Tensor::empty({1}, DType::i64);
  labels.data<int64_t>()[0] = 0;
  const data::DatasetInfo& info = data::dataset_info(config.dataset);
  std::vector<std::string> classes = info.classes;
  classes.resize(static_cast<std::size_t>(config.classes));
  data::Dataset pool(config.dataset, "train", images, labels, classes);
  data::LoaderOptions lo;
  lo.batch_size = 1;
  lo.shuffle = false;
  lo.prefetch = false;
  data::Loader loader(pool, {}, data::standard_pipeline(config.dataset, false), lo);
  auto once = [&] {
    NoGradGuard no_grad;
    data::Batch b = loader.batch(0, 0);
    Variable logits = (*net)(Variable(b.images));
    return app::argmax_rows(logits.data())[0];
  };
  for (int i = 0; i < 200; ++i) once();
  std::vector<double> windows;
  const auto start = std::chrono::steady_clock::now();
  int64_t sink = 0;
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < seconds) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 100; ++i) sink += once();
    windows.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / 100);
  }
  std::sort(windows.begin(), windows.end());
  std::printf("%s-%s batch 1, %d threads: median %.2f us, fastest %.2f us (%zu windows of 100; %lld)\n",
              dataset.c_str(), model.c_str(), num_threads(), windows[windows.size() / 2], windows.front(),
              windows.size(), static_cast<long long>(sink % 2));
  if (!layers) return 0;
  NoGradGuard no_grad;
  Variable y(loader.batch(0, 0).images);
  double total = 0;
  for (auto& [name, m] : net->named_modules()) {
    if (!m->children().empty()) continue;
    Variable out;
    std::vector<double> us;
    for (int w = 0; w < 21; ++w) {
      const auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; i < 200; ++i) out = (*m)(y);
      us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / 200);
    }
    std::sort(us.begin(), us.end());
    total += us[us.size() / 2];
    std::printf("  %-12s %-28s %8.2f us\n", name.c_str(), m->type_name().c_str(), us[us.size() / 2]);
    y = out;
  }
  std::printf("  sum of the layers: %.2f us\n", total);
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {  // an unknown model, a thread count out of range
    std::fprintf(stderr, "latency_bench: error: %s\n", e.what());
    return 2;
  }
}
