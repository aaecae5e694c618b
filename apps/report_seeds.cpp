// report_seeds.cpp — `hqc compare --seeds`: each metric's mean, sample standard deviation and 95 %
// interval over the seeds, the per-seed differences behind each claim of the original with their
// paired t-test, and a verdict per claim. report.md, the terminal and summary.json all read one
// SeedsAnalysis, so every number the report prints is in summary.json.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "apps/report.hpp"

namespace hqc::app {

const std::vector<Metric>& seed_metrics() {
  using O = std::optional<double>;
  static const std::vector<Metric> m = {
      {"test_accuracy_pct", "test accuracy (%)", 2, [](const RunResult& r) -> O { return 100 * r.test_accuracy; }},
      {"best_val_accuracy_pct", "validation accuracy, best epoch (%)", 2,
       [](const RunResult& r) -> O { return 100 * r.best_val_accuracy; }},
      {"f1_pct", "F1, macro (%)", 2, [](const RunResult& r) -> O { return 100 * r.f1; }},
      {"seconds_per_epoch_mean", "seconds per epoch, mean", 2, [](const RunResult& r) -> O { return r.seconds_per_epoch; }},
      {"seconds_first_epoch", "seconds, first epoch", 2,
       [](const RunResult& r) -> O { return r.epochs.empty() ? O{} : O{r.epochs.front().seconds}; }},
      {"seconds_last_epoch", "seconds, last epoch", 2,
       [](const RunResult& r) -> O { return r.epochs.empty() ? O{} : O{r.epochs.back().seconds}; }},
      // The process's own clock over the epochs' training and validation: what the run cost in compute,
      // whatever else the machine ran beside it (wall time grows with that; CPU time at 1 thread does not).
      {"cpu_seconds_per_epoch_mean", "CPU seconds per epoch, mean", 2,
       [](const RunResult& r) -> O {
         double sum = 0;
         for (const auto& e : r.epochs) {
           if (!(e.cpu_seconds > 0)) return O{};  // an epoch from before hqc kept CPU time
           sum += e.cpu_seconds;
         }
         return r.epochs.empty() ? O{} : O{sum / static_cast<double>(r.epochs.size())};
       }},
      {"parameters", "parameters", 0, [](const RunResult& r) -> O { return static_cast<double>(r.parameters); }},
      {"robust_accuracy_pct", "robust accuracy, PGD (%)", 2,
       [](const RunResult& r) -> O { return r.robust_accuracy ? O{100 * *r.robust_accuracy} : O{}; }},
      {"peak_rss_mb", "peak memory (MB)", 1, [](const RunResult& r) -> O { return r.peak_rss_mb; }},
      {"lda_separation", "features entering the head: LDA separation", 3,
       [](const RunResult& r) -> O { return r.lda_separation; }},
      {"silhouette", "features entering the head: silhouette", 3, [](const RunResult& r) -> O { return r.silhouette; }},
  };
  return m;
}

const Metric& seed_metric(const std::string& key) {
  for (const auto& m : seed_metrics())
    if (m.key == key) return m;
  throw std::invalid_argument("no metric '" + key + "'");
}

std::string verdict_text(Verdict v, int seeds) {
  if (v == Verdict::supported) return "supported";
  if (v == Verdict::not_supported) return "not supported";
  return "not resolved at " + std::to_string(seeds) + " seed" + (seeds == 1 ? "" : "s");
}

Verdict verdict_of(const PairedTest& t, int direction) {
  const Summary& d = t.difference;
  if (!d.ci_low || !d.ci_high) return Verdict::not_resolved;
  const double lo = direction > 0 ? *d.ci_low : -*d.ci_high, hi = direction > 0 ? *d.ci_high : -*d.ci_low;
  if (lo > 0) return Verdict::supported;
  if (hi < 0) return Verdict::not_supported;
  return Verdict::not_resolved;
}

namespace {
struct ClaimSpec {
  const char* claim;
  const char* a;
  const char* b;
  const char* metric;
  int direction;
};
// The original's claims (docs/study.md), each as a difference of two variants on one metric.
const ClaimSpec kClaims[] = {
    {"the hybrid is more accurate", "hybrid", "classical", "test_accuracy_pct", 1},
    {"the hybrid is faster per epoch (first epoch)", "hybrid", "classical", "seconds_first_epoch", -1},
    {"the hybrid is faster per epoch (last epoch)", "hybrid", "classical", "seconds_last_epoch", -1},
    {"the hybrid is faster per epoch (mean)", "hybrid", "classical", "seconds_per_epoch_mean", -1},
    {"the hybrid costs less CPU time per epoch (mean)", "hybrid", "classical", "cpu_seconds_per_epoch_mean", -1},
    {"the hybrid has fewer parameters", "hybrid", "classical", "parameters", -1},
    {"the hybrid is more robust to PGD", "hybrid", "classical", "robust_accuracy_pct", 1},
    {"the circuit adds something over Linear(16,4)", "hybrid", "linear", "test_accuracy_pct", 1},
    {"the circuit adds something over rotations without CNOTs", "hybrid", "rotations", "test_accuracy_pct", 1},
    {"the circuit's features separate the classes better than Linear(16,4)'s (silhouette)", "hybrid", "linear",
     "silhouette", 1},
    {"the circuit's features separate the classes better than the classical penultimate layer's (silhouette)", "hybrid",
     "classical", "silhouette", 1},
    {"architecture, not recipe: hybrid beats classical on the hybrid's recipe", "hybrid", "recipe-swap-classical",
     "test_accuracy_pct", 1},
    {"architecture, not recipe: hybrid beats classical on the classical's recipe", "recipe-swap-hybrid", "classical",
     "test_accuracy_pct", 1},
};

std::string fixed(double v, int decimals) {
  char b[48];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  std::string s = b;
  if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);  // no "-0.00"
  return s;
}
std::string signed_fixed(double v, int decimals) {
  const std::string s = fixed(v, decimals);
  return s[0] == '-' || s.find_first_not_of("0.") == std::string::npos ? s : "+" + s;
}
// "89.12 ± 0.38" ("89.12" alone with one seed).
std::string mean_sd(const Summary& s, int decimals, bool sign = false) {
  return (sign ? signed_fixed(s.mean, decimals) : fixed(s.mean, decimals)) + (s.sd ? " ± " + fixed(*s.sd, decimals) : "");
}
std::string interval(const Summary& s, int decimals, bool sign = false) {
  if (!s.ci_low) return "— (one seed)";
  return "[" + (sign ? signed_fixed(*s.ci_low, decimals) : fixed(*s.ci_low, decimals)) + ", " +
         (sign ? signed_fixed(*s.ci_high, decimals) : fixed(*s.ci_high, decimals)) + "]";
}
std::string p_text(const PairedTest& t) {
  if (!t.p) return "—";
  if (!t.t) return *t.p == 0 ? "0 (no spread)" : "1 (no spread)";  // every seed gave the same difference
  char b[32];
  std::snprintf(b, sizeof b, *t.p < 1e-4 ? "%.1e" : "%.4f", *t.p);
  return b;
}
std::string seeds_text(const std::vector<int>& seeds) {
  std::string s;
  for (int x : seeds) s += (s.empty() ? "" : ", ") + std::to_string(x);
  return s;
}
const RunResult* find_run(const std::vector<RunResult>& runs, const std::string& variant, int seed) {
  for (const auto& r : runs)
    if (r.variant == variant && r.seed == seed) return &r;
  return nullptr;
}
const ModelSummary* find_model(const SeedsAnalysis& a, const std::string& variant) {
  for (const auto& m : a.models)
    if (m.variant == variant) return &m;
  return nullptr;
}
const Summary* find_summary(const ModelSummary& m, const std::string& key) {
  for (const auto& [k, s] : m.metrics)
    if (k == key) return &s;
  return nullptr;
}
cli::Json opt(const std::optional<double>& v) { return v ? cli::Json(*v) : cli::Json(nullptr); }
cli::Json summary_json(const Summary& s) {
  cli::Json j = cli::Json::object();
  j.set("n", s.n).set("mean", s.mean).set("sd", opt(s.sd)).set("ci95_low", opt(s.ci_low)).set("ci95_high", opt(s.ci_high));
  return j;
}
}  // namespace

