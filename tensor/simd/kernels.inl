// kernels.inl — the float32 kernels, written once against `Vec` (vec_scalar.hpp, vec_avx2.hpp or
// vec_avx512.hpp, whichever the including file chose). Included by one .cpp per instruction set,
// inside an anonymous namespace, so each copy is compiled with its own flags and none leaks into
// another through the linker. Only raw pointers and the wrapper are used here, no standard-library
// templates, for the same reason.
//
// Tails: the last n % width elements go through the same vector code via a padded stack buffer, so
// a tail element gets exactly the arithmetic of a full-vector element.

constexpr int W = Vec::width;

// Applies a unary vector op to n floats.
template <typename Op>
inline void map1(const float* a, float* o, int64_t n, Op op) {
  int64_t i = 0;
  for (; i + W <= n; i += W) op(Vec::load(a + i)).store(o + i);
  if (i < n) {
    float ta[W] = {}, to[W];
    for (int64_t k = 0; k < n - i; ++k) ta[k] = a[i + k];
    op(Vec::load(ta)).store(to);
    for (int64_t k = 0; k < n - i; ++k) o[i + k] = to[k];
  }
}

// Applies a binary vector op to n pairs.
template <typename Op>
inline void map2(const float* a, const float* b, float* o, int64_t n, Op op) {
  int64_t i = 0;
  for (; i + W <= n; i += W) op(Vec::load(a + i), Vec::load(b + i)).store(o + i);
  if (i < n) {
    float ta[W] = {}, tb[W] = {}, to[W];
    for (int64_t k = 0; k < n - i; ++k) { ta[k] = a[i + k]; tb[k] = b[i + k]; }
    op(Vec::load(ta), Vec::load(tb)).store(to);
    for (int64_t k = 0; k < n - i; ++k) o[i + k] = to[k];
  }
}

// exp by range reduction to [-ln2/2, ln2/2] and a degree-6 polynomial (Cephes expf), ~1 ulp.
inline Vec vexp(Vec x) {
  const Vec hi = Vec::set1(88.3762626647949f), lo = Vec::set1(-88.3762626647949f);
  x = Vec::min(hi, Vec::max(lo, x));  // operand order keeps NaN (see Vec::max)
  Vec fx = Vec::floor(Vec::fma(x, Vec::set1(1.44269504088896341f), Vec::set1(0.5f)));
  x = Vec::fma(fx, Vec::set1(-0.693359375f), x);
  x = Vec::fma(fx, Vec::set1(2.12194440e-4f), x);
  Vec y = Vec::set1(1.9875691500e-4f);
  y = Vec::fma(y, x, Vec::set1(1.3981999507e-3f));
  y = Vec::fma(y, x, Vec::set1(8.3334519073e-3f));
  y = Vec::fma(y, x, Vec::set1(4.1665795894e-2f));
  y = Vec::fma(y, x, Vec::set1(1.6666665459e-1f));
  y = Vec::fma(y, x, Vec::set1(5.0000001201e-1f));
  y = Vec::fma(y, x * x, x + Vec::set1(1.0f));
  // 2^fx with fx in [-127, 128]: split in two factors so neither exponent overflows.
  Vec half = Vec::floor(fx * Vec::set1(0.5f));
  return y * Vec::pow2i(half) * Vec::pow2i(fx - half);
}

inline Vec vsigmoid(Vec x) {
  const Vec one = Vec::set1(1.0f);
  return one / (one + vexp(Vec::set1(0.0f) - x));
}

// tanh(x) = sign(x) (1 - e) / (1 + e), e = exp(-2|x|): no overflow for any x.
inline Vec vtanh(Vec x) {
  const Vec one = Vec::set1(1.0f);
  Vec e = vexp(Vec::set1(-2.0f) * Vec::abs(x));
  return Vec::copysign((one - e) / (one + e), x);
}

