// test_bench.cpp — the model FLOP counts behind `hqc bench`'s MFU, checked against the arithmetic of
// the layer tables (docs/study.md), and the FMA peak measurement's bookkeeping.
#include <doctest/doctest.h>

#include <cmath>

#include "apps/bench/fma_peak.hpp"
#include "apps/bench/models.hpp"
#include "apps/models.hpp"
#include "tensor/parallel.hpp"
#include "tensor/simd.hpp"

using namespace hqc;

namespace {
int64_t flops_of(const std::string& model, const std::string& dataset, const std::string& quantum = "circuit") {
  const app::ModelConfig c = app::model_config(model, dataset, quantum);
  return bench::forward_flops_per_image(*app::build_model(c, 0), c.input);
}
}  // namespace

TEST_CASE("bench: the MNIST classical model's forward FLOPs per image, counted by hand") {
  // A direct convolution does one multiply-add per weight per output pixel; a linear layer one per
  // weight. Conv 3x3 pad 1 keeps H x W; MaxPool2d(2) halves it; AdaptiveAvgPool2d(4) leaves 4 x 4.
  const int64_t conv1 = (32 * 1 * 9) * (28 * 28);   // 1 -> 32 at 28x28:   225,792
  const int64_t conv2 = (64 * 32 * 9) * (14 * 14);  // 32 -> 64 at 14x14: 3,612,672
  const int64_t fc1 = (64 * 4 * 4) * 128;           // 1024 -> 128:       131,072
  const int64_t fc2 = 128 * 10;                     // 128 -> 10:         1,280
  CHECK(conv1 + conv2 + fc1 + fc2 == 3970816);
  CHECK(flops_of("classical", "mnist") == 2 * 3970816);
}

TEST_CASE("bench: the MNIST hybrid's forward FLOPs leave out BatchNorm, pooling and the circuit") {
  const int64_t conv = (16 * 1 * 9) * (28 * 28) + (32 * 16 * 9) * (14 * 14);  // 112,896 + 903,168
  const int64_t reducer = (32 * 4 * 4) * 256 + 256 * 16;                       // 131,072 + 4,096
  const int64_t head = 4 * 128 + 128 * 10;                                     // 512 + 1,280
  CHECK(flops_of("hybrid", "mnist") == 2 * (conv + reducer + head));
  // Linear(16,4) in the circuit's place adds its 64 multiply-adds; the circuit counts none.
  CHECK(flops_of("hybrid", "mnist", "linear") == 2 * (conv + reducer + head + 16 * 4));
}

TEST_CASE("bench: a bigger input costs the convolutions in proportion to their pixels") {
  // CIFAR-100 classical: 3x3 convs 3->64 (32x32), 64->128 (16x16), 128->256 (8x8), 256->512 (4x4),
  // then Linear(512, 256) and Linear(256, 100).
  const int64_t conv = 64 * 3 * 9 * 1024 + 128 * 64 * 9 * 256 + 256 * 128 * 9 * 64 + 512 * 256 * 9 * 16;
  CHECK(flops_of("classical", "cifar100") == 2 * (conv + 512 * 256 + 256 * 100));
}

TEST_CASE("bench: the FMA peak counts 2 FLOPs per lane per FMA on the level in use, on every thread, per CPU second") {
  const SimdLevel saved = simd_level();
  const int threads = num_threads();
  set_num_threads(2);
  for (SimdLevel level : {SimdLevel::scalar, SimdLevel::avx2, SimdLevel::avx512, SimdLevel::neon}) {
    if (!simd_available(level)) continue;
    set_simd_level(level);
    const bench::FmaPeak p = bench::measure_fma_peak(0.01, 2);
    CAPTURE(simd_name(level));
    CHECK(std::string(p.simd) == simd_name(level));
    CHECK(p.lanes == (level == SimdLevel::avx512 ? 16 : level == SimdLevel::avx2 ? 8 : level == SimdLevel::neon ? 4 : 1));
    CHECK(p.threads == 2);
    CHECK(p.chains >= 8);
    CHECK(std::isfinite(p.gflops));
    CHECK(p.wall_gflops > 0);
    // Per second of each thread's own CPU time, never less than per wall-clock second.
    CHECK(p.gflops >= p.wall_gflops);
  }
  set_simd_level(saved);
  set_num_threads(threads);
}

TEST_CASE("bench: the JSON of a model reports MFU as its GFLOP/s over the peak") {
  bench::ModelResult r;
  r.spec = bench::model_spec("mnist-classical");
  r.forward_flops = 7941632;
  r.train_gflops = {30, 20, 40};
  r.infer_gflops = {10, 5, 12};
  const std::string with_peak = bench::to_json(r, 200).dump();
  CHECK(with_peak.find("\"forward_flops_per_image\": 7941632") != std::string::npos);
  const auto after = [&](const std::string& key, const std::string& text) {
    const auto at = with_peak.find("\"" + key + "\"");
    return at != std::string::npos && with_peak.find(text, at) == with_peak.find("\"median\"", at);
  };
  CHECK(after("train_mfu", "\"median\": 0.15"));  // 30 / 200
  CHECK(after("infer_mfu", "\"median\": 0.05"));  // 10 / 200
  CHECK(bench::to_json(r).dump().find("_mfu") == std::string::npos);  // no peak, no MFU
}
