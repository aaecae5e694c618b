// test_metrics.cpp — confusion matrix and macro metrics against hand-computed values (scikit-learn's
// conventions), and metrics.csv's exact text.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "apps/metrics.hpp"

using namespace hqc::app;

TEST_CASE("confusion matrix counts rows as true classes and columns as predictions") {
  ConfusionMatrix cm(3);
  cm.add({0, 0, 1, 1, 2, 2, 2}, {0, 1, 1, 1, 0, 2, 2});
  CHECK(cm.total() == 7);
  CHECK(cm.at(0, 0) == 1);
  CHECK(cm.at(0, 1) == 1);
  CHECK(cm.at(1, 1) == 2);
  CHECK(cm.at(2, 0) == 1);
  CHECK(cm.at(2, 2) == 2);
  CHECK(cm.at(1, 0) == 0);
}

TEST_CASE("macro precision recall and F1 match hand-computed values") {
  // truth 0,0,1,1,2,2,2 / predicted 0,1,1,1,0,2,2
  // class 0: tp 1, predicted 2, support 2 -> P 1/2, R 1/2, F1 1/2
  // class 1: tp 2, predicted 3, support 2 -> P 2/3, R 1,   F1 0.8
  // class 2: tp 2, predicted 2, support 3 -> P 1,   R 2/3, F1 0.8
  ConfusionMatrix cm(3);
  cm.add({0, 0, 1, 1, 2, 2, 2}, {0, 1, 1, 1, 0, 2, 2});
  const auto r = classification_report(cm);
  CHECK(r.accuracy == doctest::Approx(5.0 / 7.0).epsilon(1e-15));
  CHECK(r.precision == doctest::Approx((0.5 + 2.0 / 3.0 + 1.0) / 3.0).epsilon(1e-15));
  CHECK(r.recall == doctest::Approx((0.5 + 1.0 + 2.0 / 3.0) / 3.0).epsilon(1e-15));
  CHECK(r.f1 == doctest::Approx((0.5 + 0.8 + 0.8) / 3.0).epsilon(1e-15));
  // F1 is averaged per class, not taken of the averaged precision and recall.
  CHECK(std::fabs(r.f1 - 2 * r.precision * r.recall / (r.precision + r.recall)) > 1e-3);
  CHECK(r.support == std::vector<int64_t>{2, 2, 3});
}

TEST_CASE("a class never predicted has precision 0 and a class absent everywhere is left out of the mean") {
  ConfusionMatrix cm(4);  // class 3 never occurs; class 2 occurs but is never predicted
  cm.add({0, 1, 2, 2}, {0, 1, 0, 1});
  const auto r = classification_report(cm);
  CHECK(r.class_precision[2] == 0.0);
  CHECK(r.class_recall[2] == 0.0);
  // Over the 3 present classes: P = (1/2 + 1/2 + 0) / 3, R = (1 + 1 + 0) / 3.
  CHECK(r.precision == doctest::Approx(1.0 / 3.0));
  CHECK(r.recall == doctest::Approx(2.0 / 3.0));
  CHECK(r.f1 == doctest::Approx((2.0 / 3.0 + 2.0 / 3.0) / 3.0));
}

TEST_CASE("an empty confusion matrix gives zeros, not NaN") {
  ConfusionMatrix cm(5);
  const auto r = classification_report(cm);
  CHECK(r.accuracy == 0.0);
  CHECK(r.f1 == 0.0);
}

TEST_CASE("labels outside the class range are refused with both values named") {
  ConfusionMatrix cm(3);
  CHECK_THROWS_WITH_AS(cm.add(3, 0), doctest::Contains("label 3"), std::out_of_range);
  CHECK_THROWS_AS(cm.add(0, -1), std::out_of_range);
  CHECK_THROWS_AS(cm.add(std::vector<int64_t>{0, 1}, std::vector<int64_t>{0}), std::invalid_argument);
  CHECK_THROWS_AS(ConfusionMatrix(0), std::invalid_argument);
}

TEST_CASE("format_number gives the shortest text that reads back exactly") {
  for (double v : {0.1, 1.0 / 3.0, 2.3025850929940459, 1e-05, 0.0, 123456789.125}) {
    const std::string s = format_number(v);
    CHECK(std::stod(s) == v);
  }
  CHECK(format_number(0.1) == "0.1");
  CHECK(format_number(2.0) == "2");
}

TEST_CASE("metrics.csv has a fixed header, one row per epoch, and no wall time") {
  std::vector<EpochRecord> e{{1, 0.5, 0.75, 0.625, 0.8, 0.001, 12.3}, {2, 0.25, 0.875, 0.5, 0.9, 0.002, 45.6}};
  const std::string text = metrics_csv(e);
  CHECK(text ==
        "epoch,train_loss,train_accuracy,val_loss,val_accuracy,learning_rate\n"
        "1,0.5,0.75,0.625,0.8,0.001\n"
        "2,0.25,0.875,0.5,0.9,0.002\n");
  const auto path = std::filesystem::temp_directory_path() / "hqc_test_metrics.csv";
  write_metrics_csv(path, e);
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  CHECK(ss.str() == text);
  std::filesystem::remove(path);
  CHECK_THROWS_WITH(write_metrics_csv("/nonexistent-dir/x/metrics.csv", e), doctest::Contains("/nonexistent-dir/x/metrics.csv"));
}
