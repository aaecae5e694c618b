// kernels.inl — nn's float32 kernels, written once against tensor's `Vec` (tensor/simd/vec_scalar.hpp,
// vec_avx2.hpp, vec_avx512.hpp or vec_neon.hpp, whichever the including file chose), as tensor/simd/kernels.inl
// is: included by one .cpp per instruction set inside an anonymous namespace, so each copy is
// compiled with its own flags and none leaks into another through the linker; raw pointers and the
// wrapper only, no standard-library templates. What each kernel computes: table.hpp.

constexpr int W = Vec::width;

// --- the 2x2, stride-2 max pool (nn/kernels/pool2d.cpp) ---

// The exact rule, one output at a time: tails, and blocks holding a NaN or an infinity.
inline void maxpool2x2_one(const float* r0, const float* r1, int64_t j, int32_t base, int32_t w, float* y,
                           int32_t* idx) {
  const float v[4] = {r0[2 * j], r0[2 * j + 1], r1[2 * j], r1[2 * j + 1]};
  const int32_t off[4] = {0, 1, w, w + 1};
  int k = 0;
  for (int i = 1; i < 4; ++i)
    if (v[i] > v[k]) k = i;
  for (int i = 3; i >= 0; --i)
    if (v[i] != v[i]) {  // NaN
      k = i;
      break;
    }
  y[j] = v[k];
  if (idx) idx[j] = base + static_cast<int32_t>(2 * j) + off[k];
}

// The 2x2 rule on one block of W outputs from the 2W inputs of each row at p0, p1 (outputs first /
// 2 .. of the row, in flat input indices): false when a NaN or infinity needs the exact scalar rule.
// kIndices false (inference without a graph): the maxima alone, by the same comparisons.
template <bool kIndices>
inline bool maxpool2x2_block(const float* p0, const float* p1, int32_t first, int32_t w, Vec& max, Vec& at) {
  alignas(64) static const float kEven[16] = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30};
  Vec a, b, c, d;
  Vec::load_even_odd(p0, a, b);
  Vec::load_even_odd(p1, c, d);
  // x - x is NaN exactly when x is NaN or infinite.
  if ((((a - a) + (b - b)) + ((c - c) + (d - d))).any_nan()) return false;
  // Strictly greater replaces: the first maximum in the order a, b, c, d wins.
  Vec m = a, k = Vec::set1(0.0f);
  if constexpr (kIndices) k = Vec::select_gt(b, m, Vec::set1(1.0f), k);
  m = Vec::select_gt(b, m, b, m);
  if constexpr (kIndices) k = Vec::select_gt(c, m, Vec::set1(float(w)), k);
  m = Vec::select_gt(c, m, c, m);
  if constexpr (kIndices) k = Vec::select_gt(d, m, Vec::set1(float(w + 1)), k);
  m = Vec::select_gt(d, m, d, m);
  max = m;
  if constexpr (kIndices) at = Vec::set1(float(first)) + Vec::load(kEven) + k;
  return true;
}

template <bool kIndices>
void maxpool2x2_row(const float* r0, const float* r1, int64_t n, int32_t base, int32_t w, float* y, int32_t* idx) {
  int64_t j = 0;
  Vec m, at;
  for (; j + W <= n; j += W) {
    if (!maxpool2x2_block<kIndices>(r0 + 2 * j, r1 + 2 * j, base + static_cast<int32_t>(2 * j), w, m, at)) {
      for (int64_t i = j; i < j + W; ++i) maxpool2x2_one(r0, r1, i, base, w, y, idx);
      continue;
    }
    m.store(y + j);
    if constexpr (kIndices) at.store_i32(idx + j);
  }
  if (j == n) return;
  // The last n - j < W outputs (all of them in rows of 7 or 14, the MNIST models' pools): the same
  // block on copies of the rows' last 2 (n - j) inputs, zero-padded by masked loads.
  const int64_t rest = n - j;
  alignas(64) float t0[2 * W], t1[2 * W];
  const typename Vec::Mask lo = Vec::range(0, 2 * rest), hi = Vec::range(0, 2 * rest - W);
  Vec::load_masked(r0 + 2 * j, lo).store(t0);
  Vec::load_masked(r0 + 2 * j + W, hi).store(t0 + W);
  Vec::load_masked(r1 + 2 * j, lo).store(t1);
  Vec::load_masked(r1 + 2 * j + W, hi).store(t1 + W);
  if (!maxpool2x2_block<kIndices>(t0, t1, base + static_cast<int32_t>(2 * j), w, m, at)) {
    for (; j < n; ++j) maxpool2x2_one(r0, r1, j, base, w, y, idx);
    return;
  }
  // Masked stores: a copy loop would become a call to memmove (GCC's loop idioms), 5 % of the MNIST
  // classical model's batch-1 latency.
  m.store_masked(y + j, Vec::range(0, rest));
  if constexpr (kIndices) at.store_i32_masked(idx + j, Vec::range(0, rest));
}

