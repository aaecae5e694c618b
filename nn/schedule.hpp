// schedule.hpp — learning-rate schedules with torch.optim.lr_scheduler's semantics (PyTorch 1.13).
//
// A schedule sets its optimiser's learning rate (and, for OneCycleLR, its momentum / Adam β1) at
// construction (step 0) and on every step(). Call step() after optimizer.step(), once per batch or
// epoch as the recipe says.
//
// state() / load_state() hold the schedule's position (the step count, and the cosine restarts'
// cycle). The learning rate and momentum it last set live in the optimiser's state: to continue a
// run, build both as at its start, load the optimiser's state, then the schedule's.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "nn/optim.hpp"

namespace hqc::nn {

class LRScheduler {
 public:
  explicit LRScheduler(Optimizer& opt) : opt_(opt), base_lr_(opt.lr()) {}
  virtual ~LRScheduler() = default;
  // Advances one step and sets the optimiser's learning rate.
  void step();
  int64_t last_epoch() const { return last_epoch_; }
  double last_lr() const { return opt_.lr(); }

  using State = std::vector<std::pair<std::string, Tensor>>;
  // "last_epoch" (i64, one element) and the subclass's position.
  virtual State state() const;
  // All-or-nothing; std::invalid_argument on a missing, extra or mistyped entry.
  virtual void load_state(const State& state);

 protected:
  // The learning rate for step last_epoch_ (already advanced).
  virtual double compute_lr() = 0;
  void start();  // the constructor's initial step, as PyTorch's
  Optimizer& opt_;
  double base_lr_;
  int64_t last_epoch_ = -1;
};

// lr = base_lr · gamma^floor(epoch / step_size), applied as PyTorch does: multiplied by gamma every
// step_size steps.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& opt, int64_t step_size, double gamma = 0.1);

 protected:
  double compute_lr() override;

 private:
  int64_t step_size_;
  double gamma_;
};

// SGDR (Loshchilov & Hutter): lr = eta_min + (base_lr - eta_min)(1 + cos(π T_cur/T_i))/2, with T_cur
// reset to 0 every T_i steps and T_i multiplied by T_mult at each restart.
class CosineAnnealingWarmRestarts : public LRScheduler {
 public:
  CosineAnnealingWarmRestarts(Optimizer& opt, int64_t T_0, int64_t T_mult = 1, double eta_min = 0.0);
  // Adds "T_cur" (f64) and "T_i" (i64), the position in the current cycle and its length.
  State state() const override;
  void load_state(const State& state) override;

 protected:
  double compute_lr() override;

 private:
  int64_t T_0_, T_i_, T_mult_;
  double eta_min_;
  double T_cur_ = -1;
};

struct OneCycleOptions {
  double max_lr = 0.0;
  int64_t total_steps = 0;  // or epochs * steps_per_epoch when total_steps is 0
  int64_t epochs = 0, steps_per_epoch = 0;
  double pct_start = 0.3;
  bool cos_anneal = true;  // false: linear
  bool cycle_momentum = true;
  double base_momentum = 0.85, max_momentum = 0.95;
  double div_factor = 25.0, final_div_factor = 1e4;
  bool three_phase = false;
};

// The 1cycle policy (Smith & Topin): lr rises from max_lr/div_factor to max_lr over the first
// pct_start of the steps and falls to initial/final_div_factor; the momentum (SGD's momentum, Adam's
// β1) moves the opposite way between max_momentum and base_momentum. Stepping past total_steps throws.
class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& opt, OneCycleOptions options);
  int64_t total_steps() const { return total_; }

 protected:
  double compute_lr() override;

 private:
  struct Phase {
    double end_step, start_lr, end_lr, start_m, end_m;
  };
  double anneal(double start, double end, double pct) const;
  OneCycleOptions o_;
  int64_t total_;
  std::vector<Phase> phases_;
};

}  // namespace hqc::nn
