// schedule.cpp — StepLR, CosineAnnealingWarmRestarts and OneCycleLR (see schedule.hpp).
#include "nn/schedule.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "tensor/math.hpp"

namespace hqc::nn {

void LRScheduler::step() {
  ++last_epoch_;
  opt_.set_lr(compute_lr());
}

void LRScheduler::start() { step(); }

namespace {
// The one-element tensor `name` of `state`, of type `dtype`; refuses entries not in `known`.
const Tensor& entry(const LRScheduler::State& state, const std::string& name, DType dtype,
                    const std::vector<std::string>& known) {
  for (const auto& [n, t] : state) {
    bool ok = false;
    for (const auto& k : known) ok = ok || n == k;
    if (!ok) throw std::invalid_argument("schedule state: unexpected \"" + n + "\"");
  }
  for (const auto& [n, t] : state) {
    if (n != name) continue;
    if (t.dtype() != dtype || t.sizes() != Shape{1})
      throw std::invalid_argument("schedule state: \"" + name + "\" should be " + dtype_name(dtype) + " (1), found " +
                                  dtype_name(t.dtype()) + " " + shape_str(t.sizes()));
    return t;
  }
  throw std::invalid_argument("schedule state: no \"" + name + "\"");
}

Tensor one(DType dtype) { return Tensor::empty({1}, dtype); }
}  // namespace

LRScheduler::State LRScheduler::state() const {
  Tensor e = one(DType::i64);
  e.data<int64_t>()[0] = last_epoch_;
  return {{"last_epoch", e}};
}

void LRScheduler::load_state(const State& state) {
  const int64_t e = entry(state, "last_epoch", DType::i64, {"last_epoch"}).data<int64_t>()[0];
  if (e < 0) throw std::invalid_argument("schedule state: last_epoch " + std::to_string(e) + " is negative");
  last_epoch_ = e;
}

StepLR::StepLR(Optimizer& opt, int64_t step_size, double gamma) : LRScheduler(opt), step_size_(step_size), gamma_(gamma) {
  if (step_size < 1) throw std::invalid_argument("StepLR: step_size must be >= 1, got " + std::to_string(step_size));
  start();
}

double StepLR::compute_lr() {
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return opt_.lr();
  return opt_.lr() * gamma_;
}

CosineAnnealingWarmRestarts::CosineAnnealingWarmRestarts(Optimizer& opt, int64_t T_0, int64_t T_mult, double eta_min)
    : LRScheduler(opt), T_0_(T_0), T_i_(T_0), T_mult_(T_mult), eta_min_(eta_min) {
  if (T_0 < 1) throw std::invalid_argument("CosineAnnealingWarmRestarts: T_0 must be >= 1, got " + std::to_string(T_0));
  if (T_mult < 1)
    throw std::invalid_argument("CosineAnnealingWarmRestarts: T_mult must be >= 1, got " + std::to_string(T_mult));
  start();
}

double CosineAnnealingWarmRestarts::compute_lr() {
  if (last_epoch_ == 0) {
    T_cur_ = 0;
  } else {
    T_cur_ += 1;
    if (T_cur_ >= double(T_i_)) {
      T_cur_ -= double(T_i_);
      T_i_ *= T_mult_;
    }
  }
  return eta_min_ + (base_lr_ - eta_min_) * (1 + math::cos(std::numbers::pi * T_cur_ / double(T_i_))) / 2;
}

LRScheduler::State CosineAnnealingWarmRestarts::state() const {
  State s = LRScheduler::state();
  Tensor cur = one(DType::f64), len = one(DType::i64);
  cur.data<double>()[0] = T_cur_;
  len.data<int64_t>()[0] = T_i_;
  s.emplace_back("T_cur", cur);
  s.emplace_back("T_i", len);
  return s;
}

void CosineAnnealingWarmRestarts::load_state(const State& state) {
  const std::vector<std::string> known{"last_epoch", "T_cur", "T_i"};
  const int64_t e = entry(state, "last_epoch", DType::i64, known).data<int64_t>()[0];
  const double cur = entry(state, "T_cur", DType::f64, known).data<double>()[0];
  const int64_t len = entry(state, "T_i", DType::i64, known).data<int64_t>()[0];
  if (e < 0 || len < 1 || !(cur >= 0 && cur < double(len)))
    throw std::invalid_argument("schedule state: last_epoch " + std::to_string(e) + ", T_cur " + std::to_string(cur) +
                                ", T_i " + std::to_string(len) + " is not a position of a cosine cycle");
  last_epoch_ = e, T_cur_ = cur, T_i_ = len;
}

OneCycleLR::OneCycleLR(Optimizer& opt, OneCycleOptions o) : LRScheduler(opt), o_(o) {
  if (o.total_steps > 0)
    total_ = o.total_steps;
  else if (o.epochs > 0 && o.steps_per_epoch > 0)
    total_ = o.epochs * o.steps_per_epoch;
  else
    throw std::invalid_argument("OneCycleLR: give total_steps, or epochs and steps_per_epoch (all positive)");
  if (!(o.pct_start >= 0 && o.pct_start <= 1))
    throw std::invalid_argument("OneCycleLR: pct_start must be in [0, 1], got " + std::to_string(o.pct_start));
  if (!(o.max_lr > 0)) throw std::invalid_argument("OneCycleLR: max_lr must be positive");
  const double initial = o.max_lr / o.div_factor, min_lr = initial / o.final_div_factor;
  const double T = double(total_);
  if (o.three_phase) {
    phases_ = {{o.pct_start * T - 1, initial, o.max_lr, o.max_momentum, o.base_momentum},
               {2 * o.pct_start * T - 2, o.max_lr, initial, o.base_momentum, o.max_momentum},
               {T - 1, initial, min_lr, o.max_momentum, o.max_momentum}};
  } else {
    phases_ = {{o.pct_start * T - 1, initial, o.max_lr, o.max_momentum, o.base_momentum},
               {T - 1, o.max_lr, min_lr, o.base_momentum, o.max_momentum}};
  }
  base_lr_ = initial;
  if (o.cycle_momentum) opt_.set_momentum(o.max_momentum);
  start();
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (o_.cos_anneal) return end + (start - end) / 2.0 * (math::cos(std::numbers::pi * pct) + 1);
  return (end - start) * pct + start;
}

double OneCycleLR::compute_lr() {
  const double step = double(last_epoch_);
  if (last_epoch_ > total_)
    throw std::invalid_argument("OneCycleLR: tried to step " + std::to_string(last_epoch_) +
                                " times; the schedule has " + std::to_string(total_) + " steps");
  double start_step = 0, lr = 0, m = 0;
  for (size_t i = 0; i < phases_.size(); ++i) {
    const Phase& ph = phases_[i];
    if (step <= ph.end_step || i + 1 == phases_.size()) {
      const double pct = (step - start_step) / (ph.end_step - start_step);
      lr = anneal(ph.start_lr, ph.end_lr, pct);
      m = anneal(ph.start_m, ph.end_m, pct);
      break;
    }
    start_step = ph.end_step;
  }
  if (o_.cycle_momentum) opt_.set_momentum(m);
  return lr;
}

}  // namespace hqc::nn
