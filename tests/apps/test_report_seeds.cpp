// test_report_seeds.cpp — report.md over several seeds: the verdict rule gives each of its three
// answers, the summaries and tests are those of apps/stats, summary.json holds what report.md prints,
// and the terminal stays within its width.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "apps/report.hpp"

using namespace hqc::app;

namespace {
// A made-up run: accuracy and seconds per epoch as given, the rest fixed.
RunResult run(const std::string& variant, int seed, double acc, double seconds, int64_t params) {
  RunResult r;
  r.name = variant;
  r.variant = variant;
  r.model = variant == "classical" ? "classical" : "hybrid";
  r.seed = seed;
  r.folder = variant + "/seed-" + std::to_string(seed);
  r.dataset = "fashion-mnist";
  r.parameters = params;
  r.epochs = {{1, 1.0, 0.8, 0.9, acc - 0.01, 1e-3, seconds + 1}, {2, 0.7, 0.9, 0.6, acc, 1e-3, seconds - 1}};
  r.best_epoch = 2;
  r.best_val_accuracy = acc;
  r.test_accuracy = acc;
  r.precision = r.recall = r.f1 = acc;
  r.seconds_per_epoch = seconds;
  r.robust_accuracy = acc / 2;
  r.recipe = "AdamW";
  return r;
}
// Three seeds of four variants: the hybrid is clearly more accurate than the classical model, clearly
// slower per epoch, and within noise of the Linear(16,4) ablation.
std::vector<RunResult> three_seeds() {
  std::vector<RunResult> runs;
  const double hybrid[] = {0.880, 0.884, 0.882}, classical[] = {0.860, 0.861, 0.859}, linear[] = {0.885, 0.875, 0.884};
  const double s_h[] = {10.0, 10.2, 10.1}, s_c[] = {5.0, 5.1, 5.0};
  for (int s = 0; s < 3; ++s) {
    runs.push_back(run("hybrid", s, hybrid[s], s_h[s], 1000));
    runs.push_back(run("classical", s, classical[s], s_c[s], 1200));
    runs.push_back(run("linear", s, linear[s], 9.0, 990));
  }
  return runs;
}
const Comparison& find(const SeedsAnalysis& a, const std::string& b, const std::string& metric) {
  const auto it = std::find_if(a.comparisons.begin(), a.comparisons.end(),
                               [&](const Comparison& c) { return c.b == b && c.metric == metric; });
  REQUIRE(it != a.comparisons.end());
  return *it;
}
ReportContext context() {
  ReportContext ctx;
  ctx.dataset = "fashion-mnist";
  ctx.epochs = 2;
  ctx.seeds = {0, 1, 2};
  ctx.attack = "PGD";
  return ctx;
}
}  // namespace

TEST_CASE("the verdict rule: interval beyond 0 in the claimed direction, the other, or holding 0") {
  const auto a = analyse_seeds(three_seeds());
  const Comparison& acc = find(a, "classical", "test_accuracy_pct");
  CHECK(acc.verdict == Verdict::supported);  // +2.2 pp on every seed
  const Comparison& time = find(a, "classical", "seconds_per_epoch_mean");
  CHECK(time.direction == -1);
  CHECK(time.verdict == Verdict::not_supported);  // the claim is "faster"; it is twice as slow
  const Comparison& circuit = find(a, "linear", "test_accuracy_pct");
  CHECK(circuit.verdict == Verdict::not_resolved);  // -0.5, +0.9, -0.2 pp
  CHECK(verdict_text(circuit.verdict, 3) == "not resolved at 3 seeds");
  // Parameters do not vary with the seed: the difference is exact and the claim "fewer" holds.
  CHECK(find(a, "classical", "parameters").verdict == Verdict::supported);
  CHECK(*find(a, "classical", "parameters").test.p == 0);
  // No recipe swap was run, so neither recipe claim is made.
  CHECK(std::none_of(a.comparisons.begin(), a.comparisons.end(),
                     [](const Comparison& c) { return c.a == "recipe-swap-hybrid" || c.b == "recipe-swap-classical"; }));
}

TEST_CASE("differences are paired by seed and tested as apps/stats does") {
  const auto a = analyse_seeds(three_seeds());
  const Comparison& acc = find(a, "classical", "test_accuracy_pct");
  REQUIRE(acc.seeds == std::vector<int>{0, 1, 2});
  CHECK(acc.differences[1] == doctest::Approx(2.3).epsilon(1e-9));
  const std::vector<double> h{88.0, 88.4, 88.2}, c{86.0, 86.1, 85.9};
  const PairedTest t = paired_t_test(h, c);
  CHECK(acc.test.difference.mean == doctest::Approx(t.difference.mean).epsilon(1e-12));
  CHECK(*acc.test.p == doctest::Approx(*t.p).epsilon(1e-9));
  CHECK(acc.test.df == 2);
}

TEST_CASE("one seed: means only, every claim not resolved, no NaN anywhere") {
  std::vector<RunResult> runs{run("hybrid", 4, 0.9, 10, 1000), run("classical", 4, 0.8, 5, 1200)};
  const auto a = analyse_seeds(runs);
  for (const auto& c : a.comparisons) CHECK(c.verdict == Verdict::not_resolved);
  ReportContext ctx = context();
  ctx.seeds = {4};
  const std::string md = render_seeds_report(ctx, runs, a);
  CHECK(md.find("nan") == std::string::npos);
  CHECK(md.find("not resolved at 1 seed |") != std::string::npos);
  CHECK(md.find("— (one seed)") != std::string::npos);
  const std::string json = seeds_summary_json(ctx, runs, a).dump();
  CHECK(json.find("\"sd\": null") != std::string::npos);
}

