// test_optim.cpp — optimisers and schedules against 20 PyTorch steps (learning rate, momentum or
// β1, and parameters after every step), and clip_grad_norm.
#include <functional>
#include <limits>
#include <memory>

#include "fixtures.hpp"
#include "helpers.hpp"
#include "nn/optim.hpp"
#include "nn/schedule.hpp"

using namespace hqc;
using namespace hqc::nn;
using hqc::test::Fixture;

namespace {

using MakeOpt = std::function<std::unique_ptr<Optimizer>(std::vector<Variable>)>;
using MakeSched = std::function<std::unique_ptr<LRScheduler>(Optimizer&)>;

void replay(const char* name, const MakeOpt& make_opt, const MakeSched& make_sched = nullptr) {
  INFO(name);
  Fixture f(name);
  Variable p0(f.get("p0_init", DType::f32), true), p1(f.get("p1_init", DType::f32), true);
  auto opt = make_opt({p0, p1});
  std::unique_ptr<LRScheduler> sched = make_sched ? make_sched(*opt) : nullptr;
  for (int t = 0; t < 20; ++t) {
    const std::string k = std::to_string(t);
    INFO("step " << t);
    p0.set_grad(f.get("g0_" + k, DType::f32));
    p1.set_grad(f.get("g1_" + k, DType::f32));
    CHECK(opt->lr() == doctest::Approx(f.scalar("lr_" + k)).epsilon(1e-12));
    CHECK(opt->momentum() == doctest::Approx(f.scalar("mom_" + k)).epsilon(1e-12));
    opt->step();
    if (sched) sched->step();
    // float32 arithmetic on both sides, in slightly different orders.
    CHECK_CLOSE(p0.data().to(DType::f64), f.get("p0_" + k), 1e-5, 1e-6);
    CHECK_CLOSE(p1.data().to(DType::f64), f.get("p1_" + k), 1e-5, 1e-6);
  }
}

MakeOpt sgd(SGDOptions o) {
  return [o](std::vector<Variable> p) { return std::make_unique<SGD>(std::move(p), o); };
}
MakeOpt adam(double lr, double wd) {
  return [=](std::vector<Variable> p) {
    AdamOptions o;
    o.lr = lr, o.weight_decay = wd;
    return std::make_unique<Adam>(std::move(p), o);
  };
}
MakeOpt adamw(double lr, double wd) {
  return [=](std::vector<Variable> p) {
    AdamWOptions o;
    o.lr = lr, o.weight_decay = wd;
    return std::make_unique<AdamW>(std::move(p), o);
  };
}

}  // namespace

TEST_CASE("SGD plain, with momentum and dampening, and Nesterov match torch.optim.SGD over 20 steps") {
  replay("optim_sgd", sgd({.lr = 0.1}));
  replay("optim_sgd_momentum", sgd({.lr = 0.05, .momentum = 0.9, .dampening = 0.1, .weight_decay = 0.01}));
  replay("optim_sgd_nesterov", sgd({.lr = 0.05, .momentum = 0.9, .weight_decay = 0.02, .nesterov = true}));
}

TEST_CASE("Adam with coupled weight decay matches torch.optim.Adam over 20 steps") {
  replay("optim_adam", adam(3e-3, 5e-3));
}

TEST_CASE("AdamW with decoupled weight decay matches torch.optim.AdamW over 20 steps") {
  replay("optim_adamw", adamw(1e-3, 0.01));
}

TEST_CASE("CosineAnnealingWarmRestarts matches PyTorch, T_mult 1 with Adam and 2 with SGD") {
  replay("sched_adam_cosine_restarts", adam(3e-3, 5e-3),
         [](Optimizer& o) { return std::make_unique<CosineAnnealingWarmRestarts>(o, 5, 1, 1e-5); });
  replay("sched_sgd_cosine_restarts_tmult2", sgd({.lr = 0.1}),
         [](Optimizer& o) { return std::make_unique<CosineAnnealingWarmRestarts>(o, 3, 2, 0.001); });
}