SeedsAnalysis analyse_seeds(const std::vector<RunResult>& runs) {
  SeedsAnalysis a;
  for (const auto& r : runs) {
    if (find_model(a, r.variant)) continue;
    ModelSummary m{r.name, r.variant, {}, {}};
    for (const auto& q : runs)
      if (q.variant == r.variant) {
        if (std::find(m.seeds.begin(), m.seeds.end(), q.seed) != m.seeds.end())
          throw std::invalid_argument("runs: " + r.variant + " has seed " + std::to_string(q.seed) + " twice");
        m.seeds.push_back(q.seed);
      }
    for (const auto& metric : seed_metrics()) {
      std::vector<double> v;
      for (int s : m.seeds)
        if (auto x = metric.of(*find_run(runs, r.variant, s))) {
          if (!std::isfinite(*x))
            throw std::invalid_argument("runs: " + metric.label + " of " + r.variant + ", seed " + std::to_string(s) +
                                        " is not a finite number");
          v.push_back(*x);
        }
      if (!v.empty()) m.metrics.emplace_back(metric.key, summarize(v));
    }
    a.models.push_back(std::move(m));
  }
  for (const auto& spec : kClaims) {
    const ModelSummary *ma = find_model(a, spec.a), *mb = find_model(a, spec.b);
    if (!ma || !mb) continue;
    const Metric& metric = seed_metric(spec.metric);
    Comparison c{spec.claim, spec.a, spec.b, spec.metric, spec.direction, {}, {}, {}, Verdict::not_resolved};
    std::vector<double> xa, xb;
    for (int s : ma->seeds) {
      const auto va = metric.of(*find_run(runs, spec.a, s));
      const RunResult* rb = find_run(runs, spec.b, s);
      if (!va || !rb) continue;
      const auto vb = metric.of(*rb);
      if (!vb) continue;
      c.seeds.push_back(s);
      xa.push_back(*va);
      xb.push_back(*vb);
      c.differences.push_back(*va - *vb);
    }
    if (c.seeds.empty()) continue;  // the metric is absent (no attack) or the seeds do not meet
    c.test = paired_t_test(xa, xb);
    c.verdict = verdict_of(c.test, c.direction);
    a.comparisons.push_back(std::move(c));
  }
  return a;
}

