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
  CHECK(md.find("| metric | hybrid | original hybrid | classical | original classical | hybrid, Linear(16,4) |") !=
        std::string::npos);
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
  CHECK(md.find("original hybrid") == std::string::npos);
  CHECK(md.find("did not run fashion-mnist") != std::string::npos);
  const std::string term = render_terminal_table(ctx, {run("hybrid", "hybrid", "circuit", 0.9)});
  CHECK(term.find("test accuracy (%)") != std::string::npos);
  CHECK(term.find("90.10") != std::string::npos);
}

namespace {
std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == '\n') out.push_back(s.substr(start, i - start)), start = i + 1;
  return out;
}
std::size_t display_columns(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
  return n;
}
}  // namespace

TEST_CASE("the terminal table fits 100 columns, splitting the runs into several tables when needed") {
  ReportContext ctx;
  ctx.dataset = "mnist";
  ctx.attack = "PGD, eps 0.1";
  const std::vector<RunResult> two{run("hybrid", "hybrid", "circuit", 0.95), run("classical", "classical", "circuit", 0.93)};
  const std::string t = render_terminal_table(ctx, two);
  for (const auto& l : lines_of(t)) {
    CAPTURE(l);
    CHECK(display_columns(l) <= 100);
  }
  CHECK(t.find("(hqc)") == std::string::npos);
  const std::string head = lines_of(t)[0];  // ours, then the original's beside it, in one table
  CHECK(head.find(" hybrid ") < head.find(" original "));
  CHECK(head.find(" original ") < head.find(" classical "));
  CHECK(head.find(" classical ") < head.rfind(" original"));
  CHECK(t.find("peak memory (MB)") != std::string::npos);
  // Five runs do not fit in one table: every metric row shows up once per table, each table fits.
  std::vector<RunResult> five = two;
  five.push_back(run("hybrid, Linear(16,4)", "hybrid", "linear", 0.94));
  five.push_back(run("hybrid, rotations only", "hybrid", "rotations", 0.92));
  five.push_back(run("hybrid, 6 qubits", "hybrid", "circuit", 0.91));
  five.back().qubits = 6;
  const std::string t5 = render_terminal_table(ctx, five);
  std::size_t tables = 0;
  for (const auto& l : lines_of(t5)) {
    CAPTURE(l);
    CHECK(display_columns(l) <= 100);
    tables += l.rfind("metric", 0) == 0;
  }
  CHECK(tables >= 2);
  for (const char* name : {"hybrid, Linear(16,4)", "hybrid, rotations only", "hybrid, 6 qubits"}) CHECK(t5.find(name) != std::string::npos);
}

TEST_CASE("the memory figures say whose peak they are") {
  ReportContext ctx;
  ctx.dataset = "fashion-mnist";
  const std::vector<RunResult> one{run("hybrid", "hybrid", "circuit", 0.9)};
  ctx.memory = PeakMemory::per_model;
  CHECK(render_terminal_table(ctx, one).find("peak memory: each model's own peak") != std::string::npos);
  CHECK(render_report(ctx, one).find("Peak memory: each model's own peak") != std::string::npos);
  ctx.memory = PeakMemory::process;
  CHECK(render_terminal_table(ctx, one).find("peak memory: the process's peak since start") != std::string::npos);
  CHECK(render_report(ctx, one).find("Peak memory: the process's peak since start") != std::string::npos);
}

TEST_CASE("report.md says each sentence once") {
  ReportContext ctx;
  ctx.dataset = "mnist";
  ctx.attack = "PGD, eps 0.1 (pixel units), step 0.01, 10 steps, random start, first 100 test images";
  ctx.command = "hqc compare --dataset mnist";
  ctx.comparison_png = "comparison.png";
  const std::string md = render_report(ctx, {run("hybrid", "hybrid", "circuit", 0.95), run("classical", "classical", "circuit", 0.93)});
  // The attack's description (as compare writes it) already says which images: not said twice.
  const std::size_t robust = md.find("Robust accuracy: ");
  REQUIRE(robust != std::string::npos);
  const std::string line = md.substr(robust, md.find('\n', robust) - robust);
  CHECK(line.find("test images") == line.rfind("test images"));
  // Sentences of the prose (table rows and headings aside), split at ". ".
  std::vector<std::string> sentences;
  for (const auto& l : lines_of(md)) {
    if (l.empty() || l[0] == '|' || l[0] == '#' || l[0] == '!' || l[0] == '`') continue;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= l.size(); ++i)
      if (i == l.size() || l.compare(i, 2, ". ") == 0) {
        if (i > start) sentences.push_back(l.substr(start, i - start));
        start = i + 2;
      }
  }
  REQUIRE(sentences.size() > 3);
  for (std::size_t i = 0; i < sentences.size(); ++i)
    for (std::size_t j = 0; j < i; ++j) {
      CAPTURE(sentences[i]);
      CHECK(sentences[i] != sentences[j]);
    }
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
  CHECK(md.find("original hybrid") != std::string::npos);
  CHECK(md.find("original classical") == std::string::npos);
  CHECK(md.find("not the original's for every model") != std::string::npos);
}

TEST_CASE("the original's best epoch, which it did not publish, shows as a dash of 50 epochs") {
  ReportContext ctx;
  ctx.dataset = "mnist";
  const std::string t = render_terminal_table(ctx, {run("hybrid", "hybrid", "circuit", 0.95)});
  const std::size_t row = t.find("\nbest epoch");
  REQUIRE(row != std::string::npos);
  const std::string line = t.substr(row + 1, t.find('\n', row + 1) - row - 1);
  CAPTURE(line);
  CHECK(line.find("2 of 2") != std::string::npos);
  CHECK(line.find("— of 50") != std::string::npos);
}
