// batchnorm.cpp — batch normalisation forward and backward (see batchnorm.hpp).
//
// Backward of the training form, per channel with m = N*S, x̂ = (x - mean)·invstd:
//   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ·invstd/m · (m·dy - dβ - x̂·dγ).
#include "nn/kernels/batchnorm.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "tensor/math.hpp"
#include "tensor/parallel.hpp"
#include "tensor/reduce.hpp"
#include "tensor/simd.hpp"

namespace hqc::nn::kernels {

namespace {
// Sums over the samples of one channel: per fixed chunk of samples in sample order, the chunks'
// partials by the fixed tree (tensor/reduce.hpp), so that a batch split over processes by whole
// chunks reproduces them. f(n, acc) adds sample n's terms to acc[0 .. M).
template <int M, typename F> std::array<double, M> sample_sums(int64_t N, F&& f) {
  const int64_t chunks = batch_chunks(N);
  std::vector<double> v(size_t(M * chunks));  // (M, chunks)
  for (int64_t k = 0; k < chunks; ++k) {
    double acc[M] = {};
    for (int64_t n = batch_chunk_begin(N, k); n < batch_chunk_begin(N, k + 1); ++n) f(n, acc);
    for (int m = 0; m < M; ++m) v[m * chunks + k] = acc[m];
  }
  std::array<double, M> out;
  for (int m = 0; m < M; ++m) out[m] = tree_sum_values(v.data() + m * chunks, chunks);
  return out;
}

int64_t channel_grain(const BatchNormGeometry& g) {
  return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, g.N * g.S));
}

// Per-plane primitives. float runs through the SIMD kernel table (a plane of one sample and channel
// is contiguous: H*W values); the per-plane sums are then combined in double, in sample order.
// double (gradient checks) keeps plain loops.
double plane_sum(const float* p, int64_t n) { return n == 1 ? double(p[0]) : double(hqc::kernels().sum(p, n)); }
double plane_sum(const double* p, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += p[i];
  return s;
}
double plane_sq_dev(const float* p, double mean, int64_t n) {
  if (n == 1) return (double(p[0]) - mean) * (double(p[0]) - mean);
  return double(hqc::kernels().sq_dev_sum(p, float(mean), n));
}
double plane_sq_dev(const double* p, double mean, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += (p[i] - mean) * (p[i] - mean);
  return s;
}
double plane_dot(const float* a, const float* b, int64_t n) {
  return n == 1 ? double(a[0]) * double(b[0]) : double(hqc::kernels().dot(a, b, n));
}
double plane_dot(const double* a, const double* b, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}
// o = p * a + b, then max(0, o) when relu. The short scalar loop is the kernels' arithmetic
// (scalar fma is a*b + c, rounded twice) with relu as Vec::max(0, x): NaN passes.
void plane_affine(const float* p, float a, float b, float* o, int64_t n, bool relu) {
  if (n < 8) {
    for (int64_t i = 0; i < n; ++i) {
      const float v = p[i] * a + b;
      o[i] = relu ? (0.0f > v ? 0.0f : v) : v;
    }
    return;
  }
  if (relu)
    hqc::kernels().affine_relu_s(p, a, b, o, n);
  else
    hqc::kernels().affine_s(p, a, b, o, n);
}
void plane_affine(const double* p, double a, double b, double* o, int64_t n, bool relu) {
  for (int64_t i = 0; i < n; ++i) {
    const double v = p[i] * a + b;
    o[i] = relu ? (0.0 > v ? 0.0 : v) : v;
  }
}
// o = d where r > 0, else 0: relu's backward (a NaN in r gives 0).
void plane_relu_mask(const float* d, const float* r, float* o, int64_t n) {
  if (n < 8) {
    for (int64_t i = 0; i < n; ++i) o[i] = r[i] > 0.0f ? d[i] : 0.0f;
    return;
  }
  hqc::kernels().relu_backward(d, r, o, n);
}
void plane_relu_mask(const double* d, const double* r, double* o, int64_t n) {
  for (int64_t i = 0; i < n; ++i) o[i] = r[i] > 0.0 ? d[i] : 0.0;
}
// o = d * k + p * u + v
void plane_affine2(const float* d, float k, const float* p, float u, float v, float* o, int64_t n) {
  if (n < 8) {
    for (int64_t i = 0; i < n; ++i) o[i] = d[i] * k + p[i] * u + v;
    return;
  }
  hqc::kernels().affine2_s(d, k, p, u, v, o, n);
}
void plane_affine2(const double* d, double k, const double* p, double u, double v, double* o, int64_t n) {
  for (int64_t i = 0; i < n; ++i) o[i] = d[i] * k + p[i] * u + v;
}
}  // namespace

