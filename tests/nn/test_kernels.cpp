// test_kernels.cpp — every fast nn kernel against its plain reference, on awkward sizes, in float
// and double, with one and two threads.
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "nn/kernels/batchnorm.hpp"
#include "nn/kernels/conv2d.hpp"
#include "nn/kernels/pool2d.hpp"
#include "tensor/parallel.hpp"

using namespace hqc;
using namespace hqc::nn::kernels;

namespace {

template <typename T> std::vector<T> random_vec(int64_t n, Generator& gen) {
  std::vector<T> v(static_cast<size_t>(n));
  for (auto& x : v) x = T(gen.uniform_double() * 2 - 1);
  return v;
}

template <typename T> double max_diff(const std::vector<T>& a, const std::vector<T>& b) {
  REQUIRE(a.size() == b.size());
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(double(a[i]) - double(b[i])));
  return m;
}

template <typename T> void check_conv(const Conv2dGeometry& g, double tol) {
  Generator gen(7);
  const int64_t xs = g.N * g.C * g.H * g.W, ws = g.OC * g.C * g.KH * g.KW, ys = g.N * g.OC * g.OH() * g.OW();
  auto x = random_vec<T>(xs, gen), w = random_vec<T>(ws, gen), b = random_vec<T>(g.OC, gen), dy = random_vec<T>(ys, gen);
  std::vector<T> y(ys), yr(ys), dx(xs), dxr(xs), dw(ws), dwr(ws), db(g.OC), dbr(g.OC);
  conv2d_forward_reference(g, x.data(), w.data(), b.data(), yr.data());
  conv2d_backward_input_reference(g, dy.data(), w.data(), dxr.data());
  conv2d_backward_weight_reference(g, x.data(), dy.data(), dwr.data(), dbr.data());
  hqc::test::ThreadCountGuard tg;
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    conv2d_forward(g, x.data(), w.data(), b.data(), y.data());
    conv2d_backward_input(g, dy.data(), w.data(), dx.data());
    conv2d_backward_weight(g, x.data(), dy.data(), dw.data(), db.data());
    INFO("N C H W OC K S P = " << g.N << " " << g.C << " " << g.H << " " << g.W << " " << g.OC << " " << g.KH
                               << "x" << g.KW << " " << g.SH << "," << g.SW << " " << g.PH << "," << g.PW
                               << " threads " << threads);
    CHECK(max_diff(y, yr) < tol);
    CHECK(max_diff(dx, dxr) < tol);
    CHECK(max_diff(dw, dwr) < tol * g.N);
    CHECK(max_diff(db, dbr) < tol * g.N);
  }
}

// fn(kh, kw, oh, ow, ih, iw, inside) for every kernel tap of every output pixel, taps outermost (the
// order in which col2im sums): (ih, iw) is the input pixel under the tap, inside the map or not.
template <typename Fn> void for_each_tap_of_each_output(const Conv2dGeometry& g, Fn&& fn) {
  for (int64_t kh = 0; kh < g.KH; ++kh)
    for (int64_t kw = 0; kw < g.KW; ++kw)
      for (int64_t oh = 0; oh < g.OH(); ++oh)
        for (int64_t ow = 0; ow < g.OW(); ++ow) {
          const int64_t ih = oh * g.SH - g.PH + kh, iw = ow * g.SW - g.PW + kw;
          fn(kh, kw, oh, ow, ih, iw, ih >= 0 && ih < g.H && iw >= 0 && iw < g.W);
        }
}

std::string describe(const Conv2dGeometry& g) {
  std::ostringstream s;
  s << "C " << g.C << " H " << g.H << " W " << g.W << " K " << g.KH << "x" << g.KW << " S " << g.SH << "," << g.SW
    << " P " << g.PH << "," << g.PW;
  return s.str();
}

// Geometries of the tap path (wide channels, small maps, stride 1, off the Winograd path; see conv2d.cpp).
std::vector<Conv2dGeometry> tap_geometries() {
  // (N, C, H, W, OC, KH, KW, SH, SW, PH, PW)
  return {
      {3, 64, 4, 4, 8, 3, 3, 1, 1, 1, 1},    // few output channels: full-width taps as one run
      {19, 64, 5, 7, 6, 3, 3, 1, 1, 1, 1},   // two groups of samples, a map not square
      {2, 64, 6, 5, 4, 2, 3, 1, 1, 0, 1},    // uneven kernel and padding
      {2, 64, 5, 6, 3, 3, 3, 1, 1, 1, 0},    // output rows narrower than the input's: runs row by row
      {2, 64, 2, 3, 3, 5, 5, 1, 1, 2, 2},    // kernel larger than the map: some taps reach nothing
      {2, 64, 3, 3, 4, 3, 3, 1, 1, 3, 3},    // padding wider than the kernel: border outputs see no tap
      {1, 64, 12, 12, 5, 1, 3, 1, 1, 0, 1},  // one row of taps on the largest map taken
      {2, 64, 8, 8, 4, 5, 5, 1, 1, 2, 2},    // 5x5 "same" on 8x8
      {2, 300, 4, 4, 5, 3, 3, 1, 1, 1, 1},   // K = C deeper than one GEMM K block (packed in two)
  };
}

