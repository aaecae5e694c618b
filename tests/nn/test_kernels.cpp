// test_kernels.cpp — every fast nn kernel against its plain reference, on awkward sizes, in float
// and double, with one and two threads.
#include <array>
#include <cmath>
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

// Geometries of the tap path (wide channels, small maps, stride 1; see conv2d.hpp).
std::vector<Conv2dGeometry> tap_geometries() {
  // (N, C, H, W, OC, KH, KW, SH, SW, PH, PW)
  return {
      {3, 64, 4, 4, 8, 3, 3, 1, 1, 1, 1},    // the study's 4x4 layers: full-width taps as one run
      {19, 64, 5, 7, 6, 3, 3, 1, 1, 1, 1},   // two groups of samples, a map not square
      {2, 64, 6, 5, 4, 2, 3, 1, 1, 0, 1},    // uneven kernel and padding
      {2, 64, 5, 6, 3, 3, 3, 1, 1, 1, 0},    // output rows narrower than the input's: runs row by row
      {2, 64, 2, 3, 3, 5, 5, 1, 1, 2, 2},    // kernel larger than the map: some taps reach nothing
      {2, 64, 3, 3, 4, 3, 3, 1, 1, 3, 3},    // padding wider than the kernel: border outputs see no tap
      {1, 64, 12, 12, 5, 1, 3, 1, 1, 0, 1},  // one row of taps on the largest map taken
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
  // Weight gradients by rows (C*KH*KW > 32 off the tap path):
  out.push_back({9, 40, 14, 14, 33, 3, 3, 1, 1, 1, 1});  // the MNIST second layers' kind, groups of 3
  out.push_back({2, 4, 11, 9, 5, 3, 3, 2, 2, 1, 1});     // strided
  out.push_back({3, 5, 6, 7, 6, 2, 4, 1, 1, 0, 2});      // uneven kernel and padding
  out.push_back({2, 6, 3, 2, 3, 3, 4, 1, 1, 2, 2});      // kernel wider than the map: rows of zeros only
  // The Winograd path (3x3, stride 1, >= 16 channels both ways, >= 100 output pixels):
  out.push_back({2, 16, 11, 13, 17, 3, 3, 1, 1, 0, 2});   // odd output rows and columns: half tiles at the edges
  out.push_back({5, 20, 10, 10, 24, 3, 3, 1, 1, 2, 1});   // padding 2 (the input gradient's is then 0)
  out.push_back({13, 17, 10, 10, 16, 3, 3, 1, 1, 1, 1});  // several samples a pass, a shorter last pass; 17 lanes
  out.push_back({2, 16, 34, 31, 16, 3, 3, 1, 1, 1, 1});   // 17x16 tiles, over a pass: bands of 16 tile rows and 1
  out.push_back({5, 64, 4, 4, 24, 3, 3, 1, 1, 1, 1});     // the smallest map taken, 2x2 tiles; wide enough for the tap path
  for (const auto& g : tap_geometries()) out.push_back(g);
  return out;
}

}  // namespace

TEST_CASE("conv2d fast float path equals the direct reference on awkward geometries, every SIMD level") {
  hqc::test::SimdLevelGuard guard;
  for (SimdLevel level : hqc::test::available_levels()) {
    INFO("SIMD " << std::string(simd_name(level)));
    set_simd_level(level);
    for (const auto& g : conv_geometries()) check_conv<float>(g, 2e-5);
  }
}

TEST_CASE("conv2d takes the tap path where it is meant to, and only there") {
  for (const auto& g : tap_geometries()) CHECK(conv2d_tap_path(g));
  // The study's layers: wide channels on maps up to 12x12 (cifar c3/c4, stl c4) take it.
  CHECK(conv2d_tap_path({64, 256, 4, 4, 512, 3, 3, 1, 1, 1, 1}));
  CHECK(conv2d_tap_path({64, 64, 8, 8, 128, 3, 3, 1, 1, 1, 1}));
  CHECK(conv2d_tap_path({64, 256, 12, 12, 512, 3, 3, 1, 1, 1, 1}));
  CHECK_FALSE(conv2d_tap_path({64, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1}));   // narrow channels
  CHECK_FALSE(conv2d_tap_path({64, 64, 16, 16, 128, 3, 3, 1, 1, 1, 1}));  // a larger map
  CHECK_FALSE(conv2d_tap_path({64, 128, 8, 8, 128, 3, 3, 2, 2, 1, 1}));   // strided
  CHECK_FALSE(conv2d_tap_path({64, 128, 8, 8, 128, 1, 1, 1, 1, 0, 0}));   // pointwise: one GEMM already
}

