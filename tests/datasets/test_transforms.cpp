// test_transforms.cpp — each transform on hand-checkable images, resize against PyTorch.
#include <cmath>
#include <set>

#include "datasets/transforms.hpp"
#include "ds_helpers.hpp"
#include "fixtures.hpp"

using namespace hqc;
using namespace hqc::data;

namespace {
Tensor u8_image(int64_t c, int64_t h, int64_t w, const std::function<int(int64_t, int64_t, int64_t)>& f) {
  Tensor t = Tensor::empty({c, h, w}, DType::u8);
  for (int64_t k = 0; k < c; ++k)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) t.set({k, y, x}, f(k, y, x));
  return t;
}
Tensor run(const Pipeline& p, const Tensor& img, uint64_t seed = 0) {
  Generator g(seed);
  return p.run(img, g);
}
float at(const Tensor& t, int64_t c, int64_t y, int64_t x) { return static_cast<float>(t.at({c, y, x})); }
}  // namespace

TEST_CASE("to_float maps 0..255 onto 0..1 and normalize uses each channel's constants") {
  Tensor img = u8_image(2, 1, 3, [](int64_t c, int64_t, int64_t x) { return c == 0 ? int(x * 51) : 255; });
  Tensor f = run(Pipeline(), img);
  CHECK(at(f, 0, 0, 0) == 0.f);
  CHECK(at(f, 0, 0, 1) == doctest::Approx(0.2f));
  CHECK(at(f, 1, 0, 2) == 1.f);
  Tensor n = run(Pipeline({normalize({0.5f, 0.25f}, {0.5f, 0.25f})}), img);
  CHECK(at(n, 0, 0, 0) == doctest::Approx(-1.f));
  CHECK(at(n, 1, 0, 1) == doctest::Approx(3.f));
  CHECK_DATA_ERROR([&] { Pipeline({normalize({0.5f}, {0.5f})}).output_shape({2, 1, 3}); }, "normalize", "(2, 1, 3)");
  CHECK_DATA_ERROR([&] { normalize({0.5f}, {0.f}); }, "not positive");
}

TEST_CASE("horizontal flip mirrors columns with p = 1 and never with p = 0") {
  Tensor img = u8_image(2, 3, 5, [](int64_t c, int64_t y, int64_t x) { return int(c * 100 + y * 10 + x); });
  Tensor f = run(Pipeline({random_horizontal_flip(1.0)}), img);
  Tensor same = run(Pipeline({random_horizontal_flip(0.0)}), img);
  for (int64_t x = 0; x < 5; ++x) {
    CHECK(at(f, 1, 2, x) == doctest::Approx(at(same, 1, 2, 4 - x)));
    CHECK(at(same, 0, 1, x) == doctest::Approx((10 + x) / 255.f));
  }
}

TEST_CASE("random crop with padding is a shifted copy with zero fill, offsets within the padding") {
  Tensor img = u8_image(1, 8, 8, [](int64_t, int64_t y, int64_t x) { return int(1 + y * 8 + x); });
  Pipeline p({random_crop(8, 8, 3)});
  std::set<std::pair<int, int>> offsets;
  for (uint64_t seed = 0; seed < 60; ++seed) {
    Tensor c = run(p, img, seed);
    REQUIRE(c.sizes() == Shape{1, 8, 8});
    int dy = 99, dx = 99;  // find the shift from any non-zero pixel, then check every pixel with it
    for (int64_t y = 0; y < 8 && dy == 99; ++y)
      for (int64_t x = 0; x < 8 && dy == 99; ++x)
        if (float v = at(c, 0, y, x); v > 0) {
          int k = int(std::lround(v * 255)) - 1;
          dy = k / 8 - int(y);
          dx = k % 8 - int(x);
        }
    REQUIRE(dy != 99);
    CHECK(std::abs(dy) <= 3);
    CHECK(std::abs(dx) <= 3);
    offsets.insert({dy, dx});
    for (int64_t y = 0; y < 8; ++y)
      for (int64_t x = 0; x < 8; ++x) {
        int64_t sy = y + dy, sx = x + dx;
        float want = (sy >= 0 && sy < 8 && sx >= 0 && sx < 8) ? float(1 + sy * 8 + sx) / 255.f : 0.f;
        CHECK(at(c, 0, y, x) == doctest::Approx(want));
      }
  }
  CHECK(offsets.size() > 10);  // the offsets do vary
  CHECK(run(Pipeline({random_crop(8, 8, 0)}), img).values<float>() == run(Pipeline(), img).values<float>());
  CHECK_DATA_ERROR([&] { Pipeline({random_crop(20, 20, 2)}).output_shape({1, 8, 8}); }, "random_crop");
}

