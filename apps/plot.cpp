// plot.cpp — line plots and the confusion heat map, drawn on a Canvas.
#include "apps/plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "nn/atomic_file.hpp"

namespace hqc::app {

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return {};
  if (hi < lo) std::swap(lo, hi);
  if (hi == lo) {
    const double pad = lo == 0 ? 1.0 : std::fabs(lo) * 0.1;
    lo -= pad, hi += pad;
  }
  target = std::max(target, 2);
  const double raw = (hi - lo) / (target - 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> ticks;
  const double first = std::ceil(lo / step - 1e-9) * step;
  for (int i = 0;; ++i) {
    double t = first + i * step;
    if (t > hi + step * 1e-9) break;
    if (std::fabs(t) < step * 1e-9) t = 0.0;  // no "-0" or 1e-17 at zero
    ticks.push_back(t);
  }
  return ticks;
}

std::string tick_label(double value, double step) {
  char buf[48];
  if (step > 0 && (step < 1e-3 || std::fabs(value) >= 1e6)) {
    std::snprintf(buf, sizeof buf, "%.3g", value);
    return buf;
  }
  int decimals = 0;
  if (step > 0)
    while (decimals < 6 && std::fabs(step * std::pow(10.0, decimals) - std::round(step * std::pow(10.0, decimals))) > 1e-6)
      ++decimals;
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

namespace {
constexpr int kScale = 1;  // text scale inside plots; titles use 2

void finite_range(const std::vector<double>& v, double& lo, double& hi) {
  for (double d : v)
    if (std::isfinite(d)) lo = std::min(lo, d), hi = std::max(hi, d);
}
}  // namespace

void draw_line_plot(Canvas& cv, int x, int y, int w, int h, const LinePlot& plot) {
  double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo, ylo = xlo, yhi = -xlo;
  for (const auto& s : plot.series) {
    if (s.x.size() != s.y.size())
      throw std::invalid_argument("plot '" + plot.title + "': series '" + s.name + "' has " +
                                  std::to_string(s.x.size()) + " x values but " + std::to_string(s.y.size()) + " y values");
    finite_range(s.x, xlo, xhi);
    finite_range(s.y, ylo, yhi);
  }
  if (!std::isfinite(xlo)) xlo = 0, xhi = 1;
  if (!std::isfinite(ylo)) ylo = 0, yhi = 1;
  if (plot.y_from_zero) ylo = std::min(ylo, 0.0), yhi = std::max(yhi, 0.0);
  // Frame: title on top, y label on the left, tick labels, x label at the bottom.
  const int title_h = plot.title.empty() ? 4 : Canvas::text_height(plot.title, 2) + 10;
  std::vector<double> yt = nice_ticks(ylo, yhi, std::max(3, h / 60));
  // A labelled tick at or beyond each end of the data, so the lowest and highest values can be read.
  if (yt.size() > 1) {
    const double step = yt[1] - yt[0];
    if (yt.front() > ylo + step * 1e-9) yt.insert(yt.begin(), yt.front() - step);
    if (yt.back() < yhi - step * 1e-9) yt.push_back(yt.back() + step);
    if (std::fabs(yt.front()) < step * 1e-9) yt.front() = 0.0;
  }
  std::vector<double> xt = nice_ticks(xlo, xhi, std::max(3, w / 80));
  if (plot.x_integer && xt.size() > 1 && xt[1] - xt[0] < 1) {  // epochs 1..3: ticks 1, 2, 3 only
    xt.clear();
    for (double v = std::ceil(xlo); v <= xhi; v += 1) xt.push_back(v);
  }
  const double ystep = yt.size() > 1 ? yt[1] - yt[0] : 1.0, xstep = xt.size() > 1 ? xt[1] - xt[0] : 1.0;
  // Widen the ranges to the outer ticks so the data sits inside a round frame.
  if (!yt.empty()) ylo = std::min(ylo, yt.front()), yhi = std::max(yhi, yt.back());
  if (!xt.empty()) xlo = std::min(xlo, xt.front()), xhi = std::max(xhi, xt.back());
  if (yhi == ylo) yhi = ylo + 1;
  if (xhi == xlo) xhi = xlo + 1;
  int label_w = 0;
  for (double t : yt) label_w = std::max(label_w, Canvas::text_width(tick_label(t, ystep), kScale));
  const int left = x + (plot.y_label.empty() ? 0 : 16) + label_w + 8;
  const int top = y + title_h;
  const int right = x + w - 10;
  const int bottom = y + h - (plot.x_label.empty() ? 18 : 32);
  if (right - left < 20 || bottom - top < 20) throw std::invalid_argument("plot '" + plot.title + "': area too small");
  // Data and ticks sit kPlotPad inside the frame: a 5-pixel marker on an extreme value is not cut by it.
  auto px = [&](double v) { return left + kPlotPad + (v - xlo) / (xhi - xlo) * (right - left - 2 * kPlotPad); };
  auto py = [&](double v) { return bottom - kPlotPad - (v - ylo) / (yhi - ylo) * (bottom - top - 2 * kPlotPad); };

  if (!plot.title.empty())
    cv.text(x + (w - Canvas::text_width(plot.title, 2)) / 2, y + 2, plot.title, colors::black, 2);
  for (double t : yt) {
    const int ty = static_cast<int>(std::lround(py(t)));
    cv.fill_rect(left + 1, ty, right, ty + 1, colors::light_grey);
    cv.fill_rect(left - 4, ty, left, ty + 1, colors::black);
    const std::string lab = tick_label(t, ystep);
    cv.text(left - 6 - Canvas::text_width(lab, kScale), ty - 3, lab, colors::black, kScale);
  }
  for (double t : xt) {
    const int tx = static_cast<int>(std::lround(px(t)));
    cv.fill_rect(tx, top, tx + 1, bottom, colors::light_grey);
    cv.fill_rect(tx, bottom, tx + 1, bottom + 4, colors::black);
    const std::string lab = tick_label(t, xstep);
    cv.text(tx - Canvas::text_width(lab, kScale) / 2, bottom + 6, lab, colors::black, kScale);
  }
  cv.rect_outline(left, top, right + 1, bottom + 1, colors::black);
  if (!plot.x_label.empty())
    cv.text(left + (right - left - Canvas::text_width(plot.x_label, kScale)) / 2, bottom + 20, plot.x_label,
            colors::black, kScale);
  if (!plot.y_label.empty())
    cv.text_vertical(x + 2, top + (bottom - top - Canvas::text_width(plot.y_label, kScale)) / 2, plot.y_label,
                     colors::black, kScale);

  for (const auto& s : plot.series) {
    bool have_prev = false;
    double prev_x = 0, prev_y = 0;
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) {
        have_prev = false;
        continue;
      }
      const double cx = px(s.x[i]), cy = py(s.y[i]);
      if (have_prev) cv.line(prev_x, prev_y, cx, cy, s.color, 2);
      const int mx = static_cast<int>(std::lround(cx)), my = static_cast<int>(std::lround(cy));
      cv.fill_rect(mx - 2, my - 2, mx + 3, my + 3, s.color);  // a marker per epoch: one point still shows
      have_prev = true, prev_x = cx, prev_y = cy;
    }
  }
  // Legend in the corner of the plot area that hides the fewest data: the preferred corner (top-right,
  // or bottom-right for rising curves) unless another hides less.
  int legend_w = 0;
  for (const auto& s : plot.series) legend_w = std::max(legend_w, Canvas::text_width(s.name, kScale));
  if (!plot.series.empty()) {
    const int lw = legend_w + 34, lh = static_cast<int>(plot.series.size()) * 14 + 6;
    const int corners[4][2] = {{right - lw - 6, plot.legend_bottom ? bottom - lh - 6 : top + 6},
                               {right - lw - 6, plot.legend_bottom ? top + 6 : bottom - lh - 6},
                               {left + 7, plot.legend_bottom ? bottom - lh - 6 : top + 6},
                               {left + 7, plot.legend_bottom ? top + 6 : bottom - lh - 6}};
    auto hidden = [&](int cx, int cy) {  // points along the curves (20 a segment) inside the box
      int n = 0;
      for (const auto& s : plot.series)
        for (std::size_t i = 0; i < s.x.size(); ++i) {
          if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
          const bool next = i + 1 < s.x.size() && std::isfinite(s.x[i + 1]) && std::isfinite(s.y[i + 1]);
          for (int k = 0; k < (next ? 20 : 1); ++k) {
            const double t = k / 20.0;
            const double qx = px(s.x[i]) + (next ? t * (px(s.x[i + 1]) - px(s.x[i])) : 0.0);
            const double qy = py(s.y[i]) + (next ? t * (py(s.y[i + 1]) - py(s.y[i])) : 0.0);
            n += qx >= cx - 3 && qx <= cx + lw + 3 && qy >= cy - 3 && qy <= cy + lh + 3;
          }
        }
      return n;
    };
    int best = 0, best_hidden = hidden(corners[0][0], corners[0][1]);
    for (int c = 1; c < 4 && best_hidden > 0; ++c)
      if (const int h2 = hidden(corners[c][0], corners[c][1]); h2 < best_hidden) best = c, best_hidden = h2;
    const int lx = corners[best][0], ly = corners[best][1];
    cv.fill_rect(lx, ly, lx + lw, ly + lh, colors::white);
    cv.rect_outline(lx, ly, lx + lw, ly + lh, colors::grey);
    for (std::size_t i = 0; i < plot.series.size(); ++i) {
      const int ry = ly + 5 + static_cast<int>(i) * 14;
      cv.fill_rect(lx + 6, ry + 2, lx + 24, ry + 5, plot.series[i].color);
      cv.text(lx + 28, ry, plot.series[i].name, colors::black, kScale);
    }
  }
}