// Under a batch split (tensor/batch_split.hpp) every per-channel sum is the whole batch's before it
// is used: the channels' sums are taken in one pass, exchanged together, and the next pass uses them
// (SyncBatchNorm). One process keeps the single pass per channel (its planes stay in cache); both
// do the same arithmetic per channel.
template <typename T>
void batchnorm_forward_train(const BatchNormGeometry& g, const T* x, const T* gamma, const T* beta, double eps, T* y,
                             double* mean, double* var, double* invstd, bool relu) {
  const int64_t N = g.N, C = g.C, S = g.S;
  const double m = double(batch_total(N) * S);
  auto sum = [&](int64_t c) {
    return sample_sums<1>(N, [&](int64_t n, double* a) { a[0] += plane_sum(x + (n * C + c) * S, S); })[0];
  };
  auto sq_dev = [&](int64_t c, double mu) {
    return sample_sums<1>(N, [&](int64_t n, double* a) { a[0] += plane_sq_dev(x + (n * C + c) * S, mu, S); })[0];
  };
  auto finish = [&](int64_t c, double mu, double q) {
    const double v = q / m, is = 1.0 / std::sqrt(v + eps);
    mean[c] = mu;
    var[c] = v;
    invstd[c] = is;
    // y = x * a + b folds the four per-channel constants into two.
    const T a = T(is * (gamma ? double(gamma[c]) : 1.0));
    const T b = T((beta ? double(beta[c]) : 0.0) - mu * is * (gamma ? double(gamma[c]) : 1.0));
    for (int64_t n = 0; n < N; ++n) plane_affine(x + (n * C + c) * S, a, b, y + (n * C + c) * S, S, relu);
  };
  if (!batch_split().exchange) {
    parallel_for(C, channel_grain(g), [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        const double mu = sum(c) / m;
        finish(c, mu, sq_dev(c, mu));
      }
    });
    return;
  }
  std::vector<double> s(C), q(C);
  parallel_for(C, channel_grain(g), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) s[c] = sum(c);
  });
  combine_batch_sums(s.data(), C);
  parallel_for(C, channel_grain(g), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) q[c] = sq_dev(c, s[c] / m);
  });
  combine_batch_sums(q.data(), C);
  parallel_for(C, channel_grain(g), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) finish(c, s[c] / m, q[c]);
  });
}

template <typename T>
void batchnorm_forward_eval(const BatchNormGeometry& g, const T* x, const T* gamma, const T* beta, const T* run_mean,
                            const T* run_var, double eps, T* y, bool relu) {
  const int64_t N = g.N, C = g.C, S = g.S;
  parallel_for(C, channel_grain(g), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const double is = 1.0 / std::sqrt(double(run_var[c]) + eps);
      const double gm = gamma ? double(gamma[c]) : 1.0;
      const T a = T(is * gm);
      const T b = T((beta ? double(beta[c]) : 0.0) - double(run_mean[c]) * is * gm);
      for (int64_t n = 0; n < N; ++n) plane_affine(x + (n * C + c) * S, a, b, y + (n * C + c) * S, S, relu);
    }
  });
}

template <typename T>
void batchnorm_backward_train(const BatchNormGeometry& g, const T* dy, const T* x, const T* gamma, const double* mean,
                              const double* invstd, T* dx, T* dgamma, T* dbeta, const T* relu_out) {
  const int64_t N = g.N, C = g.C, S = g.S;
  const double m = double(batch_total(N) * S);
  // With relu, the masked dy goes to dx first (still in cache for the sums), and dx is then the dy
  // of the plain formula below.
  const T* d = relu_out ? dx : dy;
  // Σ dy and Σ dy·x of channel c; Σ dy·(x - mean) = Σ dy·x - mean·Σ dy.
  auto sums = [&](int64_t c) {
    return sample_sums<2>(N, [&](int64_t n, double* a) {
      const int64_t off = (n * C + c) * S;
      if (relu_out) plane_relu_mask(dy + off, relu_out + off, dx + off, S);
      a[0] += plane_sum(d + off, S);
      a[1] += plane_dot(d + off, x + off, S);
    });
  };
  auto finish = [&](int64_t c, double sdy, double sdx) {
    const double mu = mean[c], is = invstd[c];
    const double sdyx = sdx - mu * sdy;
    const double db = sdy, dg = sdyx * is;
    if (dgamma) dgamma[c] = T(dg);
    if (dbeta) dbeta[c] = T(db);
    // dx = k·dy - k/m·dβ - k/m·x̂·dγ, with k = γ·invstd; as dx = k·dy + u·x + v.
    const double k = (gamma ? double(gamma[c]) : 1.0) * is;
    const double u = -k / m * dg * is;
    const double v = -k / m * db - u * mu;
    const T kt = T(k), ut = T(u), vt = T(v);
    for (int64_t n = 0; n < N; ++n) {
      const int64_t off = (n * C + c) * S;
      plane_affine2(d + off, kt, x + off, ut, vt, dx + off, S);
    }
  };
  if (!batch_split().exchange) {
    parallel_for(C, channel_grain(g), [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        const auto [sdy, sdx] = sums(c);
        finish(c, sdy, sdx);
      }
    });
    return;
  }
  std::vector<double> s(2 * C);  // (C, 2): Σ dy, Σ dy·x
  parallel_for(C, channel_grain(g), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const auto [sdy, sdx] = sums(c);
      s[2 * c] = sdy, s[2 * c + 1] = sdx;
    }
  });
  combine_batch_sums(s.data(), 2 * C);
  parallel_for(C, channel_grain(g), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) finish(c, s[2 * c], s[2 * c + 1]);
  });
}