std::vector<Conv2dGeometry> conv_geometries() {
  std::vector<Conv2dGeometry> out;
  // (N, C, H, W, OC, KH, KW, SH, SW, PH, PW)
  out.push_back({2, 3, 7, 5, 4, 3, 3, 1, 1, 1, 1});
  out.push_back({3, 1, 28, 28, 5, 3, 3, 1, 1, 1, 1});  // first MNIST layer shape, fewer channels
  out.push_back({1, 2, 9, 11, 3, 3, 2, 2, 3, 0, 1});   // stride and uneven kernel
  out.push_back({5, 4, 1, 1, 3, 1, 1, 1, 1, 0, 0});    // pointwise on 1x1
  out.push_back({2, 5, 6, 6, 7, 1, 1, 1, 1, 0, 0});    // pointwise
  out.push_back({1, 1, 3, 3, 1, 5, 5, 1, 1, 2, 2});    // kernel larger than the input
  out.push_back({3, 2, 13, 17, 9, 3, 3, 2, 2, 1, 1});  // stride 2 with padding
  out.push_back({7, 3, 4, 4, 2, 2, 2, 2, 2, 0, 0});    // more samples than threads, odd count
  out.push_back({13, 2, 10, 10, 3, 3, 3, 1, 1, 1, 1}); // samples grouped 6 per GEMM, a partial group
  out.push_back({9, 3, 5, 3, 4, 3, 3, 1, 1, 0, 1});    // grouped, unequal padding
  // Weight gradients by a GEMM on the columns (C*KH*KW > 32):
  out.push_back({9, 40, 14, 14, 33, 3, 3, 1, 1, 1, 1});  // the MNIST second layers' kind, groups of 3
  out.push_back({2, 4, 11, 9, 5, 3, 3, 2, 2, 1, 1});     // strided
  out.push_back({3, 5, 6, 7, 6, 2, 4, 1, 1, 0, 2});      // uneven kernel and padding
  out.push_back({2, 6, 3, 2, 3, 3, 4, 1, 1, 2, 2});      // kernel wider than the map: rows of zeros only
  // The Winograd path (3x3, stride 1, >= 16 channels both ways, >= 100 output pixels):
  out.push_back({2, 16, 11, 13, 17, 3, 3, 1, 1, 0, 2});   // odd output rows and columns: half tiles at the edges
  out.push_back({5, 20, 10, 10, 24, 3, 3, 1, 1, 2, 1});   // padding 2 (the input gradient's is then 0)
  out.push_back({13, 17, 10, 10, 16, 3, 3, 1, 1, 1, 1});  // several samples a pass, a shorter last pass; 17 lanes
  out.push_back({2, 16, 34, 31, 16, 3, 3, 1, 1, 1, 1});   // 17x16 tiles, over a pass: bands of 16 tile rows and 1
  out.push_back({5, 64, 4, 4, 24, 3, 3, 1, 1, 1, 1});     // the smallest map taken, 2x2 tiles
  // F(4x4, 3x3) (output sides multiples of 4, 64 pixels or more, 256 in the batch); the input
  // gradients of the padding-0 and padding-2 ones map back to sides of 18 and 14 and take F(2x2, 3x3):
  out.push_back({3, 16, 16, 16, 20, 3, 3, 1, 1, 1, 1});  // 4x4 tiles of 4x4, 20 lanes
  out.push_back({2, 17, 18, 22, 16, 3, 3, 1, 1, 0, 1});  // padding 0 by 1: a 16x22 output
  out.push_back({2, 16, 14, 14, 18, 3, 3, 1, 1, 2, 2});  // padding 2: a 16x16 output
  out.push_back({5, 16, 8, 8, 24, 3, 3, 1, 1, 1, 1});    // an 8x8 map, 5 samples: 2x2 tiles of 4x4 each
  out.push_back({3, 20, 12, 12, 17, 3, 3, 1, 1, 1, 1});  // a 12x12 map, 3 samples: 3x3 tiles, 17 lanes
  out.push_back({2, 30, 4, 4, 5, 3, 3, 1, 1, 1, 1});    // K = C*KH*KW = 270, deeper than one GEMM K block (256)
  for (const auto& g : tap_geometries()) out.push_back(g);
  return out;
}

}  // namespace

TEST_CASE("conv2d fast float path equals the direct reference on awkward geometries, every SIMD level") {
  hqc::test::SimdLevelGuard guard;
  for (SimdLevel level : hqc::test::available_levels()) {
    INFO("SIMD " << std::string(simd_name(level)));
    set_simd_level(level);
    // F(4x4, 3x3) rounds more (see the next test): up to 5.8e-5 (y) and 7.2e-5 (dx) on its geometries here.
    for (const auto& g : conv_geometries())
      check_conv<float>(g, conv2d_winograd_path(g) && winograd_tile(g) == 4 ? 1e-4 : 2e-5);
  }
}

// Winograd's weights gathered (forward transform) and scattered (weight gradient) a block of
// kernel rows at a time, 32768 / (9 OC) rows a block: 64 > 72 takes blocks of 50 and 14 rows.
// Its sums run over 576 and 648 products, longer than check_conv's absolute 2e-5 is made for
// (270 at most), so it is checked against the double-precision definition relative to the
// result's largest magnitude: float rounding of these sums is 2-4e-7 of it (every level, 1 and 2
// threads), a wrong block offset puts whole kernels in the wrong place (errors of the results' size).
const Conv2dGeometry kSeveralWeightBlocks = {2, 64, 6, 6, 72, 3, 3, 1, 1, 1, 1};