void k_maxpool2x2_row(const float* r0, const float* r1, int64_t n, int32_t base, int32_t w, float* y,
                      int32_t* idx) {
  if (idx)
    maxpool2x2_row<true>(r0, r1, n, base, w, y, idx);
  else
    maxpool2x2_row<false>(r0, r1, n, base, w, y, nullptr);
}

// A plane of even width w, maxima alone (inference without a graph): the pairs (a, b) of every row
// first, over a chunk of rows as one stream (a row's pairs never straddle two rows when w is even),
// then the two rows of each window. With x (+) y = (y > x ? y : x), which keeps the first of equal
// values, ((a (+) b) (+) c) (+) d -- the row kernel's order -- equals (a (+) b) (+) (c (+) d), so the
// bits are the row kernel's. Short rows (7 or 14 outputs on the MNIST maps) were all tail for the
// row kernel, a block on zero-padded copies per row; here a chunk has one tail.
constexpr int64_t kPoolPlaneChunk = hqc::nn::kernels::kMaxPoolPlaneWidth;  // pair maxima a chunk: whole row pairs

bool k_maxpool2x2_plane(const float* x, int64_t oh_n, int64_t w, float* y) {
  alignas(64) float pairs[kPoolPlaneChunk];
  const int64_t ow = w / 2, rows = kPoolPlaneChunk / w;  // output rows a chunk
  for (int64_t oh0 = 0; oh0 < oh_n; oh0 += rows) {
    const int64_t m = oh_n - oh0 < rows ? oh_n - oh0 : rows, n = m * w;  // the chunk's pair maxima
    const float* src = x + 2 * oh0 * w;
    Vec a, b;
    int64_t j = 0;
    for (; j + W <= n; j += W) {
      Vec::load_even_odd(src + 2 * j, a, b);
      if (((a - a) + (b - b)).any_nan()) return false;  // a NaN or an infinity: the exact rule
      Vec::select_gt(b, a, b, a).store(pairs + j);
    }
    if (j < n) {
      const int64_t rest = n - j;
      alignas(64) float t[2 * W];
      Vec::load_masked(src + 2 * j, Vec::range(0, 2 * rest)).store(t);
      Vec::load_masked(src + 2 * j + W, Vec::range(0, 2 * rest - W)).store(t + W);
      Vec::load_even_odd(t, a, b);
      if (((a - a) + (b - b)).any_nan()) return false;
      Vec::select_gt(b, a, b, a).store_masked(pairs + j, Vec::range(0, rest));
    }
    for (int64_t r = 0; r < m; ++r) {
      const float* top = pairs + 2 * r * ow;
      const float* bottom = top + ow;
      float* out = y + (oh0 + r) * ow;
      int64_t k = 0;
      for (; k + W <= ow; k += W) {
        const Vec t = Vec::load(top + k), u = Vec::load(bottom + k);
        Vec::select_gt(u, t, u, t).store(out + k);
      }
      if (k < ow) {
        const typename Vec::Mask mask = Vec::range(0, ow - k);
        const Vec t = Vec::load_masked(top + k, mask), u = Vec::load_masked(bottom + k, mask);
        Vec::select_gt(u, t, u, t).store_masked(out + k, mask);
      }
    }
  }
  return true;
}

// --- im2col and col2im, one channel of a stride-1 convolution (nn/kernels/conv2d_im2col.cpp) ---

