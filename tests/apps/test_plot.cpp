// test_plot.cpp — the canvas, tick choice, and the figures: checked on their pixels.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "apps/plot.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <stb/stb_easy_font.h>
#pragma GCC diagnostic pop

using namespace hqc::app;

namespace {
int count_color(const Canvas& cv, Rgb c, int x0 = 0, int y0 = 0, int x1 = -1, int y1 = -1) {
  if (x1 < 0) x1 = cv.width();
  if (y1 < 0) y1 = cv.height();
  int n = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) n += cv.at(x, y) == c;
  return n;
}
}  // namespace

TEST_CASE("nice ticks are round multiples of 1, 2 or 5 covering the range") {
  CHECK(nice_ticks(0, 1, 6) == std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1});
  const auto t = nice_ticks(0.37, 0.93, 6);
  REQUIRE(t.size() >= 3);
  CHECK(t.front() >= 0.37);
  CHECK(t.back() <= 0.93 + 1e-12);
  CHECK(t[1] - t[0] == doctest::Approx(0.2));  // raw step 0.112 rounds up to 0.2
  CHECK(nice_ticks(1, 50, 6) == std::vector<double>{10, 20, 30, 40, 50});
  CHECK(nice_ticks(-3, 3, 4) == std::vector<double>{-2, 0, 2});
  CHECK_FALSE(nice_ticks(5, 5, 5).empty());  // a flat range still gets ticks
  CHECK(nice_ticks(NAN, 1).empty());
}

TEST_CASE("tick labels show the decimals the step needs") {
  CHECK(tick_label(0.4, 0.2) == "0.4");
  CHECK(tick_label(10, 10) == "10");
  CHECK(tick_label(0.25, 0.05) == "0.25");
  CHECK(tick_label(0.0, 0.5) == "0.0");
}

TEST_CASE("canvas rectangles and lines are clipped and land on the right pixels") {
  Canvas cv(20, 10);
  cv.fill_rect(-5, -5, 3, 2, colors::red);
  CHECK(cv.at(0, 0) == colors::red);
  CHECK(cv.at(2, 1) == colors::red);
  CHECK(cv.at(3, 1) == colors::white);
  CHECK(count_color(cv, colors::red) == 6);
  cv.line(0, 9, 19, 9, colors::blue, 1);
  CHECK(count_color(cv, colors::blue) == 20);
  cv.line(5, 0, 5, 9, colors::green, 3);  // columns 4, 5, 6
  CHECK(cv.at(4, 5) == colors::green);
  CHECK(cv.at(6, 5) == colors::green);
  CHECK(cv.at(7, 5) == colors::white);
  CHECK_THROWS_AS(cv.at(20, 0), std::out_of_range);
  CHECK_THROWS_AS(Canvas(0, 5), std::invalid_argument);
}

TEST_CASE("text is drawn inside its measured box, and vertical text inside the turned box") {
  Canvas cv(200, 60);
  const std::string s = "Loss 0.25";
  const int w = Canvas::text_width(s), h = Canvas::text_height(s);
  CHECK(w > 30);
  CHECK(h >= 7);
  cv.text(10, 10, s, colors::black);
  const int inside = count_color(cv, colors::black, 10, 10, 10 + w, 10 + h + 2);
  CHECK(inside > 40);
  CHECK(inside == count_color(cv, colors::black));  // nothing outside the box
  Canvas v(60, 200);
  v.text_vertical(10, 10, s, colors::black);
  CHECK(count_color(v, colors::black, 10, 10, 10 + h + 2, 10 + w) == inside);  // same pixels, turned
  // Non-ASCII is replaced, never read out of the font's table.
  Canvas u(100, 30);
  u.text(0, 0, "\xc3\xa9\x01", colors::black);
  CHECK(count_color(u, colors::black) > 0);
}

namespace {
// stb_easy_font's own quads for s, from a buffer far larger than any string here needs.
std::vector<float> reference_quads(const std::string& s, int& n) {
  std::vector<float> buf(1 << 20);
  std::string text = s;
  n = stb_easy_font_print(0, 0, text.data(), nullptr, buf.data(), static_cast<int>(buf.size() * sizeof(float)));
  return buf;
}
// Draws s the way the font defines it (vertex 0 and vertex 2 of each quad are opposite corners).
Canvas reference_text(int w, int h, const std::string& s) {
  Canvas cv(w, h);
  int n = 0;
  const std::vector<float> v = reference_quads(s, n);
  for (int q = 0; q < n; ++q) {
    const float* c = v.data() + q * 16;
    cv.fill_rect(static_cast<int>(c[0]), static_cast<int>(c[1]), static_cast<int>(c[8]), static_cast<int>(c[9]),
                 colors::black);
  }
  return cv;
}
void check_text_complete(const std::string& s) {
  CAPTURE(s);
  int n = 0;
  reference_quads(s, n);
  CHECK(Canvas::text_quad_count(s) == static_cast<std::size_t>(n));
  const int w = Canvas::text_width(s) + 2, h = Canvas::text_height(s) + 6;
  Canvas drawn(w, h);
  drawn.text(0, 0, s, colors::black);
  CHECK(drawn.pixels() == reference_text(w, h, s).pixels());
}
}  // namespace

