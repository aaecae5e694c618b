// distributed.hpp — data-parallel training over processes (MPI), with the same bits as one process.
//
// Built with -DHQC_MPI=ON and run under `mpirun -np R`, every process (rank) holds the whole model
// and loads every batch whole (so the shuffles and augmentation streams are the one process's), then
// computes only its share of it: contiguous rows whose bounds are multiples of 16-sample chunks,
// 2^L chunks each (tensor/reduce.hpp), so that each rank's sums over its rows are subtrees of the one
// fixed tree. Every sum over the batch (gradients, BatchNorm statistics, the loss) goes through
// tensor/batch_split.hpp's hook, which exchanges the ranks' subtree sums (MPI_Allgather) and adds
// them by the same tree: every rank then holds the whole batch's bits, and `mpirun -np 2 ... --threads 1`
// writes what one process with --threads 1 or 2 writes.
//
// A batch of C chunks is shared by m = ceil(C / c) ranks, c the smallest power of two with c·R >= C;
// ranks past m (a last batch shorter than R chunks) compute the whole batch alone, which gives the
// same bits. Rank 0 writes every output; the other ranks print nothing but their own errors.
//
// Without MPI (distributed_local.cpp) there is one rank and a batch is never split.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tensor/batch_split.hpp"
#include "tensor/tensor.hpp"

namespace hqc::app::dist {

// Starts MPI when built with it (the first thing main does) and stops it; no-ops otherwise.
void init(int* argc, char*** argv);
void finalize();
bool built_with_mpi();
int rank();  // 0 without MPI
int size();  // 1 without MPI, or not under mpirun

// Rank 0's v, on every rank (a decision that must not differ between ranks: whether to resume, how
// many steps a timing window runs).
bool rank0_says(bool v);
int64_t rank0_value(int64_t v);

// Ends the program after an error this rank cannot share with the others (they may be waiting in
// an exchange): prints `message` once (rank 0 at once; another rank after a pause, so that an error
// every rank met is printed by rank 0 alone) and stops every rank with exit status `code`.
[[noreturn]] void abort_all(const std::string& message, int code);

// This rank's share of one batch of n samples; while it lives, the batch reductions of this thread
// are the whole batch's (a tensor/batch_split.hpp scope), when the batch is shared.
class Batch {
 public:
  explicit Batch(int64_t n);
  ~Batch();
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;
  int64_t begin() const { return begin_; }
  int64_t end() const { return end_; }
  bool shared() const { return exchange_ != nullptr; }
  // Rows [begin, end) of t (n, ...): t itself when the batch is not shared.
  Tensor rows(const Tensor& t) const;
  // Σ of one count over the ranks sharing the batch (this rank's own when not shared).
  int64_t sum(int64_t v) const;
  // One value per row: this rank's rows in, the batch's n rows out (in row order).
  std::vector<int64_t> gather_rows(const std::vector<int64_t>& mine) const;

 private:
  int64_t n_ = 0, begin_ = 0, end_ = 0, per_ = 0;  // per_: chunks per rank
  BatchExchange* exchange_ = nullptr;  // the group's, owned by the implementation
  std::unique_ptr<BatchSplitScope> scope_;
};

// What the exchanges cost since the start (rank 0's view): calls, and bytes this rank sent.
struct Traffic {
  int64_t calls = 0, bytes_sent = 0, bytes_received = 0;
};
Traffic traffic();

}  // namespace hqc::app::dist
