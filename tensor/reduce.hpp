// reduce.hpp — sums over the samples of a batch whose bits depend on nothing but the batch.
//
// A batch of n samples is cut into chunks of kBatchChunk consecutive samples (the last may be
// shorter): chunk k is [16k, min(16k + 16, n)), whatever the thread count. Each chunk's partial is
// computed in a fixed order by one thread, and the partials are combined by a fixed pairwise tree,
// level by level — at level L, chunk k (a multiple of 2^(L+1)) adds chunk k + 2^L:
//
//   8 chunks: ((p0 + p1) + (p2 + p3)) + ((p4 + p5) + (p6 + p7));   5 chunks: ((p0 + p1) + (p2 + p3)) + p4
//
// So any number of threads gives the same bits, and so does a split of the batch over processes
// in which each owns 2^L whole chunks starting at a multiple of 2^L (the last may own fewer): each
// runs this same code on its samples, which gives its subtree's sum, and adding those sums by the
// same tree gives the whole batch's bits (tests/nn/test_reduce.cpp checks this for the layers).
//
// chunked_sum(n, partials, part, fn) runs fn(begin, end, partial) for every chunk, chunks split over
// the threads (fn overwrites its `part` values), and leaves the tree's sum in partials[0, part).
// Under a batch split (batch_split.hpp) it then hands that sum to the exchange, which makes it the
// whole batch's; the other sums over the batch (loss, BatchNorm, the quantum layer) do the same.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "tensor/batch_split.hpp"
#include "tensor/parallel.hpp"

namespace hqc {

// Samples per chunk, fixed (not the thread count). 16 gives the study's batch of 64 four chunks: 1, 2
// and 4 workers (threads or processes) evenly loaded, each process a whole subtree; it trained faster
// than 8 in most of the measured runs (nn/README.md), with half the partial buffers.
inline constexpr int64_t kBatchChunk = 16;

inline int64_t batch_chunks(int64_t n) { return (n + kBatchChunk - 1) / kBatchChunk; }
inline int64_t batch_chunk_begin(int64_t n, int64_t k) { return std::min(n, k * kBatchChunk); }

// partials: `chunks` blocks of `part` values, block k at partials + k·part; block 0 gets the tree's
// sum. Threads split the elements, not the tree, so each element's additions are the same for any
// thread count. The whole tree runs on a short run of elements at a time (kRun: the four chunks of a
// batch of 64 in 32 KiB of floats), so each partial is read from memory once, not once a level.
template <typename T> void tree_sum(T* partials, int64_t chunks, int64_t part) {
  if (chunks <= 1) return;
  constexpr int64_t kRun = 8192 / int64_t(sizeof(T));
  parallel_for(part, 1 << 14, [&](int64_t i0, int64_t i1) {
    for (int64_t r0 = i0; r0 < i1; r0 += kRun) {
      const int64_t r1 = std::min(i1, r0 + kRun);
      for (int64_t stride = 1; stride < chunks; stride *= 2)
        for (int64_t k = 0; k + stride < chunks; k += 2 * stride) {
          T* a = partials + k * part;
          const T* b = partials + (k + stride) * part;
          for (int64_t i = r0; i < r1; ++i) a[i] += b[i];
        }
    }
  });
}

// One value per chunk (v[0 .. chunks)): the same tree, serially; returns the sum (0 for no chunk).
template <typename T> T tree_sum_values(T* v, int64_t chunks) {
  if (chunks == 0) return T(0);
  for (int64_t stride = 1; stride < chunks; stride *= 2)
    for (int64_t k = 0; k + stride < chunks; k += 2 * stride) v[k] += v[k + stride];
  return v[0];
}

// Σ v[i·stride] over n samples, per chunk in sample order and the chunks by the tree: the sum of one
// value per sample (the quantum layer's weight gradients).
template <typename T> T batch_sum(const T* v, int64_t n, int64_t stride = 1) {
  const int64_t chunks = batch_chunks(n);
  T partial[64] = {};  // chunks of up to 1024 samples on the stack (zeroed: GCC 12 cannot see that
                       // tree_sum_values reads only what the loop below wrote)
  std::vector<T> heap(chunks > 64 ? size_t(chunks) : 0);
  T* p = chunks > 64 ? heap.data() : partial;
  for (int64_t k = 0; k < chunks; ++k) {
    T s = T(0);
    for (int64_t i = batch_chunk_begin(n, k); i < batch_chunk_begin(n, k + 1); ++i) s += v[i * stride];
    p[k] = s;
  }
  return tree_sum_values(p, chunks);
}

// fn(int64_t begin, int64_t end, T* partial) over the chunks of n > 0 samples, then the tree's sum
// into partials[0, part) (the whole batch's under a split). partials holds batch_chunks(n)·part values.
template <typename T, typename Fn> void chunked_sum(int64_t n, T* partials, int64_t part, Fn&& fn) {
  const int64_t chunks = batch_chunks(n);
  parallel_for(chunks, 1, [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) fn(batch_chunk_begin(n, k), batch_chunk_begin(n, k + 1), partials + k * part);
  });
  tree_sum(partials, chunks, part);
  combine_batch_sums(partials, part);
}

}  // namespace hqc