TEST_CASE("affine: whole-pixel shifts are exact, 90 degrees turns the top row into the left column") {
  Tensor img = u8_image(1, 7, 7, [](int64_t, int64_t y, int64_t x) { return y == 0 ? 255 : int(x + 1); });
  Tensor shifted = run(Pipeline({affine(0.0, 2.0, -1.0)}), img);  // 2 right, 1 up
  CHECK(at(shifted, 0, 3, 4) == doctest::Approx(at(run(Pipeline(), img), 0, 4, 2)));
  CHECK(at(shifted, 0, 3, 0) == 0.f);  // came from outside on the left
  CHECK(at(shifted, 0, 6, 3) == 0.f);  // came from outside at the bottom
  Tensor rot = run(Pipeline({affine(90.0, 0.0, 0.0)}), img);
  for (int64_t y = 0; y < 7; ++y) CHECK(at(rot, 0, y, 0) == doctest::Approx(1.f).epsilon(1e-5));
  CHECK(at(rot, 0, 0, 3) < 0.1f);
  Tensor half = run(Pipeline({affine(180.0, 0.0, 0.0)}), img);
  CHECK(at(half, 0, 6, 0) == doctest::Approx(1.f).epsilon(1e-5));
  CHECK(at(half, 0, 0, 0) == doctest::Approx(7 / 255.f).epsilon(1e-4));
  Tensor none = run(Pipeline({affine(0.0, 0.0, 0.0)}), img);
  CHECK(none.values<float>() == run(Pipeline(), img).values<float>());
}

TEST_CASE("random affine stays within its bounds and depends only on the generator") {
  Tensor img = u8_image(1, 28, 28, [](int64_t, int64_t y, int64_t x) { return int((x * 9 + y * 5) % 256); });
  Pipeline p({random_affine(5.0, 0.1)});
  Generator g1 = sample_generator(1, 2, 3), g2 = sample_generator(1, 2, 3), g3 = sample_generator(1, 2, 4);
  Tensor a = p.run(img, g1), b = p.run(img, g2), c = p.run(img, g3);
  CHECK(a.values<float>() == b.values<float>());
  CHECK(a.values<float>() != c.values<float>());
  for (float v : a.values<float>()) CHECK((v >= 0.f && v <= 1.f + 1e-6f));
}

TEST_CASE("resize matches PyTorch bilinear interpolation (align_corners False) on the fixture") {
  std::vector<float> input;  // the fixture's input, given exactly as floats
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t y = 0; y < 5; ++y)
      for (int64_t x = 0; x < 7; ++x) input.push_back(float((c * 35 + y * 7 + x) * 37 % 101) / 100.f);
  const hqc::test::Fixtures f("datasets/resize.txt");  // "resize_<out_h>x<out_w>": (2, out_h, out_w)
  int64_t cases = 0;
  for (const std::string& name : f.names()) {
    CAPTURE(name);
    const Tensor want = f[name];
    REQUIRE(want.dim() == 3);
    const int64_t oh = want.size(1), ow = want.size(2);
    REQUIRE(name == "resize_" + std::to_string(oh) + "x" + std::to_string(ow));
    Sample s{2, 5, 7, input, {}};
    Generator g(0);
    resize(oh, ow)->apply(s, g);
    REQUIRE(s.px.size() == std::size_t(2 * oh * ow));
    const std::vector<double> expected = want.values<double>();
    for (std::size_t i = 0; i < s.px.size(); ++i) CHECK(s.px[i] == doctest::Approx(expected[i]).epsilon(1e-6));
    ++cases;
  }
  CHECK(cases == 5);
}

