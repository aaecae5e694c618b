// distributed_local.cpp — the one-process build of distributed.hpp (no -DHQC_MPI): one rank, batches
// never split, nothing exchanged.
#include <cstdlib>
#include <iostream>

#include "apps/distributed.hpp"

namespace hqc::app::dist {

void init(int*, char***) {}
void finalize() {}
bool built_with_mpi() { return false; }
int rank() { return 0; }
int size() { return 1; }

bool rank0_says(bool v) { return v; }
int64_t rank0_value(int64_t v) { return v; }

void abort_all(const std::string& message, int code) {
  if (!message.empty()) std::cerr << message << "\n";
  std::exit(code);
}

Batch::Batch(int64_t n) : n_(n), begin_(0), end_(n) {}
Batch::~Batch() = default;
Tensor Batch::rows(const Tensor& t) const { return t; }
int64_t Batch::sum(int64_t v) const { return v; }
std::vector<int64_t> Batch::gather_rows(const std::vector<int64_t>& mine) const { return mine; }

Traffic traffic() { return {}; }

}  // namespace hqc::app::dist
