// conv2d_im2col.cpp — convolution as im2col + GEMM (darknet, Caffe), float and double, any geometry:
// forward Y = W · col, input gradient col' = Wᵀ · dY folded back by col2im, weight gradient
// dW = Σ_b dY_b · col_bᵀ. The study's first layers (1 or 3 input channels) take it; so does every
// geometry Winograd does not fit (conv2d.cpp). Small feature maps put several samples side by side
// in one column buffer so the GEMMs stay wide; the weights are packed for the GEMM once per call
// (every group multiplies the same W); the backward pass makes both gradients in one pass over the
// groups, each group's dY regrouped once. Stride-1 float im2col/col2im go through nn's SIMD table.
#include <algorithm>
#include <optional>
#include <type_traits>

#include "nn/kernels/conv2d_paths.hpp"
#include "nn/kernels/gemm_dispatch.hpp"
#include "nn/kernels/simd/table.hpp"
#include "nn/kernels/workspace.hpp"

namespace hqc::nn::kernels {

template <typename T> void im2col(const Conv2dGeometry& g, const T* x, T* col, int64_t ld) {
  const int64_t OH = g.OH(), OW = g.OW();
  if constexpr (std::is_same_v<T, float>) {
    if (g.SH == 1 && g.SW == 1) {  // the study's convolutions: a channel at a time through the SIMD table
      const auto channel = nn_kernels().im2col_channel;
      for (int64_t c = 0; c < g.C; ++c)
        channel(x + c * g.H * g.W, g.H, g.W, g.KH, g.KW, g.PH, g.PW, OH, OW, col + c * g.KH * g.KW * ld, ld);
      return;
    }
  }
  for (int64_t c = 0; c < g.C; ++c) {
    const T* xc = x + c * g.H * g.W;  // (H, W)
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        T* row = col + ((c * g.KH + kh) * g.KW + kw) * ld;  // (OH, OW)
        // Output columns ow whose input column iw = ow*SW - PW + kw lies inside [0, W).
        const int64_t off = kw - g.PW;
        int64_t ow_lo = off >= 0 ? 0 : (-off + g.SW - 1) / g.SW;
        int64_t ow_hi = (g.W - off + g.SW - 1) / g.SW;  // first ow with iw >= W
        ow_lo = std::min(ow_lo, OW);
        ow_hi = std::clamp<int64_t>(ow_hi, ow_lo, OW);
        for (int64_t oh = 0; oh < OH; ++oh) {
          T* out = row + oh * OW;
          const int64_t ih = oh * g.SH - g.PH + kh;
          if (ih < 0 || ih >= g.H) {
            std::fill(out, out + OW, T(0));
            continue;
          }
          const T* in = xc + ih * g.W;
          // Plain loops: the rows are short (4-96 values), where library calls cost more than the copy.
          for (int64_t ow = 0; ow < ow_lo; ++ow) out[ow] = T(0);
          if (g.SW == 1) {
            const T* src = in + off;
            for (int64_t ow = ow_lo; ow < ow_hi; ++ow) out[ow] = src[ow];
          } else {
            for (int64_t ow = ow_lo; ow < ow_hi; ++ow) out[ow] = in[ow * g.SW + off];
          }
          for (int64_t ow = ow_hi; ow < OW; ++ow) out[ow] = T(0);
        }
      }
    }
  }
}

