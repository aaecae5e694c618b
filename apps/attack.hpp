// attack.hpp — the study's adversarial attacks on a trained model: FGSM and PGD, L-infinity in
// pixel space (docs/study.md). The attack's random start comes from the seed alone.
//
// Options are checked here (AttackOptionError, naming the option); the commands turn that into a
// usage error naming their own flag.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "apps/models.hpp"
#include "apps/progress.hpp"
#include "datasets/dataset.hpp"
#include "nn/module.hpp"

namespace hqc::app {

enum class AttackKind { fgsm, pgd };
const char* attack_name(AttackKind kind);  // "fgsm", "pgd": the CLI and JSON spelling

// Where the eps-ball and the clamp to [0, 1] live. pixel (the default): on the image's pixels before
// normalisation, so eps is a share of the pixel range and every attacked image is a valid image.
// normalised: the original study's variant (torchattacks.PGD fed already-normalised images), the ball
// and the clamp to [0, 1] applied to the normalised input; the clamp alone moves every pixel whose
// normalised value lies outside [0, 1] (on MNIST: the black background to the mean grey, the bright
// strokes down to 0.44), whatever eps is. docs/study.md#adversarial-robustness.
enum class AttackSpace { pixel, normalised };
const char* attack_space_name(AttackSpace space);  // "pixel", "normalised"
AttackSpace parse_attack_space(const std::string& name);  // std::invalid_argument listing the choices

inline constexpr uint64_t kAttackStream = 7;
inline constexpr uint64_t kValAttackStream = 1000;

struct AttackOptions {
  AttackKind kind = AttackKind::pgd;
  double eps = 0.1, alpha = 0.01;  // pixel units on [0, 1] (normalised units with AttackSpace::normalised)
  AttackSpace space = AttackSpace::pixel;
  int steps = 10;
  bool random_start = true;  // pgd only
  uint64_t seed = 0;
  // The random start's stream of `seed`: kAttackStream for an attack on its own; a training run's
  // robustness checks use kValAttackStream + epoch, so that no two checks start alike.
  uint64_t stream = kAttackStream;
  int64_t batch = 64;
};

// An option out of its range: `option` is the AttackOptions field ("eps", "steps/alpha", "batch"),
// what() says what was expected.
struct AttackOptionError : std::invalid_argument {
  AttackOptionError(std::string option_name, const std::string& what)
      : std::invalid_argument(what), option(std::move(option_name)) {}
  std::string option;
};
// Throws AttackOptionError for options attack_model would refuse.
void check_attack_options(const AttackOptions& options);

struct AttackResult {
  double clean_accuracy = 0, robust_accuracy = 0;
  double mean_loss = 0;  // cross-entropy of the true labels on the attacked images, mean over them
  int64_t count = 0;
};
// Perturbs every image within the eps-ball (L-infinity, pixel space) to raise the cross-entropy of
// its true label, keeping pixels in [0, 1]; the model is fed the normalised image. Attacks the first
// `limit` images of `ds` (all when 0). Throws AttackOptionError for bad options (before any work),
// std::runtime_error for a dataset the model does not fit.
AttackResult attack_model(nn::Module& model, const ModelConfig& config, const data::Dataset& ds, int64_t limit,
                          const AttackOptions& options, Progress::Mode mode);

}  // namespace hqc::app
