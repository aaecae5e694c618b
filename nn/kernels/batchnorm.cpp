// batchnorm.cpp — batch normalisation forward and backward (see batchnorm.hpp).
//
// Backward of the training form, per channel with m = N*S, x̂ = (x - mean)·invstd:
//   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ·invstd/m · (m·dy - dβ - x̂·dγ).
#include "nn/kernels/batchnorm.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <type_traits>
#include <vector>

#include "nn/kernels/pool2d.hpp"
#include "nn/kernels/workspace.hpp"
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

// The evaluation form's: one pass over the values (plus the pool), so threads from 4096 values each
// (the first MNIST block at batch 1, 16 planes of 28x28, then runs on two).
int64_t eval_channel_grain(const BatchNormGeometry& g) {
  return std::max<int64_t>(1, 4096 / std::max<int64_t>(1, g.N * g.S));
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
// Σ d and Σ d·x of one plane, added to s and sx: float in one pass (sum_dot gives sum's and dot's bits).
void plane_sum_dot(const float* d, const float* x, int64_t n, double& s, double& sx) {
  if (n == 1) {
    s += plane_sum(d, n);
    sx += plane_dot(d, x, n);
    return;
  }
  float fs, fd;
  hqc::kernels().sum_dot(d, x, n, &fs, &fd);
  s += double(fs);
  sx += double(fd);
}
void plane_sum_dot(const double* d, const double* x, int64_t n, double& s, double& sx) {
  s += plane_sum(d, n);
  sx += plane_dot(d, x, n);
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
// The four passes, each with the step that differs between plain, +ReLU and +ReLU+max pool left to
// a callable: emit(c, a, b) writes channel c's outputs of y = x·a + b; load(off) returns the plane at
// offset `off` of the gradient reaching the normalisation (built in dx's plane when it does not exist
// in memory) and again(off) the same plane a second time.
// Under a batch split (tensor/batch_split.hpp) every per-channel sum is the whole batch's before it
// is used: the channels' sums are taken in one pass, exchanged together, and the next pass uses them
// (SyncBatchNorm). One process keeps the single pass per channel (its planes stay in cache); both
// do the same arithmetic per channel.
template <typename T, typename Emit>
void forward_train_impl(const BatchNormGeometry& g, const T* x, const T* gamma, const T* beta, double eps,
                        double* mean, double* var, double* invstd, Emit&& emit) {
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
    emit(c, a, b);
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

// The evaluation-mode y = a x + b of channels 0 .. C - 1, in one loop over vectors of channels (this
// file is built without errno for std::sqrt to set, which is what lets the compiler vectorise it).
// Per channel, the square root and the division were 0.35 of the 0.45 us of BatchNorm1d(128) at
// batch 1.
template <typename T>
void eval_coefficients(int64_t C, const T* gamma, const T* beta, const T* run_mean, const T* run_var, double eps,
                       T* __restrict a, T* __restrict b) {
  const auto loop = [&](auto with_gamma, auto with_beta) {
    for (int64_t c = 0; c < C; ++c) {
      const double is = 1.0 / std::sqrt(double(run_var[c]) + eps);
      const double gm = with_gamma ? double(gamma[c]) : 1.0;
      a[c] = T(is * gm);
      b[c] = T((with_beta ? double(beta[c]) : 0.0) - double(run_mean[c]) * is * gm);
    }
  };
  if (gamma && beta) loop(std::true_type{}, std::true_type{});
  else if (gamma) loop(std::true_type{}, std::false_type{});
  else if (beta) loop(std::false_type{}, std::true_type{});
  else loop(std::false_type{}, std::false_type{});
}

template <typename T, typename Emit>
void forward_eval_impl(const BatchNormGeometry& g, const T* gamma, const T* beta, const T* run_mean, const T* run_var,
                       double eps, Emit&& emit) {
  parallel_for(g.C, eval_channel_grain(g), [&](int64_t c0, int64_t c1) {
    constexpr int64_t kBlock = 64;
    T a[kBlock], b[kBlock];
    for (int64_t c = c0; c < c1; c += kBlock) {
      const int64_t n = std::min(kBlock, c1 - c);
      eval_coefficients(n, gamma ? gamma + c : nullptr, beta ? beta + c : nullptr, run_mean + c, run_var + c, eps,
                        a, b);
      for (int64_t i = 0; i < n; ++i) emit(c + i, a[i], b[i]);
    }
  });
}

// Split as the forward: the sums of every channel first, exchanged, then dx. load() builds a plane in
// dx's when it has to, and nothing else writes there before again() reads it.
template <typename T, typename Load, typename Again>
void backward_train_impl(const BatchNormGeometry& g, const T* x, const T* gamma, const double* mean,
                         const double* invstd, T* dx, T* dgamma, T* dbeta, Load&& load, Again&& again) {
  const int64_t N = g.N, C = g.C, S = g.S;
  const double m = double(batch_total(N) * S);
  // Σ dy and Σ dy·x of channel c; Σ dy·(x - mean) = Σ dy·x - mean·Σ dy.
  auto sums = [&](int64_t c) {
    return sample_sums<2>(N, [&](int64_t n, double* a) {
      const int64_t off = (n * C + c) * S;
      plane_sum_dot(load(off), x + off, S, a[0], a[1]);
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
      plane_affine2(again(off), kt, x + off, ut, vt, dx + off, S);
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

template <typename T, typename Load>
void backward_eval_impl(const BatchNormGeometry& g, const T* x, const T* gamma, const T* run_mean, const T* run_var,
                        double eps, T* dx, T* dgamma, T* dbeta, Load&& load) {
  const int64_t N = g.N, C = g.C, S = g.S;
  parallel_for(C, channel_grain(g), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const double mu = double(run_mean[c]), is = 1.0 / std::sqrt(double(run_var[c]) + eps);
      const T k = T((gamma ? double(gamma[c]) : 1.0) * is);
      double sdy = 0, sdyx = 0;
      for (int64_t n = 0; n < N; ++n) {
        const int64_t off = (n * C + c) * S;
        const T* p = x + off;
        const T* d = load(off);
        T* o = dx + off;
        for (int64_t i = 0; i < S; ++i) {
          const T di = d[i];
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

// Writes the normalised, rectified planes of channel c, one sample at a time, through a scratch plane
// into the max pool: y and idx as maxpool2d_forward gives them on the full relu output.
template <typename T> struct PoolEmit {
  const BatchNormGeometry& g;
  const Pool2dGeometry& pg;
  const T* x;
  T* y;
  int32_t* idx;
  void operator()(int64_t c, T a, T b) const {
    T* buf = workspace_as<T>(kSlotPlane, g.S);
    const int64_t out = pg.OH() * pg.OW();
    for (int64_t n = 0; n < g.N; ++n) {
      plane_affine(x + (n * g.C + c) * g.S, a, b, buf, g.S, true);
      maxpool2d_plane(pg, buf, y + (n * g.C + c) * out, idx ? idx + (n * g.C + c) * out : nullptr);
    }
  }
};

// The gradient reaching the normalisation in front of ReLU + max pool, one plane, written to dx's
// plane (the backward's output, overwritten in place afterwards): the pool's scatter (0 + dy at each
// window's argmax, 0 elsewhere) masked by relu's output there, which is the pooled value; the bits of
// max pool's backward followed by relu's. Windows do not overlap: each argmax is written once.
template <typename T> struct UnpoolLoad {
  const BatchNormGeometry& g;
  const Pool2dGeometry& pg;
  const T* gy;
  const int32_t* idx;
  const T* pooled;
  T* dx;
  const T* operator()(int64_t off) const {
    const int64_t out = pg.OH() * pg.OW(), p = off / g.S;
    T* d = dx + off;
    std::fill(d, d + g.S, T(0));
    const T* gp = gy + p * out;
    const int32_t* ip = idx + p * out;
    const T* yp = pooled + p * out;
    // The mask as bits (all ones or zero) and'ed onto dy's bits: a branch here mispredicts on about
    // every other window, and the compiler turns a select back into that branch.
    using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
    for (int64_t j = 0; j < out; ++j) {
      const Bits keep = Bits(0) - Bits(yp[j] > T(0));
      d[ip[j]] = T(0) + std::bit_cast<T>(std::bit_cast<Bits>(gp[j]) & keep);
    }
    return d;
  }
};
}  // namespace

template <typename T>
void batchnorm_forward_train(const BatchNormGeometry& g, const T* x, const T* gamma, const T* beta, double eps, T* y,
                             double* mean, double* var, double* invstd, bool relu) {
  forward_train_impl(g, x, gamma, beta, eps, mean, var, invstd, [&](int64_t c, T a, T b) {
    for (int64_t n = 0; n < g.N; ++n) {
      const int64_t off = (n * g.C + c) * g.S;
      plane_affine(x + off, a, b, y + off, g.S, relu);
    }
  });
}

template <typename T>
void batchnorm_forward_eval(const BatchNormGeometry& g, const T* x, const T* gamma, const T* beta, const T* run_mean,
                            const T* run_var, double eps, T* y, bool relu) {
  if (g.S == 1) {
    // (N, C) input: the coefficients of every channel first, then each sample's row in one pass (a
    // call per value through plane_affine otherwise). Here x * a + b is rounded twice where
    // plane_affine's fma rounds once: the two can differ in the last bit, and this form stays, as it
    // gives every BatchNorm1d evaluation so far.
    std::vector<T> a(size_t(g.C)), b(size_t(g.C));
    eval_coefficients(g.C, gamma, beta, run_mean, run_var, eps, a.data(), b.data());
    parallel_for(g.N, std::max<int64_t>(1, 16384 / g.C), [&](int64_t n0, int64_t n1) {
      for (int64_t n = n0; n < n1; ++n) {
        const T* xn = x + n * g.C;
        T* yn = y + n * g.C;
        for (int64_t c = 0; c < g.C; ++c) {
          const T v = xn[c] * a[size_t(c)] + b[size_t(c)];
          yn[c] = relu ? (T(0) > v ? T(0) : v) : v;
        }
      }
    });
    return;
  }
  forward_eval_impl(g, gamma, beta, run_mean, run_var, eps, [&](int64_t c, T a, T b) {
    for (int64_t n = 0; n < g.N; ++n) {
      const int64_t off = (n * g.C + c) * g.S;
      plane_affine(x + off, a, b, y + off, g.S, relu);
    }
  });
}

template <typename T>
void batchnorm_backward_train(const BatchNormGeometry& g, const T* dy, const T* x, const T* gamma, const double* mean,
                              const double* invstd, T* dx, T* dgamma, T* dbeta, const T* relu_out) {
  // With relu, the masked dy goes to dx first (still in cache for the sums), and dx is then the dy of
  // the plain formula.
  const T* d = relu_out ? dx : dy;
  backward_train_impl(
      g, x, gamma, mean, invstd, dx, dgamma, dbeta,
      [&](int64_t off) {
        if (relu_out) plane_relu_mask(dy + off, relu_out + off, dx + off, g.S);
        return d + off;
      },
      [&](int64_t off) { return d + off; });
}

template <typename T>
void batchnorm_backward_eval(const BatchNormGeometry& g, const T* dy, const T* x, const T* gamma, const T* run_mean,
                             const T* run_var, double eps, T* dx, T* dgamma, T* dbeta, const T* relu_out) {
  backward_eval_impl(g, x, gamma, run_mean, run_var, eps, dx, dgamma, dbeta, [&](int64_t off) -> const T* {
    if (!relu_out) return dy + off;
    plane_relu_mask(dy + off, relu_out + off, dx + off, g.S);  // dx may alias dy: elementwise in place
    return dx + off;
  });
}

template <typename T>
void batchnorm_relu_maxpool_forward_train(const BatchNormGeometry& g, const Pool2dGeometry& pg, const T* x,
                                          const T* gamma, const T* beta, double eps, T* y, int32_t* idx, double* mean,
                                          double* var, double* invstd) {
  forward_train_impl(g, x, gamma, beta, eps, mean, var, invstd, PoolEmit<T>{g, pg, x, y, idx});
}

template <typename T>
void batchnorm_relu_maxpool_forward_eval(const BatchNormGeometry& g, const Pool2dGeometry& pg, const T* x,
                                         const T* gamma, const T* beta, const T* run_mean, const T* run_var,
                                         double eps, T* y, int32_t* idx) {
  forward_eval_impl(g, gamma, beta, run_mean, run_var, eps, PoolEmit<T>{g, pg, x, y, idx});
}

template <typename T>
void batchnorm_relu_maxpool_backward_train(const BatchNormGeometry& g, const Pool2dGeometry& pg, const T* dy,
                                           const int32_t* idx, const T* y, const T* x, const T* gamma,
                                           const double* mean, const double* invstd, T* dx, T* dgamma, T* dbeta) {
  backward_train_impl(g, x, gamma, mean, invstd, dx, dgamma, dbeta, UnpoolLoad<T>{g, pg, dy, idx, y, dx},
                      [&](int64_t off) -> const T* { return dx + off; });
}

template <typename T>
void batchnorm_relu_maxpool_backward_eval(const BatchNormGeometry& g, const Pool2dGeometry& pg, const T* dy,
                                          const int32_t* idx, const T* y, const T* x, const T* gamma,
                                          const T* run_mean, const T* run_var, double eps, T* dx, T* dgamma,
                                          T* dbeta) {
  backward_eval_impl(g, x, gamma, run_mean, run_var, eps, dx, dgamma, dbeta, UnpoolLoad<T>{g, pg, dy, idx, y, dx});
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
  template void batchnorm_relu_maxpool_forward_train<T>(const BatchNormGeometry&, const Pool2dGeometry&, const T*,   \
                                                       const T*, const T*, double, T*, int32_t*, double*, double*,  \
                                                       double*);                                                    \
  template void batchnorm_relu_maxpool_forward_eval<T>(const BatchNormGeometry&, const Pool2dGeometry&, const T*,    \
                                                      const T*, const T*, const T*, const T*, double, T*, int32_t*); \
  template void batchnorm_relu_maxpool_backward_train<T>(const BatchNormGeometry&, const Pool2dGeometry&, const T*,  \
                                                        const int32_t*, const T*, const T*, const T*, const double*, \
                                                        const double*, T*, T*, T*);                                 \
  template void batchnorm_relu_maxpool_backward_eval<T>(const BatchNormGeometry&, const Pool2dGeometry&, const T*,   \
                                                       const int32_t*, const T*, const T*, const T*, const T*,      \
                                                       const T*, double, T*, T*, T*);                               \
  template void batchnorm_forward_train_reference<T>(const BatchNormGeometry&, const T*, const T*, const T*, double, \
                                                     T*, double*, double*, double*);                                \
  template void batchnorm_backward_train_reference<T>(const BatchNormGeometry&, const T*, const T*, const T*,       \
                                                      const double*, const double*, T*, T*, T*);
HQC_BN_INSTANTIATE(float)
HQC_BN_INSTANTIATE(double)

}  // namespace hqc::nn::kernels
