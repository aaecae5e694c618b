// loader.cpp — split, shuffle, batch assembly and the prefetch thread.
#include "datasets/loader.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace hqc::data {

namespace {
constexpr uint64_t kSplitStream = 0x73706c6974ULL;      // "split"
constexpr uint64_t kShuffleStream = 0x73687566666cULL;  // "shuffl"

void shuffle(std::vector<int64_t>& v, Generator& gen) {  // Fisher-Yates, high index first
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[gen.below(static_cast<uint32_t>(i))]);
}
}  // namespace

Split train_val_split(int64_t n, double val_fraction, uint64_t seed) {
  if (n < 0) throw DataError("train_val_split: negative size");
  if (!(val_fraction >= 0.0 && val_fraction < 1.0))
    throw DataError("train_val_split: validation fraction " + std::to_string(val_fraction) + " is not in [0, 1)");
  const int64_t n_val = static_cast<int64_t>(std::llround(static_cast<double>(n) * val_fraction));
  std::vector<int64_t> perm(static_cast<std::size_t>(n));
  std::iota(perm.begin(), perm.end(), 0);
  Generator gen(seed, kSplitStream);
  shuffle(perm, gen);
  Split s;
  s.val.assign(perm.begin(), perm.begin() + n_val);
  s.train.assign(perm.begin() + n_val, perm.end());
  std::sort(s.val.begin(), s.val.end());
  std::sort(s.train.begin(), s.train.end());
  return s;
}

Loader::Loader(Dataset ds, std::vector<int64_t> indices, Pipeline pipeline, LoaderOptions options)
    : ds_(std::move(ds)), indices_(std::move(indices)), pipeline_(std::move(pipeline)), opt_(options) {
  if (opt_.batch_size <= 0) throw DataError("loader: batch size must be positive, got " + std::to_string(opt_.batch_size));
  if (indices_.empty()) {
    indices_.resize(static_cast<std::size_t>(ds_.size()));
    std::iota(indices_.begin(), indices_.end(), 0);
  }
  for (int64_t i : indices_)
    if (i < 0 || i >= ds_.size())
      throw DataError("loader: index " + std::to_string(i) + " is outside " + ds_.name() + " " + ds_.split() + " (" +
                      std::to_string(ds_.size()) + " images)");
  out_shape_ = pipeline_.output_shape(ds_.image_shape());
}

Loader::~Loader() { wait_pending(); }

void Loader::wait_pending() {
  if (pending_.valid()) {
    try {
      pending_.get();
    } catch (...) {  // a batch nobody will read: its error is not this caller's
    }
  }
}

int64_t Loader::num_batches() const {
  const int64_t n = size(), b = opt_.batch_size;
  return opt_.drop_last ? n / b : (n + b - 1) / b;
}

std::vector<int64_t> Loader::epoch_order(int64_t epoch) const {
  std::vector<int64_t> order = indices_;
  if (opt_.shuffle) {
    Generator gen = Generator(opt_.seed, kShuffleStream).fork(static_cast<uint64_t>(epoch));
    shuffle(order, gen);
  }
  return order;
}

Batch Loader::make_batch(const std::vector<int64_t>& order, int64_t epoch, int64_t k) const {
  if (k < 0 || k >= num_batches())
    throw DataError("loader: batch " + std::to_string(k) + " does not exist, an epoch has " + std::to_string(num_batches()));
  const int64_t begin = k * opt_.batch_size;
  const int64_t B = std::min<int64_t>(opt_.batch_size, size() - begin);
  Batch b;
  b.images = Tensor::empty({B, out_shape_[0], out_shape_[1], out_shape_[2]}, DType::f32);  // (B, C, H, W)
  b.labels = Tensor::empty({B}, DType::i64);                                               // (B)
  const int64_t per = out_shape_[0] * out_shape_[1] * out_shape_[2];
  float* img = b.images.data<float>();
  int64_t* lbl = b.labels.data<int64_t>();
  std::vector<uint8_t> raw(static_cast<std::size_t>(ds_.image_numel()));
  Sample s;
  for (int64_t j = 0; j < B; ++j) {
    const int64_t idx = order[static_cast<std::size_t>(begin + j)];
    ds_.copy_image(idx, raw.data());
    Generator gen = sample_generator(opt_.seed, epoch, idx);
    pipeline_.run(raw.data(), ds_.image_shape(), gen, s, img + j * per);
    lbl[j] = ds_.label(idx);
    b.indices.push_back(idx);
  }
  return b;
}

Batch Loader::batch(int64_t epoch, int64_t k) const { return make_batch(epoch_order(epoch), epoch, k); }

void Loader::start_epoch(int64_t epoch) {
  wait_pending();
  epoch_ = epoch;
  next_k_ = 0;
  order_ = epoch_order(epoch);
  if (opt_.prefetch && num_batches() > 0)
    pending_ = std::async(std::launch::async, [this, epoch] { return make_batch(order_, epoch, 0); });
}

bool Loader::next(Batch& out) {
  if (epoch_ < 0) throw DataError("loader: next() before start_epoch()");
  if (next_k_ >= num_batches()) return false;
  const int64_t k = next_k_++;
  if (pending_.valid())
    out = pending_.get();  // batch k, started while the caller worked on batch k - 1
  else
    out = make_batch(order_, epoch_, k);
  if (opt_.prefetch && next_k_ < num_batches()) {
    const int64_t e = epoch_, nk = next_k_;
    pending_ = std::async(std::launch::async, [this, e, nk] { return make_batch(order_, e, nk); });
  }
  return true;
}

}  // namespace hqc::data
