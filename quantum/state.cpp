// state.cpp — allocation, size checks and conversions of the batched statevector.
#include "quantum/state.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace hqc::quantum {

namespace {
double query_physical_memory() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return 8.0 * (1ull << 30);  // unknown: assume a small machine
  return static_cast<double>(pages) * static_cast<double>(page);
}
// Asked once: a system call per forward pass would cost more than the 4-qubit circuit itself.
double physical_memory_bytes() {
  static const double bytes = query_physical_memory();
  return bytes;
}
}  // namespace

double memory_budget_bytes() {
  double budget = 0.5 * physical_memory_bytes();
  struct rlimit lim {};
  if (getrlimit(RLIMIT_AS, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
    // VmSize: the address space already mapped (code, libraries, thread stacks, heap).
    double mapped = 0.0;
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("VmSize:", 0) == 0) {
        mapped = 1024.0 * std::strtod(line.c_str() + 7, nullptr);
        break;
      }
    }
    budget = std::min(budget, std::max(0.0, static_cast<double>(lim.rlim_cur) - mapped));
  }
  return budget;
}

void check_state_fits(int n, int64_t batch, int copies, const char* op) {
  if (n < 1 || n > kMaxQubits) {
    throw std::invalid_argument(std::string(op) + ": qubit count " + std::to_string(n) + " is outside [1, " +
                                std::to_string(kMaxQubits) + "]");
  }
  if (batch < 1) throw std::invalid_argument(std::string(op) + ": batch size " + std::to_string(batch) + " < 1");
  const double bytes = std::ldexp(16.0, n) * static_cast<double>(batch) * copies;
  const double have = physical_memory_bytes();
  // Half the machine at most: the rest of the network, and other processes, need the other half.
  if (bytes > 0.5 * have) {
    std::ostringstream msg;
    msg << op << ": " << copies << " state(s) of " << n << " qubits x batch " << batch << " need "
        << bytes / (1 << 30) << " GiB, more than half of this machine's " << have / (1 << 30)
        << " GiB; use fewer qubits or a smaller batch";
    throw std::length_error(msg.str());
  }
}

StateBatch::StateBatch(int n_qubits, int64_t batch) : StateBatch(n_qubits, batch, Uninitialized{}) { reset(); }

StateBatch::StateBatch(int n_qubits, int64_t batch, Uninitialized) : n_(n_qubits), batch_(batch) {
  check_state_fits(n_qubits, batch, 1, "StateBatch");
  set_data(Tensor::empty({2, dim(), batch_}, DType::f64));
}

void StateBatch::set_data(Tensor data) {
  data_ = std::move(data);
  re_ = data_.data<double>();
  im_ = re_ + dim() * batch_;
}

void StateBatch::reset() {
  data_.zero_();
  for (int64_t b = 0; b < batch_; ++b) re()[b] = 1.0;
}

StateBatch StateBatch::clone() const {
  StateBatch s;
  s.n_ = n_;
  s.batch_ = batch_;
  s.set_data(data_.clone());
  return s;
}

Tensor StateBatch::to_tensor() const {
  Tensor out = Tensor::empty({batch_, dim(), 2}, DType::f64);
  double* o = out.data<double>();
  for (int64_t b = 0; b < batch_; ++b)
    for (int64_t i = 0; i < dim(); ++i) {
      o[(b * dim() + i) * 2] = re()[i * batch_ + b];
      o[(b * dim() + i) * 2 + 1] = im()[i * batch_ + b];
    }
  return out;
}

void StateBatch::from_tensor(const Tensor& amplitudes) {
  const Shape& s = amplitudes.sizes();
  const bool complex = s.size() == 3 && s[2] == 2;
  if (!((s.size() == 2 || complex) && s[0] == batch_ && s[1] == dim())) {
    throw std::invalid_argument("StateBatch::from_tensor: expected (" + std::to_string(batch_) + ", " +
                                std::to_string(dim()) + "[, 2]), got " + shape_str(s));
  }
  Tensor a = amplitudes.to(DType::f64).contiguous();
  const double* p = a.data<double>();
  for (int64_t b = 0; b < batch_; ++b)
    for (int64_t i = 0; i < dim(); ++i) {
      re()[i * batch_ + b] = complex ? p[(b * dim() + i) * 2] : p[b * dim() + i];
      im()[i * batch_ + b] = complex ? p[(b * dim() + i) * 2 + 1] : 0.0;
    }
}

Tensor StateBatch::norms_squared() const {
  Tensor out = zeros({batch_}, DType::f64);
  double* o = out.data<double>();
  for (int64_t i = 0; i < dim(); ++i)
    for (int64_t b = 0; b < batch_; ++b) {
      const double r = re()[i * batch_ + b], m = im()[i * batch_ + b];
      o[b] += r * r + m * m;
    }
  return out;
}

}  // namespace hqc::quantum
