// test_plot.cpp — the canvas, tick choice, and the figures: checked on their pixels, and their SVG
// checked as XML against the same pixels.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

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

// ---- SVG: the same figure as the pixels, as XML elements ----
namespace {
struct XmlElement {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attrs;
  std::string text;  // character data directly inside, entities decoded
  std::string attr(const std::string& k) const {
    for (const auto& [n, v] : attrs)
      if (n == k) return v;
    return "";
  }
};
// A small well-formedness check for the XML subset the figures use: one root, matched tags, quoted
// attributes, the five predefined entities, a prolog. Throws std::runtime_error naming the offset.
std::vector<XmlElement> parse_xml(const std::string& s) {
  std::vector<XmlElement> all;
  std::vector<std::size_t> open;  // indices into `all`
  std::size_t i = 0;
  int roots = 0;
  auto fail = [&](const std::string& what) { throw std::runtime_error("xml at " + std::to_string(i) + ": " + what); };
  auto decode = [&](const std::string& raw) {
    std::string out;
    for (std::size_t k = 0; k < raw.size(); ++k) {
      if (raw[k] == '<') fail("'<' in text or attribute");
      if (raw[k] != '&') {
        out += raw[k];
        continue;
      }
      const std::size_t e = raw.find(';', k);
      if (e == std::string::npos) fail("unterminated entity");
      const std::string ent = raw.substr(k + 1, e - k - 1);
      if (ent == "amp") out += '&';
      else if (ent == "lt") out += '<';
      else if (ent == "gt") out += '>';
      else if (ent == "quot") out += '"';
      else if (ent == "apos") out += '\'';
      else fail("unknown entity &" + ent + ";");
      k = e;
    }
    return out;
  };
  if (s.rfind("<?xml", 0) == 0) i = s.find("?>") + 2;
  while (i < s.size()) {
    if (s[i] != '<') {
      const std::size_t e = s.find('<', i);
      const std::string raw = s.substr(i, e == std::string::npos ? std::string::npos : e - i);
      if (open.empty()) {
        if (raw.find_first_not_of(" \n\t\r") != std::string::npos) fail("text outside the root");
      } else {
        all[open.back()].text += decode(raw);
      }
      if (e == std::string::npos) break;
      i = e;
      continue;
    }
    if (s.compare(i, 2, "</") == 0) {
      const std::size_t e = s.find('>', i);
      if (e == std::string::npos) fail("unterminated end tag");
      const std::string name = s.substr(i + 2, e - i - 2);
      if (open.empty() || all[open.back()].name != name) fail("end tag </" + name + "> does not match");
      open.pop_back();
      i = e + 1;
      continue;
    }
    ++i;
    XmlElement el;
    while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '-' || s[i] == ':')) el.name += s[i++];
    if (el.name.empty()) fail("tag without a name");
    bool self_closing = false;
    for (;;) {
      while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      if (i >= s.size()) fail("unterminated tag");
      if (s.compare(i, 2, "/>") == 0) {
        self_closing = true, i += 2;
        break;
      }
      if (s[i] == '>') {
        ++i;
        break;
      }
      std::string key;
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '-' || s[i] == ':')) key += s[i++];
      if (key.empty() || s.compare(i, 2, "=\"") != 0) fail("attribute without =\"value\"");
      const std::size_t e = s.find('"', i + 2);
      if (e == std::string::npos) fail("unterminated attribute");
      for (const auto& [n, v] : el.attrs)
        if (n == key) fail("attribute " + key + " twice");
      el.attrs.emplace_back(key, decode(s.substr(i + 2, e - i - 2)));
      i = e + 1;
    }
    if (open.empty() && ++roots > 1) fail("second root element");
    all.push_back(el);
    if (!self_closing) open.push_back(all.size() - 1);
  }
  if (!open.empty()) throw std::runtime_error("xml: <" + all[open.back()].name + "> is not closed");
  if (roots != 1) throw std::runtime_error("xml: no root element");
  return all;
}