// One channel of a stride-1 im2col: for each tap (kh, kw), the (oh_n, ow_n) plane at out + (kh * kw_n +
// kw) * ld holds x[oh + kh - ph][ow + kw - pw] of the (h, w) plane x, 0 where that lies outside.
// Masked moves, one column block of all rows at a time so that the masks are made once per block:
// lanes whose input column is outside are neither read nor kept.
void k_im2col_channel(const float* x, int64_t h, int64_t w, int64_t kh_n, int64_t kw_n, int64_t ph, int64_t pw,
                      int64_t oh_n, int64_t ow_n, float* out, int64_t ld) {
  const Vec zero = Vec::set1(0.0f);
  for (int64_t kh = 0; kh < kh_n; ++kh) {
    const int64_t dh = kh - ph;
    const int64_t oh_lo = dh < 0 ? -dh : 0;  // rows whose input row is inside: [oh_lo, oh_hi)
    const int64_t oh_hi = h - dh < oh_n ? h - dh : oh_n;
    for (int64_t kw = 0; kw < kw_n; ++kw, out += ld) {
      const int64_t dw = kw - pw;
      const int64_t lo = dw < 0 ? -dw : 0;              // columns whose input column is inside: [lo, hi)
      const int64_t hi = w - dw < ow_n ? w - dw : ow_n;
      for (int64_t j = 0; j < ow_n; j += W) {
        const typename Vec::Mask in = Vec::range(lo - j, hi - j), all = Vec::range(0, ow_n - j);
        float* o = out + j;
        int64_t oh = 0;
        for (; oh < oh_lo && oh < oh_n; ++oh) zero.store_masked(o + oh * ow_n, all);
        const float* src = x + (oh + dh) * w + dw + j;  // src[i] feeds output column j + i
        for (; oh < oh_hi; ++oh, src += w) Vec::load_masked(src, in).store_masked(o + oh * ow_n, all);
        for (; oh < oh_n; ++oh) zero.store_masked(o + oh * ow_n, all);
      }
    }
  }
}

// The adjoint for one channel, written rather than added: x (h, w)[i][j] = the sum over the taps
// (kh, kw) in that order of plane kh * kw_n + kw of col (planes ld apart, each (oh_n, ow_n)) at
// [i - kh + ph][j - kw + pw], where that is inside the plane. Each x row is made in registers from
// loads of col alone and stored once: adding plane by plane into x would load rows that the previous
// store overlaps (rows shorter than a vector), which store forwarding cannot serve.
void k_col2im_channel(const float* col, int64_t ld, int64_t h, int64_t w, int64_t kh_n, int64_t kw_n, int64_t ph,
                      int64_t pw, int64_t oh_n, int64_t ow_n, float* x) {
  constexpr int64_t kMaxCached = 16;
  typename Vec::Mask masks[kMaxCached];
  const Vec zero = Vec::set1(0.0f);
  for (int64_t j = 0; j < w; j += W) {
    // Tap kw feeds x column iw from output column iw - kw + pw, inside for iw in [kw - pw, ow_n + kw - pw).
    auto tap_mask = [&](int64_t kw) { return Vec::range(kw - pw - j, ow_n + kw - pw - j); };
    for (int64_t kw = 0; kw < kw_n && kw < kMaxCached; ++kw) masks[kw] = tap_mask(kw);
    const typename Vec::Mask row = Vec::range(0, w - j);
    for (int64_t i = 0; i < h; ++i) {
      Vec acc = zero;
      for (int64_t kh = 0; kh < kh_n; ++kh) {
        const int64_t oh = i - kh + ph;
        if (oh < 0 || oh >= oh_n) continue;
        const float* src = col + kh * kw_n * ld + oh * ow_n + j + pw;  // + tap: - kw, + kw * ld
        for (int64_t kw = 0; kw < kw_n; ++kw)
          acc = acc + Vec::load_masked(src + kw * ld - kw, kw < kMaxCached ? masks[kw] : tap_mask(kw));
      }
      acc.store_masked(x + i * w + j, row);
    }
  }
}

// --- Winograd F(2x2, 3x3) transforms (nn/kernels/conv2d_winograd.cpp) ---