TEST_CASE("grayscale weighs R, G, B and to_rgb copies one channel three times") {
  Tensor img = u8_image(3, 1, 1, [](int64_t c, int64_t, int64_t) { return c == 0 ? 255 : c == 1 ? 0 : 51; });
  Tensor g = run(Pipeline({to_grayscale()}), img);
  CHECK(g.sizes() == Shape{1, 1, 1});
  CHECK(at(g, 0, 0, 0) == doctest::Approx(0.2989f + 0.114f * 0.2f));
  Tensor one = u8_image(1, 2, 2, [](int64_t, int64_t y, int64_t x) { return int(y * 2 + x) * 50; });
  Tensor rgb = run(Pipeline({to_rgb()}), one);
  CHECK(rgb.sizes() == Shape{3, 2, 2});
  CHECK(at(rgb, 2, 1, 1) == doctest::Approx(150 / 255.f));
  // The luma weights sum to 0.9999, so gray -> RGB -> gray returns the value to within 1e-4.
  CHECK_CLOSE(run(Pipeline({to_grayscale(), to_rgb(), to_grayscale()}), one), run(Pipeline(), one), 2e-4, 1e-6);
}

TEST_CASE("standard pipelines give the dataset's shape, normalised with its constants") {
  Tensor img = u8_image(3, 32, 32, [](int64_t, int64_t, int64_t) { return 0; });
  Tensor out = run(standard_pipeline("cifar10", false), img);
  CHECK(out.sizes() == Shape{3, 32, 32});
  CHECK(at(out, 2, 5, 5) == doctest::Approx(-0.4465f / 0.2616f));
  CHECK(standard_pipeline("stl10", true).output_shape({3, 96, 96}) == Shape{3, 96, 96});
  CHECK(standard_pipeline("mnist", true).describe() == "to_float -> random_affine(5.000000 degrees, translate 0.100000) -> normalize(1 channels)");
}

TEST_CASE("the original's MNIST pipeline normalises first: the pixels the affine map uncovers are the mean grey") {
  // A white image: whatever the affine map uncovers is fill. Standard: black (pixel 0) normalised;
  // the original's: 0 in normalised units, i.e. the mean grey.
  Tensor img = u8_image(1, 28, 28, [](int64_t, int64_t, int64_t) { return 255; });
  const DatasetInfo& info = dataset_info("mnist");
  const float black = (0.0f - info.mean[0]) / info.std[0], white = (1.0f - info.mean[0]) / info.std[0];
  CHECK(original_pipeline("mnist").describe() == "to_float -> normalize(1 channels) -> random_affine(5.000000 degrees, translate 0.100000)");
  CHECK(original_pipeline("cifar10").describe() == standard_pipeline("cifar10", true).describe());
  int fill_original = 0, fill_standard = 0;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    const Tensor o = run(original_pipeline("mnist"), img, seed), s = run(standard_pipeline("mnist", true), img, seed);
    for (int64_t y = 0; y < 28; ++y)
      for (int64_t x = 0; x < 28; ++x) {
        const float a = at(o, 0, y, x), b = at(s, 0, y, x);
        CHECK(a >= -1e-6f);  // never darker than the mean grey
        CHECK(a <= white + 1e-4f);
        CHECK(b >= black - 1e-4f);
        fill_original += std::abs(a) < 1e-6f;
        fill_standard += std::abs(b - black) < 1e-5f;
      }
  }
  CHECK(fill_original > 100);  // 20 draws of up to 2.8-pixel shifts uncover some border
  CHECK(fill_standard == fill_original);  // the same draws uncover the same pixels
}