std::string bar_label(const std::vector<double>& values) {
  double sum = 0;
  int n = 0;
  for (double v : values)
    if (std::isfinite(v)) sum += v, ++n;
  if (n == 0) return "";
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", sum / n);
  return b;
}

void draw_bar_plot(Canvas& cv, int x, int y, int w, int h, const BarPlot& plot) {
  for (const auto& s : plot.series)
    if (s.values.size() != plot.groups.size())
      throw std::invalid_argument("bar plot '" + plot.title + "': series '" + s.name + "' has " +
                                  std::to_string(s.values.size()) + " groups of values for " +
                                  std::to_string(plot.groups.size()) + " groups");
  const double ylo = 0, yhi = 100;  // accuracies: the whole scale, so bars of different figures compare
  const std::vector<double> yt = nice_ticks(ylo, yhi, std::max(3, h / 60));
  const double ystep = yt.size() > 1 ? yt[1] - yt[0] : 1.0;
  const int title_h = plot.title.empty() ? 4 : Canvas::text_height(plot.title, 2) + 10;
  int label_w = 0;
  for (double t : yt) label_w = std::max(label_w, Canvas::text_width(tick_label(t, ystep), kScale));
  const int left = x + (plot.y_label.empty() ? 0 : 16) + label_w + 8, top = y + title_h;
  const int right = x + w - 10, bottom = y + h - 32;
  const int ng = static_cast<int>(plot.groups.size()), ns = static_cast<int>(plot.series.size());
  if (ng < 1 || ns < 1 || right - left < 20 || bottom - top < 40)
    throw std::invalid_argument("bar plot '" + plot.title + "': nothing to draw or area too small");
  // Room above 100 % for a value label and a legend row, so a bar at 100 % keeps its number.
  const int head = 28;
  auto py = [&](double v) { return bottom - (v - ylo) / (yhi - ylo) * (bottom - top - head); };
  if (!plot.title.empty())
    cv.text(x + (w - Canvas::text_width(plot.title, 2)) / 2, y + 2, plot.title, colors::black, 2);
  for (double t : yt) {
    const int ty = static_cast<int>(std::lround(py(t)));
    cv.fill_rect(left + 1, ty, right, ty + 1, colors::light_grey);
    cv.fill_rect(left - 4, ty, left, ty + 1, colors::black);
    const std::string lab = tick_label(t, ystep);
    cv.text(left - 6 - Canvas::text_width(lab, kScale), ty - 3, lab, colors::black, kScale);
  }
  cv.rect_outline(left, top, right + 1, bottom + 1, colors::black);
  if (!plot.y_label.empty())
    cv.text_vertical(x + 2, top + (bottom - top - Canvas::text_width(plot.y_label, kScale)) / 2, plot.y_label,
                     colors::black, kScale);
  // Groups share the width; bars fill 70 % of a group, the rest is the gap between groups.
  const double group_w = static_cast<double>(right - left) / ng;
  const int bar_w = std::max(3, static_cast<int>(group_w * 0.7 / ns));
  for (int g = 0; g < ng; ++g) {
    const double gx = left + g * group_w + (group_w - bar_w * ns) / 2;
    for (int k = 0; k < ns; ++k) {
      const auto& vals = plot.series[k].values[g];
      std::vector<double> v;
      for (double d : vals)
        if (std::isfinite(d)) v.push_back(std::clamp(d, ylo, yhi));
      if (v.empty()) continue;
      double mean = 0;
      for (double d : v) mean += d;
      mean /= static_cast<double>(v.size());
      const int bx = static_cast<int>(std::lround(gx + k * bar_w));
      const int by = static_cast<int>(std::lround(py(mean)));
      cv.fill_rect(bx + 1, by, bx + bar_w - 1, bottom, plot.series[k].color);
      int label_y = by;
      if (v.size() > 1) {  // sample standard deviation of the seeds' values
        double ss = 0;
        for (double d : v) ss += (d - mean) * (d - mean);
        const double sd = std::sqrt(ss / static_cast<double>(v.size() - 1));
        const int ey0 = static_cast<int>(std::lround(py(std::min(yhi, mean + sd))));
        const int ey1 = static_cast<int>(std::lround(py(std::max(ylo, mean - sd))));
        const int cx = bx + bar_w / 2;
        cv.fill_rect(cx, ey0, cx + 1, ey1 + 1, colors::black);
        cv.fill_rect(cx - 3, ey0, cx + 4, ey0 + 1, colors::black);
        cv.fill_rect(cx - 3, ey1, cx + 4, ey1 + 1, colors::black);
        label_y = std::min(label_y, ey0);
      }
      const std::string lab = bar_label(v);
      cv.text(bx + (bar_w - Canvas::text_width(lab, kScale)) / 2, label_y - 11, lab, colors::black, kScale);
    }
    // The group's name under it, on up to two lines of the group's width, the last shortened if need be.
    const int room = static_cast<int>(group_w) - 10;
    std::vector<std::string> lines{""};
    std::string word;
    for (std::size_t i = 0; i <= plot.groups[g].size(); ++i) {
      if (i < plot.groups[g].size() && plot.groups[g][i] != ' ') {
        word += plot.groups[g][i];
        continue;
      }
      const std::string joined = lines.back().empty() ? word : lines.back() + " " + word;
      if (lines.back().empty() || Canvas::text_width(joined, kScale) <= room || lines.size() == 2) lines.back() = joined;
      else lines.push_back(word);
      word.clear();
    }
    const int cx = static_cast<int>(std::lround(left + (g + 0.5) * group_w));
    for (std::size_t l = 0; l < lines.size(); ++l) {
      std::string line = lines[l];
      while (line.size() > 1 && Canvas::text_width(line, kScale) > room) line = line.substr(0, line.size() - 2) + ".";
      cv.text(cx - Canvas::text_width(line, kScale) / 2, bottom + 6 + 11 * static_cast<int>(l), line, colors::black, kScale);
    }
  }
  // Legend in one row along the top of the plot area.
  int lx = left + 8;
  for (const auto& s : plot.series) {
    cv.fill_rect(lx, top + 6, lx + 10, top + 14, s.color);
    cv.text(lx + 14, top + 7, s.name, colors::black, kScale);
    lx += 14 + Canvas::text_width(s.name, kScale) + 14;
  }
}