TEST_CASE("conv2d takes the Winograd path for 3x3 stride-1 layers with 16 channels and 16 pixels or more") {
  // The study's layers past the first (64 samples, "same" padding):
  for (auto [c, h, oc] : {std::array<int64_t, 3>{16, 14, 32}, {32, 14, 64}, {32, 16, 64}, {64, 16, 128}, {64, 8, 128},
                          {128, 8, 256}, {256, 4, 512}, {128, 12, 256}, {256, 12, 512}, {32, 48, 64}, {64, 48, 128},
                          {64, 24, 128}, {128, 24, 256}})
    CHECK(conv2d_winograd_path({64, c, h, h, oc, 3, 3, 1, 1, 1, 1}));
  CHECK_FALSE(conv2d_winograd_path({64, 64, 3, 3, 128, 3, 3, 1, 1, 1, 1}));   // 9 pixels: under 4x4, not measured
  CHECK_FALSE(conv2d_winograd_path({64, 3, 32, 32, 64, 3, 3, 1, 1, 1, 1}));   // first layers: K = C too thin
  CHECK_FALSE(conv2d_winograd_path({64, 32, 28, 28, 8, 3, 3, 1, 1, 1, 1}));   // few output channels
  CHECK_FALSE(conv2d_winograd_path({64, 32, 28, 28, 32, 3, 3, 2, 2, 1, 1}));  // strided
  CHECK_FALSE(conv2d_winograd_path({64, 32, 28, 28, 32, 5, 5, 1, 1, 2, 2}));  // 5x5
  CHECK_FALSE(conv2d_winograd_path({64, 32, 28, 28, 32, 3, 3, 1, 1, 3, 3}));  // padding past the kernel
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

template <typename T> void check_im2row(const Conv2dGeometry& g) {
  Generator gen(5);
  const int64_t OH = g.OH(), OW = g.OW(), run = g.KH * g.KW * g.C, ld = run + 3;  // 3 entries a row left alone
  const auto xh = random_vec<T>(g.H * g.W * g.C, gen);                              // (H, W, C)
  std::vector<T> want(static_cast<size_t>(OH * OW * ld), T(-7));
  for_each_tap_of_each_output(g, [&](int64_t kh, int64_t kw, int64_t oh, int64_t ow, int64_t ih, int64_t iw, bool inside) {
    for (int64_t ch = 0; ch < g.C; ++ch)
      want[(oh * OW + ow) * ld + (kh * g.KW + kw) * g.C + ch] = inside ? xh[(ih * g.W + iw) * g.C + ch] : T(0);
  });
  std::vector<T> rows(want.size(), T(-7));
  im2row(g, xh.data(), rows.data(), ld);
  CHECK(rows == want);
}

TEST_CASE("im2row equals its entry-by-entry definition at every SIMD level, float and double") {
  hqc::test::SimdLevelGuard guard;
  // (N, C, H, W, OC, KH, KW, SH, SW, PH, PW): one channel to more than a vector of them, windows that
  // straddle both edges, a kernel wider than the row, strides, padding wider than the kernel.
  const std::vector<Conv2dGeometry> geometries = {
      {1, 1, 5, 7, 1, 3, 3, 1, 1, 1, 1},  {1, 3, 4, 6, 1, 1, 3, 1, 1, 0, 1}, {1, 16, 5, 4, 1, 3, 3, 1, 1, 2, 0},
      {1, 20, 3, 1, 1, 3, 3, 1, 1, 1, 1}, {1, 5, 4, 2, 1, 5, 5, 1, 1, 2, 2}, {1, 2, 9, 8, 1, 3, 3, 2, 1, 1, 1},
      {1, 7, 7, 9, 1, 3, 3, 1, 2, 1, 1},  {1, 33, 6, 5, 1, 2, 3, 1, 1, 0, 3}, {1, 32, 14, 14, 1, 3, 3, 1, 1, 1, 1}};
  for (SimdLevel level : hqc::test::available_levels()) {
    set_simd_level(level);
    for (const Conv2dGeometry& g : geometries) {
      INFO("SIMD " << std::string(simd_name(level)) << " " << describe(g));
      check_im2row<float>(g);
    }
  }
  for (const Conv2dGeometry& g : geometries) check_im2row<double>(g);
}

namespace {
// Winograd F(2x2, 3x3)'s transforms as matrix products (Lavin & Gray), in double.
constexpr double kBt[4][4] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
constexpr double kAt[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};

// out (R, R) = L (R, 4) · m (4, 4) · Lᵀ
template <int R> void sandwich(const double (&L)[R][4], const double (&m)[4][4], double (&out)[R][R]) {
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < R; ++j) {
      double s = 0;
      for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b) s += L[i][a] * m[a][b] * L[j][b];
      out[i][j] = s;
    }
}
}  // namespace

