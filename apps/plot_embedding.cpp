// plot_embedding.cpp — the feature-space pictures (pca.png, tsne.png): a 2-D embedding of test images,
// one colour per true class, over the nearest-centroid decision regions of the embedding drawn in a
// light tint of the class's colour; and the sample grids (images with their labels and predictions).
#include <algorithm>
#include <cmath>

#include "apps/plot.hpp"

namespace hqc::app {

namespace {
// A distinct colour per class: matplotlib's tab10 for the first ten, then hues a golden angle apart.
Rgb class_colour(std::size_t k) {
  static const Rgb tab10[] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44},  {214, 39, 40},   {148, 103, 189},
                              {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};
  if (k < 10) return tab10[k];
  const double h = std::fmod(static_cast<double>(k) * 137.508, 360.0) / 60.0;  // hue sector, s = 0.65, v = 0.85
  const double v = 0.85, c = v * 0.65, x = c * (1 - std::abs(std::fmod(h, 2.0) - 1)), m = v - c;
  double r = 0, g = 0, b = 0;
  if (h < 1) r = c, g = x;
  else if (h < 2) r = x, g = c;
  else if (h < 3) g = c, b = x;
  else if (h < 4) g = x, b = c;
  else if (h < 5) r = x, b = c;
  else r = c, b = x;
  auto u = [&](double t) { return static_cast<uint8_t>(std::lround(255 * (t + m))); };
  return {u(r), u(g), u(b)};
}
Rgb tint(Rgb c, double keep) {  // towards white
  auto f = [&](uint8_t v) { return static_cast<uint8_t>(std::lround(255 - (255 - v) * keep)); };
  return {f(c.r), f(c.g), f(c.b)};
}
}  // namespace

Canvas render_embedding(const Embedding& e, const std::vector<std::string>& class_names, const std::string& title) {
  const int64_t n = static_cast<int64_t>(e.labels.size());
  constexpr int W = 760, H = 600, left = 40, top = 40, plot = 520;
  Canvas cv(W, H);
  cv.text(left, 12, title, colors::black, 2);
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (int64_t i = 0; i < n; ++i) {
    x0 = std::min(x0, e.xy[2 * i]), x1 = std::max(x1, e.xy[2 * i]);
    y0 = std::min(y0, e.xy[2 * i + 1]), y1 = std::max(y1, e.xy[2 * i + 1]);
  }
  if (n == 0) x0 = y0 = -1, x1 = y1 = 1;
  // A square view with a margin, so that distances read the same both ways.
  const double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  const double half = std::max({x1 - x0, y1 - y0, 1e-12}) * 0.55;
  const auto px = [&](double x) { return left + (x - (cx - half)) / (2 * half) * plot; };
  const auto py = [&](double y) { return top + plot - (y - (cy - half)) / (2 * half) * plot; };
  // Regions: cells of `cell` pixels, each run of one class along a row drawn as one rectangle.
  constexpr int cell = 4;
  auto colour_of = [&](int64_t cls) {
    auto it = std::find(e.classes.begin(), e.classes.end(), cls);
    return class_colour(static_cast<std::size_t>(it - e.classes.begin()));
  };
  if (!e.classes.empty())
    for (int r = 0; r < plot; r += cell) {
      const double y = cy + half - (r + cell / 2.0) / plot * 2 * half;
      int start = 0;
      int64_t run = -1;
      for (int c = 0; c <= plot; c += cell) {
        int64_t k = -1;
        if (c < plot) {
          const double x = cx - half + (c + cell / 2.0) / plot * 2 * half;
          k = e.region(x, y);
        }
        if (k != run) {
          if (run >= 0) cv.fill_rect(left + start, top + r, left + c, top + r + cell, tint(colour_of(run), 0.18));
          run = k, start = c;
        }
      }
    }
  cv.rect_outline(left, top, left + plot, top + plot, colors::grey);
  for (int64_t i = 0; i < n; ++i) {
    const int x = static_cast<int>(std::lround(px(e.xy[2 * i]))), y = static_cast<int>(std::lround(py(e.xy[2 * i + 1])));
    cv.fill_rect(x - 2, y - 2, x + 2, y + 2, colour_of(e.labels[i]));
  }
  cv.text(left + plot / 2 - Canvas::text_width(e.x_label) / 2, top + plot + 10, e.x_label, colors::black);
  cv.text_vertical(left - 16, top + plot / 2 - Canvas::text_width(e.y_label) / 2, e.y_label, colors::black);
  // Legend: class names and the figures.
  int ly = top;
  for (std::size_t k = 0; k < e.classes.size() && k < 40; ++k, ly += 14) {
    cv.fill_rect(left + plot + 16, ly + 1, left + plot + 24, ly + 9, class_colour(k));
    const int64_t cls = e.classes[k];
    const std::string name = cls < static_cast<int64_t>(class_names.size()) ? class_names[cls] : std::to_string(cls);
    cv.text(left + plot + 30, ly, name, colors::black);
  }
  ly += 10;
  for (const auto& line : e.notes) cv.text(left + plot + 16, ly, line, colors::black), ly += 14;
  return cv;
}

Canvas render_image_grid(const std::vector<GridImage>& images, int columns, int scale, const std::string& title) {
  int ih = 1, iw = 1, lines = 1, cw = 0;
  for (const auto& g : images) {
    ih = std::max<int>(ih, static_cast<int>(g.image.size(1)) * scale);
    iw = std::max<int>(iw, static_cast<int>(g.image.size(2)) * scale);
    lines = std::max<int>(lines, static_cast<int>(g.caption.size()));
    for (const auto& c : g.caption) cw = std::max(cw, Canvas::text_width(c));
  }
  const int cell_w = std::max(iw, cw) + 12, cell_h = ih + 12 * lines + 10;
  const int rows = (static_cast<int>(images.size()) + columns - 1) / std::max(columns, 1);
  Canvas cv(std::max(columns * cell_w + 20, Canvas::text_width(title, 2) + 20), 40 + rows * cell_h);
  cv.text(10, 10, title, colors::black, 2);
  for (std::size_t k = 0; k < images.size(); ++k) {
    const int x0 = 10 + static_cast<int>(k % columns) * cell_w, y0 = 36 + static_cast<int>(k / columns) * cell_h;
    const Tensor img = images[k].image.contiguous();
    const int64_t ch = img.size(0), h = img.size(1), w = img.size(2);
    const uint8_t* px = img.data<uint8_t>();
    for (int64_t y = 0; y < h; ++y) {
      // One rectangle per run of equal pixels along a row: the SVG stays small.
      int64_t start = 0;
      for (int64_t x = 1; x <= w; ++x) {
        auto at = [&](int64_t xx) {
          return ch == 1 ? Rgb{px[y * w + xx], px[y * w + xx], px[y * w + xx]}
                         : Rgb{px[y * w + xx], px[h * w + y * w + xx], px[2 * h * w + y * w + xx]};
        };
        if (x < w && at(x) == at(start)) continue;
        cv.fill_rect(x0 + static_cast<int>(start) * scale, y0 + static_cast<int>(y) * scale, x0 + static_cast<int>(x) * scale,
                     y0 + static_cast<int>(y + 1) * scale, at(start));
        start = x;
      }
    }
    for (std::size_t l = 0; l < images[k].caption.size(); ++l)
      cv.text(x0, y0 + ih + 4 + 12 * static_cast<int>(l), images[k].caption[l], images[k].color);
  }
  return cv;
}

}  // namespace hqc::app