// Winograd F(2x2, 3x3) (Lavin & Gray, 2016): a 4x4 input patch d becomes Bᵀ d B, 16 values per
// channel, with Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1] (additions only). A row of tiles at a
// time, a vector of channels at a time: tile tw covers input rows ih0 .. ih0 + 3 and columns
// 2 tw - pw .. 2 tw - pw + 3 of the channels-last map x (h, w, c), zeros outside; element xi = 4 i + j
// of its transform goes to v + xi * ld + tw * c.
void k_winograd_input_row(const float* x, int64_t h, int64_t w, int64_t c, int64_t ih0, int64_t pw, int64_t tw_n,
                          float* v, int64_t ld) {
  const float* rows[4];
  for (int64_t i = 0; i < 4; ++i) rows[i] = ih0 + i >= 0 && ih0 + i < h ? x + (ih0 + i) * w * c : nullptr;
  const Vec zero = Vec::set1(0.0f);
  for (int64_t tw = 0; tw < tw_n; ++tw) {
    const int64_t iw0 = 2 * tw - pw;
    for (int64_t k = 0; k < c; k += W) {
      const typename Vec::Mask m = Vec::range(0, c - k);
      Vec d[4][4], t[4][4];
      for (int64_t i = 0; i < 4; ++i)
        for (int64_t j = 0; j < 4; ++j) {
          const int64_t iw = iw0 + j;
          d[i][j] = rows[i] && iw >= 0 && iw < w ? Vec::load_masked(rows[i] + iw * c + k, m) : zero;
        }
      for (int64_t j = 0; j < 4; ++j) {  // Bᵀ d
        t[0][j] = d[0][j] - d[2][j];
        t[1][j] = d[1][j] + d[2][j];
        t[2][j] = d[2][j] - d[1][j];
        t[3][j] = d[1][j] - d[3][j];
      }
      float* out = v + tw * c + k;
      for (int64_t i = 0; i < 4; ++i) {  // (Bᵀ d) B
        (t[i][0] - t[i][2]).store_masked(out + (4 * i + 0) * ld, m);
        (t[i][1] + t[i][2]).store_masked(out + (4 * i + 1) * ld, m);
        (t[i][2] - t[i][1]).store_masked(out + (4 * i + 2) * ld, m);
        (t[i][1] - t[i][3]).store_masked(out + (4 * i + 3) * ld, m);
      }
    }
  }
}

// The output side: tile tw's 16 values per channel (element xi at m + xi * ld + tw * c) become the 2x2
// outputs Aᵀ m A, Aᵀ = [1 1 1 0; 0 1 -1 -1], plus bias[channel] when bias is not null, stored at
// columns 2 tw and 2 tw + 1 (those < ow_n) of the channels-last output rows y0 and y1 (y1 null: the
// map's last row, odd height).
void k_winograd_output_row(const float* m, int64_t ld, int64_t c, const float* bias, int64_t tw_n, int64_t ow_n,
                           float* y0, float* y1) {
  for (int64_t tw = 0; tw < tw_n; ++tw) {
    const bool second = 2 * tw + 1 < ow_n;
    for (int64_t k = 0; k < c; k += W) {
      const typename Vec::Mask mask = Vec::range(0, c - k);
      const float* in = m + tw * c + k;
      Vec p[4][2];
      for (int64_t i = 0; i < 4; ++i) {  // m A
        const Vec m0 = Vec::load_masked(in + (4 * i + 0) * ld, mask), m1 = Vec::load_masked(in + (4 * i + 1) * ld, mask);
        const Vec m2 = Vec::load_masked(in + (4 * i + 2) * ld, mask), m3 = Vec::load_masked(in + (4 * i + 3) * ld, mask);
        p[i][0] = m0 + m1 + m2;
        p[i][1] = m1 - m2 - m3;
      }
      for (int64_t j = 0; j < 2; ++j) {  // Aᵀ (m A)
        if (j == 1 && !second) break;
        Vec r0 = p[0][j] + p[1][j] + p[2][j], r1 = p[1][j] - p[2][j] - p[3][j];
        if (bias) {
          const Vec b = Vec::load_masked(bias + k, mask);
          r0 = r0 + b, r1 = r1 + b;
        }
        r0.store_masked(y0 + (2 * tw + j) * c + k, mask);
        if (y1) r1.store_masked(y1 + (2 * tw + j) * c + k, mask);
      }
    }
  }
}

