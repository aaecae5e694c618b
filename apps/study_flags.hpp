// study_flags.hpp — the flags the study's commands share (docs/cli.md): model, dataset, ablations, seed,
// threads, and turning them into a ModelConfig.
#pragma once

#include "apps/cli.hpp"
#include "apps/models.hpp"
#include "apps/training.hpp"
#include "tensor/parallel.hpp"

namespace hqc::app {

void add_model_flags(cli::ArgParser& p, bool dataset_required = true);
void add_run_flags(cli::ArgParser& p);  // --seed, --threads, --json, --data
// Reads --model/--dataset/--quantum/--qubits (UsageError naming the flag when wrong).
ModelConfig model_config_from(const cli::ArgParser& p);
// Applies --threads (1..kMaxThreads, a usage error beyond; a warning on stderr above the machine's
// cores); returns the thread count in use.
using hqc::kMaxThreads;
int apply_threads(const cli::ArgParser& p);
uint64_t seed_from(const cli::ArgParser& p);
// --noise and --shots: the quantum layer on hardware-like terms (docs/quantum.md, "Noise and shots").
void add_realism_flags(cli::ArgParser& p);
// Applies the --noise and --shots given to `config` (a UsageError naming the flag for a bad value or
// a model without a circuit); flags not given leave the config's (a checkpoint's) as they are.
void realism_from(const cli::ArgParser& p, ModelConfig& config);
// Reads the training schedule shared by train and compare: --epochs, --batch, --val-fraction,
// --limit, --test-limit, --augment, --seed, --data (out_dir is left to the caller).
TrainOptions train_options_from(const cli::ArgParser& p);
// --val-attack-every, --val-attack-limit, --val-attack-eps, --val-attack-alpha, --val-attack-steps: PGD
// on the validation split during training (TrainOptions::val_attack_every).
void add_val_attack_flags(cli::ArgParser& p);
void val_attack_from(const cli::ArgParser& p, TrainOptions& o);
const std::vector<std::string>& dataset_choices();
// The flags that override the model's recipe (train, compare): --recipe, --optimizer, --lr,
// --momentum, --weight-decay, --schedule and its parameters, --label-smoothing, --clip.
void add_recipe_flags(cli::ArgParser& p);
const std::vector<std::string>& recipe_flag_names();
// The recipe flags given (UsageError naming the flag for a value that does not parse); their ranges
// are checked by resolve_recipe, which the commands call before anything trains.
RecipeOverrides recipe_overrides_from(const cli::ArgParser& p);

}  // namespace hqc::app