TEST_CASE("Winograd against the double definition: blocks of kernel rows, one sample over 1-3 threads, every SIMD level") {
  // One sample with more threads than samples: 80 output channels go out in blocks of 32 (32 + 32 +
  // 16 over two or three threads) where there are 32 a thread, otherwise (the input gradients, 24
  // channels; 40 channels) bands of tile rows.
  // The same on 16x16 maps in F(4x4, 3x3) tiles; CIFAR's 64 > 128 @16; a map over one pass.
  for (const Conv2dGeometry& g : {kSeveralWeightBlocks, Conv2dGeometry{1, 24, 14, 14, 80, 3, 3, 1, 1, 1, 1},
                                  Conv2dGeometry{1, 16, 14, 14, 40, 3, 3, 1, 1, 1, 1},
                                  Conv2dGeometry{1, 24, 16, 16, 80, 3, 3, 1, 1, 1, 1},
                                  Conv2dGeometry{1, 16, 16, 16, 40, 3, 3, 1, 1, 1, 1},
                                  Conv2dGeometry{2, 64, 16, 16, 128, 3, 3, 1, 1, 1, 1},
                                  Conv2dGeometry{2, 16, 48, 44, 16, 3, 3, 1, 1, 1, 1}}) {  // bands of 10 and 2
    INFO(describe(g));
    REQUIRE(conv2d_winograd_path(g));
    Generator gen(7);
    const int64_t xs = g.N * g.C * g.H * g.W, ws = g.OC * g.C * 9, ys = g.N * g.OC * g.OH() * g.OW();
    const auto x = random_vec<float>(xs, gen), w = random_vec<float>(ws, gen), dy = random_vec<float>(ys, gen);
    const auto b = random_vec<float>(g.OC, gen);
    const auto wide = [](const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); };
    std::vector<double> yr(ys), dxr(xs), dwr(ws), dbr(g.OC);
    conv2d_forward_reference(g, wide(x).data(), wide(w).data(), wide(b).data(), yr.data());
    conv2d_backward_input_reference(g, wide(dy).data(), wide(w).data(), dxr.data());
    conv2d_backward_weight_reference(g, wide(x).data(), wide(dy).data(), dwr.data(), dbr.data());
    const auto relative_error = [](const std::vector<float>& got, const std::vector<double>& want) {
      double diff = 0, size = 0;
      for (size_t i = 0; i < want.size(); ++i) {
        diff = std::max(diff, std::abs(double(got[i]) - want[i]));
        size = std::max(size, std::abs(want[i]));
      }
      return diff / size;
    };
    // F(4x4, 3x3)'s transforms multiply by up to 8 and 25 where F(2x2, 3x3)'s add: its rounding is
    // 3-8e-6 of the largest output on CIFAR's 64 > 128 @16 and STL-10's 64 > 128 @48 (every
    // output, both gradients), against 2-7e-7 for F(2x2, 3x3) (Lavin & Gray report the same growth).
    const double tolerance = winograd_tile(g) == 4 ? 3e-5 : 2e-6;
    hqc::test::SimdLevelGuard guard;
    hqc::test::ThreadCountGuard tg;
    for (SimdLevel level : hqc::test::available_levels())
      for (int threads : {1, 2, 3}) {
        INFO("SIMD " << std::string(simd_name(level)) << ", threads " << threads);
        set_simd_level(level);
        set_num_threads(threads);
        std::vector<float> y(ys), dx(xs), dw(ws), db(g.OC);
        conv2d_forward(g, x.data(), w.data(), b.data(), y.data());
        conv2d_backward(g, x.data(), dy.data(), w.data(), dx.data(), dw.data(), db.data());
        CHECK(relative_error(y, yr) < tolerance);
        CHECK(relative_error(dx, dxr) < tolerance);
        CHECK(relative_error(dw, dwr) < tolerance);
      }
  }
}

// The first layers' bias enters their GEMM as its last row of depth (conv2d_im2col.cpp): each output
// must still be the bias-free sum plus the bias, rounded once, as when the bias was added after it.
TEST_CASE("im2col convolutions add the bias last: y = (W * x) + b rounded once, every SIMD level and thread count") {
  hqc::test::SimdLevelGuard guard;
  hqc::test::ThreadCountGuard tg;
  for (const Conv2dGeometry& g : {Conv2dGeometry{4, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1}, Conv2dGeometry{1, 1, 28, 28, 16, 3, 3, 1, 1, 1, 1},
                                  Conv2dGeometry{3, 3, 32, 32, 64, 3, 3, 1, 1, 1, 1}, Conv2dGeometry{1, 3, 20, 24, 40, 3, 3, 1, 1, 1, 1},
                                  Conv2dGeometry{2, 2, 9, 11, 3, 3, 2, 2, 3, 0, 1}}) {
    Generator gen(17);
    const auto x = random_vec<float>(g.N * g.C * g.H * g.W, gen), w = random_vec<float>(g.OC * g.C * g.KH * g.KW, gen);
    auto b = random_vec<float>(g.OC, gen);
    for (float& v : b) v *= 100.0f;  // large enough that adding it rounds away low bits of the sums
    const int64_t OHW = g.OH() * g.OW();
    for (SimdLevel level : hqc::test::available_levels())
      for (int threads : {1, 2}) {
        INFO(describe(g) << " SIMD " << std::string(simd_name(level)) << ", threads " << threads);
        set_simd_level(level);
        set_num_threads(threads);
        std::vector<float> sum(g.N * g.OC * OHW), y(sum.size());
        conv2d_forward(g, x.data(), w.data(), static_cast<const float*>(nullptr), sum.data());
        conv2d_forward(g, x.data(), w.data(), b.data(), y.data());
        int64_t wrong = 0;
        for (int64_t i = 0; i < int64_t(y.size()); ++i) {
          const float want = sum[i] + b[i / OHW % g.OC];
          wrong += std::memcmp(&want, &y[i], sizeof(float)) != 0;
        }
        CHECK(wrong == 0);
      }
  }
}

TEST_CASE("conv2d from weights transformed once is conv2d_forward's bits, every SIMD level") {
  hqc::test::SimdLevelGuard guard;
  std::vector<Conv2dGeometry> geometries = conv_geometries();
  geometries.push_back(kSeveralWeightBlocks);
  for (SimdLevel level : hqc::test::available_levels()) {
    set_simd_level(level);
    for (const auto& g : geometries) {
      INFO("SIMD " << std::string(simd_name(level)) << " " << describe(g));
      const int64_t floats = conv2d_transformed_weights_floats(g);
      const int64_t alpha = winograd_tile(g) + 2;  // a transformed kernel's side
      CHECK(floats == (conv2d_winograd_path(g) ? alpha * alpha * g.C * g.OC : 0));
      Generator gen(9);
      auto x = random_vec<float>(g.N * g.C * g.H * g.W, gen), w = random_vec<float>(g.OC * g.C * g.KH * g.KW, gen);
      auto b = random_vec<float>(g.OC, gen);
      if (floats == 0) {
        std::vector<float> u(1), y(g.N * g.OC * g.OH() * g.OW());
        CHECK_THROWS_AS(conv2d_transform_weights(g, w.data(), u.data()), std::invalid_argument);
        CHECK_THROWS_AS(conv2d_forward_transformed(g, x.data(), u.data(), b.data(), y.data()), std::invalid_argument);
        continue;
      }
      std::vector<float> u(floats), want(g.N * g.OC * g.OH() * g.OW()), got(want.size(), -7.0f);
      conv2d_forward<float>(g, x.data(), w.data(), b.data(), want.data());
      conv2d_transform_weights(g, w.data(), u.data());
      conv2d_forward_transformed(g, x.data(), u.data(), b.data(), got.data());
      CHECK(std::memcmp(got.data(), want.data(), want.size() * sizeof(float)) == 0);
      conv2d_forward_transformed(g, x.data(), u.data(), nullptr, got.data());  // no bias
      conv2d_forward<float>(g, x.data(), w.data(), nullptr, want.data());
      CHECK(std::memcmp(got.data(), want.data(), want.size() * sizeof(float)) == 0);
    }
  }
}

