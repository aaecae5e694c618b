// test_training_step.cpp — the one training step both `hqc train` and `hqc bench` take, and the
// attack module's own option errors (library errors, which the commands turn into usage errors).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "apps/attack.hpp"
#include "apps/cli.hpp"
#include "apps/models.hpp"
#include "apps/training.hpp"
#include "nn/linear.hpp"
#include "nn/loss.hpp"
#include "nn/module.hpp"
#include "nn/optim.hpp"
#include "nn/schedule.hpp"
#include "tensor/random.hpp"

using namespace hqc;
using namespace hqc::app;

namespace {
std::shared_ptr<nn::Module> tiny_model() {
  Generator gen(3);
  auto m = std::make_shared<nn::Sequential>();
  m->add(std::make_shared<nn::Linear>(4, 3, gen));
  return m;
}
Tensor inputs(float fill_nan_at = -1) {
  Generator gen(5);
  Tensor x = rand_uniform({6, 4}, -1.0, 1.0, gen);  // (B, F)
  if (fill_nan_at >= 0) x.data<float>()[static_cast<int64_t>(fill_nan_at)] = std::numeric_limits<float>::quiet_NaN();
  return x;
}
Tensor labels() {
  Tensor y = Tensor::empty({6}, DType::i64);
  for (int64_t i = 0; i < 6; ++i) y.data<int64_t>()[i] = i % 3;
  return y;
}
bool same_bits(const nn::Module& a, const nn::Module& b) {
  const auto sa = a.state(), sb = b.state();
  if (sa.size() != sb.size()) return false;
  for (std::size_t i = 0; i < sa.size(); ++i) {
    const Tensor x = sa[i].second.contiguous(), y = sb[i].second.contiguous();
    if (x.numel() != y.numel()) return false;
    for (int64_t k = 0; k < x.numel(); ++k)
      if (x.data<float>()[k] != y.data<float>()[k]) return false;
  }
  return true;
}
}  // namespace

TEST_CASE("train_step takes the recipe's whole step: loss, clipping, optimiser and schedule") {
  // The hybrid recipe clips at 1.0 and runs OneCycle: every part of the step shows in the weights.
  const Recipe rc = default_recipe(model_config("hybrid", "mnist", "linear"));
  REQUIRE(rc.clip_norm > 0);
  auto a = tiny_model(), b = tiny_model();
  auto opt_a = make_optimizer(rc, a->parameters()), opt_b = make_optimizer(rc, b->parameters());
  auto sch_a = make_schedule(rc, *opt_a, 2, 3), sch_b = make_schedule(rc, *opt_b, 2, 3);
  for (int step = 0; step < 3; ++step) {
    const StepResult r = train_step(*a, rc, *opt_a, *sch_a, inputs(), labels());
    // The same step written out by hand.
    Variable logits = (*b)(Variable(inputs()));
    Variable loss = nn::cross_entropy(logits, labels(), rc.label_smoothing);
    CHECK(r.loss == loss.item());
    CHECK(r.logits.data().size(0) == 6);
    opt_b->zero_grad();
    loss.backward();
    nn::clip_grad_norm(opt_b->params(), rc.clip_norm);
    opt_b->step();
    sch_b->step();
    CHECK(same_bits(*a, *b));
    CHECK(opt_a->lr() == opt_b->lr());
  }
}

TEST_CASE("train_step refuses a non-finite loss before the weights or the schedule move") {
  const Recipe rc = default_recipe(model_config("classical", "mnist"));
  auto a = tiny_model(), untouched = tiny_model();
  auto opt = make_optimizer(rc, a->parameters());
  auto sch = make_schedule(rc, *opt, 2, 3);
  const double lr = opt->lr();
  CHECK_THROWS_AS(train_step(*a, rc, *opt, *sch, inputs(0), labels()), TrainingDiverged);
  CHECK(same_bits(*a, *untouched));
  CHECK(opt->lr() == lr);
}