TEST_CASE("text draws every stroke of every printable character, even in long strings") {
  std::string all;
  for (char c = 32; c < 127; ++c) {
    check_text_complete(std::string(1, c));
    all += c;
  }
  check_text_complete(all);
  check_text_complete(std::string(200, 'X'));  // 11 quads a glyph, the font's widest
  check_text_complete(std::string(200, '8'));
  check_text_complete(std::string(200, '#'));
  check_text_complete("985 890 365 200");  // confusion-matrix counts that lost their last strokes
  check_text_complete("");
}

TEST_CASE("canvas to_tensor is (3, H, W) uint8 with the channels split") {
  Canvas cv(4, 2, Rgb{1, 2, 3});
  cv.set(3, 1, Rgb{10, 20, 30});
  const hqc::Tensor t = cv.to_tensor();
  CHECK(t.sizes() == hqc::Shape{3, 2, 4});
  CHECK(t.dtype() == hqc::DType::u8);
  const uint8_t* p = t.data<uint8_t>();
  CHECK(p[0] == 1);
  CHECK(p[8] == 2);
  CHECK(p[16] == 3);
  CHECK(p[7] == 10);
  CHECK(p[15] == 20);
  CHECK(p[23] == 30);
}

TEST_CASE("curves figure draws both series in both panels") {
  std::vector<EpochRecord> e;
  for (int i = 1; i <= 10; ++i) e.push_back({i, 2.0 / i, 0.5 + 0.04 * i, 2.2 / i, 0.45 + 0.04 * i, 1e-3, 1.0});
  const Canvas cv = render_curves(e, "hybrid on mnist");
  CHECK(cv.width() == 1000);
  // Each panel holds train (blue) and validation (orange) lines.
  CHECK(count_color(cv, colors::blue, 0, 0, 500, cv.height()) > 200);
  CHECK(count_color(cv, colors::orange, 0, 0, 500, cv.height()) > 200);
  CHECK(count_color(cv, colors::blue, 500, 0, 1000, cv.height()) > 200);
  CHECK(count_color(cv, colors::orange, 500, 0, 1000, cv.height()) > 200);
  // A single epoch still shows its points; NaN values are skipped, not drawn.
  const Canvas one = render_curves({{1, 1.0, 0.5, NAN, 0.4, 1e-3, 1.0}}, "");
  CHECK(count_color(one, colors::blue) >= 25);
}

TEST_CASE("a line plot with mismatched series lengths is refused") {
  Canvas cv(300, 200);
  LinePlot p{"t", "x", "y", {{"s", {1, 2}, {1}, colors::blue}}};
  CHECK_THROWS_WITH_AS(draw_line_plot(cv, 0, 0, 300, 200, p), doctest::Contains("series 's'"), std::invalid_argument);
}

TEST_CASE("confusion heat map shades a perfect diagonal darkest") {
  Matrix64 m{{50, 0, 0}, {0, 50, 0}, {10, 0, 40}};
  const Canvas cv = render_confusion(m, {"zero", "one", "two"}, "confusion");
  const Rgb dark{8, 48, 107};
  CHECK(count_color(cv, dark) > 2 * 40 * 20);  // two full diagonal cells (minus their digits)
  CHECK_THROWS_AS(render_confusion({{1, 2}, {3}}, {}, "bad"), std::invalid_argument);
  // 100 classes fit with small cells and no per-cell counts.
  Matrix64 big(100, std::vector<int64_t>(100, 0));
  for (int i = 0; i < 100; ++i) big[i][i] = 1;
  const Canvas b = render_confusion(big, {}, "cifar100");
  CHECK(b.width() < 1200);
}

TEST_CASE("save_png writes a PNG file and names the path when it cannot") {
  const auto path = std::filesystem::temp_directory_path() / "hqc_test_plot.png";
  Canvas cv(16, 8, colors::orange);
  save_png(cv, path);
  std::ifstream in(path, std::ios::binary);
  char sig[8] = {};
  in.read(sig, 8);
  CHECK(std::string(sig + 1, 3) == "PNG");
  in.close();
  std::filesystem::remove(path);
  CHECK_THROWS_WITH(save_png(cv, "/nonexistent-dir/a.png"), doctest::Contains("/nonexistent-dir/a.png"));
}
