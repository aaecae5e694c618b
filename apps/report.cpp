// report.cpp — report.md and the terminal table of `hqc compare`.
#include "apps/report.hpp"

#include <cstdio>
#include <sstream>

namespace hqc::app {

std::optional<PublishedResult> published_result(const std::string& dataset, const std::string& model) {
  // docs/study.md, "Results of the original": best validation / test accuracy, s/epoch at epochs 1 and 50,
  // and the parameter counts of the authors' models.
  const char* mnist_note = "PGD eps 0.1 in normalised units, every 5 epochs on validation";
  if (dataset == "mnist" && model == "hybrid") return PublishedResult{142530, 99.38, 99.49, 18.81, 21.56, 45.27, std::string("best of the checks; ") + mnist_note};
  if (dataset == "mnist" && model == "classical") return PublishedResult{151754, 98.21, 98.56, 27.93, 108.44, 10.80, std::string("at every check; ") + mnist_note};
  if (dataset == "cifar100" && model == "hybrid") return PublishedResult{1164796, 41.69, 44.68, 41.19, 43.66, std::nullopt, "near chance"};
  if (dataset == "cifar100" && model == "classical") return PublishedResult{1710436, 32.25, 32.85, 98.42, 514.31, std::nullopt, "near chance"};
  if (dataset == "stl10" && model == "hybrid") return PublishedResult{4603298, 74.05, 75.03, 48.99, 38.87, std::nullopt, "near chance"};
  if (dataset == "stl10" && model == "classical") return PublishedResult{1687306, 63.76, 64.35, 115.52, 375.77, std::nullopt, "near chance"};
  return std::nullopt;
}

const char* peak_memory_note(PeakMemory m) {
  return m == PeakMemory::per_model ? "each model's own peak (VmHWM, reset before each model; training and attack)"
                                    : "the process's peak since start (cannot be reset here; covers earlier models)";
}

namespace {
std::string pct(double fraction) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", 100.0 * fraction);
  return b;
}
std::string fixed(double v, int decimals) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}
std::string thousands(int64_t v) {
  std::string s = std::to_string(v < 0 ? -v : v), out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i > 0 && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return v < 0 ? "-" + out : out;
}

struct Column {
  std::string title;
  const RunResult* run = nullptr;           // ours
  std::optional<PublishedResult> published;  // or the original's
};

// The column list: each of our runs, followed by the original's numbers when they apply to it.
std::vector<Column> columns(const ReportContext& ctx, const std::vector<RunResult>& runs) {
  std::vector<Column> cols;
  for (const auto& r : runs) {
    cols.push_back({r.name, &r, std::nullopt});
    if (r.is_original_configuration())
      if (auto p = published_result(ctx.dataset, r.model)) cols.push_back({"original " + r.model, nullptr, p});
  }
  return cols;
}

using Row = std::pair<std::string, std::vector<std::string>>;