TEST_CASE("conv2d takes the tap path where it is meant to, and only there") {
  for (const auto& g : tap_geometries()) CHECK((conv2d_tap_path(g) && !conv2d_winograd_path(g)));
  // No study layer: the first ones have 1 or 3 input channels, Winograd takes the others first.
  CHECK_FALSE(conv2d_tap_path({64, 3, 32, 32, 64, 3, 3, 1, 1, 1, 1}));
  CHECK(conv2d_winograd_path({64, 256, 4, 4, 512, 3, 3, 1, 1, 1, 1}));
  CHECK_FALSE(conv2d_tap_path({64, 32, 14, 14, 64, 5, 5, 1, 1, 2, 2}));   // narrow channels
  CHECK_FALSE(conv2d_tap_path({64, 64, 16, 16, 64, 5, 5, 1, 1, 2, 2}));   // a larger map
  CHECK_FALSE(conv2d_tap_path({64, 128, 8, 8, 128, 5, 5, 2, 2, 2, 2}));   // strided
  CHECK_FALSE(conv2d_tap_path({64, 128, 8, 8, 128, 1, 1, 1, 1, 0, 0}));   // pointwise: one GEMM already
}

TEST_CASE("conv2d takes the Winograd path for 3x3 stride-1 layers with 16 channels and 16 pixels or more") {
  // The study's 13 layers past the first (64 samples, "same" padding; apps/bench/conv_bench.cpp):
  for (auto [c, h, oc] : {std::array<int64_t, 3>{16, 14, 32}, {32, 14, 64}, {32, 16, 64}, {64, 8, 128}, {64, 16, 128},
                          {128, 8, 256}, {256, 4, 512}, {32, 48, 64}, {64, 24, 128}, {128, 12, 256}, {64, 48, 128},
                          {128, 24, 256}, {256, 12, 512}})
    CHECK(conv2d_winograd_path({64, c, h, h, oc, 3, 3, 1, 1, 1, 1}));
  CHECK_FALSE(conv2d_winograd_path({64, 64, 3, 3, 128, 3, 3, 1, 1, 1, 1}));   // 9 pixels: under 4x4, not measured
  // The study's first layers (conv2d.cpp's table): K = C = 1 or 3, too thin; im2col takes them.
  for (auto [c, h, oc] : {std::array<int64_t, 3>{1, 28, 16}, {1, 28, 32}, {3, 32, 32}, {3, 32, 64}, {3, 96, 32}, {3, 96, 64}})
    CHECK_FALSE(conv2d_winograd_path({64, c, h, h, oc, 3, 3, 1, 1, 1, 1}));
  CHECK_FALSE(conv2d_winograd_path({64, 32, 28, 28, 8, 3, 3, 1, 1, 1, 1}));   // few output channels
  CHECK_FALSE(conv2d_winograd_path({64, 32, 28, 28, 32, 3, 3, 2, 2, 1, 1}));  // strided
  CHECK_FALSE(conv2d_winograd_path({64, 32, 28, 28, 32, 5, 5, 1, 1, 2, 2}));  // 5x5
  CHECK_FALSE(conv2d_winograd_path({64, 32, 28, 28, 32, 3, 3, 1, 1, 3, 3}));  // padding past the kernel
}

TEST_CASE("Winograd takes 4x4 tiles on maps of 64 pixels or more in batches of 256, sides multiples of 4") {
  // The study at batch 64: the layers on 8x8 to 48x48 maps take F(4x4, 3x3); the MNIST models' 14x14
  // and 7x7 ones and CIFAR's 256 > 512 @4 keep F(2x2, 3x3).
  for (auto [c, h, oc, tile] :
       {std::array<int64_t, 4>{16, 14, 32, 2}, {32, 14, 64, 2}, {256, 4, 512, 2}, {32, 16, 64, 4}, {64, 8, 128, 4},
        {64, 16, 128, 4}, {128, 8, 256, 4}, {32, 48, 64, 4}, {64, 24, 128, 4}, {128, 12, 256, 4}, {64, 48, 128, 4},
        {128, 24, 256, 4}, {256, 12, 512, 4}})
    CHECK(winograd_tile({64, c, h, h, oc, 3, 3, 1, 1, 1, 1}) == tile);
  CHECK(winograd_tile({1, 16, 8, 32, 16, 3, 3, 1, 1, 1, 1}) == 4);   // 8x32: 256 pixels, at batch 1 too
  CHECK(winograd_tile({1, 16, 16, 16, 16, 3, 3, 1, 1, 1, 1}) == 4);
  CHECK(winograd_tile({0, 16, 16, 16, 16, 3, 3, 1, 1, 1, 1}) == 4);  // no samples: as one
  CHECK(winograd_tile({1, 16, 12, 20, 16, 3, 3, 1, 1, 1, 1}) == 2);  // 12x20: 240 pixels
  CHECK(winograd_tile({2, 16, 12, 20, 16, 3, 3, 1, 1, 1, 1}) == 4);  // 480 a batch
  CHECK(winograd_tile({64, 16, 16, 18, 16, 3, 3, 1, 1, 1, 1}) == 2); // a side of 18
  CHECK(winograd_tile({64, 16, 18, 18, 16, 3, 3, 1, 1, 0, 0}) == 4); // padding 0: a 16x16 output
  // 8x8 and 12x12 maps: batch 1 (inference) keeps 2x2 tiles; from 4 and 2 samples, 4x4.
  CHECK(winograd_tile({1, 128, 8, 8, 256, 3, 3, 1, 1, 1, 1}) == 2);
  CHECK(winograd_tile({3, 128, 8, 8, 256, 3, 3, 1, 1, 1, 1}) == 2);
  CHECK(winograd_tile({4, 128, 8, 8, 256, 3, 3, 1, 1, 1, 1}) == 4);
  CHECK(winograd_tile({1, 256, 12, 12, 512, 3, 3, 1, 1, 1, 1}) == 2);
  CHECK(winograd_tile({2, 256, 12, 12, 512, 3, 3, 1, 1, 1, 1}) == 4);
  CHECK(winograd_tile({1024, 16, 4, 4, 16, 3, 3, 1, 1, 1, 1}) == 2); // 4x4 maps: never, whatever the batch
  CHECK(winograd_tile({1024, 16, 4, 12, 16, 3, 3, 1, 1, 1, 1}) == 2); // 48 pixels
  // Under a batch split the whole batch decides, so every process takes the tile one process would.
  hqc::test::NoExchange exchange;
  {
    BatchSplitScope split({2, 4, &exchange});
    CHECK(winograd_tile({2, 128, 8, 8, 256, 3, 3, 1, 1, 1, 1}) == 4);
  }
  {
    BatchSplitScope split({0, 3, &exchange});
    CHECK(winograd_tile({3, 128, 8, 8, 256, 3, 3, 1, 1, 1, 1}) == 2);
  }
}