template <typename T> void col2im(const Conv2dGeometry& g, const T* col, T* dx, int64_t ld) {
  const int64_t OH = g.OH(), OW = g.OW(), HW = g.H * g.W;
  if constexpr (std::is_same_v<T, float>) {
    if (g.SH == 1 && g.SW == 1) {  // a channel at a time through the SIMD table
      const auto channel = nn_kernels().col2im_channel;
      for (int64_t c = 0; c < g.C; ++c)
        channel(col + c * g.KH * g.KW * ld, ld, g.H, g.W, g.KH, g.KW, g.PH, g.PW, OH, OW, dx + c * HW);
      return;
    }
  }
  std::fill(dx, dx + g.C * HW, T(0));
  for (int64_t c = 0; c < g.C; ++c) {
    T* dxc = dx + c * HW;  // (H, W)
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        const T* row = col + ((c * g.KH + kh) * g.KW + kw) * ld;  // (OH, OW)
        const int64_t off = kw - g.PW;
        int64_t ow_lo = off >= 0 ? 0 : (-off + g.SW - 1) / g.SW;
        int64_t ow_hi = (g.W - off + g.SW - 1) / g.SW;
        ow_lo = std::min(ow_lo, OW);
        ow_hi = std::clamp<int64_t>(ow_hi, ow_lo, OW);
        for (int64_t oh = 0; oh < OH; ++oh) {
          const int64_t ih = oh * g.SH - g.PH + kh;
          if (ih < 0 || ih >= g.H) continue;
          const T* in = row + oh * OW;
          T* out = dxc + ih * g.W;
          if (g.SW == 1) {
            T* o = out + off;
            for (int64_t ow = ow_lo; ow < ow_hi; ++ow) o[ow] += in[ow];
          } else {
            for (int64_t ow = ow_lo; ow < ow_hi; ++ow) out[ow * g.SW + off] += in[ow];
          }
        }
      }
    }
  }
}

namespace {
// Samples per GEMM. Small feature maps give thin GEMMs (N = OH*OW); putting several samples side by
// side in one column buffer widens them, while keeping the buffer cache-sized. (The study's first
// layers, on 28x28 maps and larger, come out at one sample a GEMM.)
constexpr int64_t kTargetColumns = 512;
constexpr int64_t kMaxColumnBytes = 2 << 20;

// C (M, N) = beta*C + A (M, K) · B (N, K)ᵀ as M*N dot products of contiguous rows. Used for the
// weight gradient of first layers (N = C*KH*KW = 9 or 27), where a GEMM's N is too thin for its tiles.
constexpr int64_t kDotPathMaxColumns = 32;

void gemm_nt_dots(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb,
                  float beta, float* C, int64_t ldc) {
  auto dot = hqc::kernels().dot;
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      const float d = dot(A + i * lda, B + j * ldb, K);
      C[i * ldc + j] = beta == 0.0f ? d : beta * C[i * ldc + j] + d;
    }
}

void gemm_nt_dots(int64_t M, int64_t N, int64_t K, const double* A, int64_t lda, const double* B, int64_t ldb,
                  double beta, double* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double d = 0;
      for (int64_t k = 0; k < K; ++k) d += A[i * lda + k] * B[j * ldb + k];
      C[i * ldc + j] = beta == 0.0 ? d : beta * C[i * ldc + j] + d;
    }
}

// dst[i] = src[i] + bias: float through the SIMD table (x * 1 + bias rounds as x + bias does).
void add_bias(const float* src, float bias, float* dst, int64_t n) { hqc::kernels().affine_s(src, 1.0f, bias, dst, n); }
void add_bias(const double* src, double bias, double* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = src[i] + bias;
}

// The weights as the A operand of the forward and input-gradient GEMMs, which multiply the same
// matrix into one group of samples after another: float packs op(W) once per call (on the calling
// thread's workspace, read by every thread) instead of once per group and thread; double passes W on.
template <typename T> class WeightOperand;

template <> class WeightOperand<float> {
 public:
  WeightOperand(bool trans, int64_t M, int64_t K, const float* w, int64_t ldw)
      : packed_(sgemm_pack_a(trans, M, K, w, ldw, workspace_as<float>(kSlotPackedWeights, sgemm_packed_a_floats(M, K)))) {}
  // C (M, N) = op(W) · B (K, N) + beta * C
  void multiply(int64_t N, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) const {
    sgemm_packed(packed_, false, N, 1.0f, B, ldb, beta, C, ldc);
  }

 private:
  SgemmPackedA packed_;
};

template <> class WeightOperand<double> {
 public:
  WeightOperand(bool trans, int64_t M, int64_t K, const double* w, int64_t ldw) : trans_(trans), M_(M), K_(K), w_(w), ldw_(ldw) {}
  void multiply(int64_t N, const double* B, int64_t ldb, double beta, double* C, int64_t ldc) const {
    dgemm(trans_, false, M_, N, K_, 1.0, w_, ldw_, B, ldb, beta, C, ldc);
  }

 private:
  bool trans_;
  int64_t M_, K_;
  const double* w_;
  int64_t ldw_;
};