namespace {
std::vector<double> column(const std::vector<EpochRecord>& e, double EpochRecord::*field, double scale = 1.0) {
  std::vector<double> v;
  for (const auto& r : e) v.push_back(r.*field * scale);
  return v;
}
std::vector<double> epochs_of(const std::vector<EpochRecord>& e) {
  std::vector<double> v;
  for (const auto& r : e) v.push_back(r.epoch);
  return v;
}
}  // namespace

Canvas render_curves(const std::vector<EpochRecord>& epochs, const std::string& title) {
  Canvas cv(1000, 420);
  if (!title.empty()) cv.text((1000 - Canvas::text_width(title, 2)) / 2, 6, title, colors::black, 2);
  const auto ex = epochs_of(epochs);
  LinePlot loss{"loss", kEpochAxis, kLossAxis,
                {{"train", ex, column(epochs, &EpochRecord::train_loss), colors::blue},
                 {"validation", ex, column(epochs, &EpochRecord::val_loss), colors::orange}}};
  loss.y_from_zero = true;
  loss.x_integer = true;
  LinePlot acc{"accuracy", kEpochAxis, kAccuracyAxis,
               {{"train", ex, column(epochs, &EpochRecord::train_accuracy, 100.0), colors::blue},
                {"validation", ex, column(epochs, &EpochRecord::val_accuracy, 100.0), colors::orange}}};
  acc.legend_bottom = true;
  acc.x_integer = true;
  draw_line_plot(cv, 0, 36, 500, 384, loss);
  draw_line_plot(cv, 500, 36, 500, 384, acc);
  return cv;
}

