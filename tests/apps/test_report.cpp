// test_report.cpp — report.md carries our numbers and, beside them, the original's where they apply.
#include <doctest/doctest.h>

#include "apps/report.hpp"

using namespace hqc::app;

namespace {
RunResult run(const std::string& name, const std::string& model, const std::string& quantum, double acc) {
  RunResult r;
  r.name = name;
  r.model = model;
  r.quantum = quantum;
  r.dataset = "mnist";
  r.parameters = model == "hybrid" ? 142530 : 151754;
  r.epochs = {{1, 1.0, 0.8, 0.9, 0.85, 1e-3, 10.5}, {2, 0.7, 0.9, 0.6, acc, 1e-3, 11.5}};
  r.best_epoch = 2;
  r.best_val_accuracy = acc;
  r.test_accuracy = acc + 0.001;
  r.precision = r.recall = r.f1 = acc;
  r.seconds_per_epoch = 11.0;
  r.peak_rss_mb = 123.4;
  r.robust_accuracy = 0.25;
  r.clean_accuracy = 0.9;
  r.curves_png = name + "_curves.png";
  return r;
}
}  // namespace

TEST_CASE("published numbers are those of docs/study.md and exist only for the original's datasets") {
  const auto h = published_result("mnist", "hybrid");
  REQUIRE(h);
  CHECK(h->parameters == 142530);
  CHECK(h->test_accuracy == 99.49);
  CHECK(published_result("stl10", "classical")->parameters == 1687306);
  CHECK(published_result("cifar100", "hybrid")->last_epoch_seconds == 43.66);
  CHECK_FALSE(published_result("fashion-mnist", "hybrid"));
  CHECK_FALSE(published_result("cifar10", "classical"));
}

TEST_CASE("report table puts the original beside ours, and not beside an ablation") {
  ReportContext ctx;
  ctx.dataset = "mnist";
  ctx.epochs = 2;
  ctx.attack = "PGD, eps 0.1";
  const std::string md = render_report(ctx, {run("hybrid", "hybrid", "circuit", 0.95),
                                             run("classical", "classical", "circuit", 0.93),
                                             run("hybrid, Linear(16,4)", "hybrid", "linear", 0.94)});
  CHECK(md.find("| metric | hybrid (hqc) | hybrid (original) | classical (hqc) | classical (original) | "
                "hybrid, Linear(16,4) (hqc) |") != std::string::npos);
  CHECK(md.find("| test accuracy (%) | 95.10 | 99.49 | 93.10 | 98.56 | 94.10 |") != std::string::npos);
  CHECK(md.find("| parameters | 142,530 | 142,530 | 151,754 | 151,754 | 142,530 |") != std::string::npos);
  CHECK(md.find("| seconds per epoch, first / last | 10.50 / 11.50 | 18.81 / 21.56 |") != std::string::npos);
  CHECK(md.find("| robust accuracy (%) | 25.00 | 45.27* | 25.00 | 10.80* | 25.00 |") != std::string::npos);
  CHECK(md.find("![loss and accuracy per epoch, hybrid](hybrid_curves.png)") != std::string::npos);
}

TEST_CASE("a dataset the original did not run has no original column and says so") {
  ReportContext ctx;
  ctx.dataset = "fashion-mnist";
  const std::string md = render_report(ctx, {run("hybrid", "hybrid", "circuit", 0.9)});
  CHECK(md.find("(original)") == std::string::npos);
  CHECK(md.find("did not run fashion-mnist") != std::string::npos);
  const std::string term = render_terminal_table(ctx, {run("hybrid", "hybrid", "circuit", 0.9)});
  CHECK(term.find("test accuracy (%)") != std::string::npos);
  CHECK(term.find("90.10") != std::string::npos);
}

TEST_CASE("report lists each run's recipe, and the original's numbers only beside runs of its recipe") {
  ReportContext ctx;
  ctx.dataset = "mnist";
  RunResult own = run("hybrid", "hybrid", "circuit", 0.95), other = run("classical", "classical", "circuit", 0.9);
  own.recipe = "AdamW wd 0.01, OneCycleLR";
  other.recipe = "SGD lr 0.05 momentum 0.9 wd 0 (L2), constant learning rate";
  other.own_recipe = false;
  const std::string md = render_report(ctx, {own, other});
  CHECK(md.find("Recipes:\n\n- hybrid: AdamW wd 0.01, OneCycleLR\n"
                "- classical: SGD lr 0.05 momentum 0.9 wd 0 (L2), constant learning rate (recipe flags)\n") !=
        std::string::npos);
  CHECK(md.find("hybrid (original)") != std::string::npos);
  CHECK(md.find("classical (original)") == std::string::npos);
  CHECK(md.find("not the original's for every model") != std::string::npos);
}
