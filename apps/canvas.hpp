// canvas.hpp — an RGB raster hqc draws its figures on: rectangles, thick lines, text.
//
// Text uses the segment font of stb_easy_font.h (Debian's libstb-dev), rasterised here as filled
// rectangles at an integer scale; characters outside printable ASCII are drawn as '?'. The canvas
// becomes a uint8 (3, H, W) tensor for the PNG writer.
//
// Every drawing call is also kept as a primitive (rectangle, line, text), so the same figure can be
// written as SVG (to_svg): text as <text>, lines as <line>, rectangles as <rect>. The plots draw once;
// the pixels and the SVG come from the same calls, so they cannot disagree.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tensor/tensor.hpp"

namespace hqc::app {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb&) const = default;
};
namespace colors {
inline constexpr Rgb white{255, 255, 255}, black{0, 0, 0}, grey{128, 128, 128}, light_grey{225, 225, 225};
inline constexpr Rgb blue{31, 119, 180}, orange{255, 127, 14}, green{44, 160, 44}, red{214, 39, 40},
    purple{148, 103, 189}, brown{140, 86, 75};
}  // namespace colors
// The i-th colour of the plot palette (cycles).
Rgb palette(std::size_t i);

// One drawing call as the canvas keeps it, in canvas pixels (coordinates as the call gave them).
struct Primitive {
  enum class Kind { rect, line, text, text_vertical } kind;
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // rect: [x0, x1) x [y0, y1); line: its ends; text: top-left
  Rgb color;
  int size = 1;      // line thickness, or text scale
  std::string text;  // text only
};

class Canvas {
 public:
  Canvas(int width, int height, Rgb background = colors::white);
  int width() const { return width_; }
  int height() const { return height_; }
  Rgb at(int x, int y) const;  // throws std::out_of_range
  void set(int x, int y, Rgb c);  // ignores points outside the canvas (clipping)
  // Filled rectangle covering [x0, x1) x [y0, y1), clipped.
  void fill_rect(int x0, int y0, int x1, int y1, Rgb c);
  void rect_outline(int x0, int y0, int x1, int y1, Rgb c);
  // A line from (x0, y0) to (x1, y1) of the given thickness in pixels, clipped.
  void line(double x0, double y0, double x1, double y1, Rgb c, int thickness = 1);
  // Text with its top-left corner at (x, y); '\n' starts a new line.
  void text(int x, int y, const std::string& s, Rgb c, int scale = 1);
  // Text turned 90 degrees counter-clockwise (reads bottom to top), its bounding box's top-left at (x, y).
  void text_vertical(int x, int y, const std::string& s, Rgb c, int scale = 1);
  // The number of font rectangles text() fills for s: every stroke stb_easy_font has for it.
  static std::size_t text_quad_count(const std::string& s);
  static int text_width(const std::string& s, int scale = 1);
  static int text_height(const std::string& s, int scale = 1);

  Tensor to_tensor() const;  // uint8 (3, H, W)
  const std::vector<uint8_t>& pixels() const { return rgb_; }  // (H, W, 3)
  // Every drawing call so far, in order (the background is not one).
  const std::vector<Primitive>& primitives() const { return primitives_; }
  // The figure as an SVG document of the canvas's size: the background, then each primitive in
  // order. Text keeps the pixel font's box (textLength), so centred and right-aligned labels stay so.
  std::string to_svg() const;

 private:
  void raster_rect(int x0, int y0, int x1, int y1, Rgb c);
  int width_, height_;
  Rgb background_;
  std::vector<uint8_t> rgb_;  // (H, W, 3)
  std::vector<Primitive> primitives_;
};

}  // namespace hqc::app
