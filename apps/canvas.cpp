// canvas.cpp — rasterising rectangles, lines and stb_easy_font's segment glyphs, and the same
// primitives written as SVG elements.
#include "apps/canvas.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <stb/stb_easy_font.h>
#pragma GCC diagnostic pop

namespace hqc::app {

Rgb palette(std::size_t i) {
  static const Rgb p[] = {colors::blue, colors::orange, colors::green, colors::red, colors::purple, colors::brown};
  return p[i % (sizeof p / sizeof p[0])];
}

Canvas::Canvas(int width, int height, Rgb bg) : width_(width), height_(height), background_(bg) {
  if (width < 1 || height < 1 || width > 16384 || height > 16384)
    throw std::invalid_argument("canvas: size " + std::to_string(width) + "x" + std::to_string(height) +
                                " outside 1..16384");
  rgb_.resize(static_cast<std::size_t>(width) * height * 3);
  for (std::size_t i = 0; i < rgb_.size(); i += 3) {
    rgb_[i] = bg.r;
    rgb_[i + 1] = bg.g;
    rgb_[i + 2] = bg.b;
  }
}

Rgb Canvas::at(int x, int y) const {
  if (x < 0 || y < 0 || x >= width_ || y >= height_)
    throw std::out_of_range("canvas: pixel (" + std::to_string(x) + ", " + std::to_string(y) + ") outside " +
                            std::to_string(width_) + "x" + std::to_string(height_));
  const std::size_t i = (static_cast<std::size_t>(y) * width_ + x) * 3;
  return {rgb_[i], rgb_[i + 1], rgb_[i + 2]};
}

void Canvas::set(int x, int y, Rgb c) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
  primitives_.push_back({Primitive::Kind::rect, double(x), double(y), double(x + 1), double(y + 1), c, 1, {}});
  const std::size_t i = (static_cast<std::size_t>(y) * width_ + x) * 3;
  rgb_[i] = c.r;
  rgb_[i + 1] = c.g;
  rgb_[i + 2] = c.b;
}

void Canvas::raster_rect(int x0, int y0, int x1, int y1, Rgb c) {
  x0 = std::max(x0, 0), y0 = std::max(y0, 0), x1 = std::min(x1, width_), y1 = std::min(y1, height_);
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) {
      const std::size_t i = (static_cast<std::size_t>(y) * width_ + x) * 3;
      rgb_[i] = c.r;
      rgb_[i + 1] = c.g;
      rgb_[i + 2] = c.b;
    }
}

void Canvas::fill_rect(int x0, int y0, int x1, int y1, Rgb c) {
  if (std::max(x0, 0) >= std::min(x1, width_) || std::max(y0, 0) >= std::min(y1, height_)) return;  // nothing shows
  primitives_.push_back({Primitive::Kind::rect, double(x0), double(y0), double(x1), double(y1), c, 1, {}});
  raster_rect(x0, y0, x1, y1, c);
}

void Canvas::rect_outline(int x0, int y0, int x1, int y1, Rgb c) {
  fill_rect(x0, y0, x1, y0 + 1, c);
  fill_rect(x0, y1 - 1, x1, y1, c);
  fill_rect(x0, y0, x0 + 1, y1, c);
  fill_rect(x1 - 1, y0, x1, y1, c);
}

void Canvas::line(double x0, double y0, double x1, double y1, Rgb c, int thickness) {
  if (!std::isfinite(x0) || !std::isfinite(y0) || !std::isfinite(x1) || !std::isfinite(y1)) return;
  // Step along the longer axis one pixel at a time and stamp a thickness x thickness square, so a
  // line of any slope has the same visible weight.
  const double dx = x1 - x0, dy = y1 - y0;
  const int steps = std::max(1, static_cast<int>(std::ceil(std::max(std::fabs(dx), std::fabs(dy)))));
  if (steps > 4 * (width_ + height_)) return;  // far off-canvas: nothing sensible to draw
  primitives_.push_back({Primitive::Kind::line, x0, y0, x1, y1, c, thickness, {}});
  const int lo = -(thickness - 1) / 2, hi = thickness / 2;
  for (int i = 0; i <= steps; ++i) {
    const double t = static_cast<double>(i) / steps;
    const int px = static_cast<int>(std::lround(x0 + t * dx)), py = static_cast<int>(std::lround(y0 + t * dy));
    raster_rect(px + lo, py + lo, px + hi + 1, py + hi + 1, c);
  }
}