// A 1x1, stride-1, unpadded convolution is already a GEMM on the input: no columns, one sample a GEMM
// (64>128 on 8x8, batch 64, forward + both gradients, 1 thread: 2.2-2.4 ms this way, 3.1 ms through
// columns).
bool is_pointwise(const Conv2dGeometry& g) {
  return g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 && g.PH == 0 && g.PW == 0;
}

template <typename T> int64_t group_size(const Conv2dGeometry& g, int64_t chunk) {
  const int64_t OHW = g.OH() * g.OW(), CKK = g.C * g.KH * g.KW;
  int64_t G = (kTargetColumns + OHW - 1) / OHW;
  G = std::min(G, std::max<int64_t>(1, kMaxColumnBytes / int64_t(sizeof(T) * CKK * OHW)));
  G = std::clamp<int64_t>(G, 1, std::max<int64_t>(1, chunk));
  // Equal groups: 32 samples at most 14 a group run as 11 + 11 + 10, not 14 + 14 + 4 (a thin last GEMM).
  const int64_t groups = (chunk + G - 1) / G;
  G = std::max<int64_t>(1, (chunk + groups - 1) / groups);
  // Maps smaller than a GEMM tile (4x4 = 16 columns a sample): an even group keeps the GEMM's
  // columns whole 32-wide tiles (12 + 12 + 8, not 11 + 11 + 10 with a half tile on each edge).
  if (OHW < 32 && 32 % OHW == 0) {
    const int64_t unit = 32 / OHW, even = (G + unit - 1) / unit * unit;
    if (even * OHW * CKK * int64_t(sizeof(T)) <= kMaxColumnBytes) G = std::min(even, chunk);
  }
  return G;
}

// The bias as the GEMM's last row of depth: W gains a column holding b, the columns a row of ones,
// and each output's last multiply-add, fma(b, 1, acc), rounds b + acc as the GEMM with beta = 1 on
// outputs set to b first does: the same bits, without writing b over the outputs and reading it
// back (a third of the MNIST classical model's first layer at batch 1, 32 outputs a pixel against 9
// products each). float, one sample a GEMM, and a depth well within the GEMM's one depth block
// (256 on every kernel: the bias must end the sum, not a block's partial sum).
constexpr int64_t kBiasRowMaxDepth = 64;

// y = W · col (+ b when not null), fewer samples than threads (batch-1 inference): per sample, the
// columns made on the calling thread (the first layers' 1 or 3 channels: 7k floats for MNIST's,
// 249k for STL-10's) and the threads taking blocks of 32 columns of the GEMM: the same sums in the
// same order as on the path over samples, so the same bits. The MNIST models' first layers
// (0.1-0.2M multiply-adds) ran on one thread. K = CKK, or CKK + 1 with the bias row.
template <typename T>
void im2col_forward_by_columns(const Conv2dGeometry& g, const T* x, const WeightOperand<T>& weights, int64_t K,
                               const T* b, T* y) {
  const int64_t OHW = g.OH() * g.OW(), CKK = g.C * g.KH * g.KW, CHW = g.C * g.H * g.W;
  const bool pointwise = is_pointwise(g);
  T* col = pointwise ? nullptr : workspace_as<T>(kSlotColumns, K * OHW);
  if (K > CKK) std::fill(col + CKK * OHW, col + K * OHW, T(1));
  constexpr int64_t kPanel = 32;
  const int64_t panels = (OHW + kPanel - 1) / kPanel;
  // A thread per 2^15 multiply-adds or more.
  const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 15) / (g.OC * K * kPanel));
  for (int64_t s = 0; s < g.N; ++s) {
    const T* xn = x + s * CHW;
    T* yn = y + s * g.OC * OHW;  // (OC, OHW)
    if (!pointwise) im2col(g, xn, col, OHW);
    const T* cols = pointwise ? xn : col;
    parallel_for(panels, grain, [&](int64_t p0, int64_t p1) {
      const int64_t j0 = p0 * kPanel, n = std::min(OHW, p1 * kPanel) - j0;
      T beta = 0;
      if (b) {
        for (int64_t oc = 0; oc < g.OC; ++oc) std::fill(yn + oc * OHW + j0, yn + oc * OHW + j0 + n, b[oc]);
        beta = 1;
      }
      weights.multiply(n, cols + j0, OHW, beta, yn + j0, OHW);
    });
  }
}

}  // namespace

