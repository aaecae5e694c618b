// batch_split.hpp — a batch split over processes: the hook the batch reductions call.
//
// Data-parallel training (apps/distributed.hpp) gives each process a contiguous share of every
// batch: samples [begin, begin + rows) of a batch of `total`, begin a multiple of kBatchChunk and
// each share 2^L whole chunks (reduce.hpp). Every sum over the batch then runs on the share as it
// would on a whole batch, which gives this share's subtree of the fixed tree, and hands those sums
// to combine_batch_sums: the exchange replaces them, in every process, by the whole batch's (the
// subtrees added by the same tree). Layers that divide by the batch size ask batch_total(); Dropout
// asks where its rows begin, to draw the whole batch's random stream.
//
// Without a split in force (one process, or evaluation of a whole batch) nothing changes: the
// hook is one test of a pointer.
#pragma once

#include <cstdint>

namespace hqc {

// The processes' side of a split; apps/distributed.cpp implements it over MPI.
class BatchExchange {
 public:
  virtual ~BatchExchange() = default;
  // v[0, n): this process's sums over its chunks in; the whole batch's out, in every process. All
  // processes sharing the batch call it the same number of times with the same n.
  virtual void combine(double* v, int64_t n) = 0;
  virtual void combine(float* v, int64_t n) = 0;
};

struct BatchSplit {
  int64_t begin = 0, total = 0;         // this process's first sample, and the whole batch's size
  BatchExchange* exchange = nullptr;    // nullptr: no split
};

namespace detail {
inline BatchSplit& current_batch_split() {
  static BatchSplit s;
  return s;
}
}  // namespace detail

// The split in force (exchange == nullptr: none).
inline const BatchSplit& batch_split() { return detail::current_batch_split(); }

// Installs a split for its lifetime (one batch's forward and backward), from the thread that runs
// them; the previous one (normally none) comes back at the end.
class BatchSplitScope {
 public:
  explicit BatchSplitScope(const BatchSplit& s) : saved_(detail::current_batch_split()) { detail::current_batch_split() = s; }
  ~BatchSplitScope() { detail::current_batch_split() = saved_; }
  BatchSplitScope(const BatchSplitScope&) = delete;
  BatchSplitScope& operator=(const BatchSplitScope&) = delete;

 private:
  BatchSplit saved_;
};

// The whole batch's sums from this share's (no split: unchanged).
template <typename T> void combine_batch_sums(T* v, int64_t n) {
  if (BatchExchange* e = batch_split().exchange) e->combine(v, n);
}
// The whole batch's size for a share of `rows` samples (no split: rows).
inline int64_t batch_total(int64_t rows) { return batch_split().exchange ? batch_split().total : rows; }
// Where this share's first sample sits in the whole batch (no split: 0).
inline int64_t batch_begin() { return batch_split().exchange ? batch_split().begin : 0; }

}  // namespace hqc
