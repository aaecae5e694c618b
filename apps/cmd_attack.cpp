// cmd_attack.cpp — `hqc attack`: FGSM or PGD against a checkpoint, in pixel space or (--space normalised)
// the original study's.
#include <iostream>
#include <stdexcept>

#include "apps/attack.hpp"
#include "apps/cli.hpp"
#include "apps/study_flags.hpp"
#include "apps/training.hpp"

namespace {
hqc::cli::Command attack_cmd("attack", "robust accuracy of a checkpoint under FGSM or PGD", [](const std::vector<std::string>& args) {
  using namespace hqc;
  cli::ArgParser p("attack",
                   "Attacks a checkpoint's test images with FGSM or PGD (L-infinity, eps in pixel units of [0, 1]; "
                   "perturbed images stay in [0, 1]).");
  p.option("checkpoint", "checkpoint file (from hqc train)").required();
  p.option("attack", "fgsm | pgd", "pgd").option("eps", "radius in pixel units", "0.1");
  p.option("alpha", "PGD step size", "0.01").option("steps", "PGD steps", "10");
  p.option("random-start", "PGD random start: on | off", "on");
  p.option("space", "pixel (eps-ball and [0, 1] on the pixels) | normalised (the original's: on the normalised input)", "pixel");
  p.option("test-limit", "attack the first N test images (0: all images)", "0").option("batch", "batch size", "64");
  p.option("dataset", "dataset (default: the checkpoint's)");
  app::add_run_flags(p);
  app::add_realism_flags(p);
  if (!p.parse(args)) return 0;
  if (!p.given("checkpoint")) throw cli::UsageError("--checkpoint: required");
  app::AttackOptions o;
  o.kind = p.choice("attack", {"fgsm", "pgd"}) == "fgsm" ? app::AttackKind::fgsm : app::AttackKind::pgd;
  o.eps = p.number("eps");
  o.space = app::parse_attack_space(p.choice("space", {"pixel", "normalised"}));
  if (!(o.eps >= 0 && o.eps <= 1))
    throw cli::UsageError("flag --eps must be in [0, 1]" + std::string(o.space == app::AttackSpace::pixel ? " (pixel units)" : "") +
                          ", got " + p.str("eps"));
  o.alpha = p.number("alpha");
  o.steps = static_cast<int>(p.integer("steps", 1, 100000));
  o.random_start = p.choice("random-start", {"on", "off"}) == "on";
  o.seed = app::seed_from(p);
  o.batch = p.integer("batch", 1, 1 << 20);
  try {
    app::check_attack_options(o);
  } catch (const app::AttackOptionError& e) {
    throw cli::UsageError("--" + (e.option == "steps/alpha" ? std::string("steps/--alpha") : e.option) + ": " + e.what());
  }
  if (p.given("dataset")) p.choice("dataset", app::dataset_choices());
  app::apply_threads(p);
  app::LoadedModel m = app::load_model(p.str("checkpoint"));
  // --noise and --shots replace the checkpoint's (a noiselessly trained model evaluated under noise).
  app::realism_from(p, m.config);
  app::apply_realism(*m.model, m.config, app::seed_from(p));
  const std::string dataset = p.given("dataset") ? p.str("dataset") : m.config.dataset;
  const data::Dataset ds = data::load_dataset(dataset, "test", p.str("data"));
  // Accuracies of nothing would print as 0 and read as a model that every attack defeats.
  if (ds.size() == 0) throw std::runtime_error("dataset " + dataset + " test split holds no images: nothing to attack");
  const app::AttackResult r = app::attack_model(*m.model, m.config, ds, p.integer("test-limit", 0), o, app::Progress::Mode::automatic);
  if (p.is_set("json")) {
    cli::Json j = cli::Json::object();
    j.set("attack", app::attack_name(o.kind)).set("eps", o.eps).set("clean_accuracy", r.clean_accuracy).set("robust_accuracy", r.robust_accuracy);
    j.set("count", r.count).set("space", app::attack_space_name(o.space));
    app::realism_json(j, m.config);
    if (o.kind == app::AttackKind::pgd) j.set("alpha", o.alpha).set("steps", o.steps).set("random_start", o.random_start);
    std::cout << j.dump() << "\n";
  } else {
    std::printf("%s eps %g (%s space) on %lld test images: clean accuracy %.2f%%, robust accuracy %.2f%%\n",
                app::attack_name(o.kind), o.eps, app::attack_space_name(o.space), static_cast<long long>(r.count),
                100 * r.clean_accuracy, 100 * r.robust_accuracy);
  }
  return 0;
});
}  // namespace
