// report.hpp — `hqc compare`'s report.md: our runs in a table in the shape of the original study's,
// with its published numbers (docs/study.md, from the authors' code and paper) in a column beside ours.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "apps/cli.hpp"
#include "apps/metrics.hpp"
#include "apps/stats.hpp"

namespace hqc::app {

// What the original study published for one (dataset, model). Datasets it did not run have none.
struct PublishedResult {
  int64_t parameters;
  double val_accuracy, test_accuracy;         // percent
  double first_epoch_seconds, last_epoch_seconds;  // epochs 1 and 50
  std::optional<double> robust_accuracy;      // percent, PGD in the original's (normalised) eps-ball
  std::string robust_note;
};
// dataset: mnist, cifar100, stl10 (the three the original ran); model: hybrid, classical.
std::optional<PublishedResult> published_result(const std::string& dataset, const std::string& model);

// One of our training runs as the report shows it.
struct RunResult {
  std::string name;               // column title, e.g. "hybrid", "hybrid, Linear(16,4)"
  std::string variant;            // its --models name: hybrid, classical, linear, rotations, recipe-swap-*, ...
  int seed = 0;
  std::string folder;             // its run folder, relative to the report
  std::string model;              // hybrid | classical
  std::string quantum = "circuit";  // circuit | linear | rotations (hybrid only)
  int qubits = 4;
  std::string dataset;
  int64_t parameters = 0;
  std::vector<EpochRecord> epochs;
  int best_epoch = 0;
  double best_val_accuracy = 0, test_accuracy = 0, test_loss = 0;  // fractions
  double precision = 0, recall = 0, f1 = 0;                       // macro, fractions
  double seconds_per_epoch = 0, peak_rss_mb = 0;
  std::optional<double> clean_accuracy, robust_accuracy;  // fractions, on the attacked test subset
  // The features entering the head on the first test images (features.hpp); absent when not measured.
  std::optional<double> lda_separation, silhouette;
  std::string curves_png, confusion_png;  // file names relative to the report
  std::string pca_png, tsne_png;          // the feature-space pictures (empty: none)
  std::string recipe;      // Recipe::describe() of what it trained with (empty: not shown)
  bool own_recipe = true;  // the original's recipe for this model
  // Whether this run is the original's configuration (so its published numbers apply).
  bool is_original_configuration() const {
    return own_recipe && (model == "classical" || (quantum == "circuit" && qubits == 4));
  }
};

// What the peak-memory figures are: each model's own high-water mark (reset before it), or, where the
// mark cannot be reset, the process's peak since it started (a later model's figure covers earlier ones).
enum class PeakMemory { per_model, process };
const char* peak_memory_note(PeakMemory m);

struct ReportContext {
  std::string dataset, data_source;  // dataset name and the folder it was read from
  int epochs = 0, batch = 64, seed = 0, threads = 1;
  int64_t train_images = 0, val_images = 0, test_images = 0;
  std::vector<int> seeds;   // several: `--seeds`; the report then summarises and tests over them
  std::string attack;       // e.g. "PGD, eps 0.1 (pixel units), step 0.01, 10 steps, random start"
  std::string command;      // the command line that made the report
  std::string realism;      // the quantum layers' noise and shots, e.g. "depolarizing=0.01, 1000 shots" (empty: ideal)
  std::string comparison_png;  // all runs' curves in one figure (may be empty)
  PeakMemory memory = PeakMemory::per_model;
};

std::string render_report(const ReportContext& ctx, const std::vector<RunResult>& runs);
// A short plain-text table for the terminal (what `make demo` prints): at most `max_width` columns
// wide (terminal cells), split into several tables of the same rows when the runs do not fit in one;
// a line on the original's columns and one on the memory figures below it.
std::string render_terminal_table(const ReportContext& ctx, const std::vector<RunResult>& runs,
                                  std::size_t max_width = 100);

// ---- Several seeds (report_seeds.cpp; the rules are in docs/study.md, "How hqc answers the claims").

// One metric of a run, in the unit the report shows (percent, seconds, a count); absent when the run
// has none (no attack).
struct Metric {
  std::string key;    // summary.json's name, e.g. "test_accuracy_pct"
  std::string label;  // the report's, e.g. "test accuracy (%)"
  int decimals = 2;
  std::optional<double> (*of)(const RunResult&);
};
const std::vector<Metric>& seed_metrics();
const Metric& seed_metric(const std::string& key);

// supported: the 95 % interval of the difference excludes 0 in the claimed direction; not supported:
// it excludes 0 in the other; not resolved: it holds 0, or there is no interval (one seed).
enum class Verdict { supported, not_supported, not_resolved };
std::string verdict_text(Verdict v, int seeds);
// `direction` +1: the claim is that a's value is the higher; -1: the lower.
Verdict verdict_of(const PairedTest& t, int direction);

// A claim of the original, tested as a - b per seed (the seeds both runs have) on one metric.
struct Comparison {
  std::string claim;      // plain words, e.g. "the hybrid is more accurate"
  std::string a, b;       // variants
  std::string metric;     // Metric::key
  int direction = 1;
  std::vector<int> seeds;
  std::vector<double> differences;  // a - b, one per seed
  PairedTest test;
  Verdict verdict = Verdict::not_resolved;
};
struct ModelSummary {
  std::string name, variant;
  std::vector<int> seeds;
  std::vector<std::pair<std::string, Summary>> metrics;  // Metric::key, over the seeds (absent metrics left out)
};
struct SeedsAnalysis {
  std::vector<ModelSummary> models;   // in the order of the runs
  std::vector<Comparison> comparisons;  // only those whose two variants were run
};
// Groups `runs` by variant; throws std::invalid_argument for a non-finite metric or a variant run
// twice with one seed.
SeedsAnalysis analyse_seeds(const std::vector<RunResult>& runs);
// Everything report.md shows, as the comparison's summary.json: the runs, the summaries, the tests.
cli::Json seeds_summary_json(const ReportContext& ctx, const std::vector<RunResult>& runs, const SeedsAnalysis& a);
std::string render_seeds_report(const ReportContext& ctx, const std::vector<RunResult>& runs, const SeedsAnalysis& a);
// Per model the mean ± sd of the headline metrics, then the verdicts: at most `max_width` columns.
std::string render_seeds_terminal(const ReportContext& ctx, const SeedsAnalysis& a, std::size_t max_width = 100);

}  // namespace hqc::app