std::vector<Row> rows(const ReportContext&, const std::vector<Column>& cols, const std::vector<RunResult>& runs) {
  std::vector<Row> out;
  auto add = [&](const std::string& name, auto ours, auto theirs) {
    Row r{name, {}};
    for (const auto& c : cols) r.second.push_back(c.run ? ours(*c.run) : theirs(*c.published));
    out.push_back(std::move(r));
  };
  const std::string none = "—";
  add("validation accuracy, best epoch (%)", [](const RunResult& r) { return pct(r.best_val_accuracy); },
      [](const PublishedResult& p) { return fixed(p.val_accuracy, 2); });
  add("test accuracy (%)", [](const RunResult& r) { return pct(r.test_accuracy); },
      [](const PublishedResult& p) { return fixed(p.test_accuracy, 2); });
  add("precision, macro (%)", [](const RunResult& r) { return pct(r.precision); }, [&](const PublishedResult&) { return none; });
  add("recall, macro (%)", [](const RunResult& r) { return pct(r.recall); }, [&](const PublishedResult&) { return none; });
  add("F1, macro (%)", [](const RunResult& r) { return pct(r.f1); }, [&](const PublishedResult&) { return none; });
  add("test loss", [](const RunResult& r) { return fixed(r.test_loss, 4); }, [&](const PublishedResult&) { return none; });
  add("best epoch", [](const RunResult& r) { return std::to_string(r.best_epoch) + " of " + std::to_string(r.epochs.size()); },
      [&](const PublishedResult&) { return std::string("— of 50"); });
  add("seconds per epoch, mean", [](const RunResult& r) { return fixed(r.seconds_per_epoch, 2); },
      [&](const PublishedResult&) { return none; });
  add("seconds per epoch, first / last",
      [](const RunResult& r) {
        return r.epochs.empty() ? std::string("—") : fixed(r.epochs.front().seconds, 2) + " / " + fixed(r.epochs.back().seconds, 2);
      },
      [](const PublishedResult& p) { return fixed(p.first_epoch_seconds, 2) + " / " + fixed(p.last_epoch_seconds, 2); });
  add("parameters", [](const RunResult& r) { return thousands(r.parameters); },
      [](const PublishedResult& p) { return thousands(p.parameters); });
  add("peak memory (MB)", [](const RunResult& r) { return fixed(r.peak_rss_mb, 1); },
      [&](const PublishedResult&) { return none; });
  add("clean accuracy, attacked subset (%)",
      [&](const RunResult& r) { return r.clean_accuracy ? pct(*r.clean_accuracy) : none; },
      [&](const PublishedResult&) { return none; });
  add("robust accuracy (%)",
      [&](const RunResult& r) { return r.robust_accuracy ? pct(*r.robust_accuracy) : none; },
      [&](const PublishedResult& p) { return p.robust_accuracy ? fixed(*p.robust_accuracy, 2) + "*" : p.robust_note + "*"; });
  bool features = false;  // rows only when measured, so a comparison without them reads as before
  for (const auto& r : runs) features = features || r.silhouette.has_value();
  if (features) {
    add("features: LDA separation",
        [&](const RunResult& r) { return r.lda_separation ? fixed(*r.lda_separation, 3) : none; },
        [&](const PublishedResult&) { return none; });
    add("features: silhouette",
        [&](const RunResult& r) { return r.silhouette ? fixed(*r.silhouette, 3) : none; },
        [&](const PublishedResult&) { return none; });
  }
  return out;
}
}  // namespace

std::string render_report(const ReportContext& ctx, const std::vector<RunResult>& runs) {
  std::ostringstream md;
  md << "# hqc compare: " << ctx.dataset << "\n\n";
  bool own = true;
  for (const auto& r : runs) own = own && r.own_recipe;
  md << (own ? "Each model trained with the original study's recipe for it (docs/study.md), the same seed and the same "
               "data, for "
             : "Each model trained with the recipe listed below (not the original's for every model), the same seed and "
               "the same data, for ")
     << ctx.epochs << " epoch" << (ctx.epochs == 1 ? "" : "s") << " (batch " << ctx.batch << ", seed " << ctx.seed
     << ", " << ctx.threads << " thread" << (ctx.threads == 1 ? "" : "s") << "). Images: " << thousands(ctx.train_images)
     << " train, " << thousands(ctx.val_images) << " validation (seeded 80/20 split of the official training set), "
     << thousands(ctx.test_images) << " test; data from `" << ctx.data_source << "`. The best epoch by validation "
        "accuracy is evaluated once on the test split.\n\n";
  if (!ctx.realism.empty())
    md << "Quantum layers on hardware-like terms (docs/quantum.md, \"Noise and shots\"): " << ctx.realism
       << "; models without a circuit are unchanged.\n\n";
  bool any_recipe = false;
  for (const auto& r : runs) any_recipe = any_recipe || !r.recipe.empty();
  if (any_recipe) {
    md << "Recipes:\n\n";
    for (const auto& r : runs)
      if (!r.recipe.empty()) md << "- " << r.name << ": " << r.recipe << (r.own_recipe ? "" : " (recipe flags)") << "\n";
    md << "\n";
  }
  const auto cols = columns(ctx, runs);
  md << "| metric |";
  for (const auto& c : cols) md << " " << c.title << " |";
  md << "\n|---|";
  for (std::size_t i = 0; i < cols.size(); ++i) md << "---:|";
  md << "\n";
  for (const auto& [name, cells] : rows(ctx, cols, runs)) {
    md << "| " << name << " |";
    for (const auto& c : cells) md << " " << c << " |";
    md << "\n";
  }
  md << "\n";
  bool any_published = false;
  for (const auto& c : cols) any_published |= c.published.has_value();
  if (ctx.attack.empty())
    md << "Robust accuracy: no attack was run (`--attack-steps 0`).\n";
  else
    md << "Robust accuracy: " << ctx.attack << (ctx.attack.find("normalised") == std::string::npos ? "; pixels kept in [0, 1]" : "")
       << ".\n";
  md << "Peak memory: " << peak_memory_note(ctx.memory) << ".\n";
  if (any_published)
    md << "\nOriginal: the published numbers of arXiv 2509.13353 and its authors' code, 50 epochs, no seed. "
          "Its seconds per epoch are epochs 1 and 50 on the authors' machine; its memory figures were whole-machine "
          "readings, so none is comparable with ours. *Its attack clamped already-normalised inputs to [0, 1], so its "
          "eps-ball is not the pixel-space one used here.\n";
  else
    md << "\nThe original study did not run " << ctx.dataset
       << ", so it has no published numbers for it; its MNIST results (same architectures) were hybrid 99.38 / 99.49 % "
          "and classical 98.21 / 98.56 % (validation / test) after 50 epochs.\n";
  md << "\n## Curves\n\n";
  if (!ctx.comparison_png.empty()) md << "![validation accuracy and training loss per epoch, test and robust accuracy of every run](" << ctx.comparison_png << ")\n\n";
  for (const auto& r : runs) {
    md << "### " << r.name << "\n\n";
    if (!r.curves_png.empty()) md << "![loss and accuracy per epoch, " << r.name << "](" << r.curves_png << ")\n\n";
    if (!r.confusion_png.empty()) md << "![confusion matrix on the test split, " << r.name << "](" << r.confusion_png << ")\n\n";
    if (!r.pca_png.empty())
      md << "![features entering the head, PCA, " << r.name << "](" << r.pca_png << ") ![features entering the head, t-SNE, "
         << r.name << "](" << r.tsne_png << ")\n\n";
  }
  if (!ctx.command.empty()) md << "## Command\n\n```\n" << ctx.command << "\n```\n";
  return md.str();
}

