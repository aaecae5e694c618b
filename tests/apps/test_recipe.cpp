// test_recipe.cpp — the recipe flags' overrides (resolve_recipe), the optimisers and schedules they
// build, how a recipe is recorded (last.hqc flags, checkpoint configuration), and the flag parser's
// help (placeholders, required, hidden) and aliases.
#include <doctest/doctest.h>

#include <string>

#include "apps/cli.hpp"
#include "apps/models.hpp"
#include "apps/resume.hpp"
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
// The message of the OptionError that resolve_recipe throws, or "" when it accepts `o`.
std::string refusal(const ModelConfig& c, const RecipeOverrides& o) {
  try {
    resolve_recipe(c, o);
  } catch (const OptionError& e) {
    return e.what();
  }
  return "";
}
std::shared_ptr<nn::Module> tiny_model() {
  Generator gen(3);
  auto m = std::make_shared<nn::Sequential>();
  m->add(std::make_shared<nn::Linear>(4, 3, gen));
  return m;
}
Tensor inputs() {
  Generator gen(5);
  return rand_uniform({6, 4}, -1.0, 1.0, gen);  // (B, F)
}
Tensor labels() {
  Tensor y = Tensor::empty({6}, DType::i64);
  for (int64_t i = 0; i < 6; ++i) y.data<int64_t>()[i] = i % 3;
  return y;
}
std::vector<float> weights(const nn::Module& m) {
  std::vector<float> out;
  for (const auto& [name, t] : m.state()) {
    const Tensor c = t.contiguous();
    out.insert(out.end(), c.data<float>(), c.data<float>() + c.numel());
  }
  return out;
}
const ModelConfig kHybrid = model_config("hybrid", "mnist");
const ModelConfig kClassical = model_config("classical", "mnist");
}  // namespace

TEST_CASE("no override gives the model's own recipe; --recipe gives the other model's whole recipe") {
  CHECK(resolve_recipe(kHybrid, {}) == kHybridRecipe);
  CHECK(resolve_recipe(kClassical, {}) == kClassicalRecipe);
  RecipeOverrides o;
  o.base = ModelKind::classical;
  const Recipe r = resolve_recipe(kHybrid, o);
  CHECK(r == kClassicalRecipe);
  auto m = tiny_model();
  auto opt = make_optimizer(r, m->parameters());
  CHECK(dynamic_cast<nn::Adam*>(opt.get()) != nullptr);
  CHECK(dynamic_cast<nn::AdamW*>(opt.get()) == nullptr);  // coupled L2, not decoupled
  auto sch = make_schedule(r, *opt, 2, 10);
  CHECK(dynamic_cast<nn::CosineAnnealingWarmRestarts*>(sch.get()) != nullptr);
  o.base = ModelKind::hybrid;
  CHECK(resolve_recipe(kClassical, o) == kHybridRecipe);
}

TEST_CASE("each override changes its own field only") {
  RecipeOverrides o;
  o.optimizer = OptimizerKind::sgd;
  o.momentum = 0.5;
  o.schedule = ScheduleKind::step;
  o.step_size = 2;
  o.gamma = 0.25;
  o.clip_norm = 0.0;
  o.label_smoothing = 0.0;
  Recipe want = kHybridRecipe;
  want.optimizer = OptimizerKind::sgd, want.momentum = 0.5, want.schedule = ScheduleKind::step;
  want.step_size = 2, want.gamma = 0.25, want.clip_norm = 0.0, want.label_smoothing = 0.0;
  CHECK(resolve_recipe(kHybrid, o) == want);
  RecipeOverrides w;
  w.weight_decay = 0.0;
  w.lr = 0.01;
  w.t0 = 7;
  w.t_mult = 2;
  w.eta_min = 0.0;
  Recipe want_c = kClassicalRecipe;
  want_c.weight_decay = 0.0, want_c.lr = 0.01, want_c.t0 = 7, want_c.t_mult = 2, want_c.eta_min = 0.0;
  CHECK(resolve_recipe(kClassical, w) == want_c);
}