std::vector<XmlElement> texts_of(const std::vector<XmlElement>& doc) {
  std::vector<XmlElement> t;
  for (const auto& e : doc)
    if (e.name == "text") t.push_back(e);
  return t;
}

Rgb parse_hex(const std::string& h) {
  REQUIRE(h.size() == 7);
  return Rgb{static_cast<uint8_t>(std::stoi(h.substr(1, 2), nullptr, 16)),
             static_cast<uint8_t>(std::stoi(h.substr(3, 2), nullptr, 16)),
             static_cast<uint8_t>(std::stoi(h.substr(5, 2), nullptr, 16))};
}

// Every SVG <text> is, in the PNG's pixels, that very string in its colour at its place: the text is
// drawn again from the SVG's attributes alone onto a blank canvas, and every pixel it sets must carry
// the text's colour in the figure. Returns the texts in order.
std::vector<std::string> check_svg_matches_pixels(const Canvas& cv) {
  const std::vector<XmlElement> doc = parse_xml(cv.to_svg());
  REQUIRE(doc.front().name == "svg");
  CHECK(doc.front().attr("width") == std::to_string(cv.width()));
  CHECK(doc.front().attr("height") == std::to_string(cv.height()));
  std::vector<std::string> out;
  std::size_t drawn_texts = 0;
  for (const auto& p : cv.primitives()) drawn_texts += p.kind == Primitive::Kind::text || p.kind == Primitive::Kind::text_vertical;
  const auto texts = texts_of(doc);
  CHECK(texts.size() == drawn_texts);  // single-line texts only in the figures
  for (const auto& t : texts) {
    CAPTURE(t.text);
    const int scale = static_cast<int>(std::lround(std::stod(t.attr("font-size")) / 9.5));
    REQUIRE(scale >= 1);
    CHECK(t.attr("textLength") == std::to_string(Canvas::text_width(t.text, scale)));
    Canvas alone(cv.width(), cv.height(), Rgb{1, 2, 3});
    const std::string tr = t.attr("transform");
    if (tr.empty()) {
      alone.text(std::stoi(t.attr("x")), std::stoi(t.attr("y")) - 7 * scale, t.text, colors::black, scale);
    } else {  // translate(X Y) rotate(-90): the box's top-left is (X, Y - text width)
      int x = 0, y = 0;
      REQUIRE(std::sscanf(tr.c_str(), "translate(%d %d) rotate(-90)", &x, &y) == 2);
      alone.text_vertical(x, y - Canvas::text_width(t.text, scale), t.text, colors::black, scale);
    }
    const Rgb ink = parse_hex(t.attr("fill"));
    int set = 0, matching = 0;
    for (int y = 0; y < cv.height(); ++y)
      for (int x = 0; x < cv.width(); ++x)
        if (alone.at(x, y) == colors::black) ++set, matching += cv.at(x, y) == ink;
    CHECK(set > 0);
    CHECK(matching == set);
    out.push_back(t.text);
  }
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }
}  // namespace

TEST_CASE("the xml check refuses what is not well-formed") {
  CHECK_NOTHROW(parse_xml("<a x=\"1\"><b/>t &amp; u</a>"));
  CHECK_THROWS(parse_xml("<a><b></a>"));
  CHECK_THROWS(parse_xml("<a x=1/>"));
  CHECK_THROWS(parse_xml("<a>&nbsp;</a>"));
  CHECK_THROWS(parse_xml("<a/><b/>"));
  CHECK_THROWS(parse_xml("<a>"));
}

