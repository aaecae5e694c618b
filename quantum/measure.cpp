// measure.cpp — expectations, probabilities and sampling.
#include "quantum/measure.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "quantum/gates.hpp"
#include "quantum/simd/kernels.hpp"

namespace hqc::quantum {

Tensor expval(const StateBatch& s, Pauli p) {
  const int n = s.num_qubits();
  const int64_t B = s.batch(), dim = s.dim();
  std::vector<double> out(static_cast<size_t>(n) * B, 0.0);  // (n, B)
  const auto& k = sv_kernels();
  if (p == Pauli::Z) {
    std::vector<double> scratch(B);
    k.expval_z(s.re(), s.im(), dim, B, n, out.data(), scratch.data());
  } else {
    // <psi|P_w|psi> is real; the bra-ket kernel gives it per sample.
    const Mat2 m = gate_matrix(p == Pauli::X ? Gate::X : Gate::Y, 0.0);
    std::vector<double> im(B);
    for (int w = 0; w < n; ++w) {
      std::fill(im.begin(), im.end(), 0.0);
      k.braket_1q(s.re(), s.im(), s.re(), s.im(), dim, B, int64_t{1} << (n - 1 - w), 0, m.data(),
                  out.data() + static_cast<size_t>(w) * B, im.data());
    }
  }
  Tensor t = Tensor::empty({B, n}, DType::f64);
  double* o = t.data<double>();
  for (int64_t b = 0; b < B; ++b)
    for (int w = 0; w < n; ++w) o[b * n + w] = out[static_cast<size_t>(w) * B + b];
  return t;
}

Tensor probabilities(const StateBatch& s) {
  const int64_t B = s.batch(), dim = s.dim();
  Tensor t = Tensor::empty({B, dim}, DType::f64);
  double* o = t.data<double>();
  for (int64_t i = 0; i < dim; ++i)
    for (int64_t b = 0; b < B; ++b) {
      const double r = s.re()[i * B + b], m = s.im()[i * B + b];
      o[b * dim + i] = r * r + m * m;
    }
  return t;
}

Tensor sample_counts(const StateBatch& s, int64_t shots, Generator& gen) {
  if (shots < 1) throw std::invalid_argument("sample: shots must be at least 1, got " + std::to_string(shots));
  const int64_t B = s.batch(), dim = s.dim();
  Tensor probs = probabilities(s);
  Tensor counts = zeros({B, dim}, DType::i64);
  std::vector<double> cdf(dim);
  for (int64_t b = 0; b < B; ++b) {
    const double* p = probs.data<double>() + b * dim;
    double acc = 0.0;
    for (int64_t i = 0; i < dim; ++i) cdf[i] = (acc += p[i]);
    int64_t* c = counts.data<int64_t>() + b * dim;
    for (int64_t k = 0; k < shots; ++k) {
      // Scaled by the total so rounding in the norm can never leave u past the last bin.
      const double u = gen.uniform_double() * acc;
      const int64_t i = std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin();
      ++c[std::min(i, dim - 1)];
    }
  }
  return counts;
}

Tensor sample_expval(const StateBatch& s, Pauli p, int64_t shots, Generator& gen) {
  const int n = s.num_qubits();
  const int64_t B = s.batch(), dim = s.dim();
  Tensor counts;
  if (p == Pauli::Z) {
    counts = sample_counts(s, shots, gen);
  } else {
    StateBatch r = s.clone();
    const Mat2 h = gate_matrix(Gate::H, 0.0), sdg = mat2_adjoint(gate_matrix(Gate::S, 0.0));
    const Mat2 m = p == Pauli::X ? h : mat2_mul(h, sdg);
    for (int w = 0; w < n; ++w) sv_kernels().apply_1q(r.re(), r.im(), dim, B, int64_t{1} << (n - 1 - w), 0, m.data());
    counts = sample_counts(r, shots, gen);
  }
  Tensor t = zeros({B, n}, DType::f64);
  for (int64_t b = 0; b < B; ++b) {
    const int64_t* c = counts.data<int64_t>() + b * dim;
    double* o = t.data<double>() + b * n;
    for (int64_t i = 0; i < dim; ++i)
      for (int w = 0; w < n; ++w) o[w] += ((i >> (n - 1 - w)) & 1) ? -double(c[i]) : double(c[i]);
    for (int w = 0; w < n; ++w) o[w] /= static_cast<double>(shots);
  }
  return t;
}

}  // namespace hqc::quantum
