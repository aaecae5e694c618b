// loader.hpp — batches for training: a seeded split, a seeded shuffle per epoch, and a background
// thread that prepares the next batch while the model trains on the current one.
//
// Determinism: the order of an epoch comes from a generator forked by the epoch number, and the
// augmentation of an image from sample_generator(seed, epoch, image index). The background thread
// computes exactly batch(epoch, k + 1) — the same call a synchronous loader makes — so the batches
// are bit-identical with or without prefetching, whatever the timing.
#pragma once

#include <future>
#include <vector>

#include "datasets/dataset.hpp"
#include "datasets/transforms.hpp"

namespace hqc::data {

struct Batch {
  Tensor images;                 // float32 (B, C, H, W), after the pipeline
  Tensor labels;                 // int64 (B); -1 for unlabeled images
  std::vector<int64_t> indices;  // dataset index of each row
};

// A seeded random split of [0, n) into train and validation (round(n * val_fraction) images), each
// returned in increasing order.
struct Split {
  std::vector<int64_t> train, val;
};
Split train_val_split(int64_t n, double val_fraction = 0.2, uint64_t seed = 0);

struct LoaderOptions {
  int64_t batch_size = 64;
  bool shuffle = true;
  bool drop_last = false;
  uint64_t seed = 0;
  bool prefetch = true;  // prepare batch k + 1 on a background thread
};

class Loader {
 public:
  // indices: which images of ds this loader serves (empty = all of them, in order).
  Loader(Dataset ds, std::vector<int64_t> indices, Pipeline pipeline, LoaderOptions options = {});
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  int64_t size() const { return static_cast<int64_t>(indices_.size()); }
  int64_t num_batches() const;
  const Shape& sample_shape() const { return out_shape_; }  // (C, H, W) of one prepared image
  const Dataset& dataset() const { return ds_; }

  // Order of the images in `epoch` (a permutation of the indices when shuffling).
  std::vector<int64_t> epoch_order(int64_t epoch) const;
  // Batch k of `epoch`, computed on the calling thread.
  Batch batch(int64_t epoch, int64_t k) const;

  // Iteration: start_epoch(e), then next() until it returns false.
  void start_epoch(int64_t epoch);
  bool next(Batch& out);

 private:
  Batch make_batch(const std::vector<int64_t>& order, int64_t epoch, int64_t k) const;
  void wait_pending();

  Dataset ds_;
  std::vector<int64_t> indices_;
  Pipeline pipeline_;
  LoaderOptions opt_;
  Shape out_shape_;
  int64_t epoch_ = -1, next_k_ = 0;
  std::vector<int64_t> order_;
  std::future<Batch> pending_;
};

}  // namespace hqc::data