TEST_CASE("OneCycleLR matches PyTorch: cosine with beta1 cycling, without cycling, linear with SGD momentum") {
  replay("sched_adamw_onecycle", adamw(1e-3, 0.01), [](Optimizer& o) {
    OneCycleOptions c;
    c.max_lr = 2e-3, c.total_steps = 20, c.pct_start = 0.3;
    return std::make_unique<OneCycleLR>(o, c);
  });
  replay("sched_adamw_onecycle_nocycle", adamw(1e-3, 0.01), [](Optimizer& o) {
    OneCycleOptions c;
    c.max_lr = 2e-3, c.total_steps = 20, c.pct_start = 0.25, c.cycle_momentum = false;
    return std::make_unique<OneCycleLR>(o, c);
  });
  replay("sched_sgd_onecycle", sgd({.lr = 0.1, .momentum = 0.9}), [](Optimizer& o) {
    OneCycleOptions c;
    c.max_lr = 0.5, c.total_steps = 20, c.cos_anneal = false;
    return std::make_unique<OneCycleLR>(o, c);
  });
}

TEST_CASE("StepLR matches PyTorch") {
  replay("sched_sgd_steplr", sgd({.lr = 0.1, .momentum = 0.5}),
         [](Optimizer& o) { return std::make_unique<StepLR>(o, 7, 0.5); });
}

TEST_CASE("OneCycleLR refuses to step past its total") {
  Variable p(zeros({2}), true);
  SGD opt({p}, {.lr = 0.1, .momentum = 0.9});
  OneCycleOptions c;
  c.max_lr = 1, c.epochs = 2, c.steps_per_epoch = 3;
  OneCycleLR s(opt, c);
  CHECK(s.total_steps() == 6);
  for (int i = 0; i < 5; ++i) s.step();
  CHECK(opt.lr() == doctest::Approx(1.0 / 25 / 1e4));  // the final learning rate, at step total - 1
  s.step();  // PyTorch allows one step more
  CHECK_THROWS_WITH_AS(s.step(), doctest::Contains("tried to step 7 times"), std::invalid_argument);
}

TEST_CASE("clip_grad_norm matches torch.nn.utils.clip_grad_norm_, clipping and not") {
  Fixture f("clip_grad_norm");
  for (auto [tag, max_norm] : {std::pair{"a", 1.0}, std::pair{"b", 100.0}}) {
    Variable p0(zeros({3, 4}), true), p1(zeros({5}), true);
    p0.set_grad(f.get("g0", DType::f32));
    p1.set_grad(f.get("g1", DType::f32));
    const double total = clip_grad_norm({p0, p1}, max_norm);
    CHECK(total == doctest::Approx(f.scalar(std::string("total_") + tag)).epsilon(1e-6));
    CHECK_CLOSE(p0.grad().to(DType::f64), f.get(std::string("c0_") + tag), 1e-6, 1e-7);
    CHECK_CLOSE(p1.grad().to(DType::f64), f.get(std::string("c1_") + tag), 1e-6, 1e-7);
  }
}

TEST_CASE("clip_grad_norm can refuse a non-finite norm, and parameters without gradients are skipped") {
  Variable p(zeros({2}), true), q(zeros({2}), true);
  p.set_grad(from_data(std::span<const float>(std::vector<float>{std::numeric_limits<float>::quiet_NaN(), 1}), {2}));
  CHECK_THROWS_WITH_AS(clip_grad_norm({p, q}, 1.0, true), doctest::Contains("NaN or infinite"), std::runtime_error);
  Adam opt({p, q}, AdamOptions{});
  p.set_grad(ones({2}));
  opt.step();
  CHECK(max_abs_diff(q.data(), zeros({2})) == 0);
  CHECK(max_abs_diff(p.data(), zeros({2})) > 0);
}