// The kernel's side, U = G f Gᵀ with G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1], for n kernels at
// once: tap (a, b) of kernel j at taps[(3 a + b) * n + j] (taken at (2 - a, 2 - b) when turned),
// element xi = 4 i + j of its U to out[xi * ld + j].
void k_winograd_kernel_row(const float* taps, int64_t n, int turned, float* out, int64_t ld) {
  const Vec half = Vec::set1(0.5f);
  for (int64_t k = 0; k < n; k += W) {
    const typename Vec::Mask m = Vec::range(0, n - k);
    Vec f[3][3], t[4][3];
    for (int64_t a = 0; a < 3; ++a)
      for (int64_t b = 0; b < 3; ++b) f[a][b] = Vec::load_masked(taps + (turned ? 8 - 3 * a - b : 3 * a + b) * n + k, m);
    for (int64_t b = 0; b < 3; ++b) {  // G f
      t[0][b] = f[0][b];
      t[1][b] = half * (f[0][b] + f[1][b] + f[2][b]);
      t[2][b] = half * (f[0][b] - f[1][b] + f[2][b]);
      t[3][b] = f[2][b];
    }
    float* o = out + k;
    for (int64_t i = 0; i < 4; ++i) {  // (G f) Gᵀ
      t[i][0].store_masked(o + (4 * i + 0) * ld, m);
      (half * (t[i][0] + t[i][1] + t[i][2])).store_masked(o + (4 * i + 1) * ld, m);
      (half * (t[i][0] - t[i][1] + t[i][2])).store_masked(o + (4 * i + 2) * ld, m);
      t[i][2].store_masked(o + (4 * i + 3) * ld, m);
    }
  }
}

// The weight gradient's sides (the adjoints of the output and kernel transforms). Output gradient:
// tile tw's 2x2 values at rows oh0, oh0 + 1 and columns 2 tw, 2 tw + 1 of the channels-last map dy
// (oh_n, ow_n, c), zero outside, become A dy Aᵀ (4x4), element xi to z + xi * ld + tw * c.
void k_winograd_output_grad_row(const float* dy, int64_t oh_n, int64_t ow_n, int64_t c, int64_t oh0, int64_t tw_n,
                                float* z, int64_t ld) {
  const Vec zero = Vec::set1(0.0f);
  const float* rows[2] = {dy + oh0 * ow_n * c, oh0 + 1 < oh_n ? dy + (oh0 + 1) * ow_n * c : nullptr};
  for (int64_t tw = 0; tw < tw_n; ++tw) {
    const bool second = 2 * tw + 1 < ow_n;
    for (int64_t k = 0; k < c; k += W) {
      const typename Vec::Mask m = Vec::range(0, c - k);
      Vec d[2][2];
      for (int64_t i = 0; i < 2; ++i)
        for (int64_t j = 0; j < 2; ++j)
          d[i][j] = rows[i] && (j == 0 || second) ? Vec::load_masked(rows[i] + (2 * tw + j) * c + k, m) : zero;
      Vec t[4][2];
      for (int64_t j = 0; j < 2; ++j) {  // A dy, A = [1 0; 1 1; 1 -1; 0 -1]
        t[0][j] = d[0][j];
        t[1][j] = d[0][j] + d[1][j];
        t[2][j] = d[0][j] - d[1][j];
        t[3][j] = zero - d[1][j];
      }
      float* out = z + tw * c + k;
      for (int64_t i = 0; i < 4; ++i) {  // (A dy) Aᵀ
        t[i][0].store_masked(out + (4 * i + 0) * ld, m);
        (t[i][0] + t[i][1]).store_masked(out + (4 * i + 1) * ld, m);
        (t[i][0] - t[i][1]).store_masked(out + (4 * i + 2) * ld, m);
        (zero - t[i][1]).store_masked(out + (4 * i + 3) * ld, m);
      }
    }
  }
}

// Kernel gradient: for j < n, the 4x4 gradient M of U (element xi at m[xi * ld + j]) becomes that of
// the kernel, Gᵀ M G (3x3), tap (a, b) to taps[(3 a + b) * n + j].
void k_winograd_kernel_grad_row(const float* m, int64_t ld, int64_t n, float* taps) {
  const Vec half = Vec::set1(0.5f);
  for (int64_t k = 0; k < n; k += W) {
    const typename Vec::Mask mask = Vec::range(0, n - k);
    Vec q[3][4];
    for (int64_t j = 0; j < 4; ++j) {  // Gᵀ M, Gᵀ = [1 1/2 1/2 0; 0 1/2 -1/2 0; 0 1/2 1/2 1]
      const Vec m0 = Vec::load_masked(m + (0 + j) * ld + k, mask), m1 = Vec::load_masked(m + (4 + j) * ld + k, mask);
      const Vec m2 = Vec::load_masked(m + (8 + j) * ld + k, mask), m3 = Vec::load_masked(m + (12 + j) * ld + k, mask);
      const Vec sum = half * (m1 + m2);
      q[0][j] = m0 + sum;
      q[1][j] = half * (m1 - m2);
      q[2][j] = sum + m3;
    }
    for (int64_t a = 0; a < 3; ++a) {  // (Gᵀ M) G
      const Vec sum = half * (q[a][1] + q[a][2]);
      (q[a][0] + sum).store_masked(taps + (3 * a + 0) * n + k, mask);
      (half * (q[a][1] - q[a][2])).store_masked(taps + (3 * a + 1) * n + k, mask);
      (sum + q[a][3]).store_masked(taps + (3 * a + 2) * n + k, mask);
    }
  }
}