TEST_CASE("conv2d fast double path equals the direct reference on awkward geometries") {
  for (const auto& g : conv_geometries()) check_conv<double>(g, 1e-12);
}

TEST_CASE("im2col and col2im equal their entry-by-entry definitions at every SIMD level") {
  hqc::test::SimdLevelGuard guard;
  // (N, C, H, W, OC, KH, KW, SH, SW, PH, PW)
  const std::vector<Conv2dGeometry> geometries = {
      {1, 2, 5, 7, 1, 3, 3, 1, 1, 1, 1}, {1, 2, 4, 6, 1, 1, 3, 1, 1, 0, 1}, {1, 2, 5, 4, 1, 3, 1, 1, 1, 2, 0},
      {1, 3, 3, 1, 1, 3, 3, 1, 1, 1, 1}, {1, 2, 4, 1, 1, 5, 5, 1, 1, 2, 2}, {1, 1, 3, 3, 1, 5, 5, 1, 1, 2, 2},
      {1, 2, 6, 5, 1, 3, 3, 1, 1, 0, 1}, {1, 2, 9, 8, 1, 3, 3, 2, 1, 1, 1}, {1, 2, 7, 9, 1, 3, 3, 1, 2, 1, 1}};
  for (SimdLevel level : hqc::test::available_levels()) {
    set_simd_level(level);
    for (const Conv2dGeometry& g : geometries) {
      INFO("SIMD " << std::string(simd_name(level)) << " " << describe(g));
      Generator gen(4);
      const int64_t OH = g.OH(), OW = g.OW(), ld = OH * OW + 3;  // a wider ld, as when samples are grouped
      auto x = random_vec<float>(g.C * g.H * g.W, gen), c = random_vec<float>(g.C * g.KH * g.KW * ld, gen);
      // im2col: each column entry is its input pixel or 0 (the 3 entries past OH*OW in a row are left
      // alone). col2im overwrites dx with the sum, per element in (kh, kw) order, of the entries that read it.
      std::vector<float> want(c.size(), -7.0f), want_dx(x.size(), 0.0f);
      for (int64_t ch = 0; ch < g.C; ++ch)
        for_each_tap_of_each_output(g, [&](int64_t kh, int64_t kw, int64_t oh, int64_t ow, int64_t ih, int64_t iw, bool inside) {
          const int64_t at = ((ch * g.KH + kh) * g.KW + kw) * ld + oh * OW + ow;
          want[at] = inside ? x[(ch * g.H + ih) * g.W + iw] : 0.0f;
          if (inside) want_dx[(ch * g.H + ih) * g.W + iw] += c[at];
        });
      std::vector<float> col(c.size(), -7.0f), dx(x.size(), -7.0f);
      im2col(g, x.data(), col.data(), ld);
      CHECK(col == want);
      col2im(g, c.data(), dx.data(), ld);
      CHECK(dx == want_dx);
    }
  }
}

TEST_CASE("im2col then col2im is the adjoint pair") {
  // <im2col(x), c> == <x, col2im(c)> for random x and c.
  Conv2dGeometry g{1, 3, 6, 7, 1, 3, 2, 2, 1, 1, 2};
  Generator gen(3);
  const int64_t cs = g.C * g.KH * g.KW * g.OH() * g.OW(), xs = g.C * g.H * g.W;
  auto x = random_vec<double>(xs, gen), c = random_vec<double>(cs, gen);
  std::vector<double> col(cs), back(xs, 0.0);
  im2col(g, x.data(), col.data(), g.OH() * g.OW());
  col2im(g, c.data(), back.data(), g.OH() * g.OW());
  double lhs = 0, rhs = 0;
  for (int64_t i = 0; i < cs; ++i) lhs += col[i] * c[i];
  for (int64_t i = 0; i < xs; ++i) rhs += x[i] * back[i];
  CHECK(lhs == doctest::Approx(rhs).epsilon(1e-12));
}

TEST_CASE("conv2d results are bit-identical run after run for one thread count") {
  Conv2dGeometry g{6, 4, 10, 10, 8, 3, 3, 1, 1, 1, 1};
  Generator gen(11);
  auto x = random_vec<float>(g.N * g.C * g.H * g.W, gen), dy = random_vec<float>(g.N * g.OC * g.OH() * g.OW(), gen);
  std::vector<float> dw1(g.OC * g.C * 9), dw2(dw1.size()), db1(g.OC), db2(g.OC);
  conv2d_backward_weight(g, x.data(), dy.data(), dw1.data(), db1.data());
  conv2d_backward_weight(g, x.data(), dy.data(), dw2.data(), db2.data());
  CHECK(dw1 == dw2);
  CHECK(db1 == db2);
}