template <typename T> void im2col_forward(const Conv2dGeometry& g, const T* x, const T* w, const T* b, T* y) {
  const int64_t OHW = g.OH() * g.OW(), CKK = g.C * g.KH * g.KW, CHW = g.C * g.H * g.W;
  const bool pointwise = is_pointwise(g);
  const bool bias_row = std::is_same_v<T, float> && b && !pointwise && CKK < kBiasRowMaxDepth && group_size<T>(g, g.N) == 1;
  const int64_t K = bias_row ? CKK + 1 : CKK;
  const T* wk = w;
  if (bias_row) {  // (OC, CKK + 1): each kernel, then its bias
    T* wb = workspace_as<T>(kSlotPartials, g.OC * K);
    for (int64_t oc = 0; oc < g.OC; ++oc) {
      std::copy(w + oc * CKK, w + (oc + 1) * CKK, wb + oc * K);
      wb[oc * K + CKK] = b[oc];
    }
    wk = wb;
  }
  const WeightOperand<T> weights(false, g.OC, K, wk, K);
  const T* bias = bias_row ? nullptr : b;  // added by the GEMM otherwise
  if (g.N < num_threads()) return im2col_forward_by_columns(g, x, weights, K, bias, y);
  parallel_for(g.N, 1, [&](int64_t n0, int64_t n1) {
    const int64_t G = pointwise || bias_row ? 1 : group_size<T>(g, n1 - n0);
    T* col = pointwise ? nullptr : workspace_as<T>(kSlotColumns, K * G * OHW);  // (K, G*OHW)
    if (bias_row) std::fill(col + CKK * OHW, col + K * OHW, T(1));
    T* tmp = G > 1 ? workspace_as<T>(kSlotExtra, g.OC * G * OHW) : nullptr;  // (OC, G*OHW)
    for (int64_t s = n0; s < n1; s += G) {
      const int64_t gs = std::min(G, n1 - s), ld = gs * OHW;
      if (gs == 1) {  // the GEMM writes the sample's output in place, on top of the bias
        const T* xn = x + s * CHW;
        T* yn = y + s * g.OC * OHW;  // (OC, OHW)
        if (!pointwise) im2col(g, xn, col, OHW);
        T beta = 0;
        if (bias) {
          for (int64_t oc = 0; oc < g.OC; ++oc) std::fill(yn + oc * OHW, yn + (oc + 1) * OHW, bias[oc]);
          beta = 1;
        }
        weights.multiply(OHW, pointwise ? xn : col, OHW, beta, yn, OHW);
        continue;
      }
      for (int64_t j = 0; j < gs; ++j) im2col(g, x + (s + j) * CHW, col + j * OHW, ld);
      weights.multiply(ld, col, ld, T(0), tmp, ld);
      for (int64_t j = 0; j < gs; ++j)
        for (int64_t oc = 0; oc < g.OC; ++oc)
          add_bias(tmp + oc * ld + j * OHW, b ? b[oc] : T(0), y + ((s + j) * g.OC + oc) * OHW, OHW);
    }
  });
}

