// activation.hpp — the parameter-free layers: ReLU, Softmax, Dropout, Flatten, Identity.
#pragma once

#include "nn/module.hpp"
#include "tensor/random.hpp"

namespace hqc::nn {

// Zeroes each element with probability p and scales the rest by 1/(1-p) (inverted dropout, as
// torch); the identity when !training or p == 0. The mask is drawn from `gen`, one uniform number per
// element in row-major order (keep when u >= p).
Variable dropout(const Variable& x, double p, bool training, Generator& gen);

// final: Sequential::fuse_batchnorm_relu() replaces its forward() by BatchNorm::forward_relu.
class ReLU final : public Module {
 public:
  Variable forward(const Variable& x) override;
  std::string type_name() const override { return "ReLU"; }
};

class Softmax : public Module {
 public:
  explicit Softmax(int64_t dim = 1) : dim(dim) {}
  Variable forward(const Variable& x) override;
  std::string type_name() const override { return "Softmax"; }
  std::string describe() const override { return "Softmax(dim=" + std::to_string(dim) + ")"; }
  int64_t dim;
};

// Dropout owns its random stream: the k-th training forward uses Generator(seed, stream).fork(k), so
// a run is repeatable from the seed alone, whatever else draws numbers. reseed() restarts the count
// (a model passes its seed down to each Dropout it holds); calls() / set_calls() read and restore the
// position in the stream, so a resumed run draws the masks an uninterrupted one would.
class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5, uint64_t seed = 0, uint64_t stream = 0);
  Variable forward(const Variable& x) override;
  std::string type_name() const override { return "Dropout"; }
  std::string describe() const override;
  void reseed(uint64_t seed, uint64_t stream = 0);
  uint64_t calls() const { return calls_; }
  void set_calls(uint64_t calls) { calls_ = calls; }
  double p;

 private:
  Generator base_;
  uint64_t calls_ = 0;
};

// Flattens dims start..end (default: all but the batch dimension), as torch.nn.Flatten.
class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1) : start_dim(start_dim), end_dim(end_dim) {}
  Variable forward(const Variable& x) override;
  std::string type_name() const override { return "Flatten"; }
  int64_t start_dim, end_dim;
};

class Identity : public Module {
 public:
  Variable forward(const Variable& x) override { return x; }
  std::string type_name() const override { return "Identity"; }
};

}  // namespace hqc::nn