cli::Json seeds_summary_json(const ReportContext& ctx, const std::vector<RunResult>& runs, const SeedsAnalysis& a) {
  cli::Json j = cli::Json::object();
  j.set("dataset", ctx.dataset).set("epochs", ctx.epochs).set("batch", ctx.batch).set("threads", ctx.threads);
  j.set("seeds", cli::Json::array_of(ctx.seeds));
  j.set("train_images", ctx.train_images).set("val_images", ctx.val_images).set("test_images", ctx.test_images);
  j.set("attack", ctx.attack.empty() ? cli::Json(nullptr) : cli::Json(ctx.attack)).set("command", ctx.command);
  j.set("realism", ctx.realism.empty() ? cli::Json(nullptr) : cli::Json(ctx.realism));
  cli::Json jr = cli::Json::array();
  for (const auto& r : runs) {
    cli::Json x = cli::Json::object();
    x.set("variant", r.variant).set("name", r.name).set("seed", r.seed).set("folder", r.folder).set("recipe", r.recipe);
    for (const auto& m : seed_metrics()) x.set(m.key, opt(m.of(r)));
    jr.push(x);
  }
  j.set("runs", jr);
  cli::Json jm = cli::Json::array();
  for (const auto& m : a.models) {
    cli::Json x = cli::Json::object(), metrics = cli::Json::object();
    x.set("variant", m.variant).set("name", m.name).set("seeds", cli::Json::array_of(m.seeds));
    for (const auto& [k, s] : m.metrics) metrics.set(k, summary_json(s));
    x.set("metrics", metrics);
    jm.push(x);
  }
  j.set("models", jm);
  cli::Json jc = cli::Json::array();
  for (const auto& c : a.comparisons) {
    cli::Json x = cli::Json::object();
    x.set("claim", c.claim).set("a", c.a).set("b", c.b).set("metric", c.metric).set("direction", c.direction);
    x.set("seeds", cli::Json::array_of(c.seeds)).set("differences", cli::Json::array_of(c.differences));
    x.set("difference", summary_json(c.test.difference)).set("t", opt(c.test.t)).set("df", c.test.df).set("p", opt(c.test.p));
    x.set("verdict", verdict_text(c.verdict, static_cast<int>(c.seeds.size())));
    jc.push(x);
  }
  j.set("comparisons", jc);
  return j;
}