namespace {
std::string printable(const std::string& s) {
  std::string out = s;
  for (char& ch : out)
    if (ch != '\n' && (static_cast<unsigned char>(ch) < 32 || static_cast<unsigned char>(ch) > 126)) ch = '?';
  return out;
}

// The glyph quads of stb_easy_font as integer rectangles (x0, y0, x1, y1) at scale 1.
struct Quad {
  int x0, y0, x1, y1;
};
std::vector<Quad> glyph_quads(const std::string& s) {
  std::string text = printable(s);
  // stb_easy_font writes 64 bytes a quad and silently drops the quads that do not fit, so a short
  // buffer loses the last strokes of a string. The widest glyphs take 11 quads ('X', '#'); start
  // there and grow while the buffer might have filled (fewer than 64 bytes left after the last quad).
  constexpr std::size_t quad_bytes = 64, max_quads_per_glyph = 11;
  std::vector<char> buf(text.size() * max_quads_per_glyph * quad_bytes + quad_bytes);
  int n = 0;
  for (;;) {
    n = stb_easy_font_print(0, 0, text.data(), nullptr, buf.data(), static_cast<int>(buf.size()));
    if (static_cast<std::size_t>(n) * quad_bytes + quad_bytes <= buf.size()) break;
    buf.resize(buf.size() * 2);
  }
  std::vector<Quad> quads;
  quads.reserve(n);
  for (int q = 0; q < n; ++q) {
    const float* v0 = reinterpret_cast<const float*>(buf.data() + q * 64);       // vertex 0: (x, y)
    const float* v2 = reinterpret_cast<const float*>(buf.data() + q * 64 + 32);  // vertex 2: opposite corner
    quads.push_back({static_cast<int>(v0[0]), static_cast<int>(v0[1]), static_cast<int>(v2[0]),
                     static_cast<int>(v2[1])});
  }
  return quads;
}
}  // namespace

void Canvas::text(int x, int y, const std::string& s, Rgb c, int scale) {
  if (s.empty()) return;
  primitives_.push_back({Primitive::Kind::text, double(x), double(y), 0, 0, c, scale, s});
  for (const Quad& q : glyph_quads(s))
    raster_rect(x + q.x0 * scale, y + q.y0 * scale, x + q.x1 * scale, y + q.y1 * scale, c);
}

void Canvas::text_vertical(int x, int y, const std::string& s, Rgb c, int scale) {
  if (s.empty()) return;
  primitives_.push_back({Primitive::Kind::text_vertical, double(x), double(y), 0, 0, c, scale, s});
  // Rotating (u, v) of horizontal text by 90 degrees counter-clockwise: x = v, y = width - u.
  const int w = text_width(s, scale);
  for (const Quad& q : glyph_quads(s))
    raster_rect(x + q.y0 * scale, y + w - q.x1 * scale, x + q.y1 * scale, y + w - q.x0 * scale, c);
}

std::size_t Canvas::text_quad_count(const std::string& s) { return glyph_quads(s).size(); }

int Canvas::text_width(const std::string& s, int scale) {
  std::string text = printable(s);
  return stb_easy_font_width(text.data()) * scale;
}

int Canvas::text_height(const std::string& s, int scale) {
  std::string text = printable(s);
  // stb's height of one line is 12 including the leading below it; glyphs occupy about 8 rows.
  return (stb_easy_font_height(text.data()) - 4) * scale;
}

namespace {
std::string hex(Rgb c) {
  char b[8];
  std::snprintf(b, sizeof b, "#%02x%02x%02x", c.r, c.g, c.b);
  return b;
}
// A coordinate with at most two decimals and no trailing zeros ("12", "12.5").
std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", v);
  std::string s = b;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}