Canvas render_comparison(const std::vector<NamedRun>& runs, const std::string& title) {
  Canvas cv(1500, 420);
  if (!title.empty()) cv.text((1500 - Canvas::text_width(title, 2)) / 2, 6, title, colors::black, 2);
  LinePlot acc{"validation accuracy", kEpochAxis, kAccuracyAxis, {}};
  acc.legend_bottom = true;
  acc.x_integer = true;
  LinePlot loss{"training loss", kEpochAxis, kLossAxis, {}};
  loss.y_from_zero = true;
  loss.x_integer = true;
  BarPlot bars{"test and robust accuracy", kAccuracyAxis, {}, {{"test", {}, colors::grey}}};
  bool attacked = false;
  for (const auto& r : runs) attacked |= !r.robust_accuracy.empty();
  if (attacked) bars.series.push_back({"robust (attack)", {}, colors::red});
  auto percent = [](const std::vector<double>& v) {
    std::vector<double> out;
    for (double d : v) out.push_back(100.0 * d);
    return out;
  };
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto ex = epochs_of(runs[i].epochs);
    acc.series.push_back({runs[i].name, ex, column(runs[i].epochs, &EpochRecord::val_accuracy, 100.0), palette(i)});
    loss.series.push_back({runs[i].name, ex, column(runs[i].epochs, &EpochRecord::train_loss), palette(i)});
    bars.groups.push_back(runs[i].name);
    bars.series[0].values.push_back(percent(runs[i].test_accuracy));
    if (attacked) bars.series[1].values.push_back(percent(runs[i].robust_accuracy));
  }
  draw_line_plot(cv, 0, 36, 500, 384, acc);
  draw_line_plot(cv, 500, 36, 500, 384, loss);
  if (!runs.empty()) draw_bar_plot(cv, 1000, 36, 500, 384, bars);
  return cv;
}