std::string render_seeds_report(const ReportContext& ctx, const std::vector<RunResult>& runs, const SeedsAnalysis& a) {
  std::ostringstream md;
  const int n = static_cast<int>(ctx.seeds.size());
  md << "# hqc compare: " << ctx.dataset << ", " << n << " seed" << (n == 1 ? "" : "s") << "\n\n";
  md << "Each model trained once per seed (" << seeds_text(ctx.seeds) << ") on the same data, for " << ctx.epochs
     << " epoch" << (ctx.epochs == 1 ? "" : "s") << " (batch " << ctx.batch << ", " << ctx.threads << " thread"
     << (ctx.threads == 1 ? "" : "s") << "). Images: " << ctx.train_images << " train, " << ctx.val_images
     << " validation (80/20 split by each seed), " << ctx.test_images << " test; data from `" << ctx.data_source
     << "`. Every number below is in summary.json; the rules are in docs/study.md (\"How hqc answers the claims\").\n\n";
  if (!ctx.realism.empty())
    md << "Quantum layers on hardware-like terms (docs/quantum.md, \"Noise and shots\"): " << ctx.realism
       << "; models without a circuit are unchanged.\n\n";
  md << "Recipes:\n\n";
  for (const auto& m : a.models) {
    const RunResult* r = find_run(runs, m.variant, m.seeds.front());
    md << "- " << m.name << " (`" << m.variant << "`): " << r->recipe << (r->own_recipe ? "" : " (not its own)") << "\n";
  }
  md << "\n## Verdicts\n\n"
        "Each claim of the original as a difference a − b per seed; supported when its 95 % interval excludes 0 "
        "in the claimed direction, not supported when it excludes 0 the other way, otherwise not resolved.\n\n"
        "| claim | a − b | metric | mean difference | 95 % interval | p (paired t) | verdict |\n"
        "|---|---|---|---:|---:|---:|---|\n";
  for (const auto& c : a.comparisons) {
    const Metric& m = seed_metric(c.metric);
    md << "| " << c.claim << " | " << c.a << " − " << c.b << " | " << m.label << " | "
       << signed_fixed(c.test.difference.mean, m.decimals) << " | " << interval(c.test.difference, m.decimals, true)
       << " | " << p_text(c.test) << " | " << verdict_text(c.verdict, static_cast<int>(c.seeds.size())) << " |\n";
  }
  if (a.comparisons.empty()) md << "| (no two variants a claim compares were run) | | | | | | |\n";
  md << "\n## Per model: mean ± sample standard deviation, [95 % interval of the mean]\n\n| metric |";
  for (const auto& m : a.models) md << " " << m.name << " |";
  md << "\n|---|";
  for (std::size_t i = 0; i < a.models.size(); ++i) md << "---:|";
  md << "\n";
  for (const auto& metric : seed_metrics()) {
    bool any = false;
    for (const auto& m : a.models) any |= find_summary(m, metric.key) != nullptr;
    if (!any) continue;
    md << "| " << metric.label << " |";
    for (const auto& m : a.models) {
      const Summary* s = find_summary(m, metric.key);
      md << " " << (s ? mean_sd(*s, metric.decimals) + " " + interval(*s, metric.decimals) : "—") << " |";
    }
    md << "\n";
  }
  md << "\nWith one seed there is no spread and no interval (\"—\"). The intervals are Student's t with n − 1 "
        "degrees of freedom; parameter counts do not vary with the seed.\n";
  md << "\n## Differences per seed (paired t-test)\n\n| a − b | metric |";
  std::vector<int> all = ctx.seeds;
  for (int s : all) md << " seed " << s << " |";
  md << " mean ± sd | t | df | p |\n|---|---|";
  for (std::size_t i = 0; i < all.size() + 4; ++i) md << "---:|";
  md << "\n";
  for (const auto& c : a.comparisons) {
    const Metric& m = seed_metric(c.metric);
    md << "| " << c.a << " − " << c.b << " | " << m.label << " |";
    for (int s : all) {
      const auto it = std::find(c.seeds.begin(), c.seeds.end(), s);
      md << " " << (it == c.seeds.end() ? std::string("—") : signed_fixed(c.differences[it - c.seeds.begin()], m.decimals)) << " |";
    }
    md << " " << mean_sd(c.test.difference, m.decimals, true) << " | " << (c.test.t ? fixed(*c.test.t, 3) : "—") << " | "
       << (c.test.p ? std::to_string(c.test.df) : "—") << " | " << p_text(c.test) << " |\n";
  }
  md << "\n## Runs\n\n| model | seed |";
  for (const auto& metric : seed_metrics()) md << " " << metric.label << " |";
  md << "\n|---|---:|";
  for (std::size_t i = 0; i < seed_metrics().size(); ++i) md << "---:|";
  md << "\n";
  for (const auto& r : runs) {
    md << "| [" << r.name << "](" << r.folder << ") | " << r.seed << " |";
    for (const auto& metric : seed_metrics()) {
      const auto v = metric.of(r);
      md << " " << (v ? fixed(*v, metric.decimals) : "—") << " |";
    }
    md << "\n";
  }
  md << "\n";
  if (ctx.attack.empty())
    md << "Robust accuracy: no attack was run (`--attack-steps 0`).\n";
  else
    md << "Robust accuracy: " << ctx.attack << (ctx.attack.find("normalised") == std::string::npos ? "; pixels kept in [0, 1]" : "")
       << ".\n";
  md << "Peak memory: " << peak_memory_note(ctx.memory) << ".\n";
  md << "\nThe original (arXiv 2509.13353) published one run per model, no seed: on MNIST hybrid 99.49 % and "
        "classical 98.56 % test accuracy after 50 epochs (docs/study.md).\n";
  md << "\n## Curves\n\n";
  if (!ctx.comparison_png.empty())
    md << "![validation accuracy and training loss per epoch (first seed), test and robust accuracy with ± sample "
          "standard deviation over the seeds](" << ctx.comparison_png << ")\n\n";
  for (const auto& r : runs)
    if (!r.curves_png.empty()) md << "- " << r.name << ", seed " << r.seed << ": [curves](" << r.curves_png << "), [confusion](" << r.confusion_png << ")\n";
  if (!ctx.command.empty()) md << "\n## Command\n\n```\n" << ctx.command << "\n```\n";
  return md.str();
}

