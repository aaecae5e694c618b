// models.hpp — the model section of `hqc bench`: training throughput, inference throughput, batch-1
// latency and the peak memory of a training process, for the six models of the study.
//
// A training step is what `hqc train` does for one batch (app::train_step, apps/training.hpp): the datasets' Loader
// (shuffled, the study's normalisation, no augmentation, next batch prepared on its background
// thread) over a pool of 1,024 seeded random uint8 images, forward, cross-entropy with label
// smoothing, backward, clipping (hybrid), optimiser and schedule steps with the model's recipe.
// Batch preparation is also timed alone, so that its share of a step shows.
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
};

ModelResult bench_model(const ModelSpec& spec, const Protocol& proto, uint64_t seed);
cli::Json to_json(const ModelResult& r);

// Builds the model and its pool, trains `steps` batches and returns this process's peak RSS in MiB:
// run it in a fresh process (hqc bench --memory-child NAME) so nothing else is counted.
double train_peak_rss_mb(const ModelSpec& spec, int steps, uint64_t seed);

}  // namespace hqc::bench