TEST_CASE("a figure's SVG is well-formed, escapes its text and carries exactly the PNG's text") {
  Canvas cv(200, 100);
  cv.fill_rect(-5, 10, 30, 20, colors::red);
  cv.line(0, 0, 50, 50, colors::blue, 2);
  cv.text(5, 30, "a < b & \"c\"", colors::black);
  cv.text_vertical(150, 5, "up", colors::green, 2);
  const std::string svg = cv.to_svg();
  CHECK(svg.find("a &lt; b &amp; &quot;c&quot;") != std::string::npos);
  CHECK(svg.find("<rect x=\"0\" y=\"10\" width=\"30\" height=\"10\" fill=\"#d62728\"/>") != std::string::npos);  // clipped
  CHECK(svg.find("<line x1=\"1\" y1=\"1\" x2=\"51\" y2=\"51\" stroke=\"#1f77b4\" stroke-width=\"2\"") != std::string::npos);
  CHECK(check_svg_matches_pixels(cv) == std::vector<std::string>{"a < b & \"c\"", "up"});
}

TEST_CASE("curves, comparison and confusion SVGs carry the tick labels and counts the PNGs draw") {
  std::vector<EpochRecord> e;
  for (int i = 1; i <= 3; ++i) e.push_back({i, 2.0 / i, 0.5 + 0.1 * i, 2.2 / i, 0.45 + 0.1 * i, 1e-3, 1.0});
  const auto curves = check_svg_matches_pixels(render_curves(e, "hybrid on mnist"));
  for (const char* s : {"1", "2", "3", "0.0", "0.5", "1.0", "2.0", "hybrid on mnist", "train", "validation"}) CHECK(has(curves, s));
  const auto cmp = check_svg_matches_pixels(
      render_comparison({{"hybrid", e, {0.951}, {0.25}}, {"classical", e, {0.93}, {0.104}}}, "hqc compare: mnist"));
  for (const char* s : {"95.1", "93.0", "25.0", "10.4", "hybrid", "classical", "test", "robust (attack)", "100"})
    CHECK(has(cmp, s));
  Matrix64 m{{985, 0, 15}, {3, 890, 7}, {200, 5, 365}};
  const auto conf = check_svg_matches_pixels(render_confusion(m, {"zero", "one", "two"}, "confusion"));
  for (const auto& row : m)
    for (int64_t v : row) CHECK(std::count(conf.begin(), conf.end(), std::to_string(v)) >= 1);
  CHECK(std::count(conf.begin(), conf.end(), "0") == 1);
  CHECK(std::count(conf.begin(), conf.end(), "5") == 1);
}

TEST_CASE("the same quantity has the same axis label in every figure") {
  std::vector<EpochRecord> e{{1, 1.0, 0.5, 1.1, 0.4, 1e-3, 1.0}, {2, 0.8, 0.6, 0.9, 0.5, 1e-3, 1.0}};
  auto vertical = [](const Canvas& cv) {
    std::vector<std::string> v;
    for (const auto& p : cv.primitives())
      if (p.kind == Primitive::Kind::text_vertical) v.push_back(p.text);
    return v;
  };
  const Canvas curves = render_curves(e, ""), cmp = render_comparison({{"hybrid", e, {0.9}, {}}}, "");
  CHECK(vertical(curves) == std::vector<std::string>{kLossAxis, kAccuracyAxis});
  CHECK(vertical(cmp) == std::vector<std::string>{kAccuracyAxis, kLossAxis, kAccuracyAxis});
  const auto conf = vertical(render_confusion({{1, 0}, {0, 1}}, {"a", "b"}, "c"));
  CHECK(has(conf, kTrueAxis));
}

namespace {
// The frame of a line plot: its four one-pixel black rectangles are the longest of the figure.
struct Box {
  int x0, y0, x1, y1;
};
Box frame_of(const Canvas& cv) {
  Box b{0, 0, 0, 0};
  int best_v = 0, best_h = 0;
  for (const auto& p : cv.primitives()) {
    if (p.kind != Primitive::Kind::rect || !(p.color == colors::black)) continue;
    const int w = static_cast<int>(p.x1 - p.x0), h = static_cast<int>(p.y1 - p.y0);
    if (w == 1 && h > best_v) best_v = h, b.x0 = static_cast<int>(p.x0), b.y0 = static_cast<int>(p.y0);
    if (h == 1 && w > best_h) best_h = w;
  }
  b.x1 = b.x0 + best_h - 1, b.y1 = b.y0 + best_v - 1;  // the far lines' own pixels
  return b;
}
}  // namespace

