// models.hpp — the model section of `hqc bench`: training throughput, inference throughput, batch-1
// latency and the peak memory of a training process, for the six models of the study.
//
// A training step is what `hqc train` does for one batch (app::train_step, apps/training.hpp): the datasets' Loader
// (shuffled, the study's normalisation, no augmentation, next batch prepared on its background
// thread) over a pool of 1,024 seeded random uint8 images, forward, cross-entropy with label
// smoothing, backward, clipping (hybrid), optimiser and schedule steps with the model's recipe.
// Batch preparation is also timed alone, so that its share of a step shows.
//
// Model FLOPs: 2 x the multiply-adds of every Conv2d and Linear layer's forward per image, counted
// as a direct convolution computes them (Winograd's fewer multiplications do not lower the count);
// a training step counts 3x the forward (forward, input gradient, weight gradient). BatchNorm,
// pooling, activations, the loss, the optimiser and the quantum layer are left out. Divided by the
// measured FMA peak (fma_peak.hpp), that is the model FLOP utilisation (MFU).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "apps/bench/bench.hpp"
#include "apps/models.hpp"
#include "tensor/tensor.hpp"

namespace hqc::bench {

struct ModelSpec {
  const char* name;     // "mnist-hybrid"
  const char* dataset;  // mnist | cifar100 | stl10
  app::ModelKind model;
  int64_t parameters;   // docs/study.md's count, checked before measuring
};
const std::vector<ModelSpec>& model_specs();
const ModelSpec& model_spec(const std::string& name);  // throws cli::UsageError for an unknown name

struct ModelResult {
  ModelSpec spec;
  Shape input;  // (C, H, W)
  int64_t classes = 0, parameters = 0;
  Stat train_images_per_s, infer_images_per_s, latency_ms;
  // Loader::batch for 64 images on the calling thread (no prefetch), in ms: the pipeline timed in
  // training steps (normalisation only), and `hqc train`'s pipeline with the dataset's augmentation.
  Stat batch_prep_ms, batch_prep_augmented_ms;
  double peak_rss_mb = -1;  // < 0: not measured
  int64_t forward_flops = 0;       // per image (forward_flops_per_image)
  Stat train_gflops, infer_gflops;  // 3 x forward_flops x train images/s; forward_flops x infer images/s
  // Under mpirun (apps/distributed.hpp): what one training step exchanged, rank 0's bytes sent; 0: one process.
  int64_t exchange_sums = 0, exchange_bytes_sent = 0;
};

// 2 x the multiply-adds of every Conv2d (weight elements x output height x width) and Linear (weight
// elements) in the forward pass of one image of shape `input` (C, H, W); output sizes come from
// nn::summarize, so the count follows the model as built.
int64_t forward_flops_per_image(nn::Module& model, const Shape& input);

ModelResult bench_model(const ModelSpec& spec, const Protocol& proto, uint64_t seed);
// The schema's keys; with peak_gflops > 0 also train_mfu and infer_mfu (GFLOP/s / peak).
cli::Json to_json(const ModelResult& r, double peak_gflops = 0);

// Builds the model and its pool, trains `steps` batches and returns this process's peak RSS in MiB:
// run it in a fresh process (hqc bench --memory-child NAME) so nothing else is counted.
double train_peak_rss_mb(const ModelSpec& spec, int steps, uint64_t seed);

}  // namespace hqc::bench
