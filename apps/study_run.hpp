// study_run.hpp — the study's final runs, one (variant, seed) at a time (`hqc study`), and the report
// over a folder of them (`hqc study-report`): docs/study.md, "The final runs".
//
// A run lives in ROOT/<variant>/seed-<S>/: command.txt (one line, the `hqc train` command that
// reproduces its metrics.csv byte for byte, --seed and --threads explicit), the training's files
// (metrics.csv, last.hqc, checkpoint.hqc, curves.png, confusion.png), the feature-space files
// (features.hpp) and summary.json: the training's JSON (`hqc train --json`) with the variant, the seed,
// the PGD result on the test images and the feature-space scores.
#pragma once

#include <string>
#include <vector>

#include "apps/cli.hpp"
#include "apps/models.hpp"
#include "apps/training.hpp"

namespace hqc::app {

// The six variants of the study, in the report's order.
const std::vector<std::string>& study_variants();

struct StudyVariant {
  ModelConfig config;
  RecipeOverrides recipe;  // the recipe swaps: the other model's whole recipe
  std::vector<std::string> train_flags;  // what `hqc train` is given for it: --model, --quantum, --recipe
  std::string name;  // the report's name, as `hqc compare` gives it
};
// Throws cli::UsageError naming the choices for an unknown variant.
StudyVariant study_variant(const std::string& variant, const std::string& dataset);

}  // namespace hqc::app
