// training.hpp — the study's training loop, evaluation and checkpoints, shared by the hqc commands
// (the attacks are in attack.hpp).
//
// A run: load the training split (optionally its first --limit images), split it 80/20 with the
// seed, train for N epochs with the model's recipe (docs/study.md), validate after every epoch and keep the
// weights of the epoch with the best validation accuracy (the first, on ties), then evaluate those
// once on the test split. Everything random comes from the one seed: the split, the shuffles and
// augmentation (datasets' Loader streams), the weights and dropout (models.hpp).
//
// With an output folder a run is never lost: after every epoch DIR/last.hqc holds the whole training
// state (resume.hpp), DIR/checkpoint.hqc the best epoch so far; a run continued from last.hqc gives
// the same files bit for bit as one never interrupted (same seed and threads). SIGINT and SIGTERM
// (once install_stop_handlers() ran) stop the loops at the next batch with Interrupted.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "apps/attack.hpp"
#include "apps/cli.hpp"
#include "apps/metrics.hpp"
#include "apps/models.hpp"
#include "apps/output_folder.hpp"
#include "apps/progress.hpp"
#include "apps/resume.hpp"
#include "datasets/dataset.hpp"
#include "nn/module.hpp"
#include "nn/optim.hpp"
#include "nn/schedule.hpp"

namespace hqc::data {
class Pipeline;
}  // namespace hqc::data