std::string render_seeds_terminal(const ReportContext& ctx, const SeedsAnalysis& a, std::size_t max_width) {
  std::ostringstream out;
  const char* keys[] = {"test_accuracy_pct", "robust_accuracy_pct", "seconds_per_epoch_mean", "parameters"};
  const char* heads[] = {"test acc (%)", "robust (%)", "s/epoch", "params"};
  const auto clip = [&](std::string s, std::size_t w) {
    std::size_t cells = 0, i = 0;
    for (; i < s.size(); ++i)
      if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && ++cells > w) break;
    return s.substr(0, i);
  };
  const auto width = [](const std::string& s) {
    std::size_t n = 0;
    for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
    return n;
  };
  const auto pad = [&](const std::string& s, std::size_t w, bool right) {
    const std::string fill(w > width(s) ? w - width(s) : 0, ' ');
    return right ? fill + s : s + fill;
  };
  out << "mean ± sd over " << ctx.seeds.size() << " seed" << (ctx.seeds.size() == 1 ? "" : "s") << " ("
      << seeds_text(ctx.seeds) << ")\n";
  out << pad("model", 26, false);
  for (const char* h : heads) out << "  " << pad(h, 16, true);
  out << "\n";
  for (const auto& m : a.models) {
    out << pad(clip(m.name, 26), 26, false);
    for (std::size_t i = 0; i < 4; ++i) {
      const Summary* s = find_summary(m, keys[i]);
      out << "  " << pad(s ? mean_sd(*s, seed_metric(keys[i]).decimals) : "—", 16, true);
    }
    out << "\n";
  }
  if (!a.comparisons.empty()) out << "\nverdicts (95 % interval of a − b; report.md has the rule):\n";
  for (const auto& c : a.comparisons) {
    const Metric& m = seed_metric(c.metric);
    out << clip(c.claim, max_width) << "\n";
    out << clip("  " + c.a + " − " + c.b + ": " + signed_fixed(c.test.difference.mean, m.decimals) + " " +
                    interval(c.test.difference, m.decimals, true) + "  " +
                    verdict_text(c.verdict, static_cast<int>(c.seeds.size())),
                max_width)
        << "\n";
  }
  out << "peak memory: " << peak_memory_note(ctx.memory) << ".\n";
  return out.str();
}

}  // namespace hqc::app