template <typename T>
void batchnorm_backward_eval(const BatchNormGeometry& g, const T* dy, const T* x, const T* gamma, const T* run_mean,
                             const T* run_var, double eps, T* dx, T* dgamma, T* dbeta, const T* relu_out) {
  const int64_t N = g.N, C = g.C, S = g.S;
  parallel_for(C, channel_grain(g), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const double mu = double(run_mean[c]), is = 1.0 / std::sqrt(double(run_var[c]) + eps);
      const T k = T((gamma ? double(gamma[c]) : 1.0) * is);
      double sdy = 0, sdyx = 0;
      for (int64_t n = 0; n < N; ++n) {
        const T* p = x + (n * C + c) * S;
        const T* d = dy + (n * C + c) * S;
        const T* r = relu_out ? relu_out + (n * C + c) * S : nullptr;
        T* o = dx + (n * C + c) * S;
        for (int64_t i = 0; i < S; ++i) {
          const T di = r && !(r[i] > T(0)) ? T(0) : d[i];
          sdy += double(di);
          sdyx += double(di) * (double(p[i]) - mu);
          o[i] = di * k;
        }
      }
      if (dgamma) dgamma[c] = T(sdyx * is);
      if (dbeta) dbeta[c] = T(sdy);
    }
  });
}

template <typename T>
void batchnorm_forward_train_reference(const BatchNormGeometry& g, const T* x, const T* gamma, const T* beta,
                                       double eps, T* y, double* mean, double* var, double* invstd) {
  const int64_t N = g.N, C = g.C, S = g.S;
  for (int64_t c = 0; c < C; ++c) {
    double s = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < S; ++i) s += double(x[(n * C + c) * S + i]);
    mean[c] = s / double(N * S);
    double q = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < S; ++i) q += math::square(double(x[(n * C + c) * S + i]) - mean[c]);
    var[c] = q / double(N * S);
    invstd[c] = 1.0 / std::sqrt(var[c] + eps);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < S; ++i) {
        const int64_t j = (n * C + c) * S + i;
        const double xhat = (double(x[j]) - mean[c]) * invstd[c];
        y[j] = T(xhat * (gamma ? double(gamma[c]) : 1.0) + (beta ? double(beta[c]) : 0.0));
      }
  }
}

template <typename T>
void batchnorm_backward_train_reference(const BatchNormGeometry& g, const T* dy, const T* x, const T* gamma,
                                        const double* mean, const double* invstd, T* dx, T* dgamma, T* dbeta) {
  const int64_t N = g.N, C = g.C, S = g.S;
  const double m = double(N * S);
  for (int64_t c = 0; c < C; ++c) {
    double db = 0, dg = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < S; ++i) {
        const int64_t j = (n * C + c) * S + i;
        db += double(dy[j]);
        dg += double(dy[j]) * (double(x[j]) - mean[c]) * invstd[c];
      }
    if (dgamma) dgamma[c] = T(dg);
    if (dbeta) dbeta[c] = T(db);
    const double gm = gamma ? double(gamma[c]) : 1.0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < S; ++i) {
        const int64_t j = (n * C + c) * S + i;
        const double xhat = (double(x[j]) - mean[c]) * invstd[c];
        dx[j] = T(gm * invstd[c] / m * (m * double(dy[j]) - db - xhat * dg));
      }
  }
}

#define HQC_BN_INSTANTIATE(T)                                                                                       \
  template void batchnorm_forward_train<T>(const BatchNormGeometry&, const T*, const T*, const T*, double, T*,      \
                                           double*, double*, double*, bool);                                        \
  template void batchnorm_forward_eval<T>(const BatchNormGeometry&, const T*, const T*, const T*, const T*, const T*, \
                                          double, T*, bool);                                                        \
  template void batchnorm_backward_train<T>(const BatchNormGeometry&, const T*, const T*, const T*, const double*,  \
                                            const double*, T*, T*, T*, const T*);                                   \
  template void batchnorm_backward_eval<T>(const BatchNormGeometry&, const T*, const T*, const T*, const T*,        \
                                           const T*, double, T*, T*, T*, const T*);                                 \
  template void batchnorm_forward_train_reference<T>(const BatchNormGeometry&, const T*, const T*, const T*, double, \
                                                     T*, double*, double*, double*);                                \
  template void batchnorm_backward_train_reference<T>(const BatchNormGeometry&, const T*, const T*, const T*,       \
                                                      const double*, const double*, T*, T*, T*);
HQC_BN_INSTANTIATE(float)
HQC_BN_INSTANTIATE(double)

}  // namespace hqc::nn::kernels