namespace hqc::app {

// The original's optimisers and schedules (docs/study.md), and the other choices the recipe flags
// offer (docs/cli.md).
enum class OptimizerKind {
  adamw,  // decoupled weight decay
  adam,   // weight decay as L2, coupled to the gradient
  sgd,    // with momentum, weight decay as L2
};
enum class ScheduleKind {
  onecycle,         // OneCycleLR over the run, stepped per batch
  cosine_restarts,  // CosineAnnealingWarmRestarts, T_0 and T_mult counted in batches
  none,             // the learning rate stays at lr
  step,             // StepLR: lr times gamma every step_size batches
};
// Names as the command line spells them ("adamw", "cosine-restarts"); the parsers throw
// std::invalid_argument listing the names.
const char* optimizer_name(OptimizerKind k);
const char* schedule_name(ScheduleKind k);
OptimizerKind parse_optimizer(const std::string& name);
ScheduleKind parse_schedule(const std::string& name);

// How a model is trained: data, one row per model kind (kHybridRecipe, kClassicalRecipe).
struct Recipe {
  OptimizerKind optimizer = OptimizerKind::adamw;
  double lr = 1e-3, weight_decay = 0.01;
  double momentum = 0.9;                  // SGD's momentum; Adam's and AdamW's beta1
  ScheduleKind schedule = ScheduleKind::onecycle;
  double max_lr = 2e-3, pct_start = 0.3;  // onecycle (it sets the rate itself, from max_lr / 25)
  int64_t t0 = 5, t_mult = 1;             // cosine-restarts, in batches
  double eta_min = 1e-5;                  // cosine-restarts
  int64_t step_size = 1000;               // step, in batches
  double gamma = 0.1;                     // step
  double clip_norm = 1.0;                 // 0: no clipping
  double label_smoothing = 0.1;
  // One line for reports: "AdamW wd 0.01, OneCycleLR max_lr 0.002 pct_start 0.3 per batch, ...".
  std::string describe() const;
  bool operator==(const Recipe&) const = default;
};

// The original's two recipes.
inline constexpr Recipe kHybridRecipe{.optimizer = OptimizerKind::adamw, .lr = 1e-3, .weight_decay = 0.01,
                                      .schedule = ScheduleKind::onecycle, .max_lr = 2e-3, .pct_start = 0.3,
                                      .clip_norm = 1.0, .label_smoothing = 0.1};
inline constexpr Recipe kClassicalRecipe{.optimizer = OptimizerKind::adam, .lr = 3e-3, .weight_decay = 5e-3,
                                         .schedule = ScheduleKind::cosine_restarts, .t0 = 5, .t_mult = 1,
                                         .eta_min = 1e-5, .clip_norm = 0.0, .label_smoothing = 0.1};
Recipe default_recipe(const ModelConfig& config);

// What the recipe flags of `hqc train` and `hqc compare` change: each field left empty keeps the
// value of the base recipe (`base`, or the model's own when empty).
struct RecipeOverrides {
  std::optional<ModelKind> base;  // --recipe
  std::optional<OptimizerKind> optimizer;
  std::optional<double> lr, momentum, weight_decay;
  std::optional<ScheduleKind> schedule;
  std::optional<double> max_lr, pct_start;
  std::optional<int64_t> t0, t_mult;
  std::optional<double> eta_min;
  std::optional<int64_t> step_size;
  std::optional<double> gamma, label_smoothing, clip_norm;
};
// The recipe `config` trains with under `o`. Throws OptionError naming the flag for a value out of
// range (lr, max_lr > 0; momentum, pct_start, label_smoothing in [0, 1); weight decay, eta_min, clip
// >= 0; gamma in (0, 1]; t0, t_mult, step_size >= 1) or a schedule parameter given for another
// schedule, and for --lr with onecycle (OneCycleLR sets the rate from max_lr).
Recipe resolve_recipe(const ModelConfig& config, const RecipeOverrides& o);
// The overrides given, as the command line spells them ({"lr", "0.01"}), in the flags' order.
FlagList recipe_flags(const RecipeOverrides& o);
// Every field of the recipe, for --json and the checkpoint's configuration.
cli::Json recipe_json(const Recipe& rc);

// The recipe's optimiser over `params`, and its schedule over `epochs` of `steps_per_epoch` batches
// (the OneCycle length; the cosine restarts count batches and ignore both). `hqc train` and
// `hqc bench` build them here so that both run the same recipe.
std::unique_ptr<nn::Optimizer> make_optimizer(const Recipe& rc, std::vector<Variable> params);
std::unique_ptr<nn::LRScheduler> make_schedule(const Recipe& rc, nn::Optimizer& optimizer, int64_t epochs,
                                               int64_t steps_per_epoch);

// One training step of the recipe on a batch: forward, cross-entropy with the recipe's label
// smoothing, zero_grad, backward, gradient clipping (clip_norm > 0), optimiser step, schedule step.
// `hqc train` and `hqc bench` both train through it. A loss that is not finite throws
// TrainingDiverged before the gradients or weights change.
struct StepResult {
  double loss = 0;   // the batch's mean loss
  Variable logits;   // (B, K), before the step
};
struct TrainingDiverged : std::runtime_error {
  explicit TrainingDiverged(double l) : std::runtime_error("training diverged: loss " + std::to_string(l)), loss(l) {}
  double loss;
};
StepResult train_step(nn::Module& model, const Recipe& rc, nn::Optimizer& optimizer, nn::LRScheduler& schedule,
                      const Tensor& images, const Tensor& labels);

struct TrainOptions {
  int epochs = 50;
  int64_t batch = 64;
  double val_fraction = 0.2;
  int64_t limit = 0, test_limit = 0;  // 0: all images
  bool augment = true;
  // --data-handling original: the original code's data handling (docs/study.md): MNIST's RandomAffine
  // after Normalize (filling with the mean grey), and the validation split augmented as the training
  // split, anew every epoch. Needs augment.
  bool original_data = false;
  RecipeOverrides recipe;  // none: the model's own recipe
  uint64_t seed = 0;
  std::string data_dir;  // empty: docs/cli.md's search order
  std::string out_dir;   // where last.hqc, checkpoint.hqc, metrics.csv, curves.png, confusion.png go; empty: none
  // What to do with a previous run's files there (output_folder.hpp). OutputMode::resume continues
  // from out_dir/last.hqc when it exists (its flags must be these: OptionError if not); a finished
  // run is not trained again: its saved result is returned.
  OutputMode out_mode = OutputMode::fresh;
  Progress::Mode progress = Progress::Mode::automatic;
  // Robustness during training, as the original checked it: every `val_attack_every` epochs (0: never)
  // the model after the epoch's validation is attacked with `val_attack` (its seed: the run's) on the
  // first `val_attack_limit` validation images (0: all). The checks draw from their own random stream
  // and leave the model's training alone: metrics.csv is the same with or without them.
  int val_attack_every = 0;
  int64_t val_attack_limit = 1000;
  AttackOptions val_attack;
};

// The flags that define a run, as `hqc train` spells them, with the thread count in use: what
// last.hqc records and a resumed run must match.
FlagList train_flags(const ModelConfig& config, const TrainOptions& options);

struct EvalResult {
  double loss = 0, accuracy = 0;
  ClassificationReport report;
  Matrix64 confusion;
  int64_t count = 0;
};

struct TrainResult {
  ModelConfig config;
  Recipe recipe;
  int64_t parameters = 0;
  std::vector<EpochRecord> epochs;
  std::vector<RobustnessRecord> robustness;  // the checks of TrainOptions::val_attack_every
  int best_epoch = 0;
  double best_val_accuracy = 0;
  EvalResult test;
  double seconds_per_epoch = 0, peak_rss_mb = 0;
  int64_t train_images = 0, val_images = 0, test_images = 0;
  std::string data_dir, checkpoint, metrics_csv, robustness_csv, curves_png, confusion_png;
  std::vector<std::string> class_names;
  bool resumed_finished = false;  // a resumed run (OutputMode::resume) was finished: nothing was trained
  std::shared_ptr<nn::Module> model;  // holding the best epoch's weights, in evaluation mode
};

TrainResult train_model(const ModelConfig& config, const TrainOptions& options);
cli::Json train_json(const TrainResult& result);
// Sets "noise" ("none" or the model's channels) and "shots" ("exact" or the count) in a command's
// JSON; null for a model without a circuit.
void realism_json(cli::Json& j, const ModelConfig& config);

// Loss (with the recipe's label smoothing, as in training), accuracy and the confusion matrix of
// `model` on images `indices` of `ds` (all when empty), normalised with the dataset's constants.
// With `pipeline`, the images go through it (augmented as for `epoch` and `seed`) instead of the
// normalisation alone.
EvalResult evaluate(nn::Module& model, const ModelConfig& config, const data::Dataset& ds,
                    const std::vector<int64_t>& indices, int64_t batch, double label_smoothing,
                    const std::string& label, Progress::Mode mode, const data::Pipeline* pipeline = nullptr,
                    int64_t epoch = 0, uint64_t seed = 0);

// Writes and reads checkpoint files with the model configuration inside, and the recipe when it is
// not the model's own (a checkpoint without one was trained with the model's own).
void save_model(const std::string& path, nn::Module& model, const ModelConfig& config);
// The configuration text train_model writes in checkpoint.hqc: the model's, with "recipe": {...}
// after it when the recipe is not the model's own (so a default run writes what it always wrote).
std::string checkpoint_config(const ModelConfig& config, const Recipe& recipe);
// The recipe in a checkpoint's configuration text, or the model's own when it has none; throws
// std::runtime_error saying what is wrong with one that does not read back.
Recipe recipe_from_checkpoint(const std::string& text, const ModelConfig& config);
struct LoadedModel {
  ModelConfig config;
  Recipe recipe;  // what it was trained with (the model's own when the checkpoint does not say)
  std::shared_ptr<nn::Module> model;  // in evaluation mode
};
LoadedModel load_model(const std::string& path);
// Refuses (std::runtime_error naming both) a dataset whose image shape or class count does not fit.
void check_dataset_fits(const ModelConfig& config, const data::Dataset& ds);

// Predicted class of each row of logits (B, K).
std::vector<int64_t> argmax_rows(const Tensor& logits);

}  // namespace hqc::app