std::string xml_escape(const std::string& s) {
  std::string out;
  for (char ch : printable(s)) {
    if (ch == '&') out += "&amp;";
    else if (ch == '<') out += "&lt;";
    else if (ch == '>') out += "&gt;";
    else if (ch == '"') out += "&quot;";
    else out += ch;
  }
  return out;
}
// Lines of a text primitive: the pixel font starts a new line every 12 rows at scale 1.
std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> lines(1);
  for (char ch : s)
    if (ch == '\n') lines.emplace_back();
    else lines.back() += ch;
  return lines;
}
}  // namespace

std::string Canvas::to_svg() const {
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width_ << "\" height=\"" << height_
    << "\" viewBox=\"0 0 " << width_ << " " << height_ << "\">\n"
    << "<rect x=\"0\" y=\"0\" width=\"" << width_ << "\" height=\"" << height_ << "\" fill=\"" << hex(background_)
    << "\"/>\n"
    // Text in a sans-serif face sized so that its capitals are as tall as the pixel font's (7 rows a scale).
    << "<g font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" shape-rendering=\"crispEdges\">\n";
  for (const Primitive& p : primitives_) {
    switch (p.kind) {
      case Primitive::Kind::rect: {
        // Clipped as the pixels are.
        const double x0 = std::max(p.x0, 0.0), y0 = std::max(p.y0, 0.0);
        const double x1 = std::min(p.x1, double(width_)), y1 = std::min(p.y1, double(height_));
        o << "<rect x=\"" << num(x0) << "\" y=\"" << num(y0) << "\" width=\"" << num(x1 - x0) << "\" height=\""
          << num(y1 - y0) << "\" fill=\"" << hex(p.color) << "\"/>\n";
        break;
      }
      case Primitive::Kind::line: {
        // The pixel line stamps a thickness-square at each rounded point: [px + lo, px + hi + 1), whose
        // centre is (lo + hi + 1) / 2 right of and below the point.
        const int lo = -(p.size - 1) / 2, hi = p.size / 2;
        const double c = (lo + hi + 1) / 2.0;
        o << "<line x1=\"" << num(p.x0 + c) << "\" y1=\"" << num(p.y0 + c) << "\" x2=\"" << num(p.x1 + c) << "\" y2=\""
          << num(p.y1 + c) << "\" stroke=\"" << hex(p.color) << "\" stroke-width=\"" << p.size
          << "\" stroke-linecap=\"square\" shape-rendering=\"geometricPrecision\"/>\n";
        break;
      }
      case Primitive::Kind::text:
      case Primitive::Kind::text_vertical: {
        const auto lines = split_lines(p.text);
        for (std::size_t i = 0; i < lines.size(); ++i) {
          if (lines[i].empty()) continue;
          const int w = text_width(lines[i], p.size);
          const double baseline = (7.0 + 12.0 * static_cast<double>(i)) * p.size;  // the font's rows 0..6 above it
          o << "<text ";
          if (p.kind == Primitive::Kind::text)
            o << "x=\"" << num(p.x0) << "\" y=\"" << num(p.y0 + baseline) << "\"";
          else  // bottom to top, its box's top-left at (x0, y0): the horizontal line turned about its start
            o << "transform=\"translate(" << num(p.x0) << " " << num(p.y0 + text_width(p.text, p.size))
              << ") rotate(-90)\" x=\"0\" y=\"" << num(baseline) << "\"";
          o << " font-size=\"" << num(9.5 * p.size) << "\" textLength=\"" << w
            << "\" lengthAdjust=\"spacingAndGlyphs\" fill=\"" << hex(p.color) << "\">" << xml_escape(lines[i])
            << "</text>\n";
        }
        break;
      }
    }
  }
  o << "</g>\n</svg>\n";
  return o.str();
}

Tensor Canvas::to_tensor() const {
  Tensor out = Tensor::empty({3, height_, width_}, DType::u8);  // (3, H, W)
  uint8_t* o = out.data<uint8_t>();
  const std::size_t plane = static_cast<std::size_t>(width_) * height_;
  for (std::size_t i = 0; i < plane; ++i)
    for (int ch = 0; ch < 3; ++ch) o[ch * plane + i] = rgb_[i * 3 + ch];
  return out;
}

}  // namespace hqc::app