TEST_CASE("values out of range are refused naming the flag") {
  const auto refused = [](const ModelConfig& c, RecipeOverrides o, const char* flag) {
    const std::string m = refusal(c, o);
    CHECK_MESSAGE(m.find(std::string("--") + flag + " ") != std::string::npos, flag, ": ", m);
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (double v : {0.0, -1.0, nan}) {
    RecipeOverrides o;
    o.lr = v;
    refused(kClassical, o, "lr");
    RecipeOverrides x;
    x.max_lr = v;
    refused(kHybrid, x, "max-lr");
  }
  for (double v : {-0.1, 1.0, nan}) {
    RecipeOverrides o;
    o.momentum = v;
    refused(kClassical, o, "momentum");
    RecipeOverrides s;
    s.label_smoothing = v;
    refused(kHybrid, s, "label-smoothing");
  }
  for (double v : {0.0, 1.0}) {
    RecipeOverrides o;
    o.pct_start = v;
    refused(kHybrid, o, "pct-start");
  }
  RecipeOverrides wd, cl, em, g0, g2, t0, tm, ss;
  wd.weight_decay = -1e-3, cl.clip_norm = -1, em.eta_min = -1e-6, t0.t0 = 0, tm.t_mult = 0;
  refused(kHybrid, wd, "weight-decay");
  refused(kHybrid, cl, "clip");
  refused(kClassical, em, "eta-min");
  refused(kClassical, t0, "t0");
  refused(kClassical, tm, "t-mult");
  g0.schedule = g2.schedule = ss.schedule = ScheduleKind::step;
  g0.gamma = 0.0, g2.gamma = 1.5, ss.step_size = 0;
  refused(kHybrid, g0, "gamma");
  refused(kHybrid, g2, "gamma");
  refused(kHybrid, ss, "step-size");
  // The edges that are in range.
  RecipeOverrides ok;
  ok.momentum = 0.0, ok.label_smoothing = 0.0, ok.weight_decay = 0.0, ok.clip_norm = 0.0;
  CHECK(refusal(kClassical, ok).empty());
}

TEST_CASE("a schedule's parameter under another schedule, and --lr under OneCycle, are refused") {
  RecipeOverrides o;
  o.max_lr = 0.01;  // the classical recipe's schedule is cosine-restarts
  CHECK(refusal(kClassical, o).find("--max-lr applies to --schedule onecycle only; this run's schedule is cosine-restarts") !=
        std::string::npos);
  RecipeOverrides t;
  t.t0 = 3;
  CHECK(refusal(kHybrid, t).find("--t0 applies to --schedule cosine-restarts only") != std::string::npos);
  RecipeOverrides g;
  g.gamma = 0.5;
  CHECK(refusal(kHybrid, g).find("--gamma applies to --schedule step only") != std::string::npos);
  RecipeOverrides l;
  l.lr = 0.01;  // OneCycleLR would overwrite it at once
  CHECK(refusal(kHybrid, l).find("--lr has no effect with --schedule onecycle") != std::string::npos);
  l.schedule = ScheduleKind::none;
  CHECK(refusal(kHybrid, l).empty());
  RecipeOverrides m;
  m.momentum = 0.8;  // OneCycleLR cycles beta1 itself
  CHECK(refusal(kHybrid, m).find("--momentum has no effect with --schedule onecycle") != std::string::npos);
  m.optimizer = OptimizerKind::sgd;
  m.schedule = ScheduleKind::cosine_restarts;
  CHECK(refusal(kHybrid, m).empty());
  l.schedule.reset();
  l.base = ModelKind::classical;  // the classical recipe's cosine restarts take --lr
  CHECK(refusal(kHybrid, l).empty());
}

TEST_CASE("--lr changes the first step: Adam at that rate, with the classical recipe's L2") {
  RecipeOverrides o;
  o.lr = 0.01;
  const Recipe rc = resolve_recipe(kClassical, o);
  auto a = tiny_model(), same = tiny_model(), dflt = tiny_model();
  auto opt = make_optimizer(rc, a->parameters());
  auto sch = make_schedule(rc, *opt, 1, 10);
  CHECK(opt->lr() == 0.01);  // CosineAnnealingWarmRestarts starts at the base rate
  train_step(*a, rc, *opt, *sch, inputs(), labels());
  // The same step with nn's Adam (checked against torch.optim.Adam in tests/nn) at lr 0.01.
  nn::AdamOptions ao;
  ao.lr = 0.01, ao.weight_decay = kClassicalRecipe.weight_decay;
  nn::Adam by_hand(same->parameters(), ao);
  Variable loss = nn::cross_entropy((*same)(Variable(inputs())), labels(), kClassicalRecipe.label_smoothing);
  by_hand.zero_grad();
  loss.backward();
  by_hand.step();
  CHECK(weights(*a) == weights(*same));
  // And the model's own rate moves the weights elsewhere.
  auto opt_d = make_optimizer(kClassicalRecipe, dflt->parameters());
  auto sch_d = make_schedule(kClassicalRecipe, *opt_d, 1, 10);
  train_step(*dflt, kClassicalRecipe, *opt_d, *sch_d, inputs(), labels());
  CHECK(weights(*a) != weights(*dflt));
}

TEST_CASE("sgd, step and none build nn's SGD with momentum, StepLR and a constant rate") {
  Recipe rc = kClassicalRecipe;
  rc.optimizer = OptimizerKind::sgd, rc.lr = 0.1, rc.momentum = 0.5, rc.weight_decay = 0.0;
  rc.schedule = ScheduleKind::step, rc.step_size = 2, rc.gamma = 0.5;
  auto m = tiny_model();
  auto opt = make_optimizer(rc, m->parameters());
  auto* sgd = dynamic_cast<nn::SGD*>(opt.get());
  REQUIRE(sgd != nullptr);
  CHECK(sgd->options().momentum == 0.5);
  auto sch = make_schedule(rc, *opt, 1, 10);
  std::vector<double> lrs;
  for (int i = 0; i < 5; ++i) {
    train_step(*m, rc, *opt, *sch, inputs(), labels());
    lrs.push_back(opt->lr());
  }
  CHECK(lrs == std::vector<double>{0.1, 0.05, 0.05, 0.025, 0.025});  // halved every 2 batches
  rc.schedule = ScheduleKind::none;
  auto m2 = tiny_model();
  auto opt2 = make_optimizer(rc, m2->parameters());
  auto sch2 = make_schedule(rc, *opt2, 1, 10);
  for (int i = 0; i < 3; ++i) train_step(*m2, rc, *opt2, *sch2, inputs(), labels());
  CHECK(opt2->lr() == 0.1);
  CHECK(sch2->last_epoch() == 3);
}

TEST_CASE("the overrides are recorded as the command line spells them, and only those given") {
  TrainOptions t;
  const FlagList plain = train_flags(kHybrid, t);
  for (const auto& [name, value] : plain) CHECK_MESSAGE(name != "lr", "a default run records no recipe flag");
  CHECK(plain.back().first == "threads");
  t.recipe.base = ModelKind::classical;
  t.recipe.lr = 0.0125;
  t.recipe.t0 = 20;
  const FlagList f = train_flags(kHybrid, t);
  REQUIRE(f.size() == plain.size() + 3);
  CHECK(f[plain.size()] == std::pair<std::string, std::string>{"recipe", "classical"});
  CHECK(f[plain.size() + 1] == std::pair<std::string, std::string>{"lr", "0.0125"});
  CHECK(f[plain.size() + 2] == std::pair<std::string, std::string>{"t0", "20"});
}

TEST_CASE("checkpoint configuration: unchanged for the model's own recipe, else the recipe reads back") {
  CHECK(checkpoint_config(kHybrid, kHybridRecipe) == kHybrid.to_json());
  CHECK(recipe_from_checkpoint(kHybrid.to_json(), kHybrid) == kHybridRecipe);  // written before recipes were
  CHECK(recipe_from_checkpoint(kClassical.to_json(), kClassical) == kClassicalRecipe);
  Recipe r = kClassicalRecipe;
  r.optimizer = OptimizerKind::sgd, r.lr = 0.0123456789, r.momentum = 0.85, r.schedule = ScheduleKind::step;
  r.step_size = 300, r.gamma = 0.3, r.label_smoothing = 0.05, r.clip_norm = 2.5;
  const std::string text = checkpoint_config(kHybrid, r);
  CHECK(text != kHybrid.to_json());
  CHECK(recipe_from_checkpoint(text, kHybrid) == r);  // bit for bit: numbers in shortest round-trip form
  const ModelConfig back = ModelConfig::from_json(text);
  CHECK(back.to_json() == kHybrid.to_json());
}

TEST_CASE("a checkpoint's recipe that does not read back is refused, naming the field") {
  Recipe r = kClassicalRecipe;
  r.lr = 0.5;
  const std::string text = checkpoint_config(kHybrid, r);
  const auto refused = [&](const std::string& from, const std::string& to, const std::string& says) {
    std::string t = text;
    const auto at = t.find(from);
    REQUIRE(at != std::string::npos);
    t.replace(at, from.size(), to);
    std::string msg;
    try {
      recipe_from_checkpoint(t, kHybrid);
    } catch (const std::runtime_error& e) {
      msg = e.what();
    }
    CHECK_MESSAGE(msg.find(says) != std::string::npos, msg);
  };
  refused("\"lr\":0.5", "\"lr\":\"x\"", "\"lr\"");
  refused("\"lr\":0.5", "\"lr\":-0.5", "out of range");
  refused("\"optimizer\":\"adam\"", "\"optimizer\":\"lion\"", "lion");
  refused("\"t0\":5", "\"t0\":5.5", "\"t0\"");
  refused("\"gamma\":0.1,", "", "\"gamma\"");
}

TEST_CASE("--help names the kind of each value, marks required flags and hides internal ones") {
  cli::ArgParser p("demo", "a demo");
  p.option("epochs", "epochs", "50").option("rate", "a rate", "0.2").option("out", "output folder", "runs/x");
  p.option("checkpoint", "checkpoint file").required().option("models", "comma-separated models", "a,b");
  p.option("augment", "on | off", "on").option("quantum", "circuit | linear (Linear(2^N,N)) | rotations", "circuit");
  p.option("dataset", "a | b, or folder").option("lr", "learning rate").meta("X");
  p.option("child", "internal: for a child process").option("batch", "batch size", "64").alias("batch-size");
  const std::string u = p.usage();
  for (const char* want : {"--epochs N ", "--rate X ", "--out DIR ", "--checkpoint FILE ", "checkpoint file (required)",
                           "--models LIST ", "--augment on|off ", "--quantum circuit|linear|rotations\n",
                           "--dataset NAME", "--lr X ", "--batch N, --batch-size "})
    CHECK_MESSAGE(u.find(want) != std::string::npos, want, "\n", u);
  CHECK(u.find("VALUE") == std::string::npos);
  CHECK(u.find("child") == std::string::npos);
  REQUIRE(p.parse({"--child", "x", "--batch-size", "32"}));
  CHECK(p.str("child") == "x");
  CHECK(p.integer("batch") == 32);
  CHECK(p.given("batch"));
  CHECK(p.given_names() == std::vector<std::string>{"batch", "child"});
}

TEST_CASE("--resume refuses a flag the saved run was started without") {
  const FlagList saved{{"epochs", "2"}, {"lr", "0.01"}, {"threads", "2"}};
  const auto args = [](std::vector<std::string> a) {
    cli::ArgParser p("train", "");
    p.option("epochs", "").option("lr", "").option("momentum", "").option("threads", "").option("out", "");
    p.option("resume", "").flag("json", "");
    p.parse(a);
    return p;
  };
  CHECK(resume_args(args({"--resume", "d", "--lr", "0.010", "--json"}), saved, "d", {"json"}, "d/last.hqc") ==
        std::vector<std::string>{"--epochs", "2", "--lr", "0.01", "--threads", "2", "--out", "d", "--json"});
  std::string msg;
  try {
    resume_args(args({"--resume", "d", "--momentum", "0.5"}), saved, "d", {"json"}, "d/last.hqc");
  } catch (const cli::UsageError& e) {
    msg = e.what();
  }
  CHECK(msg.find("--momentum: the run in d was started without --momentum") != std::string::npos);
  CHECK_THROWS_AS(resume_args(args({"--resume", "d", "--lr", "0.02"}), saved, "d", {"json"}, "d/last.hqc"),
                  cli::UsageError);
}

TEST_CASE("train_model refuses options with OptionError, a library error the commands map to exit 2") {
  // Both are refused before any data is looked for: the folder named here does not exist.
  TrainOptions t;
  t.data_dir = "/nonexistent/hqc-test-data";
  t.epochs = 0;
  std::string msg;
  try {
    train_model(kClassical, t);
  } catch (const OptionError& e) {
    msg = e.what();
  } catch (const std::exception& e) {
    FAIL("not an OptionError: ", e.what());
  }
  CHECK(msg.find("--epochs") != std::string::npos);
  t.epochs = 1;
  t.recipe.lr = -1;
  msg.clear();
  try {
    train_model(kClassical, t);
  } catch (const OptionError& e) {
    msg = e.what();
  } catch (const std::exception& e) {
    FAIL("not an OptionError: ", e.what());
  }
  CHECK(msg.find("--lr must be > 0") != std::string::npos);
}

TEST_CASE("describe() names every part of the recipe that acts") {
  CHECK(kHybridRecipe.describe() ==
        "AdamW wd 0.01, OneCycleLR max_lr 0.002 pct_start 0.3 per batch, clip 1, label smoothing 0.1");
  CHECK(kClassicalRecipe.describe() ==
        "Adam lr 0.003 wd 0.005 (L2), CosineAnnealingWarmRestarts T_0 5 T_mult 1 eta_min 1e-05 per batch, no clipping, "
        "label smoothing 0.1");
  Recipe r = kClassicalRecipe;
  r.optimizer = OptimizerKind::sgd, r.lr = 0.05, r.momentum = 0.8, r.schedule = ScheduleKind::step;
  r.step_size = 100, r.gamma = 0.5, r.clip_norm = 2;
  CHECK(r.describe() == "SGD lr 0.05 momentum 0.8 wd 0.005 (L2), StepLR step_size 100 gamma 0.5 per batch, clip 2, "
                        "label smoothing 0.1");
  r.optimizer = OptimizerKind::adamw, r.schedule = ScheduleKind::none, r.momentum = 0.85;
  CHECK(r.describe() == "AdamW lr 0.05 beta1 0.85 wd 0.005, constant learning rate, clip 2, label smoothing 0.1");
}