std::string render_terminal_table(const ReportContext& ctx, const std::vector<RunResult>& runs, std::size_t max_width) {
  auto cols = columns(ctx, runs);
  for (auto& c : cols)
    if (!c.run) c.title = "original";  // beside the run it belongs to; the line below the table says whose

  const auto table = rows(ctx, cols, runs);
  // "—" is three bytes but one column wide.
  auto display = [](const std::string& s) {
    std::size_t n = 0;
    for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
    return n;
  };
  std::vector<std::size_t> width(cols.size() + 1, 0);
  width[0] = 6;
  for (const auto& [name, cells] : table) width[0] = std::max(width[0], display(name));
  for (std::size_t i = 0; i < cols.size(); ++i) {
    width[i + 1] = display(cols[i].title);
    for (const auto& row : table) width[i + 1] = std::max(width[i + 1], display(row.second[i]));
  }
  auto pad = [&](const std::string& s, std::size_t w, bool right) {
    const std::size_t d = display(s);
    const std::string fill(w > d ? w - d : 0, ' ');
    return right ? fill + s : s + fill;
  };
  // Tables of whole units (a run and the original's column beside it) that fit max_width; a unit wider
  // than that alone still gets a table of its own.
  std::vector<std::vector<std::size_t>> parts;
  std::size_t used = 0;
  for (std::size_t i = 0; i < cols.size();) {
    std::size_t end = i + 1, unit = 2 + width[i + 1];
    if (end < cols.size() && !cols[end].run) unit += 2 + width[end + 1], ++end;
    if (parts.empty() || used + unit > max_width) parts.emplace_back(), used = width[0];
    for (; i < end; ++i) parts.back().push_back(i);
    used += unit;
  }
  std::ostringstream out;
  for (std::size_t t = 0; t < parts.size(); ++t) {
    if (t > 0) out << "\n";
    out << pad("metric", width[0], false);
    for (std::size_t i : parts[t]) out << "  " << pad(cols[i].title, width[i + 1], true);
    out << "\n";
    for (const auto& [name, cells] : table) {
      out << pad(name, width[0], false);
      for (std::size_t i : parts[t]) out << "  " << pad(cells[i], width[i + 1], true);
      out << "\n";
    }
  }
  bool any_published = false;
  for (const auto& c : cols) any_published |= c.published.has_value();
  if (any_published)
    out << "\noriginal: published in arXiv 2509.13353 (50 epochs); *its attack's eps-ball differs (report.md).\n";
  else
    out << "\n";
  out << "peak memory: " << peak_memory_note(ctx.memory) << ".\n";
  return out.str();
}

}  // namespace hqc::app