void k_add(const float* a, const float* b, float* o, int64_t n) { map2(a, b, o, n, [](Vec x, Vec y) { return x + y; }); }
void k_sub(const float* a, const float* b, float* o, int64_t n) { map2(a, b, o, n, [](Vec x, Vec y) { return x - y; }); }
void k_mul(const float* a, const float* b, float* o, int64_t n) { map2(a, b, o, n, [](Vec x, Vec y) { return x * y; }); }
void k_div(const float* a, const float* b, float* o, int64_t n) { map2(a, b, o, n, [](Vec x, Vec y) { return x / y; }); }
// Vec::max(y, x) is (y > x ? y : x): a NaN in a is passed on. (A NaN only in b is not, as with
// maxps; torch.maximum would pass both.)
void k_max(const float* a, const float* b, float* o, int64_t n) {
  map2(a, b, o, n, [](Vec x, Vec y) { return Vec::max(y, x); });
}
void k_min(const float* a, const float* b, float* o, int64_t n) {
  map2(a, b, o, n, [](Vec x, Vec y) { return Vec::min(y, x); });
}
void k_add_s(const float* a, float s, float* o, int64_t n) { Vec v = Vec::set1(s); map1(a, o, n, [v](Vec x) { return x + v; }); }
void k_mul_s(const float* a, float s, float* o, int64_t n) { Vec v = Vec::set1(s); map1(a, o, n, [v](Vec x) { return x * v; }); }
void k_rsub_s(const float* a, float s, float* o, int64_t n) { Vec v = Vec::set1(s); map1(a, o, n, [v](Vec x) { return v - x; }); }
void k_rdiv_s(const float* a, float s, float* o, int64_t n) { Vec v = Vec::set1(s); map1(a, o, n, [v](Vec x) { return v / x; }); }
void k_max_s(const float* a, float s, float* o, int64_t n) { Vec v = Vec::set1(s); map1(a, o, n, [v](Vec x) { return Vec::max(v, x); }); }
void k_min_s(const float* a, float s, float* o, int64_t n) { Vec v = Vec::set1(s); map1(a, o, n, [v](Vec x) { return Vec::min(v, x); }); }
void k_neg(const float* a, float* o, int64_t n) { map1(a, o, n, [](Vec x) { return Vec::set1(0.0f) - x; }); }
void k_abs(const float* a, float* o, int64_t n) { map1(a, o, n, [](Vec x) { return Vec::abs(x); }); }
void k_sqrt(const float* a, float* o, int64_t n) { map1(a, o, n, [](Vec x) { return Vec::sqrt(x); }); }
void k_exp(const float* a, float* o, int64_t n) { map1(a, o, n, [](Vec x) { return vexp(x); }); }
void k_relu(const float* a, float* o, int64_t n) { map1(a, o, n, [](Vec x) { return Vec::max(Vec::set1(0.0f), x); }); }
void k_sigmoid(const float* a, float* o, int64_t n) { map1(a, o, n, [](Vec x) { return vsigmoid(x); }); }
void k_tanh(const float* a, float* o, int64_t n) { map1(a, o, n, [](Vec x) { return vtanh(x); }); }
void k_relu_backward(const float* g, const float* x, float* o, int64_t n) {
  map2(g, x, o, n, [](Vec gv, Vec xv) { return Vec::select_gt(xv, Vec::set1(0.0f), gv, Vec::set1(0.0f)); });
}
void k_axpy(float a, const float* x, float* y, int64_t n) {
  Vec va = Vec::set1(a);
  map2(x, y, y, n, [va](Vec xv, Vec yv) { return Vec::fma(va, xv, yv); });
}
void k_scale_add(const float* a, float s, const float* b, float* o, int64_t n) {
  Vec vs = Vec::set1(s);
  map2(a, b, o, n, [vs](Vec av, Vec bv) { return Vec::fma(av, vs, bv); });
}

// Reductions keep four independent accumulators (latency hiding), combined in a fixed order.
template <typename Load, typename Combine>
inline Vec reduce4(int64_t n, Vec init, Load load, Combine combine) {
  Vec acc0 = init, acc1 = init, acc2 = init, acc3 = init;
  int64_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    acc0 = combine(acc0, load(i));
    acc1 = combine(acc1, load(i + W));
    acc2 = combine(acc2, load(i + 2 * W));
    acc3 = combine(acc3, load(i + 3 * W));
  }
  for (; i + W <= n; i += W) acc0 = combine(acc0, load(i));
  Vec acc = combine(combine(acc0, acc1), combine(acc2, acc3));
  return acc;
}

