// state.hpp — a batch of B independent n-qubit pure states, stored for SIMD across the batch.
//
// Amplitude i of sample b is (re[i * B + b], im[i * B + b]): real and imaginary parts in separate
// (D, B) arrays (D = 2^n), so the batch is the vector lane and one gate on every sample is one pass
// over contiguous rows. Wire 0 is the most significant bit of i (PennyLane's order, docs/quantum.md), so
// wire w has amplitude-index bit 2^(n-1-w). Double precision throughout.
#pragma once

#include <complex>
#include <cstdint>

#include "tensor/tensor.hpp"

namespace hqc::quantum {

// Largest qubit count the simulator accepts at all; memory is checked separately.
constexpr int kMaxQubits = 30;

// Throws std::invalid_argument naming `op` when n is outside [1, kMaxQubits], and
// std::length_error when `copies` states of B samples would not fit in this machine's memory.
void check_state_fits(int n, int64_t batch, int copies, const char* op);

// Bytes this process may still allocate for one job: half the machine's physical memory (as
// check_state_fits allows), and no more than what an address-space limit (ulimit -v) leaves beside
// what the process already maps. For a caller that sizes a whole command up front; reads /proc on
// every call, so not for inner loops.
double memory_budget_bytes();

class StateBatch {
 public:
  StateBatch() = default;
  // Every sample starts in |0...0>. Checks the size with check_state_fits.
  StateBatch(int n_qubits, int64_t batch);
  // The same without setting the amplitudes, for a caller that overwrites all of them.
  struct Uninitialized {};
  StateBatch(int n_qubits, int64_t batch, Uninitialized);

  int num_qubits() const { return n_; }
  int64_t batch() const { return batch_; }
  int64_t dim() const { return int64_t{1} << n_; }
  double* re() { return re_; }
  double* im() { return im_; }
  const double* re() const { return re_; }
  const double* im() const { return im_; }

  std::complex<double> amplitude(int64_t sample, int64_t index) const {
    return {re()[index * batch_ + sample], im()[index * batch_ + sample]};
  }
  void set_amplitude(int64_t sample, int64_t index, std::complex<double> a) {
    re()[index * batch_ + sample] = a.real();
    im()[index * batch_ + sample] = a.imag();
  }
  void reset();                       // |0...0> for every sample
  StateBatch clone() const;           // a deep copy
  // (B, D, 2) float64: [re, im] of every amplitude of every sample.
  Tensor to_tensor() const;
  // Sets every sample from a (B, D, 2) or (B, D) float64 tensor (the latter: real amplitudes).
  void from_tensor(const Tensor& amplitudes);
  // Squared norm of each sample, (B).
  Tensor norms_squared() const;

 private:
  int n_ = 0;
  int64_t batch_ = 0;
  void set_data(Tensor data);
  Tensor data_;  // (2, D, B) float64: re then im
  double* re_ = nullptr;  // views of data_, read once per row by the gates
  double* im_ = nullptr;
};

}  // namespace hqc::quantum