// --- Winograd F(4x4, 3x3) transforms (nn/kernels/conv2d_winograd.cpp) ---

// F(4x4, 3x3) (Lavin & Gray, 2016; points 0, ±1, ±2, ∞) with its kernel matrix split G = D G̃,
// G̃ = [1 0 0; 1 1 1; 1 -1 1; 1 2 4; 1 -2 4; 0 0 1], D = diag(1/4, -1/6, -1/6, 1/24, 1/24, 1): the
// kernels become Ũ = G̃ f G̃ᵀ and the inputs V = D (Bᵀ d B) D, whose product is G f Gᵀ ⊙ Bᵀ d B.
// Every constant multiplying inside a transform is then a power of two, so a product is exact and
// fusing it into the addition that follows (the AVX files let the compiler do so) cannot change a
// bit: the transforms are the same bits at every level. D's products of two, the one rounding
// multiplication, come last, on the input side.
constexpr float kWinograd4Scale[6] = {1.0f / 4, -1.0f / 6, -1.0f / 6, 1.0f / 24, 1.0f / 24, 1.0f};

// Bᵀ = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1],
// on six values, 5 d written 4 d + d.
inline void winograd4_input_1d(const Vec (&d)[6], Vec (&t)[6]) {
  const Vec two = Vec::set1(2.0f), four = Vec::set1(4.0f);
  const Vec d42 = d[4] - d[2], d53 = d[5] - d[3];
  t[0] = four * (d[0] - d[2]) + d42;
  t[1] = (d[3] + d[4]) - four * (d[1] + d[2]);
  t[2] = (d[4] - d[3]) + four * (d[1] - d[2]);
  t[3] = d42 + two * (d[3] - d[1]);
  t[4] = d42 - two * (d[3] - d[1]);
  t[5] = four * (d[1] - d[3]) + d53;
}

// A row of tiles, a vector of channels at a time: tile tw covers input rows ih0 .. ih0 + 5 and
// columns 4 tw - pw .. 4 tw - pw + 5 of the channels-last map x (h, w, c), zeros outside; element
// xi = 6 i + j of D (Bᵀ d B) D goes to v + xi * ld + tw * c.
void k_winograd4_input_row(const float* x, int64_t h, int64_t w, int64_t c, int64_t ih0, int64_t pw, int64_t tw_n,
                           float* v, int64_t ld) {
  const float* rows[6];
  for (int64_t i = 0; i < 6; ++i) rows[i] = ih0 + i >= 0 && ih0 + i < h ? x + (ih0 + i) * w * c : nullptr;
  const Vec zero = Vec::set1(0.0f);
  for (int64_t tw = 0; tw < tw_n; ++tw) {
    const int64_t iw0 = 4 * tw - pw;
    for (int64_t k = 0; k < c; k += W) {
      const typename Vec::Mask m = Vec::range(0, c - k);
      Vec t[6][6];  // Bᵀ d, column by column
      for (int64_t j = 0; j < 6; ++j) {
        const int64_t iw = iw0 + j;
        Vec d[6], col[6];
        for (int64_t i = 0; i < 6; ++i)
          d[i] = rows[i] && iw >= 0 && iw < w ? Vec::load_masked(rows[i] + iw * c + k, m) : zero;
        winograd4_input_1d(d, col);
        for (int64_t i = 0; i < 6; ++i) t[i][j] = col[i];
      }
      float* out = v + tw * c + k;
      for (int64_t i = 0; i < 6; ++i) {  // (Bᵀ d) B, then D's scales
        Vec r[6];
        winograd4_input_1d(t[i], r);
        for (int64_t j = 0; j < 6; ++j)
          (Vec::set1(kWinograd4Scale[i] * kWinograd4Scale[j]) * r[j]).store_masked(out + (6 * i + j) * ld, m);
      }
    }
  }
}