TEST_CASE("attack options out of range are library errors naming the option, not usage errors") {
  AttackOptions o;
  o.eps = 2;
  try {
    check_attack_options(o);
    FAIL("eps 2 accepted");
  } catch (const AttackOptionError& e) {
    CHECK(e.option == "eps");
  }
  o.eps = 0.1, o.alpha = 0;
  CHECK_THROWS_AS(check_attack_options(o), AttackOptionError);
  o.kind = AttackKind::fgsm;  // FGSM takes no step size
  CHECK_NOTHROW(check_attack_options(o));
  // attack_model checks them first, with the library's error: whatever calls it decides the exit code.
  o.kind = AttackKind::pgd, o.steps = 0, o.alpha = 0.01;
  const ModelConfig c = model_config("classical", "mnist");
  auto model = build_model(c, 0);
  Tensor images = zeros({2, 1, 28, 28}, DType::u8), y = zeros({2}, DType::i64);
  data::Dataset ds("mnist", "test", images, y, data::dataset_info("mnist").classes);
  bool usage = false, library = false;
  try {
    attack_model(*model, c, ds, 0, o, Progress::Mode::silent);
  } catch (const cli::UsageError&) {
    usage = true;
  } catch (const std::invalid_argument&) {
    library = true;
  }
  CHECK_FALSE(usage);
  CHECK(library);
  CHECK(std::string(attack_name(AttackKind::fgsm)) == "fgsm");
  CHECK(std::string(attack_name(AttackKind::pgd)) == "pgd");
}

TEST_CASE("each model kind trains with its row of the recipe table, as docs/study.md gives it") {
  const Recipe h = default_recipe(model_config("hybrid", "cifar100"));
  CHECK(h.optimizer == OptimizerKind::adamw);
  CHECK(h.schedule == ScheduleKind::onecycle);
  CHECK(h.lr == 1e-3);
  CHECK(h.weight_decay == 0.01);
  CHECK(h.max_lr == 2e-3);
  CHECK(h.pct_start == 0.3);
  CHECK(h.clip_norm == 1.0);
  const Recipe c = default_recipe(model_config("classical", "stl10"));
  CHECK(c.optimizer == OptimizerKind::adam);
  CHECK(c.schedule == ScheduleKind::cosine_restarts);
  CHECK(c.lr == 3e-3);
  CHECK(c.weight_decay == 5e-3);
  CHECK(c.t0 == 5);
  CHECK(c.t_mult == 1);
  CHECK(c.eta_min == 1e-5);
  CHECK(c.clip_norm == 0.0);
  CHECK(h.label_smoothing == 0.1);
  CHECK(c.label_smoothing == 0.1);
  // The optimiser and schedule built from a row are the ones it names.
  auto m = tiny_model();
  auto oh = make_optimizer(h, m->parameters()), oc = make_optimizer(c, m->parameters());
  CHECK(dynamic_cast<nn::AdamW*>(oh.get()) != nullptr);
  CHECK(dynamic_cast<nn::AdamW*>(oc.get()) == nullptr);
  CHECK(dynamic_cast<nn::Adam*>(oc.get()) != nullptr);
  CHECK(dynamic_cast<nn::OneCycleLR*>(make_schedule(h, *oh, 2, 3).get()) != nullptr);
  CHECK(dynamic_cast<nn::CosineAnnealingWarmRestarts*>(make_schedule(c, *oc, 2, 3).get()) != nullptr);
}

