// The README's "use hqc from C++" example: fit y = 2x - 1 by gradient descent with autograd.
#include <cmath>
#include <cstdio>

#include "autograd/functions.hpp"
#include "tensor/random.hpp"

int main() {
  hqc::Generator gen(0);
  hqc::Tensor x = hqc::rand_uniform({64, 1}, -1, 1, gen);
  hqc::Tensor y = hqc::add(hqc::mul(x, 2.0), -1.0);
  hqc::Variable w(hqc::zeros({1, 1}), true), b(hqc::zeros({1}), true);
  for (int step = 0; step < 200; ++step) {
    hqc::Variable pred = hqc::add(hqc::matmul(hqc::Variable(x), w), b);
    hqc::Variable loss = hqc::mean(hqc::pow(hqc::sub(pred, hqc::Variable(y)), 2.0));
    w.zero_grad();
    b.zero_grad();
    loss.backward();
    hqc::axpy_(w.mutable_data(), -0.5, w.grad());
    hqc::axpy_(b.mutable_data(), -0.5, b.grad());
  }
  std::printf("w = %.4f, b = %.4f\n", w.data().item(), b.data().item());
  return (std::abs(w.data().item() - 2) < 1e-3 && std::abs(b.data().item() + 1) < 1e-3) ? 0 : 1;
}