// Aᵀ = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1] on six values; G̃ᵀ's three rows are
// its first three with m5 added to the third (the kernel gradient's side).
inline void winograd4_output_1d(const Vec (&m)[6], Vec (&o)[4]) {
  const Vec two = Vec::set1(2.0f), four = Vec::set1(4.0f), eight = Vec::set1(8.0f);
  const Vec a = m[1] + m[2], b = m[1] - m[2], c = m[3] + m[4], e = m[3] - m[4];
  o[0] = m[0] + a + c;
  o[1] = b + two * e;
  o[2] = a + four * c;
  o[3] = b + eight * e + m[5];
}

// The output side: tile tw's 36 values per channel (element xi at m + xi * ld + tw * c) become the
// 4x4 outputs Aᵀ m A plus bias[channel] when bias is not null, stored at columns 4 tw .. 4 tw + 3
// (those < ow_n) of the first `rows` (1 to 4) of the channels-last output rows at y, ow_n * c apart.
void k_winograd4_output_row(const float* m, int64_t ld, int64_t c, const float* bias, int64_t tw_n, int64_t ow_n,
                            float* y, int64_t rows) {
  for (int64_t tw = 0; tw < tw_n; ++tw) {
    const int64_t cols = ow_n - 4 * tw < 4 ? ow_n - 4 * tw : 4;
    for (int64_t k = 0; k < c; k += W) {
      const typename Vec::Mask mask = Vec::range(0, c - k);
      const float* in = m + tw * c + k;
      Vec p[4][6];  // Aᵀ m, column by column
      for (int64_t j = 0; j < 6; ++j) {
        Vec col[6], o[4];
        for (int64_t i = 0; i < 6; ++i) col[i] = Vec::load_masked(in + (6 * i + j) * ld, mask);
        winograd4_output_1d(col, o);
        for (int64_t i = 0; i < 4; ++i) p[i][j] = o[i];
      }
      const Vec b = bias ? Vec::load_masked(bias + k, mask) : Vec::set1(0.0f);
      for (int64_t i = 0; i < rows; ++i) {  // (Aᵀ m) A
        Vec o[4];
        winograd4_output_1d(p[i], o);
        float* yi = y + i * ow_n * c + 4 * tw * c + k;
        for (int64_t j = 0; j < cols; ++j) (bias ? o[j] + b : o[j]).store_masked(yi + j * c, mask);
      }
    }
  }
}

// The kernel's side, Ũ = G̃ f G̃ᵀ, for n kernels at once: tap (a, b) of kernel j at taps[(3 a + b) * n
// + j] (taken at (2 - a, 2 - b) when turned), element xi = 6 i + j of its Ũ to out[xi * ld + j].
inline void winograd4_kernel_1d(Vec f0, Vec f1, Vec f2, Vec (&u)[6]) {
  const Vec two = Vec::set1(2.0f), four = Vec::set1(4.0f);
  const Vec p = f0 + f2, q = f0 + four * f2;
  u[0] = f0;
  u[1] = p + f1;
  u[2] = p - f1;
  u[3] = q + two * f1;
  u[4] = q - two * f1;
  u[5] = f2;
}

void k_winograd4_kernel_row(const float* taps, int64_t n, int turned, float* out, int64_t ld) {
  for (int64_t k = 0; k < n; k += W) {
    const typename Vec::Mask m = Vec::range(0, n - k);
    Vec f[3][3], t[6][3];
    for (int64_t a = 0; a < 3; ++a)
      for (int64_t b = 0; b < 3; ++b)
        f[a][b] = Vec::load_masked(taps + (turned ? 8 - 3 * a - b : 3 * a + b) * n + k, m);
    for (int64_t b = 0; b < 3; ++b) {  // G̃ f
      Vec u[6];
      winograd4_kernel_1d(f[0][b], f[1][b], f[2][b], u);
      for (int64_t i = 0; i < 6; ++i) t[i][b] = u[i];
    }
    for (int64_t i = 0; i < 6; ++i) {  // (G̃ f) G̃ᵀ
      Vec u[6];
      winograd4_kernel_1d(t[i][0], t[i][1], t[i][2], u);
      for (int64_t j = 0; j < 6; ++j) u[j].store_masked(out + (6 * i + j) * ld + k, m);
    }
  }
}

