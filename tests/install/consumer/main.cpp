// The README's "use hqc from C++" example: a tiny hybrid network (Linear -> Softmax -> 4-qubit
// circuit -> Linear) learns which half of the plane a point is in.
#include <cstdio>

#include "nn/nn.hpp"
#include "quantum/layer.hpp"

int main() {
  using namespace hqc;
  Generator gen(0);
  nn::Sequential model;
  model.add(std::make_shared<nn::Linear>(2, 16, gen)).add(std::make_shared<nn::Softmax>(1));
  model.add(std::make_shared<quantum::QuantumLayer>(quantum::LayerSpec{4, 2}, gen));
  model.add(std::make_shared<nn::Linear>(4, 2, gen));
  nn::AdamWOptions options;
  options.lr = 0.05;
  nn::AdamW opt(model.parameters(), options);

  Tensor x = rand_uniform({256, 2}, -1, 1, gen);                     // (B, 2) points
  Tensor y = gt(x.select(1, 0), 0.0).to(DType::i64);                 // (B,) label: x0 > 0
  double first = 0, last = 0;
  for (int step = 0; step < 150; ++step) {
    Variable loss = nn::cross_entropy(model(Variable(x)), y);
    model.zero_grad();
    loss.backward();
    opt.step();
    (step == 0 ? first : last) = loss.item();
  }
  std::printf("loss %.3f -> %.3f with %lld parameters\n", first, last, (long long)model.num_parameters());
  return last < 0.5 * first ? 0 : 1;
}