TEST_CASE("markers on the lowest and highest values show whole inside the frame") {
  Canvas cv(400, 300);
  LinePlot p{"", "x", "y", {{"s", {1, 2, 3}, {0, 10, 5}, colors::red}}};
  draw_line_plot(cv, 0, 0, 400, 300, p);
  const Box f = frame_of(cv);
  int markers = 0;
  for (const auto& q : cv.primitives()) {
    if (q.kind != Primitive::Kind::rect || !(q.color == colors::red) || q.x1 - q.x0 != 5 || q.y1 - q.y0 != 5) continue;
    ++markers;
    CHECK(q.x0 > f.x0);
    CHECK(q.x1 <= f.x1);
    CHECK(q.y0 > f.y0);
    CHECK(q.y1 <= f.y1);
  }
  CHECK(markers == 3);
}

TEST_CASE("bars show each run's mean, and an error bar only when a run has several seeds") {
  std::vector<EpochRecord> e{{1, 1.0, 0.5, 1.1, 0.4, 1e-3, 1.0}};
  auto whiskers = [](const Canvas& cv) {  // 7-pixel black caps of the error bars, in the bar panel
    int n = 0;
    for (const auto& p : cv.primitives())
      n += p.kind == Primitive::Kind::rect && p.color == colors::black && p.x0 >= 1000 && p.x1 - p.x0 == 7 && p.y1 - p.y0 == 1;
    return n;
  };
  const Canvas one = render_comparison({{"hybrid", e, {0.9}, {0.2}}}, "");
  CHECK(whiskers(one) == 0);
  const Canvas three = render_comparison({{"hybrid", e, {0.9, 0.8, 0.85}, {0.2, 0.3, 0.25}}}, "");
  CHECK(whiskers(three) == 4);  // two caps on each of the two bars
  const auto labels = check_svg_matches_pixels(three);
  CHECK(has(labels, "85.0"));
  CHECK(has(labels, "25.0"));
  CHECK(bar_label({90.0, 80.0, 85.0}) == "85.0");
  CHECK(bar_label({NAN}) == "");
  // A name too long for its group goes on two lines under it, whole.
  std::vector<NamedRun> five;
  for (const char* n : {"hybrid", "classical", "hybrid, Linear(16,4)", "hybrid, rotations only", "hybrid, 6 qubits"})
    five.push_back({n, e, {0.5}, {0.1}});
  const auto names = check_svg_matches_pixels(render_comparison(five, ""));
  CHECK(has(names, "hybrid,"));
  CHECK(has(names, "rotations only"));
  CHECK(has(names, "Linear(16,4)"));
  // Without an attack there is no robust bar and no legend entry for it.
  const auto no_attack = check_svg_matches_pixels(render_comparison({{"hybrid", e, {0.9}, {}}}, ""));
  CHECK_FALSE(has(no_attack, "robust (attack)"));
}

TEST_CASE("save_png writes the SVG beside the PNG") {
  const auto dir = std::filesystem::temp_directory_path() / "hqc_test_plot_svg";
  std::filesystem::create_directories(dir);
  Canvas cv(30, 20);
  cv.text(2, 2, "7", colors::black);
  save_png(cv, dir / "fig.png");
  CHECK(svg_path(dir / "fig.png") == dir / "fig.svg");
  std::ifstream in(dir / "fig.svg");
  const std::string svg((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(svg == cv.to_svg());
  std::filesystem::remove_all(dir);
}
