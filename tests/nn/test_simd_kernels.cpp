// test_simd_kernels.cpp — nn's SIMD kernel table (nn/kernels/simd/table.hpp) at every level this CPU
// and build have: the max pool row, one channel of im2col/col2im, and the Winograd transforms,
// each against its plain definition, and the table following tensor's level.
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "nn/kernels/simd/table.hpp"

using namespace hqc;
using namespace hqc::test;
using namespace hqc::nn::kernels;

namespace {
// n values uniform in [lo, hi) from a generator seeded with seed.
std::vector<float> random_floats(int64_t n, float lo, float hi, uint64_t seed) {
  Generator g(seed);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = lo + (hi - lo) * g.uniform_float();
  return v;
}

// n values uniform in [-1, 1) drawn from gen.
std::vector<float> uniform_floats(int64_t n, Generator& gen) {
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = float(gen.uniform_double() * 2 - 1);
  return v;
}
}  // namespace

TEST_CASE("nn's kernel table follows tensor's SIMD level, and each level is its own table") {
  SimdLevelGuard guard;
  for (SimdLevel level : available_levels()) {
    INFO("SIMD " << std::string(simd_name(level)));
    set_simd_level(level);
    CHECK(&nn_kernels() == &nn_kernels(level));
  }
  // Each level built in is its own table (a level silently served by the scalar one would pass the
  // comparisons below without testing anything).
  const std::vector<SimdLevel> levels = available_levels();
  for (size_t i = 0; i < levels.size(); ++i)
    for (size_t j = i + 1; j < levels.size(); ++j)
      CHECK(&nn_kernels(levels[i]) != &nn_kernels(levels[j]));
}

// A 2x2 max pool row against the plain rule on rows long enough for full vectors and tails, with
// ties, NaNs and infinities placed inside vector blocks and in tails.
TEST_CASE("maxpool2x2_row agrees with the plain rule at every SIMD level") {
  for (int64_t n : {1, 7, 8, 15, 16, 17, 33, 48, 50}) {
    CAPTURE(n);
    const int64_t w = 2 * n + 3;  // an odd row length: the last column belongs to no window
    auto r = random_floats(2 * w, -3, 3, 40 + static_cast<uint64_t>(n));
    for (int64_t i = 0; i < 2 * w; i += 5) r[i] = std::round(r[i]);  // ties
    if (n > 20) {
      r[2 * 17] = NAN;
      r[w + 2 * 17 + 1] = NAN;  // two NaNs in one window: the later one's index wins
      r[2 * 9 + 1] = INFINITY;
      r[w + 2 * 20] = -INFINITY;
    }
    // The same in the last window, which lies in the tail for both vector widths (and short rows are
    // all tail).
    if (n == 7 || n == 15 || n == 50) r[w + 2 * (n - 1) + 1] = NAN;
    if (n == 15 || n == 33) r[2 * (n - 1)] = INFINITY;
    if (n >= 8) r[2 * 3] = -0.0f, r[2 * 3 + 1] = 0.0f, r[w + 2 * 3] = 0.0f, r[w + 2 * 3 + 1] = -1.0f;  // -0 first
    std::vector<float> want(n);
    std::vector<int32_t> want_idx(n);
    const int32_t base = 6;
    for (int64_t j = 0; j < n; ++j) {
      const float v[4] = {r[2 * j], r[2 * j + 1], r[w + 2 * j], r[w + 2 * j + 1]};
      const int32_t off[4] = {0, 1, static_cast<int32_t>(w), static_cast<int32_t>(w + 1)};
      int k = 0;
      for (int i = 1; i < 4; ++i)
        if (v[i] > v[k]) k = i;
      for (int i = 0; i < 4; ++i)
        if (std::isnan(v[i])) k = i;
      want[j] = v[k];
      want_idx[j] = base + static_cast<int32_t>(2 * j) + off[k];
    }
    for (SimdLevel level : available_levels()) {
      INFO("SIMD " << std::string(simd_name(level)));
      std::vector<float> y(n);
      std::vector<int32_t> idx(n);
      nn_kernels(level).maxpool2x2_row(r.data(), r.data() + w, n, base, static_cast<int32_t>(w), y.data(), idx.data());
      CHECK(idx == want_idx);
      for (int64_t j = 0; j < n; ++j)
        CHECK((y[j] == want[j] || (std::isnan(y[j]) && std::isnan(want[j]))));
      if (n >= 8) CHECK(std::signbit(y[3]));
      // Without indices (inference): the same maxima, bit for bit, and nothing past them written.
      std::vector<float> values(n + 1, 7.0f);
      nn_kernels(level).maxpool2x2_row(r.data(), r.data() + w, n, base, static_cast<int32_t>(w), values.data(),
                                       nullptr);
      CHECK(std::memcmp(values.data(), y.data(), n * sizeof(float)) == 0);
      CHECK(values[n] == 7.0f);
    }
  }
}

