// test_optim.cpp — optimisers and schedules against 20 PyTorch steps (learning rate, momentum or
// β1, and parameters after every step), and clip_grad_norm.
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <numbers>

#include "fixtures.hpp"
#include "helpers.hpp"
#include "nn/optim.hpp"
#include "nn/schedule.hpp"
#include "tensor/math.hpp"
#include "tensor/parallel.hpp"

using namespace hqc;
using namespace hqc::nn;
using hqc::test::Fixtures;
using hqc::test::nn_fixture;

namespace {

using MakeOpt = std::function<std::unique_ptr<Optimizer>(std::vector<Variable>)>;
using MakeSched = std::function<std::unique_ptr<LRScheduler>(Optimizer&)>;

void replay(const char* name, const MakeOpt& make_opt, const MakeSched& make_sched = nullptr) {
  INFO(name);
  const Fixtures f = nn_fixture(name);
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

namespace {
// Gradients that depend on the step and on the weights, like a real loss, so that a step replayed
// with the wrong moments or learning rate lands elsewhere.
void set_grads(Variable& p0, Variable& p1, int t) {
  for (Variable* p : {&p0, &p1}) {
    Tensor g = Tensor::empty(p->data().sizes());
    const float* w = p->data().data<float>();
    for (int64_t j = 0; j < g.numel(); ++j)
      g.data<float>()[j] = std::sin(0.7f * float(t) + 1.3f * float(j)) + 0.5f * w[j];
    p->set_grad(g);
  }
}

// k steps, state saved, loaded into a fresh optimiser and schedule over copies of the weights, n
// more steps: the weights, learning rate and momentum must equal k + n uninterrupted steps, bit for
// bit.
void check_resume(const MakeOpt& make_opt, const MakeSched& make_sched, int k, int n) {
  INFO("k " << k << ", n " << n);
  auto init = [] {
    Tensor a = Tensor::empty({3, 4}), b = Tensor::empty({5});
    for (int64_t j = 0; j < 12; ++j) a.data<float>()[j] = 0.1f * float(j) - 0.5f;
    for (int64_t j = 0; j < 5; ++j) b.data<float>()[j] = 0.3f - 0.2f * float(j);
    return std::pair{a, b};
  };
  auto run = [&](Variable& p0, Variable& p1, Optimizer& opt, LRScheduler* sched, int from, int to) {
    for (int t = from; t < to; ++t) {
      set_grads(p0, p1, t);
      opt.step();
      if (sched) sched->step();
    }
  };
  auto [a, b] = init();
  Variable u0(a.clone(), true), u1(b.clone(), true);
  auto uopt = make_opt({u0, u1});
  auto usched = make_sched ? make_sched(*uopt) : nullptr;
  run(u0, u1, *uopt, usched.get(), 0, k + n);

  Variable s0(a.clone(), true), s1(b.clone(), true);
  auto sopt = make_opt({s0, s1});
  auto ssched = make_sched ? make_sched(*sopt) : nullptr;
  run(s0, s1, *sopt, ssched.get(), 0, k);
  const Optimizer::State ost = sopt->state();
  const LRScheduler::State sst = ssched ? ssched->state() : LRScheduler::State{};

  Variable r0(s0.data().clone(), true), r1(s1.data().clone(), true);
  auto ropt = make_opt({r0, r1});
  auto rsched = make_sched ? make_sched(*ropt) : nullptr;
  ropt->load_state(ost);
  if (rsched) rsched->load_state(sst);
  run(r0, r1, *ropt, rsched.get(), k, k + n);
  CHECK(max_abs_diff(r0.data(), u0.data()) == 0);
  CHECK(max_abs_diff(r1.data(), u1.data()) == 0);
  CHECK(ropt->lr() == uopt->lr());
  CHECK(ropt->momentum() == uopt->momentum());
}
}  // namespace

TEST_CASE("optimiser and schedule state: k steps, save, load into fresh objects, n more == k + n steps") {
  auto onecycle = [](Optimizer& o) {
    OneCycleOptions c;
    c.max_lr = 0.02, c.total_steps = 40;
    return std::unique_ptr<LRScheduler>(std::make_unique<OneCycleLR>(o, c));
  };
  auto restarts = [](Optimizer& o) { return std::unique_ptr<LRScheduler>(std::make_unique<CosineAnnealingWarmRestarts>(o, 3, 2, 1e-4)); };
  auto steplr = [](Optimizer& o) { return std::unique_ptr<LRScheduler>(std::make_unique<StepLR>(o, 4, 0.5)); };
  AdamWOptions aw;
  aw.lr = 0.01;
  AdamOptions ad;
  ad.lr = 0.01, ad.weight_decay = 5e-3;
  const MakeOpt adamw = [&](std::vector<Variable> p) { return std::make_unique<AdamW>(std::move(p), aw); };
  const MakeOpt adam = [&](std::vector<Variable> p) { return std::make_unique<Adam>(std::move(p), ad); };
  const std::vector<std::pair<MakeOpt, MakeSched>> cases = {
      {adamw, onecycle},                                                     // AdamW, beta1 cycled
      {adam, restarts},                                                      // Adam, cosine restarts
      {sgd({.lr = 0.05, .momentum = 0.9, .nesterov = true}), steplr},      // SGD Nesterov, StepLR
      {sgd({.lr = 0.05, .momentum = 0.9}), onecycle}};                      // SGD, momentum cycled
  for (size_t c = 0; c < cases.size(); ++c) {
    INFO("case " << c);
    for (auto [k, n] : {std::pair{1, 1}, std::pair{7, 9}, std::pair{13, 20}}) check_resume(cases[c].first, cases[c].second, k, n);
  }
}

TEST_CASE("optimiser and schedule state: a state of the wrong kind or shape is refused, nothing changes") {
  Variable p(zeros({2, 3}), true), q(zeros({4}), true);
  Adam a({p, q}, AdamOptions{});
  p.set_grad(ones({2, 3}));
  a.step();  // q has no gradient: no moments for it
  Optimizer::State st = a.state();
  CHECK(st.size() == 5);  // lr, momentum, step, m.0, v.0
  Adam b({p, q}, AdamOptions{.lr = 0.5});
  Optimizer::State bad = st;
  bad[3].second = zeros({3, 2});
  CHECK_THROWS_WITH_AS(b.load_state(bad), doctest::Contains("\"m.0\" should be float32 (2, 3), found float32 (3, 2)"), std::invalid_argument);
  bad = st;
  bad.emplace_back("buf.0", zeros({2, 3}));
  CHECK_THROWS_WITH_AS(b.load_state(bad), doctest::Contains("unexpected \"buf.0\""), std::invalid_argument);
  CHECK(b.lr() == 0.5);
  SGD s({p, q}, {.lr = 0.1, .momentum = 0.9});
  CHECK_THROWS_WITH_AS(s.load_state(st), doctest::Contains("SGD state: unexpected \"step\""), std::invalid_argument);
  CosineAnnealingWarmRestarts c(b, 3);
  CHECK_THROWS_WITH_AS(c.load_state(StepLR(b, 2).state()), doctest::Contains("no \"T_cur\""), std::invalid_argument);
  CHECK_THROWS_WITH_AS(StepLR(b, 2).load_state(c.state()), doctest::Contains("unexpected \"T_cur\""), std::invalid_argument);
}

TEST_CASE("clip_grad_norm matches torch.nn.utils.clip_grad_norm_, clipping and not") {
  const Fixtures f = nn_fixture("clip_grad_norm");
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

// Adam's bias corrections 1 - beta^t come from hqc::math::powi (libm's pow differs between CPUs in
// the last bit): each update, replayed in float64 with the same expressions from w = 0 (so that its
// last bits are not lost in w), matches bit for bit. beta2 = 0.9999 makes the corrections' last
// bits reach the update.
TEST_CASE("Adam's bias corrections use hqc::math::powi: 20000 float64 updates replayed bit for bit") {
  AdamOptions o;
  o.beta2 = 0.9999;
  Variable p(zeros({1}, DType::f64), true);
  Adam adam({p}, o);
  double m = 0, v = 0;
  int64_t differ = 0;
  for (int64_t t = 1; t <= 20000; ++t) {
    const double g = std::sin(0.01 * double(t)) + 0.25;  // any fixed sequence: both sides read it
    Tensor gt = Tensor::empty({1}, DType::f64);
    gt.data<double>()[0] = g;
    p.set_grad(gt);
    p.mutable_data().data<double>()[0] = 0.0;
    adam.step();
    const double bc1 = 1 - hqc::math::powi(o.beta1, t), bc2 = 1 - hqc::math::powi(o.beta2, t);
    const double step_size = o.lr / bc1, bc2_sqrt = std::sqrt(bc2);
    m = m * o.beta1 + g * (1 - o.beta1);
    v = v * o.beta2 + g * g * (1 - o.beta2);
    const double w = 0.0 - step_size * (m / (std::sqrt(v) / bc2_sqrt + o.eps));
    differ += p.data().data<double>()[0] != w;
  }
  CHECK(differ == 0);
}

TEST_CASE("Adam and AdamW on a layer split over threads: the update rule per weight, the same bits at 1 and 3 threads") {
  // 100,003 weights: several of the update's chunks and a short last one.
  const int64_t n = 100003;
  for (bool decoupled : {false, true}) {
    CAPTURE(decoupled);
    AdamOptions o;
    o.weight_decay = 0.01;
    Tensor w0 = Tensor::empty({n}), g = Tensor::empty({n});
    for (int64_t j = 0; j < n; ++j) {
      w0.data<float>()[j] = static_cast<float>(std::sin(0.001 * double(j)));
      g.data<float>()[j] = static_cast<float>(std::cos(0.003 * double(j))) + 0.1f;
    }
    std::vector<Tensor> after;
    hqc::test::ThreadCountGuard guard;
    for (int threads : {1, 3}) {
      set_num_threads(threads);
      Variable p(w0.clone(), true);
      std::unique_ptr<Optimizer> opt;
      if (decoupled) {
        AdamWOptions ow;
        ow.weight_decay = o.weight_decay;
        opt = std::make_unique<AdamW>(std::vector<Variable>{p}, ow);
      } else
        opt = std::make_unique<Adam>(std::vector<Variable>{p}, o);
      for (int step = 0; step < 3; ++step) {
        p.set_grad(g);
        opt->step();
      }
      after.push_back(p.data().clone());
    }
    CHECK(std::memcmp(after[0].data<float>(), after[1].data<float>(), sizeof(float) * n) == 0);
    // Every weight against the rule in float, three steps, the same operations in the same order.
    int64_t differ = 0;
    for (int64_t j = 0; j < n; j += 997) {
      float w = w0.data<float>()[j], m = 0, v = 0;
      for (int64_t t = 1; t <= 3; ++t) {
        float d = g.data<float>()[j];
        if (decoupled)
          w = w * float(1 - o.lr * o.weight_decay);
        else
          d = d + float(o.weight_decay) * w;
        m = m * float(o.beta1) + d * float(1 - o.beta1);
        v = v * float(o.beta2) + d * d * float(1 - o.beta2);
        const double bc1 = 1 - hqc::math::powi(o.beta1, t), bc2 = 1 - hqc::math::powi(o.beta2, t);
        const float denom = std::sqrt(v) / float(std::sqrt(bc2)) + float(o.eps);
        w = w - float(o.lr / bc1) * (m / denom);
      }
      differ += after[1].data<float>()[j] != w;
    }
    CHECK(differ == 0);
  }
}

TEST_CASE("cosine schedules take cos from hqc::math: SGDR's learning rate bit for bit over a 1000-step cycle") {
  Variable p(zeros({1}), true);
  SGD sgd({p}, {.lr = 0.1});
  CosineAnnealingWarmRestarts sched(sgd, 1000, 1, 1e-4);
  int64_t differ = 0;
  for (int64_t k = 0; k < 1000; ++k) {
    const double want = 1e-4 + (0.1 - 1e-4) * (1 + hqc::math::cos(std::numbers::pi * double(k) / 1000.0)) / 2;
    differ += sgd.lr() != want;
    sched.step();
  }
  CHECK(differ == 0);
}