TEST_CASE("conv2d forward and input gradient give the same bits for 1 and 2 threads, Winograd path included") {
  hqc::test::ThreadCountGuard tg;
  // Fewer samples than threads: the Winograd path splits the output channels over the threads
  // instead (blocks of 32, a partial last one), or with fewer than 32 a thread, its tile rows.
  for (const Conv2dGeometry& g : {Conv2dGeometry{13, 17, 10, 10, 16, 3, 3, 1, 1, 1, 1}, Conv2dGeometry{9, 40, 14, 14, 33, 3, 3, 1, 1, 1, 1},
                                  Conv2dGeometry{1, 64, 15, 13, 64, 3, 3, 1, 1, 1, 1}, Conv2dGeometry{7, 3, 9, 9, 5, 3, 3, 1, 1, 1, 1},
                                  Conv2dGeometry{1, 24, 14, 14, 40, 3, 3, 1, 1, 1, 1}, Conv2dGeometry{1, 24, 14, 14, 80, 3, 3, 1, 1, 1, 1},
                                  Conv2dGeometry{2, 32, 12, 12, 200, 3, 3, 1, 1, 1, 1}}) {
    INFO(describe(g) << " winograd " << conv2d_winograd_path(g));
    Generator gen(13);
    const auto x = random_vec<float>(g.N * g.C * g.H * g.W, gen), w = random_vec<float>(g.OC * g.C * 9, gen),
               b = random_vec<float>(g.OC, gen), dy = random_vec<float>(g.N * g.OC * g.OH() * g.OW(), gen);
    std::vector<std::vector<float>> ys, dxs;
    for (int threads : {1, 2, 3}) {
      set_num_threads(threads);
      ys.emplace_back(dy.size()), dxs.emplace_back(x.size());
      conv2d_forward(g, x.data(), w.data(), b.data(), ys.back().data());
      conv2d_backward_input(g, dy.data(), w.data(), dxs.back().data());
    }
    CHECK(ys[0] == ys[1]);
    CHECK(dxs[0] == dxs[1]);
    CHECK(ys[0] == ys[2]);
    CHECK(dxs[0] == dxs[2]);
  }
}

template <typename T> void check_maxpool(const Pool2dGeometry& g) {
  Generator gen(5);
  const int64_t xs = g.planes * g.H * g.W, ys = g.planes * g.OH() * g.OW();
  auto x = random_vec<T>(xs, gen);
  // Ties: quantise some values so windows hold equal maxima.
  for (int64_t i = 0; i < xs; i += 3) x[i] = T(std::round(double(x[i]) * 2) / 2);
  auto dy = random_vec<T>(ys, gen);
  std::vector<T> y(ys), yr(ys), dx(xs), dxr(xs);
  std::vector<int32_t> idx(ys), idxr(ys);
  maxpool2d_forward_reference(g, x.data(), yr.data(), idxr.data());
  maxpool2d_forward(g, x.data(), y.data(), idx.data());
  CHECK(y == yr);
  CHECK(idx == idxr);
  std::vector<T> values(ys);  // without indices (inference): the same values
  maxpool2d_forward(g, x.data(), values.data(), static_cast<int32_t*>(nullptr));
  CHECK(values == yr);
  maxpool2d_backward_reference(g, dy.data(), idxr.data(), dxr.data());
  maxpool2d_backward(g, dy.data(), idx.data(), dx.data());
  CHECK(dx == dxr);
}

TEST_CASE("maxpool2d fast path equals the reference, ties included") {
  hqc::test::SimdLevelGuard guard;
  for (SimdLevel level : hqc::test::available_levels()) {
    INFO("SIMD " << std::string(simd_name(level)));
    set_simd_level(level);
    for (auto g : {Pool2dGeometry{6, 28, 28, 2, 2, 2, 2}, Pool2dGeometry{3, 7, 9, 2, 2, 2, 2},
                   Pool2dGeometry{2, 96, 96, 2, 2, 2, 2}, Pool2dGeometry{2, 13, 67, 2, 2, 2, 2},
                   Pool2dGeometry{2, 5, 5, 3, 3, 2, 2}, Pool2dGeometry{1, 1, 1, 1, 1, 1, 1},
                   Pool2dGeometry{300, 3, 3, 2, 2, 2, 2}, Pool2dGeometry{4, 8, 6, 3, 2, 1, 3}}) {
      check_maxpool<float>(g);
      check_maxpool<double>(g);
    }
  }
}

TEST_CASE("maxpool2d picks the first of tied maxima and propagates NaN") {
  Pool2dGeometry g{1, 2, 4, 2, 2, 2, 2};
  std::vector<float> x = {1, 1, 2, NAN, 1, 1, 2, 3};  // (2, 4)
  std::vector<float> y(2);
  std::vector<int32_t> idx(2);
  maxpool2d_forward(g, x.data(), y.data(), idx.data());
  CHECK(y[0] == 1.0f);
  CHECK(idx[0] == 0);
  CHECK(std::isnan(y[1]));
  CHECK(idx[1] == 3);
}

TEST_CASE("adaptive avg pool equals the reference when sizes do not divide") {
  Generator gen(9);
  for (auto [H, W, OH, OW] : std::vector<std::array<int64_t, 4>>{
           {7, 7, 4, 4}, {5, 9, 3, 4}, {4, 4, 4, 4}, {3, 2, 5, 3}, {14, 14, 4, 4}, {6, 6, 1, 1}, {1, 1, 2, 2}}) {
    const int64_t P = 5;
    auto x = random_vec<double>(P * H * W, gen), dy = random_vec<double>(P * OH * OW, gen);
    std::vector<double> y(P * OH * OW), yr(y.size()), dx(x.size()), dxr(x.size());
    adaptive_avg_pool2d_forward(P, H, W, OH, OW, x.data(), y.data());
    adaptive_avg_pool2d_forward_reference(P, H, W, OH, OW, x.data(), yr.data());
    adaptive_avg_pool2d_backward(P, H, W, OH, OW, dy.data(), dx.data());
    adaptive_avg_pool2d_backward_reference(P, H, W, OH, OW, dy.data(), dxr.data());
    INFO(H << "x" << W << " -> " << OH << "x" << OW);
    CHECK(max_diff(y, yr) < 1e-14);
    CHECK(max_diff(dx, dxr) < 1e-14);
  }
}