TEST_CASE("Winograd tile transforms equal Bt d B and At m A at every SIMD level, bit for bit across levels") {
  hqc::test::SimdLevelGuard guard;
  Generator gen(17);
  // (h, w, c, ih0, pw, tw_n): tiles over the top and bottom edges, both side edges, one to 33 channels
  const std::vector<std::array<int64_t, 6>> rows = {{5, 7, 1, -1, 1, 4},  {4, 6, 16, 2, 0, 3},  {6, 5, 33, 1, 2, 4},
                                                    {3, 3, 17, -2, 2, 3}, {9, 14, 32, 3, 1, 7}, {2, 2, 5, 0, 0, 1}};
  std::vector<std::vector<float>> xs, ms, biases, first_v, first_y;
  for (const auto& [h, w, c, ih0, pw, tw_n] : rows) {
    xs.push_back(random_vec<float>(h * w * c, gen));
    ms.push_back(random_vec<float>(16 * (tw_n * c + 3), gen));
    biases.push_back(random_vec<float>(c, gen));
  }
  for (SimdLevel level : hqc::test::available_levels()) {
    set_simd_level(level);
    for (size_t k = 0; k < rows.size(); ++k) {
      const auto [h, w, c, ih0, pw, tw_n] = rows[k];
      INFO("SIMD " << std::string(simd_name(level)) << " h " << h << " w " << w << " c " << c << " ih0 " << ih0
                   << " pw " << pw);
      const std::vector<float>& x = xs[k];
      const int64_t ld = tw_n * c + 3;  // elements xi apart, not packed
      std::vector<float> v(16 * ld, -7.0f);
      kernels().winograd_input_row(x.data(), h, w, c, ih0, pw, tw_n, v.data(), ld);
      double err = 0;
      for (int64_t tw = 0; tw < tw_n; ++tw)
        for (int64_t ch = 0; ch < c; ++ch) {
          double d[4][4], t[4][4];
          for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 4; ++j) {
              const int64_t ih = ih0 + i, iw = 2 * tw - pw + j;
              d[i][j] = ih >= 0 && ih < h && iw >= 0 && iw < w ? x[(ih * w + iw) * c + ch] : 0.0;
            }
          sandwich(kBt, d, t);
          for (int xi = 0; xi < 16; ++xi) err = std::max(err, std::abs(v[xi * ld + tw * c + ch] - t[xi / 4][xi % 4]));
        }
      CHECK(err < 1e-6);
      for (int xi = 0; xi < 16; ++xi)  // nothing written past the row's tiles
        for (int64_t i = tw_n * c; i < ld; ++i) CHECK(v[xi * ld + i] == -7.0f);

      // The output side, rows 2 tw and 2 tw + 1 of an (.., ow_n, c) map, ow_n odd: the last tile's
      // second column is not written; with bias, and the second row left out.
      const int64_t ow_n = 2 * tw_n - 1;
      const std::vector<float>&m = ms[k], &bias = biases[k];
      for (bool with_bias : {false, true}) {
        std::vector<float> y(2 * ow_n * c + 1, -7.0f);
        kernels().winograd_output_row(m.data(), ld, c, with_bias ? bias.data() : nullptr, tw_n, ow_n, y.data(),
                                      with_bias ? nullptr : y.data() + ow_n * c);
        double yerr = 0;
        for (int64_t tw = 0; tw < tw_n; ++tw)
          for (int64_t ch = 0; ch < c; ++ch) {
            double mm[4][4], out[2][2];
            for (int xi = 0; xi < 16; ++xi) mm[xi / 4][xi % 4] = m[xi * ld + tw * c + ch];
            sandwich(kAt, mm, out);
            for (int r = 0; r < 2; ++r)
              for (int j = 0; j < 2; ++j) {
                const int64_t ow = 2 * tw + j;
                if (ow >= ow_n || (r == 1 && with_bias)) continue;
                const double want = out[r][j] + (with_bias ? bias[ch] : 0.0);
                yerr = std::max(yerr, std::abs(y[(r * ow_n + ow) * c + ch] - want));
              }
          }
        CHECK(yerr < 1e-6);
        if (with_bias)  // the second row untouched
          for (int64_t i = ow_n * c; i < 2 * ow_n * c; ++i) CHECK(y[i] == -7.0f);
        CHECK(y.back() == -7.0f);
        if (!with_bias) {
          if (first_y.size() < rows.size()) first_y.push_back(y);
          else CHECK(y == first_y[k]);  // the same arithmetic at every level
        }
      }
      if (first_v.size() < rows.size()) first_v.push_back(v);
      else CHECK(v == first_v[k]);
    }
  }
}

