// metrics.hpp — classification metrics and the per-epoch record a training run keeps.
//
// Accuracy, macro-averaged precision, recall and F1, and the confusion matrix, with scikit-learn's
// conventions (the original study's): rows are true classes, columns predictions; a class's
// precision is 0 when it was never predicted (zero_division=0); F1 is computed per class and then
// averaged (not the F1 of the averaged precision and recall); the macro average runs over the classes
// that occur in the labels or the predictions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hqc::app {

using Matrix64 = std::vector<std::vector<int64_t>>;

class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(int64_t classes);
  void add(int64_t truth, int64_t predicted);  // throws std::out_of_range naming both values
  void add(const std::vector<int64_t>& truth, const std::vector<int64_t>& predicted);
  int64_t classes() const { return classes_; }
  int64_t total() const { return total_; }
  int64_t at(int64_t truth, int64_t predicted) const { return counts_[truth][predicted]; }
  const Matrix64& counts() const { return counts_; }

 private:
  int64_t classes_, total_ = 0;
  Matrix64 counts_;  // (classes, classes): [truth][predicted]
};

struct ClassificationReport {
  double accuracy = 0, precision = 0, recall = 0, f1 = 0;  // fractions in [0, 1]
  std::vector<double> class_precision, class_recall, class_f1;
  std::vector<int64_t> support;  // true examples per class
};
ClassificationReport classification_report(const ConfusionMatrix& cm);

// One epoch of a training run: what metrics.csv holds (a row) and curves.png draws. Wall time is kept
// but not written to metrics.csv, so that the same seed and thread count give the same file bit for bit.
// The epoch's CPU time is the process's own clock (CLOCK_PROCESS_CPUTIME_ID: every thread's time, not
// the machine's), its memory the process's peak resident set so far (VmHWM); neither is in metrics.csv.
struct EpochRecord {
  int epoch = 0;  // from 1
  double train_loss = 0, train_accuracy = 0, val_loss = 0, val_accuracy = 0, learning_rate = 0;
  double seconds = 0;
  double cpu_seconds = 0, peak_rss_mb = 0;  // training and validation of the epoch; 0: not recorded
  double val_f1 = 0;                         // macro F1 on the validation split (not in metrics.csv either)
};

// One check of robustness during training (`hqc train --val-attack-every N`): PGD in pixel space on the
// first images of the validation split, after epoch `epoch`'s validation. Kept in robustness.csv, not in
// metrics.csv, whose bits the checks leave alone.
struct RobustnessRecord {
  int epoch = 0;
  int64_t count = 0;  // images attacked
  double clean_accuracy = 0, robust_accuracy = 0, adversarial_loss = 0;
  double seconds = 0;  // the check's wall time (not counted in the epoch's)
};
std::string robustness_csv(const std::vector<RobustnessRecord>& checks);
void write_robustness_csv(const std::filesystem::path& path, const std::vector<RobustnessRecord>& checks);

// Writes the whole table (header plus one row per epoch); numbers in their shortest round-trip form.
// Whole or not at all, never through a link (nn/atomic_file.hpp): a kill while it is rewritten
// leaves the previous table. Throws nn::FileWriteError naming the path and the cause.
void write_metrics_csv(const std::filesystem::path& path, const std::vector<EpochRecord>& epochs);
std::string metrics_csv(const std::vector<EpochRecord>& epochs);
// Shortest text that reads back as the same double.
std::string format_number(double v);

}  // namespace hqc::app