// The whole-plane maxima against the row kernel's, bit for bit: widths whose pairs fill vectors or
// leave tails, planes of several chunks, signed zeros tied in every position of a window; a NaN or
// an infinity makes it decline (the caller then runs the row kernel).
TEST_CASE("maxpool2x2_plane gives the row kernel's maxima at every SIMD level") {
  struct Case {
    int64_t oh, w;
  };
  for (Case c : std::vector<Case>{{1, 2}, {7, 14}, {14, 28}, {3, 32}, {5, 34}, {9, 96}, {40, 62}, {2, 1024}}) {
    CAPTURE(c.oh);
    CAPTURE(c.w);
    const int64_t ow = c.w / 2, h = 2 * c.oh;
    auto x = random_floats(h * c.w, -2, 2, 70 + static_cast<uint64_t>(c.w));
    for (int64_t i = 0; i < h * c.w; i += 3) x[i] = std::round(x[i]);  // ties, zeros among them
    for (int64_t i = 1; i < h * c.w; i += 7) x[i] = x[i] == 0.0f ? -0.0f : x[i];  // -0 beside +0
    // Windows whose maximum is a zero of either sign in two places, the first one winning: tied
    // within the top pair, within the bottom pair, and across them; in the first row pair and the
    // last (the tail of the pair stream).
    const float window[4][4] = {{-0.0f, 0.0f, -1, -1}, {0.0f, -0.0f, -1, -1}, {-1, -1, -0.0f, 0.0f}, {-0.0f, -1, 0.0f, -1}};
    for (int64_t k = 0; k < 4 && k < ow; ++k)
      for (int64_t r : {int64_t(0), c.oh - 1}) {
        const int64_t j = (r == 0 ? k : ow - 1 - k), top = 2 * r * c.w + 2 * j, bottom = top + c.w;
        x[top] = window[k][0], x[top + 1] = window[k][1], x[bottom] = window[k][2], x[bottom + 1] = window[k][3];
      }
    for (SimdLevel level : available_levels()) {
      INFO("SIMD " << std::string(simd_name(level)));
      std::vector<float> want(c.oh * ow), y(c.oh * ow + 1, 7.0f);
      for (int64_t r = 0; r < c.oh; ++r)
        nn_kernels(level).maxpool2x2_row(x.data() + 2 * r * c.w, x.data() + (2 * r + 1) * c.w, ow,
                                         static_cast<int32_t>(2 * r * c.w), static_cast<int32_t>(c.w),
                                         want.data() + r * ow, nullptr);
      REQUIRE(nn_kernels(level).maxpool2x2_plane(x.data(), c.oh, c.w, y.data()));
      CHECK(std::memcmp(y.data(), want.data(), want.size() * sizeof(float)) == 0);
      CHECK(y[c.oh * ow] == 7.0f);  // nothing written past the plane
      for (float bad : {NAN, INFINITY, -INFINITY}) {
        for (int64_t at : {int64_t(0), h * c.w / 2 + 1, h * c.w - 1}) {  // a full block, the middle, the tail
          auto xb = x;
          xb[at] = bad;
          CHECK_FALSE(nn_kernels(level).maxpool2x2_plane(xb.data(), c.oh, c.w, y.data()));
        }
      }
    }
  }
}