// The weight gradient's sides. Output gradient: tile tw's 4x4 values at rows oh0 .. oh0 + 3 and
// columns 4 tw .. 4 tw + 3 of the channels-last map dy (oh_n, ow_n, c), zero outside, become A dy Aᵀ
// (6x6, A = Aᵀᵀ), element xi to z + xi * ld + tw * c.
inline void winograd4_output_grad_1d(const Vec (&d)[4], Vec (&z)[6]) {
  const Vec two = Vec::set1(2.0f), four = Vec::set1(4.0f);
  const Vec p = d[0] + d[2], q = d[1] + d[3], r = d[0] + four * d[2], s = d[1] + four * d[3];
  z[0] = d[0];
  z[1] = p + q;
  z[2] = p - q;
  z[3] = r + two * s;
  z[4] = r - two * s;
  z[5] = d[3];
}

void k_winograd4_output_grad_row(const float* dy, int64_t oh_n, int64_t ow_n, int64_t c, int64_t oh0, int64_t tw_n,
                                 float* z, int64_t ld) {
  const Vec zero = Vec::set1(0.0f);
  const float* rows[4];
  for (int64_t i = 0; i < 4; ++i) rows[i] = oh0 + i < oh_n ? dy + (oh0 + i) * ow_n * c : nullptr;
  for (int64_t tw = 0; tw < tw_n; ++tw) {
    for (int64_t k = 0; k < c; k += W) {
      const typename Vec::Mask m = Vec::range(0, c - k);
      Vec t[6][4];  // A dy, column by column
      for (int64_t j = 0; j < 4; ++j) {
        const int64_t ow = 4 * tw + j;
        Vec d[4], col[6];
        for (int64_t i = 0; i < 4; ++i) d[i] = rows[i] && ow < ow_n ? Vec::load_masked(rows[i] + ow * c + k, m) : zero;
        winograd4_output_grad_1d(d, col);
        for (int64_t i = 0; i < 6; ++i) t[i][j] = col[i];
      }
      float* out = z + tw * c + k;
      for (int64_t i = 0; i < 6; ++i) {  // (A dy) Aᵀ
        Vec r[6];
        winograd4_output_grad_1d(t[i], r);
        for (int64_t j = 0; j < 6; ++j) r[j].store_masked(out + (6 * i + j) * ld, m);
      }
    }
  }
}

// Kernel gradient: for j < n, the 6x6 gradient M of Ũ (element xi at m[xi * ld + j]) becomes that of
// the kernel, G̃ᵀ M G̃ (3x3), tap (a, b) to taps[(3 a + b) * n + j].
inline void winograd4_kernel_grad_1d(const Vec (&m)[6], Vec (&o)[3]) {
  const Vec two = Vec::set1(2.0f), four = Vec::set1(4.0f);
  const Vec a = m[1] + m[2], b = m[1] - m[2], c = m[3] + m[4], e = m[3] - m[4];
  o[0] = m[0] + a + c;
  o[1] = b + two * e;
  o[2] = a + four * c + m[5];
}

void k_winograd4_kernel_grad_row(const float* m, int64_t ld, int64_t n, float* taps) {
  for (int64_t k = 0; k < n; k += W) {
    const typename Vec::Mask mask = Vec::range(0, n - k);
    Vec q[3][6];  // G̃ᵀ M, column by column
    for (int64_t j = 0; j < 6; ++j) {
      Vec col[6], o[3];
      for (int64_t i = 0; i < 6; ++i) col[i] = Vec::load_masked(m + (6 * i + j) * ld + k, mask);
      winograd4_kernel_grad_1d(col, o);
      for (int64_t a = 0; a < 3; ++a) q[a][j] = o[a];
    }
    for (int64_t a = 0; a < 3; ++a) {  // (G̃ᵀ M) G̃
      Vec o[3];
      winograd4_kernel_grad_1d(q[a], o);
      for (int64_t b = 0; b < 3; ++b) o[b].store_masked(taps + (3 * a + b) * n + k, mask);
    }
  }
}

constexpr hqc::nn::kernels::NnKernelTable kTable = {
    k_maxpool2x2_row, k_maxpool2x2_plane,
    k_im2col_channel, k_col2im_channel,
    k_winograd_input_row, k_winograd_output_row, k_winograd_kernel_row,
    k_winograd_output_grad_row, k_winograd_kernel_grad_row,
    k_winograd4_input_row, k_winograd4_output_row, k_winograd4_kernel_row,
    k_winograd4_output_grad_row, k_winograd4_kernel_grad_row,
};