float k_sum(const float* a, int64_t n) {
  Vec acc = reduce4(n, Vec::set1(0.0f), [a](int64_t i) { return Vec::load(a + i); },
                    [](Vec s, Vec x) { return s + x; });
  float s = acc.reduce_add();
  for (int64_t i = n - n % W; i < n; ++i) s += a[i];
  return s;
}

float k_max_reduce(const float* a, int64_t n) {
  const float ninf = -__builtin_huge_valf();
  Vec acc = reduce4(n, Vec::set1(ninf), [a](int64_t i) { return Vec::load(a + i); },
                    [](Vec m, Vec x) { return Vec::max(m, x); });
  float m = acc.reduce_max();
  for (int64_t i = n - n % W; i < n; ++i) m = a[i] > m ? a[i] : m;
  return m;
}

float k_dot(const float* a, const float* b, int64_t n) {
  Vec acc = reduce4(n, Vec::set1(0.0f), [a, b](int64_t i) { return Vec::load(a + i) * Vec::load(b + i); },
                    [](Vec s, Vec x) { return s + x; });
  float s = acc.reduce_add();
  for (int64_t i = n - n % W; i < n; ++i) s += a[i] * b[i];
  return s;
}

float k_sq_dev_sum(const float* a, float mean, int64_t n) {
  Vec m = Vec::set1(mean);
  Vec acc = reduce4(n, Vec::set1(0.0f), [a, m](int64_t i) { Vec d = Vec::load(a + i) - m; return d * d; },
                    [](Vec s, Vec x) { return s + x; });
  float s = acc.reduce_add();
  for (int64_t i = n - n % W; i < n; ++i) s += (a[i] - mean) * (a[i] - mean);
  return s;
}

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
  idx[j] = base + static_cast<int32_t>(2 * j) + off[k];
}

// The 2x2 rule on one block of W outputs from the 2W inputs of each row at p0, p1 (outputs first /
// 2 .. of the row, in flat input indices): false when a NaN or infinity needs the exact scalar rule.
inline bool maxpool2x2_block(const float* p0, const float* p1, int32_t first, int32_t w, Vec& max, Vec& at) {
  alignas(64) static const float kEven[16] = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30};
  Vec a, b, c, d;
  Vec::load_even_odd(p0, a, b);
  Vec::load_even_odd(p1, c, d);
  // x - x is NaN exactly when x is NaN or infinite.
  if ((((a - a) + (b - b)) + ((c - c) + (d - d))).any_nan()) return false;
  // Strictly greater replaces: the first maximum in the order a, b, c, d wins.
  Vec m = a, k = Vec::set1(0.0f);
  k = Vec::select_gt(b, m, Vec::set1(1.0f), k);
  m = Vec::select_gt(b, m, b, m);
  k = Vec::select_gt(c, m, Vec::set1(float(w)), k);
  m = Vec::select_gt(c, m, c, m);
  k = Vec::select_gt(d, m, Vec::set1(float(w + 1)), k);
  m = Vec::select_gt(d, m, d, m);
  max = m;
  at = Vec::set1(float(first)) + Vec::load(kEven) + k;
  return true;
}

