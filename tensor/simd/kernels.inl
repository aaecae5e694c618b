// kernels.inl — the float32 kernels, written once against `Vec` (vec_scalar.hpp, vec_avx2.hpp,
// vec_avx512.hpp or vec_neon.hpp, whichever the including file chose). Included by one .cpp per
// instruction set, inside an anonymous namespace, so each copy is compiled with its own flags and
// none leaks into another through the linker. Only raw pointers and the wrapper are used here, no
// standard-library templates, for the same reason.
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

// k_sum and k_dot together: each keeps its own four accumulators, combined in their order, and its
// own tail, so both results equal those kernels' bit for bit (a batchnorm backward needs both sums
// of the same plane).
void k_sum_dot(const float* a, const float* b, int64_t n, float* sum, float* dot) {
  const Vec z = Vec::set1(0.0f);
  Vec s0 = z, s1 = z, s2 = z, s3 = z, d0 = z, d1 = z, d2 = z, d3 = z;
  int64_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    const Vec a0 = Vec::load(a + i), a1 = Vec::load(a + i + W), a2 = Vec::load(a + i + 2 * W),
              a3 = Vec::load(a + i + 3 * W);
    s0 = s0 + a0;
    s1 = s1 + a1;
    s2 = s2 + a2;
    s3 = s3 + a3;
    d0 = d0 + a0 * Vec::load(b + i);
    d1 = d1 + a1 * Vec::load(b + i + W);
    d2 = d2 + a2 * Vec::load(b + i + 2 * W);
    d3 = d3 + a3 * Vec::load(b + i + 3 * W);
  }
  for (; i + W <= n; i += W) {
    const Vec av = Vec::load(a + i);
    s0 = s0 + av;
    d0 = d0 + av * Vec::load(b + i);
  }
  float s = ((s0 + s1) + (s2 + s3)).reduce_add();
  float d = ((d0 + d1) + (d2 + d3)).reduce_add();
  for (int64_t k = n - n % W; k < n; ++k) {
    s += a[k];
    d += a[k] * b[k];
  }
  *sum = s;
  *dot = d;
}

constexpr hqc::KernelTable kTable = {
    k_add, k_sub, k_mul, k_div, k_max, k_min,
    k_add_s, k_mul_s, k_rsub_s, k_rdiv_s, k_max_s, k_min_s,
    k_neg, k_abs, k_sqrt, k_exp, k_relu, k_sigmoid, k_tanh,
    k_relu_backward, k_axpy, k_scale_add,
    k_sum, k_max_reduce, k_dot, k_sq_dev_sum,
    k_affine_s, k_affine_relu_s, k_affine2_s, k_sum_dot,
};