TEST_CASE("im2col_channel and col2im_channel equal their definitions at every SIMD level") {
  // Planes (h, w) with kernels and paddings of every kind a stride-1 convolution can have, including
  // kernels wider than the plane, rows shorter and longer than a vector, and more than 16 taps a row
  // (col2im_channel's cached masks). The input sits between NaN guards: a lane read outside the plane
  // would show as NaN, and a write outside the output as a changed guard.
  struct Case {
    int64_t h, w, kh, kw, ph, pw;
  };
  std::vector<Case> cases = {{14, 14, 3, 3, 1, 1}, {4, 4, 3, 3, 1, 1}, {8, 8, 3, 3, 1, 1},  {1, 1, 3, 3, 1, 1},
                             {5, 33, 3, 3, 1, 1},  {7, 17, 1, 5, 0, 2}, {6, 3, 5, 5, 2, 2}, {3, 2, 3, 3, 2, 2},
                             {9, 20, 2, 3, 0, 1},  {4, 40, 1, 18, 0, 9}, {2, 5, 3, 1, 1, 0}, {12, 16, 3, 3, 0, 0},
                             {3, 2, 5, 5, 2, 2},   {16, 16, 3, 3, 1, 1}, {2, 31, 3, 3, 1, 1}};
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (const Case& cs : cases) {
    CAPTURE(cs.h);
    CAPTURE(cs.w);
    CAPTURE(cs.kh);
    CAPTURE(cs.kw);
    const int64_t oh_n = cs.h + 2 * cs.ph - cs.kh + 1, ow_n = cs.w + 2 * cs.pw - cs.kw + 1, plane = oh_n * ow_n;
    const int64_t ld = plane + 5, taps = cs.kh * cs.kw, guard = 40;
    std::vector<float> x(cs.h * cs.w + 2 * guard, nan);
    auto xv = random_floats(cs.h * cs.w, -2, 2, 7);
    std::copy(xv.begin(), xv.end(), x.begin() + guard);
    const float* xp = x.data() + guard;
    auto col = random_floats(taps * ld, -2, 2, 8);

    // The definitions; col2im's sums in float, in tap order, as the kernel promises (so exact equality).
    std::vector<float> want_cols(taps * ld, -7.0f), want_x(cs.h * cs.w, 0.0f);
    for (int64_t kh = 0; kh < cs.kh; ++kh)
      for (int64_t kw = 0; kw < cs.kw; ++kw)
        for (int64_t oh = 0; oh < oh_n; ++oh)
          for (int64_t ow = 0; ow < ow_n; ++ow) {
            const int64_t ih = oh + kh - cs.ph, iw = ow + kw - cs.pw;
            const bool inside = ih >= 0 && ih < cs.h && iw >= 0 && iw < cs.w;
            want_cols[(kh * cs.kw + kw) * ld + oh * ow_n + ow] = inside ? xp[ih * cs.w + iw] : 0.0f;
            if (inside) want_x[ih * cs.w + iw] += col[(kh * cs.kw + kw) * ld + oh * ow_n + ow];
          }
    for (SimdLevel level : available_levels()) {
      INFO("SIMD " << std::string(simd_name(level)));
      const NnKernelTable& k = nn_kernels(level);
      std::vector<float> cols(taps * ld, -7.0f);
      k.im2col_channel(xp, cs.h, cs.w, cs.kh, cs.kw, cs.ph, cs.pw, oh_n, ow_n, cols.data(), ld);
      CHECK(cols == want_cols);  // the 5 entries past each plane are left alone

      std::vector<float> back(cs.h * cs.w + 2 * guard, nan);
      k.col2im_channel(col.data(), ld, cs.h, cs.w, cs.kh, cs.kw, cs.ph, cs.pw, oh_n, ow_n, back.data() + guard);
      CHECK(std::vector<float>(back.begin() + guard, back.end() - guard) == want_x);
      int64_t guards_changed = 0;
      for (int64_t i = 0; i < guard; ++i)
        guards_changed += !std::isnan(back[i]) + !std::isnan(back[back.size() - 1 - i]);
      CHECK(guards_changed == 0);
    }
  }
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
  Generator gen(17);
  // (h, w, c, ih0, pw, tw_n): tiles over the top and bottom edges, both side edges, one to 33 channels
  const std::vector<std::array<int64_t, 6>> rows = {{5, 7, 1, -1, 1, 4},  {4, 6, 16, 2, 0, 3},  {6, 5, 33, 1, 2, 4},
                                                    {3, 3, 17, -2, 2, 3}, {9, 14, 32, 3, 1, 7}, {2, 2, 5, 0, 0, 1}};
  std::vector<std::vector<float>> xs, ms, biases, first_v, first_y;
  for (const auto& [h, w, c, ih0, pw, tw_n] : rows) {
    xs.push_back(uniform_floats(h * w * c, gen));
    ms.push_back(uniform_floats(16 * (tw_n * c + 3), gen));
    biases.push_back(uniform_floats(c, gen));
  }
  for (SimdLevel level : hqc::test::available_levels()) {
    const NnKernelTable& table = nn_kernels(level);
    for (size_t k = 0; k < rows.size(); ++k) {
      const auto [h, w, c, ih0, pw, tw_n] = rows[k];
      INFO("SIMD " << std::string(simd_name(level)) << " h " << h << " w " << w << " c " << c << " ih0 " << ih0
                   << " pw " << pw);
      const std::vector<float>& x = xs[k];
      const int64_t ld = tw_n * c + 3;  // elements xi apart, not packed
      std::vector<float> v(16 * ld, -7.0f);
      table.winograd_input_row(x.data(), h, w, c, ih0, pw, tw_n, v.data(), ld);
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
        table.winograd_output_row(m.data(), ld, c, with_bias ? bias.data() : nullptr, tw_n, ow_n, y.data(),
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
  constexpr double kG[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
  std::vector<std::vector<float>> first;
  for (SimdLevel level : hqc::test::available_levels()) {
    const NnKernelTable& table = nn_kernels(level);
    Generator same(19);
    size_t k = 0;
    for (int64_t n : {1, 5, 16, 37})
      for (int turned : {0, 1}) {
        INFO("SIMD " << std::string(simd_name(level)) << " n " << n << " turned " << turned);
        const auto taps = uniform_floats(9 * n, same);
        const int64_t ld = n + 2;
        std::vector<float> out(16 * ld, -7.0f);
        table.winograd_kernel_row(taps.data(), n, turned, out.data(), ld);
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
  constexpr double kG[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
  // (oh_n, ow_n, c, oh0, tw_n): a full tile row, the last row of an odd map, odd widths, 1 to 33 channels
  const std::vector<std::array<int64_t, 5>> rows = {{4, 6, 16, 0, 3}, {5, 7, 3, 4, 4}, {3, 5, 33, 0, 3}, {2, 1, 1, 0, 1}};
  std::vector<std::vector<float>> first;
  for (SimdLevel level : hqc::test::available_levels()) {
    const NnKernelTable& table = nn_kernels(level);
    Generator same(23);
    size_t k = 0;
    for (const auto& [oh_n, ow_n, c, oh0, tw_n] : rows) {
      INFO("SIMD " << std::string(simd_name(level)) << " oh_n " << oh_n << " ow_n " << ow_n << " c " << c << " oh0 " << oh0);
      const auto dy = uniform_floats(oh_n * ow_n * c, same);
      const int64_t ld = tw_n * c + 5;
      std::vector<float> z(16 * ld, -7.0f);
      table.winograd_output_grad_row(dy.data(), oh_n, ow_n, c, oh0, tw_n, z.data(), ld);
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
      const auto m = uniform_floats(16 * ld, same);
      std::vector<float> taps(9 * n + 1, -7.0f);
      table.winograd_kernel_grad_row(m.data(), ld, n, taps.data());
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

namespace {
// Winograd F(4x4, 3x3)'s matrices (Lavin & Gray; points 0, ±1, ±2, ∞), with G = D G̃, in double.
constexpr double kBt4[6][6] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                               {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
constexpr double kAt4[4][6] = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};
constexpr double kGt4[6][3] = {{1, 0, 0}, {1, 1, 1}, {1, -1, 1}, {1, 2, 4}, {1, -2, 4}, {0, 0, 1}};  // G̃
constexpr double kD4[6] = {1.0 / 4, -1.0 / 6, -1.0 / 6, 1.0 / 24, 1.0 / 24, 1};

// out[i][j] = Σ_ab L[i][a] m[a][b] L[j][b] (L: R x K) and bound[i][j] the same sum of magnitudes,
// the scale of its float rounding.
template <int R, int K>
void sandwich_bound(const double (&L)[R][K], const std::vector<double>& m, std::vector<double>& out,
                    std::vector<double>& bound) {
  out.assign(R * R, 0.0);
  bound.assign(R * R, 0.0);
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < R; ++j)
      for (int a = 0; a < K; ++a)
        for (int b = 0; b < K; ++b) {
          const double t = L[i][a] * m[a * K + b] * L[j][b];
          out[i * R + j] += t;
          bound[i * R + j] += std::abs(t);
        }
}
}  // namespace

// Each transform's float result is within 1e-6 of the sum of its terms' magnitudes (about 8 roundings
// of float's 6e-8), and every level gives the bits the first one gave: the constants multiplying
// inside the transforms are powers of two (table.hpp), so fused or not the products are exact.
TEST_CASE("Winograd F(4x4, 3x3) transforms equal their matrix products at every SIMD level, the same bits at each") {
  double At4T[6][4], Gt4T[3][6];  // Aᵀᵀ = A (6x4) and G̃ᵀ (3x6)
  for (int i = 0; i < 4; ++i)
    for (int k = 0; k < 6; ++k) At4T[k][i] = kAt4[i][k];
  for (int i = 0; i < 6; ++i)
    for (int k = 0; k < 3; ++k) Gt4T[k][i] = kGt4[i][k];
  std::vector<std::vector<float>> first;
  for (SimdLevel level : hqc::test::available_levels()) {
    const NnKernelTable& table = nn_kernels(level);
    Generator same(29);
    size_t k = 0;
    auto same_bits = [&](const std::vector<float>& got) {
      if (first.size() <= k) first.push_back(got);
      else CHECK(got == first[k]);
      ++k;
    };
    std::vector<double> want, bound;
    // Input side, (h, w, c, ih0, pw, tw_n): tiles over every edge, padding 0-2, 1 to 33 channels.
    for (const auto& [h, w, c, ih0, pw, tw_n] : std::vector<std::array<int64_t, 6>>{
             {8, 8, 16, 2, 1, 2}, {7, 9, 3, -1, 1, 3}, {5, 6, 33, -2, 2, 2}, {12, 10, 17, 7, 0, 3}}) {
      INFO("SIMD " << std::string(simd_name(level)) << " input h " << h << " w " << w << " c " << c << " ih0 " << ih0);
      const auto x = uniform_floats(h * w * c, same);
      const int64_t ld = tw_n * c + 3;
      std::vector<float> v(36 * ld, -7.0f);
      table.winograd4_input_row(x.data(), h, w, c, ih0, pw, tw_n, v.data(), ld);
      for (int64_t tw = 0; tw < tw_n; ++tw)
        for (int64_t ch = 0; ch < c; ++ch) {
          std::vector<double> d(36);
          for (int i = 0; i < 6; ++i)
            for (int j = 0; j < 6; ++j) {
              const int64_t ih = ih0 + i, iw = 4 * tw - pw + j;
              d[i * 6 + j] = ih >= 0 && ih < h && iw >= 0 && iw < w ? x[(ih * w + iw) * c + ch] : 0.0;
            }
          sandwich_bound(kBt4, d, want, bound);
          for (int xi = 0; xi < 36; ++xi) {
            const double s = kD4[xi / 6] * kD4[xi % 6];
            CHECK(std::abs(v[xi * ld + tw * c + ch] - s * want[xi]) <= 1e-6 * std::abs(s) * (bound[xi] + 1e-30));
          }
        }
      for (int xi = 0; xi < 36; ++xi)
        for (int64_t i = tw_n * c; i < ld; ++i) CHECK(v[xi * ld + i] == -7.0f);
      same_bits(v);

      // Output side: an (.., ow_n, c) map whose width ends inside the last tile, 1-4 rows, with and
      // without bias.
      const int64_t ow_n = 4 * tw_n - 1;
      const auto m = uniform_floats(36 * ld, same), bias = uniform_floats(c, same);
      for (int64_t rows : {4, 3, 1}) {
        const bool with_bias = rows != 4;
        std::vector<float> y(4 * ow_n * c + 1, -7.0f);
        table.winograd4_output_row(m.data(), ld, c, with_bias ? bias.data() : nullptr, tw_n, ow_n, y.data(), rows);
        for (int64_t tw = 0; tw < tw_n; ++tw)
          for (int64_t ch = 0; ch < c; ++ch) {
            std::vector<double> mm(36), out(16, 0.0), mag(16, 0.0);
            for (int xi = 0; xi < 36; ++xi) mm[xi] = m[xi * ld + tw * c + ch];
            for (int i = 0; i < 4; ++i)
              for (int j = 0; j < 4; ++j)
                for (int a = 0; a < 6; ++a)
                  for (int b = 0; b < 6; ++b) {
                    const double t = kAt4[i][a] * mm[a * 6 + b] * kAt4[j][b];
                    out[i * 4 + j] += t;
                    mag[i * 4 + j] += std::abs(t);
                  }
            for (int r = 0; r < 4; ++r)
              for (int j = 0; j < 4; ++j) {
                const int64_t ow = 4 * tw + j;
                if (ow >= ow_n) continue;
                const float got = y[(r * ow_n + ow) * c + ch];
                if (r >= rows) {
                  CHECK(got == -7.0f);  // rows past `rows` untouched
                  continue;
                }
                const double b = with_bias ? bias[ch] : 0.0;
                CHECK(std::abs(got - (out[r * 4 + j] + b)) <= 1e-6 * (mag[r * 4 + j] + std::abs(b)));
              }
          }
        CHECK(y.back() == -7.0f);
        same_bits(y);
      }
    }
    // Kernel side, turned or not.
    for (int64_t n : {1, 5, 16, 37})
      for (int turned : {0, 1}) {
        INFO("SIMD " << std::string(simd_name(level)) << " kernel n " << n << " turned " << turned);
        const auto taps = uniform_floats(9 * n, same);
        const int64_t ld = n + 2;
        std::vector<float> out(36 * ld, -7.0f);
        table.winograd4_kernel_row(taps.data(), n, turned, out.data(), ld);
        for (int64_t j = 0; j < n; ++j) {
          std::vector<double> f(9), u(36, 0.0), mag(36, 0.0);
          for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b) f[a * 3 + b] = taps[(turned ? (2 - a) * 3 + 2 - b : a * 3 + b) * n + j];
          for (int i = 0; i < 6; ++i)
            for (int jj = 0; jj < 6; ++jj)
              for (int a = 0; a < 3; ++a)
                for (int b = 0; b < 3; ++b) {
                  const double t = kGt4[i][a] * f[a * 3 + b] * kGt4[jj][b];
                  u[i * 6 + jj] += t;
                  mag[i * 6 + jj] += std::abs(t);
                }
          for (int xi = 0; xi < 36; ++xi) CHECK(std::abs(out[xi * ld + j] - u[xi]) <= 1e-6 * mag[xi]);
        }
        for (int xi = 0; xi < 36; ++xi) CHECK(out[xi * ld + n] == -7.0f);
        same_bits(out);
      }
    // Output gradient, (oh_n, ow_n, c, oh0, tw_n): a full tile row, rows and columns ending inside a tile.
    for (const auto& [oh_n, ow_n, c, oh0, tw_n] :
         std::vector<std::array<int64_t, 5>>{{8, 8, 16, 4, 2}, {6, 7, 3, 4, 2}, {4, 5, 33, 0, 2}, {1, 1, 1, 0, 1}}) {
      INFO("SIMD " << std::string(simd_name(level)) << " output gradient oh_n " << oh_n << " ow_n " << ow_n
                   << " c " << c);
      const auto dy = uniform_floats(oh_n * ow_n * c, same);
      const int64_t ld = tw_n * c + 5;
      std::vector<float> z(36 * ld, -7.0f);
      table.winograd4_output_grad_row(dy.data(), oh_n, ow_n, c, oh0, tw_n, z.data(), ld);
      for (int64_t tw = 0; tw < tw_n; ++tw)
        for (int64_t ch = 0; ch < c; ++ch) {
          std::vector<double> d(16, 0.0);
          for (int a = 0; a < 4; ++a)
            for (int b = 0; b < 4; ++b) {
              const int64_t oh = oh0 + a, ow = 4 * tw + b;
              if (oh < oh_n && ow < ow_n) d[a * 4 + b] = dy[(oh * ow_n + ow) * c + ch];
            }
          sandwich_bound(At4T, d, want, bound);  // A dy Aᵀ
          for (int xi = 0; xi < 36; ++xi) CHECK(std::abs(z[xi * ld + tw * c + ch] - want[xi]) <= 1e-6 * bound[xi]);
        }
      for (int xi = 0; xi < 36; ++xi)
        for (int64_t i = tw_n * c; i < ld; ++i) CHECK(z[xi * ld + i] == -7.0f);
      same_bits(z);
    }
    // Kernel gradient: G̃ᵀ M G̃.
    for (int64_t n : {1, 7, 16, 40}) {
      INFO("SIMD " << std::string(simd_name(level)) << " kernel gradient n " << n);
      const int64_t ld = n + 3;
      const auto m = uniform_floats(36 * ld, same);
      std::vector<float> taps(9 * n + 1, -7.0f);
      table.winograd4_kernel_grad_row(m.data(), ld, n, taps.data());
      for (int64_t j = 0; j < n; ++j) {
        std::vector<double> mm(36);
        for (int xi = 0; xi < 36; ++xi) mm[xi] = m[xi * ld + j];
        sandwich_bound(Gt4T, mm, want, bound);
        for (int t = 0; t < 9; ++t) CHECK(std::abs(taps[t * n + j] - want[t]) <= 1e-6 * bound[t]);
      }
      CHECK(taps.back() == -7.0f);
      same_bits(taps);
    }
  }
}
