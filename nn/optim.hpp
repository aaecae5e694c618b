// optim.hpp — optimisers (SGD, Adam, AdamW) and gradient-norm clipping, with torch.optim's update
// rules (PyTorch 1.13, single-tensor form), so a run can be compared step by step.
//
//   SGD:   g += wd·p;  buf = g (first step) else μ·buf + (1-dampening)·g;  g = g + μ·buf (Nesterov)
//          or buf;  p -= lr·g
//   Adam:  g += wd·p (L2, coupled);  m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;
//          p -= lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + ε)
//   AdamW: p *= 1 - lr·wd (decoupled), then Adam without the L2 term.
// Parameters without a gradient are skipped, as in PyTorch. State (momentum buffers, moments, step
// counts) is created on the first step.
//
// state() / load_state() hold everything a later step depends on — the learning rate and momentum
// (a schedule moves them), step counts, moments, momentum buffers — as named tensors, so that a run
// saved after k steps and loaded into a fresh optimiser over the same parameters continues bit for
// bit. The hyperparameters a recipe fixes (betas' β2, eps, weight decay) are the constructor's.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "autograd/variable.hpp"

namespace hqc::nn {

class Optimizer {
 public:
  Optimizer(std::vector<Variable> params, double lr);
  virtual ~Optimizer() = default;
  virtual void step() = 0;
  void zero_grad();

  double lr() const { return lr_; }
  void set_lr(double lr) { lr_ = lr; }
  // The momentum-like hyperparameter a schedule may cycle (SGD's momentum, Adam's β1).
  virtual double momentum() const = 0;
  virtual void set_momentum(double m) = 0;
  const std::vector<Variable>& params() const { return params_; }

  using State = std::vector<std::pair<std::string, Tensor>>;
  // "lr" and "momentum" (f64, one element each) and the subclass's tensors (copies).
  virtual State state() const = 0;
  // All-or-nothing: the names, shapes and types must be exactly those state() of an optimiser of
  // this kind over these parameters could give, else std::invalid_argument saying what differs.
  virtual void load_state(const State& state) = 0;

 protected:
  std::vector<Variable> params_;
  double lr_;
};

struct SGDOptions {
  double lr = 0.01;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Variable> params, SGDOptions options);
  void step() override;
  double momentum() const override { return opt_.momentum; }
  void set_momentum(double m) override { opt_.momentum = m; }
  const SGDOptions& options() const { return opt_; }
  // Adds "buf.<i>" for each parameter i whose momentum buffer exists.
  State state() const override;
  void load_state(const State& state) override;

 private:
  SGDOptions opt_;
  std::vector<Tensor> buf_;  // momentum buffers, undefined until first used
};

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;  // Adam: added to the gradient; AdamW: decoupled
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<Variable> params, AdamOptions options);
  void step() override;
  double momentum() const override { return opt_.beta1; }
  void set_momentum(double b1) override { opt_.beta1 = b1; }
  const AdamOptions& options() const { return opt_; }
  // Adds "step" (i64, one count per parameter) and "m.<i>", "v.<i>" for each parameter stepped.
  State state() const override;
  void load_state(const State& state) override;

 protected:
  Adam(std::vector<Variable> params, AdamOptions options, bool decoupled);

 private:
  AdamOptions opt_;
  bool decoupled_;
  std::vector<Tensor> m_, v_;    // first and second moments per parameter
  std::vector<int64_t> steps_;  // per parameter, as torch's state['step']
};

// AdamW: PyTorch's default weight decay is 0.01.
struct AdamWOptions : AdamOptions {
  AdamWOptions() { weight_decay = 0.01; }
};

class AdamW : public Adam {
 public:
  AdamW(std::vector<Variable> params, AdamWOptions options) : Adam(std::move(params), options, true) {}
};

// Scales every gradient by min(1, max_norm / (total_norm + 1e-6)), total_norm being the 2-norm of
// all gradients together (torch.nn.utils.clip_grad_norm_). Returns total_norm. With
// error_if_nonfinite a NaN or infinite norm throws instead of spreading NaN into the gradients.
double clip_grad_norm(const std::vector<Variable>& params, double max_norm, bool error_if_nonfinite = false);

}  // namespace hqc::nn