TEST_CASE("an attack reports the mean cross-entropy of the attacked images: with eps 0, the clean loss") {
  const ModelConfig c = model_config("classical", "mnist");
  auto model = build_model(c, 0);
  Generator gen(11);
  const int64_t n = 70;  // two batches of 64 and 6: the mean weighs each image once
  Tensor images = rand_uniform({n, 1, 28, 28}, 0.0, 255.0, gen).to(DType::u8), y = zeros({n}, DType::i64);
  for (int64_t i = 0; i < n; ++i) y.data<int64_t>()[i] = i % 10;
  data::Dataset ds("mnist", "test", images, y, data::dataset_info("mnist").classes);
  AttackOptions o;
  o.kind = AttackKind::fgsm, o.eps = 0.0;
  const AttackResult r = attack_model(*model, c, ds, 0, o, Progress::Mode::silent);
  // The reference: the model on the normalised clean images in one batch.
  const data::DatasetInfo& info = data::dataset_info("mnist");
  Tensor x = div(sub(div(images.to(DType::f32), 255.0), info.mean[0]), info.std[0]);
  model->eval();
  NoGradGuard g;
  const double want = nn::cross_entropy((*model)(Variable(x)), y, 0.0).item();
  CHECK(want > 0.5);
  CHECK(r.mean_loss == doctest::Approx(want).epsilon(1e-5));
  CHECK(r.robust_accuracy == r.clean_accuracy);
}

TEST_CASE("the original's attack variant clamps the normalised image to [0, 1]: with eps 0, the loss of the clamped image") {
  const ModelConfig c = model_config("classical", "mnist");
  auto model = build_model(c, 0);
  Generator gen(12);
  const int64_t n = 20;
  Tensor images = rand_uniform({n, 1, 28, 28}, 0.0, 255.0, gen).to(DType::u8), y = zeros({n}, DType::i64);
  for (int64_t i = 0; i < n; ++i) y.data<int64_t>()[i] = i % 10;
  data::Dataset ds("mnist", "test", images, y, data::dataset_info("mnist").classes);
  const data::DatasetInfo& info = data::dataset_info("mnist");
  const Tensor z = div(sub(div(images.to(DType::f32), 255.0), info.mean[0]), info.std[0]);  // (B, 1, 28, 28)
  model->eval();
  double clean_loss = 0, clamped_loss = 0;
  {
    NoGradGuard g;
    clean_loss = nn::cross_entropy((*model)(Variable(z)), y, 0.0).item();
    clamped_loss = nn::cross_entropy((*model)(Variable(clamp(z, 0.0, 1.0))), y, 0.0).item();
  }
  REQUIRE(std::abs(clean_loss - clamped_loss) > 1e-3);  // the clamp alone moves the image
  AttackOptions o;
  o.space = AttackSpace::normalised;
  o.kind = AttackKind::pgd, o.eps = 0.0, o.alpha = 0.01, o.steps = 3;
  const AttackResult r = attack_model(*model, c, ds, 0, o, Progress::Mode::silent);
  CHECK(r.mean_loss == doctest::Approx(clamped_loss).epsilon(1e-5));
  // In pixel space the same attack leaves the image as it is.
  o.space = AttackSpace::pixel;
  const AttackResult q = attack_model(*model, c, ds, 0, o, Progress::Mode::silent);
  CHECK(q.mean_loss == doctest::Approx(clean_loss).epsilon(1e-5));
  CHECK(parse_attack_space("normalised") == AttackSpace::normalised);
  CHECK_THROWS_AS(parse_attack_space("normalized"), std::invalid_argument);
}

TEST_CASE("the original's attack variant ascends the loss: eps 0.1 gives a higher loss than eps 0") {
  const ModelConfig c = model_config("classical", "mnist");
  auto model = build_model(c, 1);
  Generator gen(13);
  Tensor images = rand_uniform({16, 1, 28, 28}, 0.0, 255.0, gen).to(DType::u8), y = zeros({16}, DType::i64);
  data::Dataset ds("mnist", "test", images, y, data::dataset_info("mnist").classes);
  AttackOptions o;
  o.space = AttackSpace::normalised;
  o.kind = AttackKind::pgd, o.eps = 0.0, o.alpha = 0.01, o.steps = 2;
  const double at_zero = attack_model(*model, c, ds, 0, o, Progress::Mode::silent).mean_loss;
  o.eps = 0.1;
  const double at_eps = attack_model(*model, c, ds, 0, o, Progress::Mode::silent).mean_loss;
  CHECK(at_eps > at_zero);
}