TEST_CASE("adaptive avg pool in float sums each bin in row-major order, for any plane count and thread count") {
  Generator gen(12);
  for (auto [H, W, OH, OW] : std::vector<std::array<int64_t, 4>>{{7, 7, 4, 4}, {5, 9, 3, 2}, {6, 6, 1, 1}}) {
    for (int64_t P : {1, 7, 8, 13, 32, 701}) {  // 701 planes of 7x7: two chunks on two threads
      auto x = random_vec<float>(P * H * W, gen);
      std::vector<float> want(P * OH * OW);
      for (int64_t p = 0; p < P; ++p)
        for (int64_t oh = 0; oh < OH; ++oh)
          for (int64_t ow = 0; ow < OW; ++ow) {
            const int64_t h0 = adaptive_start(oh, H, OH), h1 = adaptive_end(oh, H, OH);
            const int64_t w0 = adaptive_start(ow, W, OW), w1 = adaptive_end(ow, W, OW);
            float s = 0;
            for (int64_t h = h0; h < h1; ++h)
              for (int64_t w = w0; w < w1; ++w) s += x[(p * H + h) * W + w];
            want[(p * OH + oh) * OW + ow] = s / float((h1 - h0) * (w1 - w0));
          }
      hqc::test::ThreadCountGuard guard;
      for (int threads : {1, 2}) {
        set_num_threads(threads);
        std::vector<float> y(want.size());
        adaptive_avg_pool2d_forward(P, H, W, OH, OW, x.data(), y.data());
        INFO(H << "x" << W << " -> " << OH << "x" << OW << ", " << P << " planes, " << threads << " threads");
        CHECK(std::memcmp(y.data(), want.data(), y.size() * sizeof(float)) == 0);
      }
    }
  }
}

TEST_CASE("adaptive avg pool's gradient in float adds each input's bin shares in the bins' order, any planes and threads") {
  Generator gen(14);
  for (auto [H, W, OH, OW] : std::vector<std::array<int64_t, 4>>{{7, 7, 4, 4}, {5, 9, 3, 2}, {6, 6, 1, 1}, {3, 2, 5, 3}}) {
    for (int64_t P : {1, 7, 8, 13, 32, 65, 701}) {  // 65: a block of 64 and one more; 701: two chunks
      auto dy = random_vec<float>(P * OH * OW, gen);
      std::vector<float> want(P * H * W, 0.0f);
      for (int64_t p = 0; p < P; ++p)
        for (int64_t oh = 0; oh < OH; ++oh)
          for (int64_t ow = 0; ow < OW; ++ow) {
            const int64_t h0 = adaptive_start(oh, H, OH), h1 = adaptive_end(oh, H, OH);
            const int64_t w0 = adaptive_start(ow, W, OW), w1 = adaptive_end(ow, W, OW);
            const float share = dy[(p * OH + oh) * OW + ow] / float((h1 - h0) * (w1 - w0));
            for (int64_t h = h0; h < h1; ++h)
              for (int64_t w = w0; w < w1; ++w) want[(p * H + h) * W + w] += share;
          }
      hqc::test::ThreadCountGuard guard;
      for (int threads : {1, 2}) {
        set_num_threads(threads);
        std::vector<float> dx(want.size(), std::numeric_limits<float>::quiet_NaN());  // every entry written
        adaptive_avg_pool2d_backward(P, H, W, OH, OW, dy.data(), dx.data());
        INFO(H << "x" << W << " -> " << OH << "x" << OW << ", " << P << " planes, " << threads << " threads");
        CHECK(std::memcmp(dx.data(), want.data(), dx.size() * sizeof(float)) == 0);
      }
    }
  }
}

TEST_CASE("adaptive avg pool bins overlap as in PyTorch for 7 to 4") {
  // Bins of 7 into 4: [0,2) [1,4) [3,6) [5,7).
  std::vector<std::pair<int64_t, int64_t>> want = {{0, 2}, {1, 4}, {3, 6}, {5, 7}};
  for (int64_t i = 0; i < 4; ++i) {
    CHECK(adaptive_start(i, 7, 4) == want[i].first);
    CHECK(adaptive_end(i, 7, 4) == want[i].second);
  }
}

template <typename T> void check_bn(BatchNormGeometry g, double tol) {
  Generator gen(13);
  const int64_t n = g.N * g.C * g.S;
  auto x = random_vec<T>(n, gen), dy = random_vec<T>(n, gen), gm = random_vec<T>(g.C, gen), bt = random_vec<T>(g.C, gen);
  for (auto& v : x) v = v * T(3) + T(1);  // a mean and variance away from 0 and 1
  std::vector<T> y(n), yr(n), dx(n), dxr(n), dg(g.C), dgr(g.C), dbb(g.C), dbr(g.C);
  std::vector<double> m(g.C), v(g.C), is(g.C), mr(g.C), vr(g.C), isr(g.C);
  hqc::test::ThreadCountGuard tg;
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    batchnorm_forward_train(g, x.data(), gm.data(), bt.data(), 1e-5, y.data(), m.data(), v.data(), is.data());
    batchnorm_forward_train_reference(g, x.data(), gm.data(), bt.data(), 1e-5, yr.data(), mr.data(), vr.data(),
                                      isr.data());
    CHECK(max_diff(y, yr) < tol);
    // float sums each (sample, channel) plane in float before combining in double.
    CHECK(max_diff(v, vr) < (sizeof(T) == 4 ? 1e-6 : 1e-12) * 10);
    batchnorm_backward_train(g, dy.data(), x.data(), gm.data(), m.data(), is.data(), dx.data(), dg.data(), dbb.data());
    batchnorm_backward_train_reference(g, dy.data(), x.data(), gm.data(), mr.data(), isr.data(), dxr.data(),
                                       dgr.data(), dbr.data());
    CHECK(max_diff(dx, dxr) < tol);
    CHECK(max_diff(dg, dgr) < tol * g.N * g.S);
    CHECK(max_diff(dbb, dbr) < tol * g.N * g.S);
  }
}

