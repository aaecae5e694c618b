// metrics.cpp — confusion matrix, macro metrics with scikit-learn's conventions, metrics.csv.
#include "apps/metrics.hpp"

#include <charconv>
#include <stdexcept>

#include "nn/atomic_file.hpp"

namespace hqc::app {

ConfusionMatrix::ConfusionMatrix(int64_t classes) : classes_(classes) {
  if (classes < 1) throw std::invalid_argument("confusion matrix: need at least 1 class, got " + std::to_string(classes));
  counts_.assign(classes, std::vector<int64_t>(classes, 0));
}

void ConfusionMatrix::add(int64_t truth, int64_t predicted) {
  if (truth < 0 || truth >= classes_ || predicted < 0 || predicted >= classes_)
    throw std::out_of_range("confusion matrix: label " + std::to_string(truth) + " / prediction " +
                            std::to_string(predicted) + " outside [0, " + std::to_string(classes_) + ")");
  ++counts_[truth][predicted];
  ++total_;
}

void ConfusionMatrix::add(const std::vector<int64_t>& truth, const std::vector<int64_t>& predicted) {
  if (truth.size() != predicted.size())
    throw std::invalid_argument("confusion matrix: " + std::to_string(truth.size()) + " labels but " +
                                std::to_string(predicted.size()) + " predictions");
  for (std::size_t i = 0; i < truth.size(); ++i) add(truth[i], predicted[i]);
}

ClassificationReport classification_report(const ConfusionMatrix& cm) {
  const int64_t k = cm.classes();
  ClassificationReport r;
  r.class_precision.assign(k, 0.0);
  r.class_recall.assign(k, 0.0);
  r.class_f1.assign(k, 0.0);
  r.support.assign(k, 0);
  if (cm.total() == 0) return r;
  std::vector<int64_t> predicted(k, 0);
  int64_t correct = 0;
  for (int64_t t = 0; t < k; ++t)
    for (int64_t p = 0; p < k; ++p) {
      r.support[t] += cm.at(t, p);
      predicted[p] += cm.at(t, p);
      if (t == p) correct += cm.at(t, p);
    }
  r.accuracy = static_cast<double>(correct) / static_cast<double>(cm.total());
  int64_t present = 0;
  for (int64_t c = 0; c < k; ++c) {
    const double tp = static_cast<double>(cm.at(c, c));
    if (predicted[c] > 0) r.class_precision[c] = tp / static_cast<double>(predicted[c]);
    if (r.support[c] > 0) r.class_recall[c] = tp / static_cast<double>(r.support[c]);
    const double s = r.class_precision[c] + r.class_recall[c];
    if (s > 0) r.class_f1[c] = 2.0 * r.class_precision[c] * r.class_recall[c] / s;
    if (predicted[c] == 0 && r.support[c] == 0) continue;  // absent from labels and predictions
    ++present;
    r.precision += r.class_precision[c];
    r.recall += r.class_recall[c];
    r.f1 += r.class_f1[c];
  }
  r.precision /= static_cast<double>(present);
  r.recall /= static_cast<double>(present);
  r.f1 /= static_cast<double>(present);
  return r;
}

std::string format_number(double v) {
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) return "nan";
  return std::string(buf, p);
}

std::string metrics_csv(const std::vector<EpochRecord>& epochs) {
  std::string out = "epoch,train_loss,train_accuracy,val_loss,val_accuracy,learning_rate\n";
  for (const auto& e : epochs) {
    out += std::to_string(e.epoch) + "," + format_number(e.train_loss) + "," + format_number(e.train_accuracy) +
           "," + format_number(e.val_loss) + "," + format_number(e.val_accuracy) + "," +
           format_number(e.learning_rate) + "\n";
  }
  return out;
}

void write_metrics_csv(const std::filesystem::path& path, const std::vector<EpochRecord>& epochs) {
  nn::write_file_atomically(path, metrics_csv(epochs));
}

std::string robustness_csv(const std::vector<RobustnessRecord>& checks) {
  std::string out = "epoch,images,clean_accuracy,robust_accuracy,adversarial_loss\n";
  for (const auto& c : checks)
    out += std::to_string(c.epoch) + "," + std::to_string(c.count) + "," + format_number(c.clean_accuracy) + "," +
           format_number(c.robust_accuracy) + "," + format_number(c.adversarial_loss) + "\n";
  return out;
}

void write_robustness_csv(const std::filesystem::path& path, const std::vector<RobustnessRecord>& checks) {
  nn::write_file_atomically(path, robustness_csv(checks));
}

}  // namespace hqc::app