void k_maxpool2x2_row(const float* r0, const float* r1, int64_t n, int32_t base, int32_t w, float* y,
                      int32_t* idx) {
  int64_t j = 0;
  Vec m, at;
  for (; j + W <= n; j += W) {
    if (!maxpool2x2_block(r0 + 2 * j, r1 + 2 * j, base + static_cast<int32_t>(2 * j), w, m, at)) {
      for (int64_t i = j; i < j + W; ++i) maxpool2x2_one(r0, r1, i, base, w, y, idx);
      continue;
    }
    m.store(y + j);
    at.store_i32(idx + j);
  }
  if (j == n) return;
  // The last n - j < W outputs (all of them in rows of 7 or 14, the MNIST models' pools): the same
  // block on zero-padded copies of the rows' last 2 (n - j) inputs.
  const int64_t rest = n - j;
  alignas(64) float t0[2 * W], t1[2 * W], ty[W];
  alignas(64) int32_t ti[W];
  for (int64_t i = 0; i < 2 * W; ++i) {
    t0[i] = i < 2 * rest ? r0[2 * j + i] : 0.0f;
    t1[i] = i < 2 * rest ? r1[2 * j + i] : 0.0f;
  }
  if (!maxpool2x2_block(t0, t1, base + static_cast<int32_t>(2 * j), w, m, at)) {
    for (; j < n; ++j) maxpool2x2_one(r0, r1, j, base, w, y, idx);
    return;
  }
  m.store(ty);
  at.store_i32(ti);
  for (int64_t i = 0; i < rest; ++i) {
    y[j + i] = ty[i];
    idx[j + i] = ti[i];
  }
}

void k_affine_s(const float* a, float s, float t, float* o, int64_t n) {
  const Vec vs = Vec::set1(s), vt = Vec::set1(t);
  map1(a, o, n, [vs, vt](Vec x) { return Vec::fma(x, vs, vt); });
}

void k_affine_relu_s(const float* a, float s, float t, float* o, int64_t n) {
  const Vec vs = Vec::set1(s), vt = Vec::set1(t), zero = Vec::set1(0.0f);
  map1(a, o, n, [vs, vt, zero](Vec x) { return Vec::max(zero, Vec::fma(x, vs, vt)); });
}

void k_affine2_s(const float* a, float s, const float* b, float u, float t, float* o, int64_t n) {
  const Vec vs = Vec::set1(s), vu = Vec::set1(u), vt = Vec::set1(t);
  map2(a, b, o, n, [vs, vu, vt](Vec x, Vec z) { return Vec::fma(x, vs, Vec::fma(z, vu, vt)); });
}

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

// One output row of an im2row: each output column's window of kw_n input columns is one run of
// kw_n * c contiguous values of the channels-last row, copied a vector at a time; in the windows that
// reach past either end of the row, lanes whose input column lies outside are neither read nor kept.
void k_im2row_row(const float* x, int64_t w, int64_t c, int64_t kw_n, int64_t sw, int64_t pw, int64_t ow_n, float* out,
                  int64_t ld) {
  const int64_t run = kw_n * c, n = w * c, full = run / W * W;
  const typename Vec::Mask tail = Vec::range(0, run - full);
  for (int64_t ow = 0; ow < ow_n; ++ow, out += ld) {
    const int64_t s0 = (ow * sw - pw) * c;  // offset of the window's first value in x, negative on the left
    if (s0 >= 0 && s0 + run <= n) {
      const float* src = x + s0;
      for (int64_t j = 0; j < full; j += W) Vec::load(src + j).store(out + j);
      if (full < run) Vec::load_masked(src + full, tail).store_masked(out + full, tail);
      continue;
    }
    for (int64_t j = 0; j < run; j += W)
      Vec::load_masked(x + s0 + j, Vec::range(-(s0 + j), n - (s0 + j))).store_masked(out + j, Vec::range(0, run - j));
  }
}

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

constexpr hqc::KernelTable kTable = {
    k_add, k_sub, k_mul, k_div, k_max, k_min,
    k_add_s, k_mul_s, k_rsub_s, k_rdiv_s, k_max_s, k_min_s,
    k_neg, k_abs, k_sqrt, k_exp, k_relu, k_sigmoid, k_tanh,
    k_relu_backward, k_axpy, k_scale_add,
    k_sum, k_max_reduce, k_dot, k_sq_dev_sum,
    k_maxpool2x2_row, k_affine_s, k_affine_relu_s, k_affine2_s,
    k_im2col_channel, k_col2im_channel, k_im2row_row,
    k_winograd_input_row, k_winograd_output_row, k_winograd_kernel_row,
    k_winograd_output_grad_row, k_winograd_kernel_grad_row,
};
