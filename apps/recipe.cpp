// recipe.cpp — the training recipes: the optimiser and schedule they build, the recipe flags' overrides
// with their ranges, and how a recipe is written to --json, report.md and checkpoint.hqc.
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "apps/training.hpp"
#include "nn/json.hpp"

namespace hqc::app {

namespace {
// Constant learning rate: `--schedule none` still steps like the others, so a run's code path and
// its saved state have the same shape whatever the schedule.
class ConstantLR : public nn::LRScheduler {
 public:
  explicit ConstantLR(nn::Optimizer& opt) : nn::LRScheduler(opt) { start(); }

 protected:
  double compute_lr() override { return base_lr_; }
};
}  // namespace

const char* optimizer_name(OptimizerKind k) {
  switch (k) {
    case OptimizerKind::adamw: return "adamw";
    case OptimizerKind::adam: return "adam";
    case OptimizerKind::sgd: return "sgd";
  }
  return "?";
}

const char* schedule_name(ScheduleKind k) {
  switch (k) {
    case ScheduleKind::onecycle: return "onecycle";
    case ScheduleKind::cosine_restarts: return "cosine-restarts";
    case ScheduleKind::none: return "none";
    case ScheduleKind::step: return "step";
  }
  return "?";
}

OptimizerKind parse_optimizer(const std::string& name) {
  for (auto k : {OptimizerKind::sgd, OptimizerKind::adam, OptimizerKind::adamw})
    if (name == optimizer_name(k)) return k;
  throw std::invalid_argument("unknown optimiser '" + name + "' (sgd, adam, adamw)");
}

ScheduleKind parse_schedule(const std::string& name) {
  for (auto k : {ScheduleKind::none, ScheduleKind::onecycle, ScheduleKind::cosine_restarts, ScheduleKind::step})
    if (name == schedule_name(k)) return k;
  throw std::invalid_argument("unknown schedule '" + name + "' (none, onecycle, cosine-restarts, step)");
}

std::string Recipe::describe() const {
  char b[320];
  int n = 0;
  const auto add = [&](const char* fmt, auto... args) {
    n += std::snprintf(b + n, sizeof b - static_cast<size_t>(n), fmt, args...);
  };
  switch (optimizer) {
    case OptimizerKind::adamw: add("AdamW"); break;
    case OptimizerKind::adam: add("Adam"); break;
    case OptimizerKind::sgd: add("SGD"); break;
  }
  // OneCycleLR sets the rate and the momentum itself: the recipe's own would mislead.
  if (schedule != ScheduleKind::onecycle) {
    add(" lr %g", lr);
    if (optimizer == OptimizerKind::sgd) add(" momentum %g", momentum);
    else if (momentum != 0.9) add(" beta1 %g", momentum);
  }
  add(optimizer == OptimizerKind::adamw ? " wd %g" : " wd %g (L2)", weight_decay);
  switch (schedule) {
    case ScheduleKind::onecycle: add(", OneCycleLR max_lr %g pct_start %g per batch", max_lr, pct_start); break;
    case ScheduleKind::cosine_restarts:
      add(", CosineAnnealingWarmRestarts T_0 %lld T_mult %lld eta_min %g per batch", static_cast<long long>(t0),
          static_cast<long long>(t_mult), eta_min);
      break;
    case ScheduleKind::none: add(", constant learning rate"); break;
    case ScheduleKind::step: add(", StepLR step_size %lld gamma %g per batch", static_cast<long long>(step_size), gamma); break;
  }
  if (clip_norm > 0) add(", clip %g", clip_norm);
  else add(", no clipping");
  add(", label smoothing %g", label_smoothing);
  return b;
}

Recipe default_recipe(const ModelConfig& c) { return c.model == ModelKind::hybrid ? kHybridRecipe : kClassicalRecipe; }

std::unique_ptr<nn::Optimizer> make_optimizer(const Recipe& rc, std::vector<Variable> params) {
  switch (rc.optimizer) {
    case OptimizerKind::adamw: {
      nn::AdamWOptions o;
      o.lr = rc.lr, o.weight_decay = rc.weight_decay, o.beta1 = rc.momentum;
      return std::make_unique<nn::AdamW>(std::move(params), o);
    }
    case OptimizerKind::adam: {
      nn::AdamOptions o;
      o.lr = rc.lr, o.weight_decay = rc.weight_decay, o.beta1 = rc.momentum;
      return std::make_unique<nn::Adam>(std::move(params), o);
    }
    case OptimizerKind::sgd: {
      nn::SGDOptions o;
      o.lr = rc.lr, o.weight_decay = rc.weight_decay, o.momentum = rc.momentum;
      return std::make_unique<nn::SGD>(std::move(params), o);
    }
  }
  throw std::invalid_argument("make_optimizer: unknown optimiser kind");
}

std::unique_ptr<nn::LRScheduler> make_schedule(const Recipe& rc, nn::Optimizer& optimizer, int64_t epochs,
                                               int64_t steps_per_epoch) {
  switch (rc.schedule) {
    case ScheduleKind::onecycle: {
      nn::OneCycleOptions o;
      o.max_lr = rc.max_lr, o.epochs = epochs, o.steps_per_epoch = steps_per_epoch, o.pct_start = rc.pct_start;
      return std::make_unique<nn::OneCycleLR>(optimizer, o);
    }
    case ScheduleKind::cosine_restarts:
      return std::make_unique<nn::CosineAnnealingWarmRestarts>(optimizer, rc.t0, rc.t_mult, rc.eta_min);
    case ScheduleKind::none: return std::make_unique<ConstantLR>(optimizer);
    case ScheduleKind::step: return std::make_unique<nn::StepLR>(optimizer, rc.step_size, rc.gamma);
  }
  throw std::invalid_argument("make_schedule: unknown schedule kind");
}

namespace {
void need(bool ok, const char* flag, double v, const char* range) {
  if (!ok || !std::isfinite(v))
    throw OptionError(std::string("flag --") + flag + " must be " + range + ", got " + format_number(v));
}
}  // namespace

Recipe resolve_recipe(const ModelConfig& config, const RecipeOverrides& o) {
  Recipe r = !o.base ? default_recipe(config) : *o.base == ModelKind::hybrid ? kHybridRecipe : kClassicalRecipe;
  if (o.optimizer) r.optimizer = *o.optimizer;
  if (o.schedule) r.schedule = *o.schedule;
  // A schedule's parameter under another schedule would be silently ignored.
  const auto only_with = [&](bool given, const char* flag, ScheduleKind k) {
    if (given && r.schedule != k)
      throw OptionError(std::string("flag --") + flag + " applies to --schedule " + schedule_name(k) +
                        " only; this run's schedule is " + schedule_name(r.schedule));
  };
  only_with(o.max_lr.has_value(), "max-lr", ScheduleKind::onecycle);
  only_with(o.pct_start.has_value(), "pct-start", ScheduleKind::onecycle);
  only_with(o.t0.has_value(), "t0", ScheduleKind::cosine_restarts);
  only_with(o.t_mult.has_value(), "t-mult", ScheduleKind::cosine_restarts);
  only_with(o.eta_min.has_value(), "eta-min", ScheduleKind::cosine_restarts);
  only_with(o.step_size.has_value(), "step-size", ScheduleKind::step);
  only_with(o.gamma.has_value(), "gamma", ScheduleKind::step);
  if (o.lr && r.schedule == ScheduleKind::onecycle)
    throw OptionError("flag --lr has no effect with --schedule onecycle: OneCycleLR sets the rate itself, from --max-lr "
                      "(starting at max-lr/25); give --max-lr, or another --schedule");
  if (o.momentum && r.schedule == ScheduleKind::onecycle)
    throw OptionError("flag --momentum has no effect with --schedule onecycle: OneCycleLR cycles the momentum "
                      "(Adam's beta1) itself, between 0.95 and 0.85; give another --schedule");
  if (o.lr) need(*o.lr > 0, "lr", r.lr = *o.lr, "> 0");
  if (o.momentum) need(*o.momentum >= 0 && *o.momentum < 1, "momentum", r.momentum = *o.momentum, "in [0, 1)");
  if (o.weight_decay) need(*o.weight_decay >= 0, "weight-decay", r.weight_decay = *o.weight_decay, ">= 0");
  if (o.max_lr) need(*o.max_lr > 0, "max-lr", r.max_lr = *o.max_lr, "> 0");
  if (o.pct_start) need(*o.pct_start > 0 && *o.pct_start < 1, "pct-start", r.pct_start = *o.pct_start, "in (0, 1)");
  if (o.t0) need(*o.t0 >= 1, "t0", static_cast<double>(r.t0 = *o.t0), ">= 1 (batches)");
  if (o.t_mult) need(*o.t_mult >= 1, "t-mult", static_cast<double>(r.t_mult = *o.t_mult), ">= 1");
  if (o.eta_min) need(*o.eta_min >= 0, "eta-min", r.eta_min = *o.eta_min, ">= 0");
  if (o.step_size) need(*o.step_size >= 1, "step-size", static_cast<double>(r.step_size = *o.step_size), ">= 1 (batches)");
  if (o.gamma) need(*o.gamma > 0 && *o.gamma <= 1, "gamma", r.gamma = *o.gamma, "in (0, 1]");
  if (o.label_smoothing)
    need(*o.label_smoothing >= 0 && *o.label_smoothing < 1, "label-smoothing", r.label_smoothing = *o.label_smoothing,
         "in [0, 1)");
  if (o.clip_norm) need(*o.clip_norm >= 0, "clip", r.clip_norm = *o.clip_norm, ">= 0 (0: no clipping)");
  return r;
}

FlagList recipe_flags(const RecipeOverrides& o) {
  FlagList f;
  const auto num = [&](const char* name, const auto& v) {
    if (v) f.emplace_back(name, format_number(static_cast<double>(*v)));
  };
  if (o.base) f.emplace_back("recipe", model_name(*o.base));
  if (o.optimizer) f.emplace_back("optimizer", optimizer_name(*o.optimizer));
  num("lr", o.lr);
  num("momentum", o.momentum);
  num("weight-decay", o.weight_decay);
  if (o.schedule) f.emplace_back("schedule", schedule_name(*o.schedule));
  num("max-lr", o.max_lr);
  num("pct-start", o.pct_start);
  num("t0", o.t0);
  num("t-mult", o.t_mult);
  num("eta-min", o.eta_min);
  num("step-size", o.step_size);
  num("gamma", o.gamma);
  num("label-smoothing", o.label_smoothing);
  num("clip", o.clip_norm);
  return f;
}

cli::Json recipe_json(const Recipe& rc) {
  cli::Json j = cli::Json::object();
  j.set("optimizer", optimizer_name(rc.optimizer)).set("lr", rc.lr).set("momentum", rc.momentum);
  j.set("weight_decay", rc.weight_decay).set("schedule", schedule_name(rc.schedule));
  j.set("max_lr", rc.max_lr).set("pct_start", rc.pct_start).set("t0", rc.t0).set("t_mult", rc.t_mult);
  j.set("eta_min", rc.eta_min).set("step_size", rc.step_size).set("gamma", rc.gamma);
  j.set("label_smoothing", rc.label_smoothing).set("clip", rc.clip_norm);
  return j;
}

std::string checkpoint_config(const ModelConfig& config, const Recipe& recipe) {
  std::string text = config.to_json();
  if (recipe == default_recipe(config)) return text;
  text.pop_back();  // the closing brace of the flat object
  return text + ",\"recipe\":" + recipe_json(recipe).dump(-1) + "}";
}

namespace {
// The number `key` of a checkpoint's "recipe" object.
double recipe_number(const nn::JsonValue& recipe, const std::string& key) {
  const nn::JsonValue* v = recipe.find(key);
  if (!v) throw std::runtime_error("its \"recipe\" has no \"" + key + "\"");
  if (v->kind != nn::JsonValue::Kind::number)
    throw std::runtime_error("its \"recipe\" has \"" + key + "\": " + nn::json_kind_name(v->kind) + ", expected a number");
  return v->number;
}
std::string recipe_text(const nn::JsonValue& recipe, const std::string& key) {
  const nn::JsonValue* v = recipe.find(key);
  if (!v) throw std::runtime_error("its \"recipe\" has no \"" + key + "\"");
  if (v->kind != nn::JsonValue::Kind::string)
    throw std::runtime_error("its \"recipe\" has \"" + key + "\": " + nn::json_kind_name(v->kind) + ", expected a string");
  return v->string;
}
}  // namespace

Recipe recipe_from_checkpoint(const std::string& text, const ModelConfig& config) {
  nn::JsonValue j;
  try {
    j = nn::parse_json(text);
  } catch (const nn::JsonError& e) {
    throw std::runtime_error(std::string("its configuration is not JSON: ") + e.what());
  }
  const nn::JsonValue* rec = j.find("recipe");
  if (!rec) return default_recipe(config);
  if (rec->kind != nn::JsonValue::Kind::object)
    throw std::runtime_error(std::string("its \"recipe\" is ") + nn::json_kind_name(rec->kind) + ", expected an object");
  const nn::JsonValue& at = *rec;
  RecipeOverrides o;
  try {
    o.optimizer = parse_optimizer(recipe_text(at, "optimizer"));
    o.schedule = parse_schedule(recipe_text(at, "schedule"));
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string("its \"recipe\" has an ") + e.what());
  }
  const auto whole = [&](const char* key) {
    const double x = recipe_number(at, key);
    if (x != std::floor(x) || std::abs(x) > 1e15)
      throw std::runtime_error(std::string("its \"recipe\" has \"") + key + "\": " + format_number(x) + ", expected an integer");
    return static_cast<int64_t>(x);
  };
  Recipe r;
  r.optimizer = *o.optimizer, r.schedule = *o.schedule;
  r.lr = recipe_number(at, "lr"), r.momentum = recipe_number(at, "momentum");
  r.weight_decay = recipe_number(at, "weight_decay");
  r.max_lr = recipe_number(at, "max_lr"), r.pct_start = recipe_number(at, "pct_start");
  r.t0 = whole("t0"), r.t_mult = whole("t_mult"), r.eta_min = recipe_number(at, "eta_min");
  r.step_size = whole("step_size"), r.gamma = recipe_number(at, "gamma");
  r.label_smoothing = recipe_number(at, "label_smoothing"), r.clip_norm = recipe_number(at, "clip");
  // The same ranges as the flags: a recipe only the flags could have written.
  if (!(r.lr > 0 && r.momentum >= 0 && r.momentum < 1 && r.weight_decay >= 0 && r.max_lr > 0 && r.pct_start > 0 &&
        r.pct_start < 1 && r.t0 >= 1 && r.t_mult >= 1 && r.eta_min >= 0 && r.step_size >= 1 && r.gamma > 0 &&
        r.gamma <= 1 && r.label_smoothing >= 0 && r.label_smoothing < 1 && r.clip_norm >= 0))
    throw std::runtime_error("its \"recipe\" holds a value out of range: " + r.describe());
  return r;
}

}  // namespace hqc::app
