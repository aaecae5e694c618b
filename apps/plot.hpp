// plot.hpp — the figures hqc writes: loss and accuracy per epoch (curves.png), a confusion matrix
// heat map, and comparison curves of several runs (compare's report).
//
// Drawn on a Canvas by hqc itself: axes with "nice" ticks (steps of 1, 2 or 5 times a power of ten),
// tick labels, a title, axis labels and a legend. encode_png() encodes with stb_image_write in memory.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "apps/canvas.hpp"
#include "apps/metrics.hpp"

namespace hqc::app {

// Tick positions covering [lo, hi] with at most about `target` ticks, all multiples of one step.
std::vector<double> nice_ticks(double lo, double hi, int target = 6);
// A tick label with as many decimals as the step needs ("0.25", "10", "1e-05").
std::string tick_label(double value, double step);

struct Series {
  std::string name;
  std::vector<double> x, y;  // equal lengths; non-finite points are skipped
  Rgb color;
};
struct LinePlot {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  bool y_from_zero = false;     // include 0 in the y range
  bool legend_bottom = false;   // legend in the bottom-right corner (rising curves fill the top)
  bool x_integer = false;       // x values are counts (epochs): no ticks between them
};
// Draws `plot` into the rectangle [x, x + w) x [y, y + h) of the canvas. The data sit kPlotPad pixels
// inside the frame, so a marker on the lowest or highest value shows whole.
inline constexpr int kPlotPad = 6;
void draw_line_plot(Canvas& canvas, int x, int y, int w, int h, const LinePlot& plot);

// Grouped bars on a 0..100 axis: one group per name, one bar per series in each group. A bar is the
// mean of its values; with two or more values (several seeds) an error bar spans mean +- their sample
// standard deviation. The mean is written above each bar (one decimal). An empty value list is no bar.
struct BarSeries {
  std::string name;
  std::vector<std::vector<double>> values;  // [group][seed], percent; non-finite values are skipped
  Rgb color;
};
struct BarPlot {
  std::string title, y_label;
  std::vector<std::string> groups;
  std::vector<BarSeries> series;
};
void draw_bar_plot(Canvas& canvas, int x, int y, int w, int h, const BarPlot& plot);
// The label written above a bar: the mean of the finite values with one decimal ("97.5"); "" if none.
std::string bar_label(const std::vector<double>& values);

// Axis labels, the same text for the same quantity in every figure.
inline constexpr const char* kEpochAxis = "epoch";
inline constexpr const char* kAccuracyAxis = "accuracy (%)";
inline constexpr const char* kLossAxis = "loss (cross-entropy)";
inline constexpr const char* kPredictedAxis = "predicted class";
inline constexpr const char* kTrueAxis = "true class";

// curves.png: two panels, loss (train, validation) and accuracy (train, validation) per epoch.
Canvas render_curves(const std::vector<EpochRecord>& epochs, const std::string& title);
// Several runs side by side: validation accuracy and training loss per epoch, one colour per run,
// and bars of each run's test and robust accuracy (error bars when a run has several seeds' values).
struct NamedRun {
  std::string name;
  std::vector<EpochRecord> epochs;
  std::vector<double> test_accuracy, robust_accuracy;  // fractions, one per seed; robust empty: no attack
};
Canvas render_comparison(const std::vector<NamedRun>& runs, const std::string& title);
// A heat map of the confusion matrix, each row shaded by its share of that true class; counts in the
// cells when they fit; class names on both axes.
Canvas render_confusion(const Matrix64& counts, const std::vector<std::string>& class_names, const std::string& title);

// The canvas as PNG file bytes (stb_image_write, in memory).
std::string encode_png(const Canvas& canvas);
// The SVG file beside a figure's PNG: same folder and basename, ".svg".
std::filesystem::path svg_path(const std::filesystem::path& png_path);
// Writes encode_png(canvas) to `path` and canvas.to_svg() to svg_path(path), each whole or not at all,
// never through a link (nn/atomic_file.hpp); throws nn::FileWriteError naming the path and the cause.
void save_png(const Canvas& canvas, const std::filesystem::path& path);

}  // namespace hqc::app

namespace hqc::app {
// A 2-D embedding of labelled points (plot_embedding.cpp): pca.png and tsne.png.
struct Embedding {
  std::vector<double> xy;  // (N, 2)
  std::vector<int64_t> labels;
  std::vector<int64_t> classes;  // the classes present, each drawn in its own colour (tab10 for the first ten)
  std::function<int64_t(double, double)> region;  // the class whose decision region holds (x, y)
  std::string x_label, y_label;
  std::vector<std::string> notes;  // lines under the legend (the scores)
};
// Points coloured by true class over the decision regions in a light tint; the class names and the
// notes in a legend on the right.
Canvas render_embedding(const Embedding& e, const std::vector<std::string>& class_names, const std::string& title);

// A grid of images as stored (uint8 (C, H, W), 1 or 3 channels), each pixel a `scale` x `scale` block,
// with one or two caption lines under each in its colour (a prediction: green when right, red when wrong).
struct GridImage {
  Tensor image;  // uint8 (C, H, W)
  std::vector<std::string> caption;
  Rgb color = colors::black;
};
Canvas render_image_grid(const std::vector<GridImage>& images, int columns, int scale, const std::string& title);
}  // namespace hqc::app
