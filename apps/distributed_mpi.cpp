// distributed_mpi.cpp — distributed.hpp over MPI (built with -DHQC_MPI=ON).
//
// Only the thread that runs the training loop calls MPI (MPI_THREAD_FUNNELED): the exchanges are
// made between parallel loops, never inside one. Each group of ranks [0, m) that can share a batch
// has its communicator, made once at start (making one is collective over every rank).
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "apps/distributed.hpp"
#include "tensor/reduce.hpp"

namespace hqc::app::dist {

namespace {
bool g_started = false;
int g_rank = 0, g_size = 1;
Traffic g_traffic;

// The ranks [0, m) sharing batches: each adds the others' subtree sums by the fixed tree.
struct Group final : BatchExchange {
  MPI_Comm comm = MPI_COMM_NULL;
  int m = 0;
  std::vector<double> dbuf;
  std::vector<float> fbuf;

  template <typename T> void run(T* v, int64_t n, MPI_Datatype type, std::vector<T>& buf) {
    if (n <= 0) return;
    if (n > INT32_MAX / m) throw std::runtime_error("batch exchange of " + std::to_string(n) + " values is too large for MPI");
    buf.resize(static_cast<size_t>(n * m));  // (m, n): rank r's sums at row r
    MPI_Allgather(v, static_cast<int>(n), type, buf.data(), static_cast<int>(n), type, comm);
    tree_sum(buf.data(), m, n);  // ranks in order: rank r's chunks come before rank r + 1's
    std::copy(buf.begin(), buf.begin() + n, v);
    g_traffic.calls += 1;
    g_traffic.bytes_sent += n * static_cast<int64_t>(sizeof(T));
    g_traffic.bytes_received += n * (m - 1) * static_cast<int64_t>(sizeof(T));
  }
  void combine(double* v, int64_t n) override { run(v, n, MPI_DOUBLE, dbuf); }
  void combine(float* v, int64_t n) override { run(v, n, MPI_FLOAT, fbuf); }
};
std::vector<Group> g_groups;  // index m, for m in [2, size]

bool under_mpirun() {
  // Open MPI, MPICH/Hydra and PMIx launchers set one of these; a plain `hqc` run stays one process
  // without starting MPI.
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(v)) return true;
  return false;
}
}  // namespace

void init(int* argc, char*** argv) {
  if (!under_mpirun()) return;
  // Open MPI spins while a rank waits in an exchange; ranks sharing cores with other work (two ranks
  // on a loaded 2-core machine) then take each other's time: 2x slower steps measured (docs/mpi.md).
  // Yielding costs a few microseconds per exchange. `mpirun --mca mpi_yield_when_idle 0` overrides it.
  setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0);
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  g_started = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  g_groups.resize(static_cast<size_t>(g_size) + 1);
  for (int m = 2; m <= g_size; ++m) {
    g_groups[m].m = m;
    MPI_Comm_split(MPI_COMM_WORLD, g_rank < m ? 0 : MPI_UNDEFINED, g_rank, &g_groups[m].comm);
  }
}

void finalize() {
  if (!g_started) return;
  for (auto& g : g_groups)
    if (g.comm != MPI_COMM_NULL) MPI_Comm_free(&g.comm);
  MPI_Finalize();
  g_started = false;
}

bool built_with_mpi() { return true; }
int rank() { return g_rank; }
int size() { return g_size; }

int64_t rank0_value(int64_t v) {
  if (g_size > 1) MPI_Bcast(&v, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
  return v;
}
bool rank0_says(bool v) { return rank0_value(v ? 1 : 0) != 0; }

void abort_all(const std::string& message, int code) {
  if (g_size <= 1) {
    if (!message.empty()) std::cerr << message << "\n";
    std::exit(code);
  }
  // Rank 0 first: when it met the error too, its abort stops this rank before it prints.
  if (g_rank != 0) std::this_thread::sleep_for(std::chrono::seconds(2));
  if (!message.empty())
    std::cerr << message << (g_rank != 0 ? " (rank " + std::to_string(g_rank) + ")" : std::string()) << "\n";
  std::cerr.flush();
  MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);  // not reached
}

Batch::Batch(int64_t n) : n_(n), begin_(0), end_(n) {
  if (g_size <= 1) return;
  const int64_t chunks = batch_chunks(n);
  int64_t per = 1;  // chunks per rank: a power of two, so that each rank's chunks are one subtree
  while (per * g_size < chunks) per *= 2;
  const int64_t m = (chunks + per - 1) / per;
  if (m < 2 || g_rank >= m) return;  // computed whole, alone: the same bits
  per_ = per;
  begin_ = batch_chunk_begin(n, g_rank * per);
  end_ = batch_chunk_begin(n, (g_rank + 1) * per);
  exchange_ = &g_groups[static_cast<size_t>(m)];
  scope_ = std::make_unique<BatchSplitScope>(BatchSplit{begin_, n, exchange_});
}

Batch::~Batch() = default;

Tensor Batch::rows(const Tensor& t) const {
  if (!exchange_) return t;
  return t.narrow(0, begin_, end_ - begin_).contiguous();
}

int64_t Batch::sum(int64_t v) const {
  if (!exchange_) return v;
  int64_t total = 0;
  MPI_Allreduce(&v, &total, 1, MPI_INT64_T, MPI_SUM, static_cast<Group*>(exchange_)->comm);
  return total;
}

std::vector<int64_t> Batch::gather_rows(const std::vector<int64_t>& mine) const {
  if (!exchange_) return mine;
  const Group& g = *static_cast<Group*>(exchange_);
  std::vector<int> counts(static_cast<size_t>(g.m)), offsets(static_cast<size_t>(g.m));
  for (int r = 0; r < g.m; ++r) {
    offsets[r] = static_cast<int>(batch_chunk_begin(n_, r * per_));
    counts[r] = static_cast<int>(batch_chunk_begin(n_, (r + 1) * per_)) - offsets[r];
  }
  std::vector<int64_t> all(static_cast<size_t>(n_));
  MPI_Allgatherv(mine.data(), static_cast<int>(mine.size()), MPI_INT64_T, all.data(), counts.data(), offsets.data(),
                 MPI_INT64_T, g.comm);
  return all;
}

Traffic traffic() { return g_traffic; }

}  // namespace hqc::app::dist