TEST_CASE("report.md shows each model's mean ± sd with its interval and a verdict row per claim") {
  const auto runs = three_seeds();
  const auto a = analyse_seeds(runs);
  const std::string md = render_seeds_report(context(), runs, a);
  // hybrid: 88.0, 88.4, 88.2 -> mean 88.20, sd 0.20, 95 % interval 88.2 ± 4.3027 * 0.2 / sqrt(3).
  CHECK(md.find("88.20 ± 0.20 [87.70, 88.70]") != std::string::npos);
  CHECK(md.find("| the hybrid is more accurate | hybrid − classical | test accuracy (%) | +2.20 |") != std::string::npos);
  CHECK(md.find("| not supported |") != std::string::npos);
  CHECK(md.find("| supported |") != std::string::npos);
  CHECK(md.find("| not resolved at 3 seeds |") != std::string::npos);
  CHECK(md.find("[hybrid](hybrid/seed-2)") != std::string::npos);
}

TEST_CASE("summary.json holds the numbers of report.md") {
  const auto runs = three_seeds();
  const auto a = analyse_seeds(runs);
  const std::string json = seeds_summary_json(context(), runs, a).dump();
  CHECK(json.find("\"verdict\": \"supported\"") != std::string::npos);
  CHECK(json.find("\"verdict\": \"not supported\"") != std::string::npos);
  CHECK(json.find("\"seeds\": [0, 1, 2]") != std::string::npos);
  // The hybrid's interval printed as [87.70, 88.70] above.
  const double half = 4.302652729749464 * 0.2 / std::sqrt(3.0);
  const Summary* s = nullptr;
  for (const auto& [k, v] : a.models[0].metrics)
    if (k == "test_accuracy_pct") s = &v;
  REQUIRE(s);
  CHECK(*s->ci_low == doctest::Approx(88.2 - half).epsilon(1e-9));
}

TEST_CASE("the terminal summary stays within 100 columns, six variants and long claims included") {
  auto runs = three_seeds();
  for (int s = 0; s < 3; ++s) {
    runs.push_back(run("rotations", s, 0.87 + 0.001 * s, 9.5, 1000));
    runs.push_back(run("recipe-swap-classical", s, 0.85 + 0.002 * s, 5.2, 1200));
    runs.push_back(run("recipe-swap-hybrid", s, 0.86 + 0.001 * s, 10.4, 1000));
  }
  runs.back().name = "hybrid, classical's recipe, with a long name";
  const auto a = analyse_seeds(runs);
  CHECK(a.comparisons.size() == 10);
  const std::string term = render_seeds_terminal(context(), a);
  std::size_t start = 0;
  while (start < term.size()) {
    const std::size_t end = term.find('\n', start);
    const std::string line = term.substr(start, end - start);
    std::size_t cells = 0;
    for (unsigned char ch : line) cells += (ch & 0xC0) != 0x80;
    INFO(line);
    CHECK(cells <= 100);
    start = end + 1;
  }
}

TEST_CASE("a variant with the same seed twice, or a non-finite metric, is refused") {
  auto runs = three_seeds();
  runs.push_back(runs.front());
  CHECK_THROWS_AS(analyse_seeds(runs), std::invalid_argument);
  runs = three_seeds();
  runs[0].test_accuracy = std::nan("");
  CHECK_THROWS_AS(analyse_seeds(runs), std::invalid_argument);
}

TEST_CASE("CPU time per epoch: the mean of the epochs' own-clock seconds, its claim made only when every epoch has one") {
  auto runs = three_seeds();
  // Without CPU times (runs from before hqc kept them) neither the metric nor its claim appears.
  auto a = analyse_seeds(runs);
  CHECK(std::none_of(a.comparisons.begin(), a.comparisons.end(),
                     [](const Comparison& c) { return c.metric == "cpu_seconds_per_epoch_mean"; }));
  // The hybrid's epochs cost 7 and 9 CPU seconds (mean 8), the classical model's 3 and 5 (mean 4):
  // whatever the wall times, the claim "cheaper" fails on every seed.
  for (auto& r : runs) {
    const double base = r.variant == "classical" ? 3.0 : 7.0;
    r.epochs[0].cpu_seconds = base + 0.01 * r.seed;
    r.epochs[1].cpu_seconds = base + 2 + 0.01 * r.seed;
  }
  a = analyse_seeds(runs);
  const Comparison& cpu = find(a, "classical", "cpu_seconds_per_epoch_mean");
  CHECK(cpu.direction == -1);
  CHECK(cpu.test.difference.mean == doctest::Approx(4.0));
  CHECK(cpu.verdict == Verdict::not_supported);
  // One epoch without a CPU time leaves that run's metric out.
  runs[0].epochs[1].cpu_seconds = 0;
  a = analyse_seeds(runs);
  int found = 0;
  for (const auto& m : a.models)
    if (m.variant == "hybrid")
      for (const auto& [k, v] : m.metrics)
        if (k == "cpu_seconds_per_epoch_mean") {
          CHECK(v.n == 2);
          ++found;
        }
  CHECK(found == 1);
}