TEST_CASE("Winograd kernel transform equals G f Gt, turned or not, at every SIMD level, bit for bit across levels") {
  hqc::test::SimdLevelGuard guard;
  constexpr double kG[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
  std::vector<std::vector<float>> first;
  for (SimdLevel level : hqc::test::available_levels()) {
    set_simd_level(level);
    Generator same(19);
    size_t k = 0;
    for (int64_t n : {1, 5, 16, 37})
      for (int turned : {0, 1}) {
        INFO("SIMD " << std::string(simd_name(level)) << " n " << n << " turned " << turned);
        const auto taps = random_vec<float>(9 * n, same);
        const int64_t ld = n + 2;
        std::vector<float> out(16 * ld, -7.0f);
        kernels().winograd_kernel_row(taps.data(), n, turned, out.data(), ld);
        double err = 0;
        for (int64_t j = 0; j < n; ++j) {
          double f[3][3];
          for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b) f[a][b] = taps[(turned ? (2 - a) * 3 + 2 - b : a * 3 + b) * n + j];
          for (int i = 0; i < 4; ++i)
            for (int jj = 0; jj < 4; ++jj) {
              double want = 0;  // (G f Gᵀ)[i][jj]
              for (int a = 0; a < 3; ++a)
                for (int b = 0; b < 3; ++b) want += kG[i][a] * f[a][b] * kG[jj][b];
              err = std::max(err, std::abs(out[(4 * i + jj) * ld + j] - want));
            }
        }
        CHECK(err < 1e-6);
        for (int xi = 0; xi < 16; ++xi) CHECK(out[xi * ld + n] == -7.0f);  // nothing past the row
        if (first.size() <= k) first.push_back(out);
        else CHECK(out == first[k]);
        ++k;
      }
  }
}