Canvas render_confusion(const Matrix64& counts, const std::vector<std::string>& names, const std::string& title) {
  const int k = static_cast<int>(counts.size());
  if (k < 1) throw std::invalid_argument("confusion plot: empty matrix");
  for (const auto& row : counts)
    if (static_cast<int>(row.size()) != k)
      throw std::invalid_argument("confusion plot: row of " + std::to_string(row.size()) + " entries in a " +
                                  std::to_string(k) + "-class matrix");
  // Labels: the class names when there are few classes, else indices (100 names do not fit).
  std::vector<std::string> labels(k);
  for (int i = 0; i < k; ++i) {
    std::string n = (k <= 20 && i < static_cast<int>(names.size())) ? names[i] : std::to_string(i);
    if (n.size() > 14) n = n.substr(0, 13) + ".";
    labels[i] = n;
  }
  int max_count = 0;
  for (const auto& row : counts)
    for (int64_t v : row) max_count = std::max(max_count, static_cast<int>(std::to_string(v).size()));
  const int cell = k <= 12 ? std::max(44, Canvas::text_width(std::string(max_count, '8')) + 8) : std::max(6, 640 / k);
  int label_w = 0;
  for (const auto& l : labels) label_w = std::max(label_w, Canvas::text_width(l));
  const int left = label_w + 34, top = 46 + label_w + 12;
  const int width = left + k * cell + 20, height = top + k * cell + 20;
  Canvas cv(width, height);
  cv.text(std::max(2, (width - Canvas::text_width(title, 2)) / 2), 6, title, colors::black, 2);
  cv.text(left + (k * cell - Canvas::text_width(kPredictedAxis)) / 2, 32, kPredictedAxis, colors::black);
  cv.text_vertical(4, top + (k * cell - Canvas::text_width(kTrueAxis)) / 2, kTrueAxis, colors::black);
  for (int t = 0; t < k; ++t) {
    int64_t row_total = 0;
    for (int64_t v : counts[t]) row_total += v;
    for (int p = 0; p < k; ++p) {
      const double share = row_total > 0 ? static_cast<double>(counts[t][p]) / static_cast<double>(row_total) : 0.0;
      // White (0) to dark blue (1), linear in each channel.
      const Rgb c{static_cast<uint8_t>(std::lround(255 - share * (255 - 8))),
                  static_cast<uint8_t>(std::lround(255 - share * (255 - 48))),
                  static_cast<uint8_t>(std::lround(255 - share * (255 - 107)))};
      const int x0 = left + p * cell, y0 = top + t * cell;
      cv.fill_rect(x0, y0, x0 + cell, y0 + cell, c);
      if (k <= 12) {
        const std::string n = std::to_string(counts[t][p]);
        const Rgb ink = share > 0.5 ? colors::white : colors::black;
        const int s = Canvas::text_width(n, 2) + 4 <= cell ? 2 : 1;  // larger digits read better
        cv.text(x0 + (cell - Canvas::text_width(n, s)) / 2, y0 + (cell - 8 * s) / 2, n, ink, s);
      }
    }
  }
  cv.rect_outline(left - 1, top - 1, left + k * cell + 1, top + k * cell + 1, colors::black);
  const int every = k <= 20 ? 1 : 10;  // with 100 classes, label every tenth
  for (int i = 0; i < k; i += every) {
    cv.text(left - 4 - Canvas::text_width(labels[i]), top + i * cell + (cell - 8) / 2, labels[i], colors::black);
    cv.text_vertical(left + i * cell + (cell - 8) / 2, top - 6 - Canvas::text_width(labels[i]), labels[i], colors::black);
  }
  return cv;
}

std::filesystem::path svg_path(const std::filesystem::path& png_path) {
  std::filesystem::path p = png_path;
  return p.replace_extension(".svg");
}

void save_png(const Canvas& canvas, const std::filesystem::path& path) {
  if (svg_path(path) == path)  // the SVG would replace the PNG just written
    throw std::invalid_argument(path.string() + ": a PNG figure's name must not end in .svg (its SVG is written beside "
                                "it with that extension)");
  nn::write_file_atomically(path, encode_png(canvas));
  nn::write_file_atomically(svg_path(path), canvas.to_svg());
}

}  // namespace hqc::app