TEST_CASE("batchnorm fast paths equal the two-pass reference, every SIMD level") {
  hqc::test::SimdLevelGuard guard;
  for (SimdLevel level : hqc::test::available_levels()) {
  INFO("SIMD " << std::string(simd_name(level)));
  set_simd_level(level);
  for (auto g : {BatchNormGeometry{4, 3, 25}, BatchNormGeometry{64, 128, 1}, BatchNormGeometry{2, 1, 1},
                 BatchNormGeometry{3, 17, 7}, BatchNormGeometry{5, 300, 2}}) {
    check_bn<float>(g, 1e-5);
    check_bn<double>(g, 1e-12);
  }
  }
}

TEST_CASE("batchnorm eval form uses the given statistics") {
  BatchNormGeometry g{2, 2, 2};
  std::vector<double> x = {1, 2, 3, 4, 5, 6, 7, 8}, y(8);
  std::vector<double> gm = {2, 1}, bt = {0, 1}, rm = {1, 0}, rv = {4, 1};
  batchnorm_forward_eval(g, x.data(), gm.data(), bt.data(), rm.data(), rv.data(), 0.0, y.data());
  // channel 0 samples: x 1,2,5,6 -> (x-1)/2*2 ; channel 1: x 3,4,7,8 -> x + 1
  std::vector<double> want = {0, 1, 4, 5, 4, 5, 8, 9};
  CHECK(y == want);
}

// (N, C) inputs (BatchNorm1d) take every channel's coefficients in one vectorised loop: the
// per-channel double formula bit for bit, with and without gamma and beta.
TEST_CASE("batchnorm eval coefficients are the per-channel formula's bits, with or without gamma and beta") {
  Generator gen(31);
  for (auto g : {BatchNormGeometry{1, 128, 1}, BatchNormGeometry{3, 37, 1}, BatchNormGeometry{64, 5, 1}}) {
    auto x = random_vec<float>(g.N * g.C * g.S, gen), gm = random_vec<float>(g.C, gen), bt = random_vec<float>(g.C, gen);
    auto rm = random_vec<float>(g.C, gen), rv = random_vec<float>(g.C, gen);
    for (auto& v : rv) v = std::abs(v) + 0.01f;
    for (int with : {0, 1, 2, 3}) {
      const float* gp = with & 1 ? gm.data() : nullptr;
      const float* bp = with & 2 ? bt.data() : nullptr;
      for (bool relu : {false, true}) {
        std::vector<float> y(x.size()), want(x.size());
        batchnorm_forward_eval(g, x.data(), gp, bp, rm.data(), rv.data(), 1e-5, y.data(), relu);
        for (int64_t n = 0; n < g.N; ++n)
          for (int64_t c = 0; c < g.C; ++c) {
            const double is = 1.0 / std::sqrt(double(rv[c]) + 1e-5);
            const double gmc = gp ? double(gp[c]) : 1.0;
            const float a = float(is * gmc), b = float((bp ? double(bp[c]) : 0.0) - double(rm[c]) * is * gmc);
            for (int64_t i = 0; i < g.S; ++i) {
              const int64_t k = (n * g.C + c) * g.S + i;
              const float v = x[k] * a + b;  // rounded twice (planes take plane_affine's kernels)
              want[k] = relu ? (0.0f > v ? 0.0f : v) : v;
            }
          }
        INFO("N " << g.N << " C " << g.C << " S " << g.S << " gamma/beta " << with << " relu " << relu);
        CHECK(std::memcmp(y.data(), want.data(), y.size() * sizeof(float)) == 0);
      }
    }
  }
}

TEST_CASE("conv2d_backward gives both gradients bit for bit as the two separate passes, any thread count") {
  hqc::test::ThreadCountGuard guard;
  for (int threads : {1, 2, 3})
    for (const auto& g : conv_geometries()) {
      INFO("threads " << threads << " N " << g.N << " C " << g.C << " H " << g.H << " W " << g.W << " OC " << g.OC);
      set_num_threads(threads);
      Generator gen(17);
      auto x = random_vec<float>(g.N * g.C * g.H * g.W, gen), w = random_vec<float>(g.OC * g.C * g.KH * g.KW, gen);
      auto dy = random_vec<float>(g.N * g.OC * g.OH() * g.OW(), gen);
      std::vector<float> dx1(x.size()), dw1(w.size()), db1(g.OC), dx2(x.size(), NAN), dw2(w.size(), NAN), db2(g.OC, NAN);
      conv2d_backward_input(g, dy.data(), w.data(), dx1.data());
      conv2d_backward_weight(g, x.data(), dy.data(), dw1.data(), db1.data());
      conv2d_backward(g, x.data(), dy.data(), w.data(), dx2.data(), dw2.data(), db2.data());
      CHECK(dx2 == dx1);
      CHECK(dw2 == dw1);
      CHECK(db2 == db1);
      std::vector<float> dw3(w.size(), NAN);  // weight gradient alone, no bias gradient asked
      conv2d_backward<float>(g, x.data(), dy.data(), nullptr, nullptr, dw3.data(), nullptr);
      CHECK(dw3 == dw1);
    }
}

TEST_CASE("conv2d on an empty batch gives an empty output and zero weight gradients, on every path") {
  // (N, C, H, W, OC, KH, KW, SH, SW, PH, PW): im2col's geometry, the tap path's, Winograd's.
  for (Conv2dGeometry g : {Conv2dGeometry{0, 3, 5, 5, 4, 3, 3, 1, 1, 1, 1}, Conv2dGeometry{0, 64, 4, 4, 4, 3, 3, 1, 1, 1, 1},
                           Conv2dGeometry{0, 16, 6, 6, 16, 3, 3, 1, 1, 1, 1}}) {
    INFO("C " << g.C);
    std::vector<float> w(g.OC * g.C * 9, 0.5f), dw(w.size(), NAN), db(g.OC, NAN);
    conv2d_forward<float>(g, nullptr, w.data(), nullptr, nullptr);
    conv2d_backward<float>(g, nullptr, nullptr, w.data(), nullptr, dw.data(), db.data());
    CHECK(dw == std::vector<float>(w.size(), 0.0f));
    CHECK(db == std::vector<float>(g.OC, 0.0f));
  }
}