template <typename T>
void im2col_backward(const Conv2dGeometry& g, const T* x, const T* dy, const T* w, T* dx, T* dw, T* db) {
  const int64_t OHW = g.OH() * g.OW(), CKK = g.C * g.KH * g.KW, CHW = g.C * g.H * g.W;
  const int64_t wsize = g.OC * CKK, part = wsize + g.OC;
  const bool pointwise = is_pointwise(g);
  std::optional<WeightOperand<T>> weights_t;  // Wᵀ (CKK, OC)
  if (dx) weights_t.emplace(true, CKK, g.OC, w, CKK);
  // dx: per sample, split over the threads. dW and db: per fixed chunk of samples (tensor/reduce.hpp),
  // partials (OC, CKK) then (OC), summed by the fixed tree whatever the thread count.
  auto pass = [&](int64_t n0, int64_t n1, T* pw, bool want_dx) {
    const int64_t G = pointwise ? 1 : group_size<T>(g, n1 - n0);
    T* col = pointwise ? nullptr : workspace_as<T>(kSlotColumns, CKK * G * OHW);  // (CKK, G*OHW)
    T* gdy = G > 1 ? workspace_as<T>(kSlotExtra, g.OC * G * OHW) : nullptr;  // (OC, G*OHW)
    T* pb = pw ? pw + wsize : nullptr;  // (OC)
    if (pw) std::fill(pb, pb + g.OC, T(0));
    for (int64_t s = n0; s < n1; s += G) {
      const int64_t gs = std::min(G, n1 - s), ld = gs * OHW;
      // The group's output gradient as one (OC, ld) matrix, shared by both GEMMs.
      const T* dyg = dy + s * g.OC * OHW;
      if (gs > 1) {
        for (int64_t j = 0; j < gs; ++j)
          for (int64_t oc = 0; oc < g.OC; ++oc)
            std::copy(dy + ((s + j) * g.OC + oc) * OHW, dy + ((s + j) * g.OC + oc + 1) * OHW, gdy + oc * ld + j * OHW);
        dyg = gdy;
      }
      if (want_dx) {  // columns' gradient Wᵀ · dY, folded back into dx
        if (pointwise) {
          weights_t->multiply(OHW, dyg, OHW, T(0), dx + s * CHW, OHW);
        } else {
          weights_t->multiply(ld, dyg, ld, T(0), col, ld);
          for (int64_t j = 0; j < gs; ++j) col2im(g, col + j * OHW, dx + (s + j) * CHW, ld);
        }
      }
      if (pw) {  // dW += dY · columnsᵀ
        const T* B = x + s * CHW;  // pointwise: (C, OHW)
        if (!pointwise) {
          for (int64_t j = 0; j < gs; ++j) im2col(g, x + (s + j) * CHW, col + j * OHW, ld);
          B = col;
        }
        if (CKK <= kDotPathMaxColumns)
          gemm_nt_dots(g.OC, CKK, ld, dyg, ld, B, ld, T(s == n0 ? 0 : 1), pw, CKK);
        else
          gemm(false, true, g.OC, CKK, ld, T(1), dyg, ld, B, ld, T(s == n0 ? 0 : 1), pw, CKK);
        for (int64_t oc = 0; oc < g.OC; ++oc) pb[oc] += row_sum(dyg + oc * ld, ld);
      }
    }
  };
  if (!dw) {
    parallel_for(g.N, 1, [&](int64_t n0, int64_t n1) { pass(n0, n1, nullptr, true); });
    return;
  }
  T* partials = workspace_as<T>(kSlotPartials, batch_chunks(g.N) * part);
  chunked_sum(g.N, partials, part, [&](int64_t n0, int64_t n1, T* pw) { pass(n0, n1, pw, dx != nullptr); });
  std::copy(partials, partials + wsize, dw);  // (OC, C, KH, KW) already
  if (db) std::copy(partials + wsize, partials + part, db);
}

#define HQC_CONV_IM2COL_INSTANTIATE(T)                                                      \
  template void im2col<T>(const Conv2dGeometry&, const T*, T*, int64_t);                    \
  template void col2im<T>(const Conv2dGeometry&, const T*, T*, int64_t);                    \
  template void im2col_forward<T>(const Conv2dGeometry&, const T*, const T*, const T*, T*); \
  template void im2col_backward<T>(const Conv2dGeometry&, const T*, const T*, const T*, T*, T*, T*);
HQC_CONV_IM2COL_INSTANTIATE(float)
HQC_CONV_IM2COL_INSTANTIATE(double)

}  // namespace hqc::nn::kernels