TEST_CASE("Winograd weight-gradient transforms equal A dy At and Gt M G at every SIMD level, bit for bit across levels") {
  hqc::test::SimdLevelGuard guard;
  constexpr double kG[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
  // (oh_n, ow_n, c, oh0, tw_n): a full tile row, the last row of an odd map, odd widths, 1 to 33 channels
  const std::vector<std::array<int64_t, 5>> rows = {{4, 6, 16, 0, 3}, {5, 7, 3, 4, 4}, {3, 5, 33, 0, 3}, {2, 1, 1, 0, 1}};
  std::vector<std::vector<float>> first;
  for (SimdLevel level : hqc::test::available_levels()) {
    set_simd_level(level);
    Generator same(23);
    size_t k = 0;
    for (const auto& [oh_n, ow_n, c, oh0, tw_n] : rows) {
      INFO("SIMD " << std::string(simd_name(level)) << " oh_n " << oh_n << " ow_n " << ow_n << " c " << c << " oh0 " << oh0);
      const auto dy = random_vec<float>(oh_n * ow_n * c, same);
      const int64_t ld = tw_n * c + 5;
      std::vector<float> z(16 * ld, -7.0f);
      kernels().winograd_output_grad_row(dy.data(), oh_n, ow_n, c, oh0, tw_n, z.data(), ld);
      double err = 0;
      for (int64_t tw = 0; tw < tw_n; ++tw)
        for (int64_t ch = 0; ch < c; ++ch)
          for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 4; ++j) {
              double want = 0;  // (A dy Aᵀ)[i][j], A = Atᵀ
              for (int a = 0; a < 2; ++a)
                for (int b = 0; b < 2; ++b) {
                  const int64_t oh = oh0 + a, ow = 2 * tw + b;
                  if (oh < oh_n && ow < ow_n) want += kAt[a][i] * dy[(oh * ow_n + ow) * c + ch] * kAt[b][j];
                }
              err = std::max(err, std::abs(z[(4 * i + j) * ld + tw * c + ch] - want));
            }
      CHECK(err < 1e-6);
      for (int xi = 0; xi < 16; ++xi)
        for (int64_t i = tw_n * c; i < ld; ++i) CHECK(z[xi * ld + i] == -7.0f);
      if (first.size() <= k) first.push_back(z);
      else CHECK(z == first[k]);
      ++k;
    }
    for (int64_t n : {1, 7, 16, 40}) {
      INFO("SIMD " << std::string(simd_name(level)) << " kernel gradient, n " << n);
      const int64_t ld = n + 3;
      const auto m = random_vec<float>(16 * ld, same);
      std::vector<float> taps(9 * n + 1, -7.0f);
      kernels().winograd_kernel_grad_row(m.data(), ld, n, taps.data());
      double err = 0;
      for (int64_t j = 0; j < n; ++j)
        for (int a = 0; a < 3; ++a)
          for (int b = 0; b < 3; ++b) {
            double want = 0;  // (Gᵀ M G)[a][b]
            for (int i = 0; i < 4; ++i)
              for (int jj = 0; jj < 4; ++jj) want += kG[i][a] * m[(4 * i + jj) * ld + j] * kG[jj][b];
            err = std::max(err, std::abs(taps[(3 * a + b) * n + j] - want));
          }
      CHECK(err < 1e-6);
      CHECK(taps.back() == -7.0f);
      if (first.size() <= k) first.push_back(taps);
      else CHECK(taps == first[k]);
      ++k;
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
  // One sample with two threads: the Winograd path splits its tile rows over the threads instead.
  for (const Conv2dGeometry& g : {Conv2dGeometry{13, 17, 10, 10, 16, 3, 3, 1, 1, 1, 1}, Conv2dGeometry{9, 40, 14, 14, 33, 3, 3, 1, 1, 1, 1},
                                  Conv2dGeometry{1, 64, 15, 13, 64, 3, 3, 1, 1, 1, 1}, Conv2dGeometry{7, 3, 9, 9, 5, 3, 3, 1, 1, 1, 1}}) {
    INFO(describe(g) << " winograd " << conv2d_winograd_path(g));
    Generator gen(13);
    const auto x = random_vec<float>(g.N * g.C * g.H * g.W, gen), w = random_vec<float>(g.OC * g.C * 9, gen),
               b = random_vec<float>(g.OC, gen), dy = random_vec<float>(g.N * g.OC * g.OH() * g.OW(), gen);
    std::vector<std::vector<float>> ys, dxs;
    for (int threads : {1, 2}) {
      set_num_threads(threads);
      ys.emplace_back(dy.size()), dxs.emplace_back(x.size());
      conv2d_forward(g, x.data(), w.data(), b.data(), ys.back().data());
      conv2d_backward_input(g, dy.data(), w.data(), dxs.back().data());
    }
    CHECK(ys[0] == ys[1]);
    CHECK(dxs[0] == dxs[1]);
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
