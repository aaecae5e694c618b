// conv2d.cpp — im2col + GEMM convolution and its direct reference (see conv2d.hpp).
#include "nn/kernels/conv2d.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <type_traits>
#include <vector>

#include "nn/kernels/gemm_dispatch.hpp"
#include "nn/kernels/workspace.hpp"
#include "tensor/parallel.hpp"
#include "tensor/simd.hpp"

namespace hqc::nn::kernels {

namespace {
// A 1x1, stride-1, unpadded convolution is already a GEMM on the input: no columns needed.
bool is_pointwise(const Conv2dGeometry& g) {
  return g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 && g.PH == 0 && g.PW == 0;
}
}  // namespace

// The tap path. A stride-1 convolution is a sum over the kernel's taps t = (kh, kw) of the weights'
// slice W_t = W[:, :, kh, kw] (OC, C) times the input shifted by the tap. With a group of samples
// stored channel-major and the sample innermost, (C, H, W, G), the shifted input under a run of
// output pixels is a plain strided matrix (C, pixels * G), so each tap is a GEMM read straight from
// the input: no columns. And a tap's GEMMs cover only the outputs whose input lies inside the map,
// so the multiply-adds by padding are never done: a 3x3 "same" convolution does 100 of im2col's 144
// on a 4x4 map, 484 of 576 on 8x8, 1156 of 1296 on 12x12. That pays where the channels are wide
// enough for GEMMs with K = C to run at full speed and the maps small enough for the border to
// matter; on the study's other layers im2col's one deep GEMM is faster (64>128 on 16x16, 32>64 and
// 16>32 on 14x14, 64>128 on 24x24 ran 4-23 % slower this way; figures in nn/README.md). The
// Winograd path (below) comes first and beats it on the study's 3x3 layers; the tap path keeps
// other kernels (1x3, 5x5, 2x2, ...) and fewer than 16 output channels.
bool conv2d_tap_path(const Conv2dGeometry& g) {
  return g.SH == 1 && g.SW == 1 && g.KH * g.KW > 1 && g.C >= 64 && g.OH() * g.OW() <= 144;
}

template <typename T> void im2col(const Conv2dGeometry& g, const T* x, T* col, int64_t ld) {
  const int64_t OH = g.OH(), OW = g.OW();
  if constexpr (std::is_same_v<T, float>) {
    if (g.SH == 1 && g.SW == 1) {  // the study's convolutions: a channel at a time through the SIMD table
      const auto channel = hqc::kernels().im2col_channel;
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
      const auto channel = hqc::kernels().col2im_channel;
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
// Row ih of xh (W, C) under output row oh: the taps (kw) of each output column, out + ow * ld.
void im2row_row(const Conv2dGeometry& g, const float* xrow, float* out, int64_t ld) {
  hqc::kernels().im2row_row(xrow, g.W, g.C, g.KW, g.SW, g.PW, g.OW(), out, ld);
}
void im2row_row(const Conv2dGeometry& g, const double* xrow, double* out, int64_t ld) {
  const int64_t run = g.KW * g.C;
  for (int64_t ow = 0; ow < g.OW(); ++ow, out += ld)
    for (int64_t i = 0; i < run; ++i) {
      const int64_t at = (ow * g.SW - g.PW) * g.C + i;  // in xrow, inside when in [0, W*C)
      out[i] = at >= 0 && at < g.W * g.C ? xrow[at] : 0.0;
    }
}
}  // namespace

template <typename T> void im2row(const Conv2dGeometry& g, const T* xh, T* rows, int64_t ld) {
  const int64_t OH = g.OH(), OW = g.OW(), run = g.KW * g.C;
  for (int64_t oh = 0; oh < OH; ++oh)
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      T* out = rows + oh * OW * ld + kh * run;  // this tap row's values of the OW rows
      const int64_t ih = oh * g.SH - g.PH + kh;
      if (ih >= 0 && ih < g.H) {
        im2row_row(g, xh + ih * g.W * g.C, out, ld);
      } else {
        for (int64_t ow = 0; ow < OW; ++ow) std::fill(out + ow * ld, out + ow * ld + run, T(0));
      }
    }
}

namespace {
// Sum of a row: float through the SIMD table (a fixed lane order), double in plain order.
float row_sum(const float* r, int64_t n) { return hqc::kernels().sum(r, n); }
double row_sum(const double* r, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += r[i];
  return s;
}

// Samples per GEMM. Small feature maps (4x4 .. 14x14) give thin GEMMs (N = OH*OW); putting several
// samples side by side in one column buffer widens them, while keeping the buffer cache-sized.
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

// The weight gradient as dW' = dY · R, with R the samples' rows: R (pixels, KH*KW*C) holds for each
// output pixel, tap by tap, the C input channels under that tap (zeros on the padding), so dW'
// comes out tap-major, (OC, KH, KW, C). R is row-major with the GEMM's reduction (the pixels) as
// its rows, so the GEMM reads it in place where im2col's columns (pixels contiguous) would be
// transposed into panels; and each row is KH runs of KW*C contiguous values of the sample stored
// channels-last, (H, W, C), copied a vector at a time (im2row, the SIMD table's im2row_row). Against
// transposing im2col's columns, batch 64 at 1 thread: 9-13 % less time for the weight gradient of
// 16>32 and 32>64 on 14x14 and 16x16 maps, 2-11 % on the study's wider layers (64>128 to 128>256).
bool weight_gradient_by_rows(const Conv2dGeometry& g) { return g.C * g.KH * g.KW > kDotPathMaxColumns; }

// xh (H, W, C) <- x (C, H, W)
void to_channels_last(const Conv2dGeometry& g, const float* x, float* xh) { stranspose(g.C, g.H * g.W, x, g.H * g.W, xh); }
void to_channels_last(const Conv2dGeometry& g, const double* x, double* xh) {
  const int64_t HW = g.H * g.W;
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t p = 0; p < HW; ++p) xh[p * g.C + c] = x[c * HW + p];
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

// Where each chunk's partial weight gradient keeps dW[oc, c, t] (t = kh * KW + kw): at
// oc * oc_stride + c * c_stride + t * tap_stride; the OC bias sums follow the weights.
struct PartialLayout {
  int64_t oc_stride, c_stride, tap_stride;
};

// The first of `chunks` partials of `part` values each += the others, in chunk order (element ranges
// split over the threads: the weights of the wide layers are MBs). The per-element order of the sum
// depends only on the chunks, so the result does on the thread count alone.
template <typename T> void sum_chunk_partials(T* partials, int64_t chunks, int64_t part) {
  parallel_for(part, 1 << 16, [&](int64_t i0, int64_t i1) {
    for (int64_t k = 1; k < chunks; ++k) {
      const T* p = partials + k * part;
      for (int64_t i = i0; i < i1; ++i) partials[i] += p[i];
    }
  });
}

// dw and db (db may be null) from per-chunk partials, `part` = OC*C*KH*KW + OC values each: summed
// into the first partial, then read out of its layout into (OC, C, KH, KW).
template <typename T>
void reduce_weight_gradient(const Conv2dGeometry& g, T* partials, int64_t chunks, PartialLayout at, T* dw, T* db) {
  const int64_t taps = g.KH * g.KW, wsize = g.OC * g.C * taps, part = wsize + g.OC;
  sum_chunk_partials(partials, chunks, part);
  parallel_for(g.OC, 1, [&](int64_t o0, int64_t o1) {
    for (int64_t oc = o0; oc < o1; ++oc)
      for (int64_t c = 0; c < g.C; ++c)
        for (int64_t t = 0; t < taps; ++t)
          dw[(oc * g.C + c) * taps + t] = partials[oc * at.oc_stride + c * at.c_stride + t * at.tap_stride];
  });
  if (db) std::copy(partials + wsize, partials + part, db);
}

// --- the tap path (see conv2d_tap_path) ---

// Samples per group: wide GEMMs (a 4x4 map gives 16 columns a sample), the group's output
// (OC, OH, OW, G) at most 4 MB; equal groups.
int64_t tap_group_size(const Conv2dGeometry& g, int64_t chunk) {
  constexpr int64_t kMaxGroup = 16, kMaxOutputBytes = 4 << 20;
  const int64_t per_sample = int64_t(sizeof(float)) * g.OC * g.OH() * g.OW();
  const int64_t G = std::clamp<int64_t>(std::min(kMaxGroup, kMaxOutputBytes / per_sample), 1, std::max<int64_t>(1, chunk));
  const int64_t groups = (chunk + G - 1) / G;
  return std::max<int64_t>(1, (chunk + groups - 1) / groups);
}

// A group of G samples with the sample innermost: (channels, P pixels, G), pixel p of sample j of
// channel c at data[c * ld + p * G + j]. The channel rows are padded by a cache line: at P*G = 1024
// floats (8x8 maps, 16 samples) the rows a GEMM reads down one panel would otherwise all fall in
// the same L1 sets.
struct SampleMinor {
  float* data;
  int64_t P, G, ld;
  SampleMinor(int slot, int64_t channels, int64_t P_, int64_t G_) : P(P_), G(G_), ld(P_ * G_ + 16) {
    data = workspace_as<float>(slot, channels * ld);
  }
  float* at(int64_t pixel) const { return data + pixel * G; }  // channel 0, pixel, sample 0
};

// dst <- samples src + j * sample_stride (j < dst.G), each (channels, dst.P): per channel, the
// (G, P) matrix of the samples' rows transposed.
void to_sample_minor(const float* src, int64_t sample_stride, int64_t channels, const SampleMinor& dst) {
  for (int64_t c = 0; c < channels; ++c) stranspose(dst.G, dst.P, src + c * dst.P, sample_stride, dst.data + c * dst.ld);
}

// The inverse, plus bias[c] when bias is not null: per channel, transposed back to (G, P) and
// moved to each sample with the bias added.
void from_sample_minor(const SampleMinor& src, int64_t channels, const float* bias, float* dst, int64_t sample_stride) {
  float* rows = workspace_as<float>(kSlotTransposed, src.G * src.P);  // (G, P)
  const auto add = hqc::kernels().affine_s;
  for (int64_t c = 0; c < channels; ++c) {
    stranspose(src.P, src.G, src.data + c * src.ld, src.G, rows);
    for (int64_t j = 0; j < src.G; ++j) add(rows + j * src.P, 1.0f, bias ? bias[c] : 0.0f, dst + j * sample_stride + c * src.P, src.P);
  }
}

void zero_channels(const SampleMinor& m, int64_t channels) { std::fill(m.data, m.data + channels * m.ld, 0.0f); }

// Every tap's weights packed for the GEMM: op(W_t) = W_t (OC, C) for the forward, W_tᵀ (C, OC) for
// the input gradient. W is first regrouped tap-major, (KH*KW, OC, C), so that each slice is a plain
// matrix for sgemm_pack_a; both steps run on the calling thread's workspace, split over the threads.
class TapWeights {
 public:
  TapWeights(const Conv2dGeometry& g, const float* w, bool transpose) {
    const int64_t C = g.C, OC = g.OC, T = g.KH * g.KW;
    float* by_tap = workspace_as<float>(kSlotWeightsByTap, T * OC * C);
    parallel_for(OC, 16, [&](int64_t o0, int64_t o1) {
      for (int64_t oc = o0; oc < o1; ++oc) {
        const float* row = w + oc * C * T;  // (C, T)
        for (int64_t c = 0; c < C; ++c)
          for (int64_t t = 0; t < T; ++t) by_tap[(t * OC + oc) * C + c] = row[c * T + t];
      }
    });
    const int64_t M = transpose ? C : OC, K = transpose ? OC : C;
    const int64_t stride = (sgemm_packed_a_floats(M, K) + 15) / 16 * 16;  // each tap's panels 64-byte aligned
    float* storage = workspace_as<float>(kSlotPackedWeights, T * stride);
    packed_.resize(static_cast<std::size_t>(T));
    parallel_for(T, 1, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t)  // transposed, the slice (OC, C) is op(A) stored (K, M)
        packed_[t] = sgemm_pack_a(transpose, M, K, by_tap + t * OC * C, C, storage + t * stride);
    });
  }
  const SgemmPackedA& operator[](int64_t t) const { return packed_[t]; }

 private:
  std::vector<SgemmPackedA> packed_;
};

// For every tap t = (kh, kw), fn(t, out, in, pixels) for each run of output pixels the tap reaches
// from inside the input: output pixels out .. out + pixels - 1 (flat in OH*OW) read input pixels
// in .. in + pixels - 1 (flat in H*W). A run is a row (oh, ow0 .. ow1 - 1), or all of a tap's rows at
// once when they are full width and the input rows are as wide as the output's.
template <typename Fn> void for_each_tap_run(const Conv2dGeometry& g, Fn&& fn) {
  const int64_t OH = g.OH(), OW = g.OW();
  for (int64_t kh = 0; kh < g.KH; ++kh)
    for (int64_t kw = 0; kw < g.KW; ++kw) {
      // Outputs whose input (oh + kh - PH, ow + kw - PW) lies inside the map.
      const int64_t oh0 = std::max<int64_t>(0, g.PH - kh), oh1 = std::min(OH, g.H + g.PH - kh);
      const int64_t ow0 = std::max<int64_t>(0, g.PW - kw), ow1 = std::min(OW, g.W + g.PW - kw);
      if (oh0 >= oh1 || ow0 >= ow1) continue;
      const int64_t t = kh * g.KW + kw, dh = kh - g.PH, dw = kw - g.PW;
      if (ow0 == 0 && ow1 == OW && OW == g.W) {
        fn(t, oh0 * OW, (oh0 + dh) * g.W + dw, (oh1 - oh0) * OW);
        continue;
      }
      for (int64_t oh = oh0; oh < oh1; ++oh) fn(t, oh * OW + ow0, (oh + dh) * g.W + ow0 + dw, ow1 - ow0);
    }
}

// y = Σ_t W_t · x shifted by the tap, a group of samples at a time.
void tap_forward(const Conv2dGeometry& g, const float* x, const float* w, const float* b, float* y) {
  const int64_t HW = g.H * g.W, OHW = g.OH() * g.OW();
  const TapWeights weights(g, w, false);
  parallel_for(g.N, 1, [&](int64_t n0, int64_t n1) {
    const int64_t G = tap_group_size(g, n1 - n0);
    for (int64_t s = n0; s < n1; s += G) {
      const int64_t gs = std::min(G, n1 - s);
      const SampleMinor xt(kSlotColumns, g.C, HW, gs), yt(kSlotExtra, g.OC, OHW, gs);
      to_sample_minor(x + s * g.C * HW, g.C * HW, g.C, xt);
      zero_channels(yt, g.OC);
      for_each_tap_run(g, [&](int64_t t, int64_t out, int64_t in, int64_t pixels) {
        sgemm_packed(weights[t], false, pixels * gs, 1.0f, xt.at(in), xt.ld, 1.0f, yt.at(out), yt.ld);
      });
      from_sample_minor(yt, g.OC, b, y + s * g.OC * OHW, g.OC * OHW);
    }
  });
}

// Both gradients from the same runs: dx = Σ_t W_tᵀ · dy shifted back by the tap (input and output
// swapped), and dW_t = Σ dy · xᵀ over the pixel pairs the tap joins, per chunk of samples (tap-major,
// (T, OC, C), then db), summed in chunk order and scattered back to (OC, C, KH, KW).
void tap_backward(const Conv2dGeometry& g, const float* x, const float* dy, const float* w, float* dx, float* dw,
                  float* db) {
  const int64_t HW = g.H * g.W, OHW = g.OH() * g.OW(), T = g.KH * g.KW;
  const int64_t wsize = T * g.OC * g.C, part = wsize + g.OC;
  std::optional<TapWeights> weights;
  if (dx) weights.emplace(g, w, true);
  const int64_t chunks = parallel_chunks(g.N, 1);
  float* partials = dw ? workspace_as<float>(kSlotPartials, chunks * part) : nullptr;
  parallel_for_chunks(g.N, 1, [&](int64_t k, int64_t n0, int64_t n1) {
    const int64_t G = tap_group_size(g, n1 - n0);
    float* pw = dw ? partials + k * part : nullptr;  // (T, OC, C)
    float* pb = dw ? pw + wsize : nullptr;           // (OC)
    if (dw) std::fill(pw, pw + part, 0.0f);
    for (int64_t s = n0; s < n1; s += G) {
      const int64_t gs = std::min(G, n1 - s);
      const SampleMinor dyt(kSlotExtra, g.OC, OHW, gs), xt(kSlotColumns, dw ? g.C : 0, HW, gs),
          dxt(kSlotInputGradient, dx ? g.C : 0, HW, gs);
      to_sample_minor(dy + s * g.OC * OHW, g.OC * OHW, g.OC, dyt);
      if (dx) zero_channels(dxt, g.C);
      if (dw) {
        to_sample_minor(x + s * g.C * HW, g.C * HW, g.C, xt);
        for (int64_t oc = 0; oc < g.OC; ++oc) pb[oc] += row_sum(dyt.data + oc * dyt.ld, OHW * gs);
      }
      for_each_tap_run(g, [&](int64_t t, int64_t out, int64_t in, int64_t pixels) {
        if (dx) sgemm_packed((*weights)[t], false, pixels * gs, 1.0f, dyt.at(out), dyt.ld, 1.0f, dxt.at(in), dxt.ld);
        if (dw)
          sgemm(false, true, g.OC, g.C, pixels * gs, 1.0f, dyt.at(out), dyt.ld, xt.at(in), xt.ld, 1.0f,
                pw + t * g.OC * g.C, g.C);
      });
      if (dx) from_sample_minor(dxt, g.C, nullptr, dx + s * g.C * HW, g.C * HW);
    }
  });
  if (dw) reduce_weight_gradient(g, partials, chunks, {g.C, 1, g.OC * g.C}, dw, db);  // partials (T, OC, C)
}

// --- the Winograd path (see conv2d_winograd_path) ---

// The 16 transformed weight matrices U_xi, each (K, N) row-major at u + xi * K * N: for the forward,
// K = C, N = OC and U_xi[c][oc] = element xi of G w[oc][c] Gᵀ (G in tensor/simd.hpp's
// winograd_kernel_row); for the input gradient (a convolution of dy with the kernels turned by 180
// degrees and the channels swapped), K = OC, N = C and U_xi[oc][c] from w[oc][c] turned. A row of
// the U_xi at a time: the row's N kernels gathered tap-major, (9, N), by stranspose, then transformed
// a vector of kernels at a time and written in order (256 > 512, 1 thread: 13 ms kernel by kernel,
// the 16 values of each N * K apart; under 1 ms this way).
void winograd_weights(const Conv2dGeometry& g, const float* w, bool input_gradient, float* u) {
  const int64_t K = input_gradient ? g.OC : g.C, N = input_gradient ? g.C : g.OC;
  const auto transform = hqc::kernels().winograd_kernel_row;
  // Threads only for 4096 kernels or more each: waking one costs more than the MNIST layers' 512-2048.
  parallel_for(K, std::max<int64_t>(1, 4096 / N), [&](int64_t k0, int64_t k1) {
    float* taps = workspace_as<float>(kSlotTransposed, 9 * N);  // (9, N)
    for (int64_t row = k0; row < k1; ++row) {
      if (input_gradient)  // the C kernels of w[oc = row], contiguous
        stranspose(N, 9, w + row * g.C * 9, 9, taps);
      else  // the OC kernels w[:, c = row], C * 9 apart
        stranspose(N, 9, w + row * 9, g.C * 9, taps);
      transform(taps, N, input_gradient, u + row * N, K * N);
    }
  });
}

// Tiles a pass: as many as fit kWinogradPassBytes of transformed inputs (16 * C per tile) and
// products (16 * OC), or half the bytes of U if more (every pass reads all of U: 8 MB for 256 > 512),
// and at least kWinogradMinTiles, the GEMMs' rows, over which each U_xi is reused.
constexpr int64_t kWinogradPassBytes = 512 << 10, kWinogradMinTiles = 64;

// How a chunk of samples n0 .. n1 is cut into passes: the tiles of G whole samples, or of `band`
// tile rows of one sample (G = 1) on maps with more tiles than a pass holds; equal passes.
struct WinogradPasses {
  int64_t TH, TW, band, G;
  WinogradPasses(const Conv2dGeometry& g, int64_t samples) : TH((g.OH() + 1) / 2), TW((g.OW() + 1) / 2), G(1) {
    const int64_t tile_bytes = 16 * int64_t(sizeof(float)) * (g.C + g.OC), u_bytes = 16 * int64_t(sizeof(float)) * g.C * g.OC;
    const int64_t max_tiles = std::max({TW, kWinogradMinTiles, std::max(kWinogradPassBytes, u_bytes / 2) / tile_bytes});
    band = std::min(TH, max_tiles / TW);
    if (band == TH) {
      G = std::clamp<int64_t>(max_tiles / (TH * TW), 1, std::max<int64_t>(1, samples));
      const int64_t passes = (samples + G - 1) / G;
      G = std::max<int64_t>(1, (samples + passes - 1) / passes);
    }
  }
};

// Transformed input tiles of the pass over samples xh .. (channels-last, H*W*C apart), tile rows
// r0 .. r0 + rows - 1: V_xi (tiles, C) at v + xi * tiles * C, tiles sample-major then row-major.
void winograd_input_tiles(const Conv2dGeometry& g, const WinogradPasses& p, const float* xh, int64_t gs, int64_t r0,
                          int64_t rows, float* v) {
  const int64_t tiles = gs * rows * p.TW;
  for (int64_t j = 0; j < gs; ++j)
    for (int64_t r = 0; r < rows; ++r)
      hqc::kernels().winograd_input_row(xh + j * g.H * g.W * g.C, g.H, g.W, g.C, 2 * (r0 + r) - g.PH, g.PW, p.TW,
                                        v + (j * rows + r) * p.TW * g.C, tiles * g.C);
}

// One pass of the convolution: the tiles of gs samples laid out channels-last at xh (H*W*C apart),
// tile rows r0 .. r0 + rows - 1, transformed into v (V_xi (tiles, C)), multiplied by U into m
// (M_xi (tiles, OC) = V_xi · U_xi), and transformed back, plus bias when not null, into the same
// rows of the channels-last outputs at yh (OH*OW*OC apart).
void winograd_pass(const Conv2dGeometry& g, const WinogradPasses& p, const float* u, const float* bias, const float* xh,
                   int64_t gs, int64_t r0, int64_t rows, float* v, float* m, float* yh) {
  const int64_t OH = g.OH(), OW = g.OW(), tiles = gs * rows * p.TW;
  winograd_input_tiles(g, p, xh, gs, r0, rows, v);
  for (int64_t xi = 0; xi < 16; ++xi)
    sgemm(false, false, tiles, g.OC, g.C, 1.0f, v + xi * tiles * g.C, g.C, u + xi * g.C * g.OC, g.OC, 0.0f,
          m + xi * tiles * g.OC, g.OC);
  for (int64_t j = 0; j < gs; ++j)
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t oh = 2 * (r0 + r);
      float* y0 = yh + (j * OH + oh) * OW * g.OC;
      hqc::kernels().winograd_output_row(m + (j * rows + r) * p.TW * g.OC, tiles * g.OC, g.OC, bias, p.TW, OW, y0,
                                         oh + 1 < OH ? y0 + OW * g.OC : nullptr);
    }
}

void winograd_convolution_by_bands(const Conv2dGeometry& g, const float* x, const float* u, const float* bias, float* y);

// y (N, OC, OH, OW) = the 3x3 stride-1 convolution of x (N, C, H, W) given as U (winograd_weights),
// plus bias when not null: passes over groups of samples laid out channels-last, whose outputs are
// transposed into y once the group is done.
void winograd_convolution(const Conv2dGeometry& g, const float* x, const float* u, const float* bias, float* y) {
  if (g.N == 0) return;
  if (g.N < num_threads()) return winograd_convolution_by_bands(g, x, u, bias, y);
  const int64_t HW = g.H * g.W, OHW = g.OH() * g.OW();
  parallel_for(g.N, 1, [&](int64_t n0, int64_t n1) {
    const WinogradPasses p(g, n1 - n0);
    const int64_t G = p.G;
    float* xh = workspace_as<float>(kSlotTransposed, G * HW * g.C);
    float* yh = workspace_as<float>(kSlotExtra, G * OHW * g.OC);
    float* v = workspace_as<float>(kSlotColumns, 16 * G * p.band * p.TW * g.C);
    float* m = workspace_as<float>(kSlotInputGradient, 16 * G * p.band * p.TW * g.OC);
    for (int64_t s = n0; s < n1; s += G) {
      const int64_t gs = std::min(G, n1 - s);
      for (int64_t j = 0; j < gs; ++j) to_channels_last(g, x + (s + j) * g.C * HW, xh + j * HW * g.C);
      for (int64_t r0 = 0; r0 < p.TH; r0 += p.band)
        winograd_pass(g, p, u, bias, xh, gs, r0, std::min(p.band, p.TH - r0), v, m, yh);
      for (int64_t j = 0; j < gs; ++j) stranspose(OHW, g.OC, yh + j * OHW * g.OC, g.OC, y + (s + j) * g.OC * OHW);
    }
  });
}

// The same with fewer samples than threads (batch-1 inference): the threads take bands of tile rows
// instead of samples, each writing its rows of the samples' channels-last outputs. Every tile is
// the same sums in the same order as in a pass over whole samples, so the bits are too.
void winograd_convolution_by_bands(const Conv2dGeometry& g, const float* x, const float* u, const float* bias, float* y) {
  const int64_t HW = g.H * g.W, OHW = g.OH() * g.OW();
  const WinogradPasses p(g, 1);
  const int64_t per_sample = (num_threads() + g.N - 1) / g.N;
  const int64_t band = std::min(p.band, (p.TH + per_sample - 1) / per_sample), bands = (p.TH + band - 1) / band;
  float* xh = workspace_as<float>(kSlotTransposed, g.N * HW * g.C);
  float* yh = workspace_as<float>(kSlotExtra, g.N * OHW * g.OC);
  for (int64_t j = 0; j < g.N; ++j) to_channels_last(g, x + j * g.C * HW, xh + j * HW * g.C);
  // A thread per band only for a million multiply-adds or more each (16 C OC per tile).
  const int64_t min_tiles = (int64_t(1) << 20) / (16 * g.C * g.OC) + 1;
  parallel_for(g.N * bands, (min_tiles + band * p.TW - 1) / (band * p.TW), [&](int64_t i0, int64_t i1) {
    float* v = workspace_as<float>(kSlotColumns, 16 * band * p.TW * g.C);
    float* m = workspace_as<float>(kSlotInputGradient, 16 * band * p.TW * g.OC);
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t j = i / bands, r0 = i % bands * band;
      winograd_pass(g, p, u, bias, xh + j * HW * g.C, 1, r0, std::min(band, p.TH - r0), v, m, yh + j * OHW * g.OC);
    }
  });
  for (int64_t j = 0; j < g.N; ++j) stranspose(OHW, g.OC, yh + j * OHW * g.OC, g.OC, y + j * g.OC * OHW);
}

// The weight gradient by the forward's adjoint. With M_xi = V_xi · U_xi and y = Aᵀ M A per tile,
// the gradient of U_xi is Σ_tiles V_xiᵀ · Z_xi, Z = A dY Aᵀ the output gradient's 2x2 tile spread
// to 4x4, and that of the kernels dW[oc][c] = Gᵀ dU[c][oc] G: 16 GEMMs (C, OC) whose depth K is the
// pass's tiles. Per chunk of samples the dU partials (and db's sums), summed in chunk order.
void winograd_backward_weight(const Conv2dGeometry& g, const float* x, const float* dy, float* dw, float* db) {
  const int64_t OH = g.OH(), OW = g.OW(), HW = g.H * g.W, OHW = OH * OW;
  const int64_t usize = 16 * g.C * g.OC, part = usize + g.OC, chunks = parallel_chunks(g.N, 1);
  float* partials = workspace_as<float>(kSlotPartials, chunks * part);  // per chunk (16, C, OC), then (OC)
  parallel_for_chunks(g.N, 1, [&](int64_t k, int64_t n0, int64_t n1) {
    const WinogradPasses p(g, n1 - n0);
    const int64_t G = p.G;
    float* pu = partials + k * part;
    float* pb = pu + usize;
    std::fill(pu, pu + part, 0.0f);
    float* xh = workspace_as<float>(kSlotTransposed, G * HW * g.C);
    float* dyh = workspace_as<float>(kSlotExtra, G * OHW * g.OC);
    float* v = workspace_as<float>(kSlotColumns, 16 * G * p.band * p.TW * g.C);
    float* z = workspace_as<float>(kSlotInputGradient, 16 * G * p.band * p.TW * g.OC);
    for (int64_t s = n0; s < n1; s += G) {
      const int64_t gs = std::min(G, n1 - s);
      for (int64_t j = 0; j < gs; ++j) {
        const float* dyn = dy + (s + j) * g.OC * OHW;
        to_channels_last(g, x + (s + j) * g.C * HW, xh + j * HW * g.C);
        stranspose(g.OC, OHW, dyn, OHW, dyh + j * OHW * g.OC);
        for (int64_t oc = 0; oc < g.OC; ++oc) pb[oc] += row_sum(dyn + oc * OHW, OHW);
      }
      for (int64_t r0 = 0; r0 < p.TH; r0 += p.band) {
        const int64_t rows = std::min(p.band, p.TH - r0), tiles = gs * rows * p.TW;
        winograd_input_tiles(g, p, xh, gs, r0, rows, v);
        for (int64_t j = 0; j < gs; ++j)
          for (int64_t r = 0; r < rows; ++r)
            hqc::kernels().winograd_output_grad_row(dyh + j * OHW * g.OC, OH, OW, g.OC, 2 * (r0 + r), p.TW,
                                                    z + (j * rows + r) * p.TW * g.OC, tiles * g.OC);
        for (int64_t xi = 0; xi < 16; ++xi)
          sgemm(true, false, g.C, g.OC, tiles, 1.0f, v + xi * tiles * g.C, g.C, z + xi * tiles * g.OC, g.OC, 1.0f,
                pu + xi * g.C * g.OC, g.OC);
      }
    }
  });
  sum_chunk_partials(partials, chunks, part);
  // dW: a row c of the dU_xi at a time, (OC) kernels' 4x4 gradients to their 3x3 ones, tap-major
  // (9, OC), then into dw[oc][c].
  parallel_for(g.C, 8, [&](int64_t c0, int64_t c1) {
    float* taps = workspace_as<float>(kSlotTransposed, 9 * g.OC);
    for (int64_t c = c0; c < c1; ++c) {
      hqc::kernels().winograd_kernel_grad_row(partials + c * g.OC, g.C * g.OC, g.OC, taps);
      for (int64_t oc = 0; oc < g.OC; ++oc)
        for (int64_t t = 0; t < 9; ++t) dw[(oc * g.C + c) * 9 + t] = taps[t * g.OC + oc];
    }
  });
  if (db) std::copy(partials + usize, partials + part, db);
}

void winograd_forward(const Conv2dGeometry& g, const float* x, const float* w, const float* b, float* y) {
  float* u = workspace_as<float>(kSlotWeightsByTap, 16 * g.C * g.OC);
  winograd_weights(g, w, false, u);
  winograd_convolution(g, x, u, b, y);
}

// dx = the convolution of dy with the turned kernels, channels swapped, padded by 2 - P: (OH, OW)
// maps back to (H, W).
void winograd_backward_input(const Conv2dGeometry& g, const float* dy, const float* w, float* dx) {
  float* u = workspace_as<float>(kSlotWeightsByTap, 16 * g.C * g.OC);
  winograd_weights(g, w, true, u);
  Conv2dGeometry adjoint = g;
  adjoint.C = g.OC, adjoint.OC = g.C, adjoint.H = g.OH(), adjoint.W = g.OW();
  adjoint.PH = 2 - g.PH, adjoint.PW = 2 - g.PW;
  winograd_convolution(adjoint, dy, u, nullptr, dx);
}
}  // namespace

bool conv2d_winograd_path(const Conv2dGeometry& g) {
  return g.KH == 3 && g.KW == 3 && g.SH == 1 && g.SW == 1 && g.PH <= 2 && g.PW <= 2 && g.C >= kWinogradMinChannels &&
         g.OC >= kWinogradMinChannels && g.OH() * g.OW() >= kWinogradMinPixels;
}

template <typename T> void conv2d_forward(const Conv2dGeometry& g, const T* x, const T* w, const T* b, T* y) {
  if constexpr (std::is_same_v<T, float>) {
    if (conv2d_winograd_path(g)) return winograd_forward(g, x, w, b, y);
    if (conv2d_tap_path(g)) return tap_forward(g, x, w, b, y);
  }
  const int64_t OHW = g.OH() * g.OW(), CKK = g.C * g.KH * g.KW, CHW = g.C * g.H * g.W;
  const bool pointwise = is_pointwise(g);
  const WeightOperand<T> weights(false, g.OC, CKK, w, CKK);
  parallel_for(g.N, 1, [&](int64_t n0, int64_t n1) {
    const int64_t G = pointwise ? 1 : group_size<T>(g, n1 - n0);
    T* col = pointwise ? nullptr : workspace_as<T>(kSlotColumns, CKK * G * OHW);  // (CKK, G*OHW)
    T* tmp = G > 1 ? workspace_as<T>(kSlotExtra, g.OC * G * OHW) : nullptr;       // (OC, G*OHW)
    for (int64_t s = n0; s < n1; s += G) {
      const int64_t gs = std::min(G, n1 - s), ld = gs * OHW;
      if (gs == 1) {
        const T* xn = x + s * CHW;
        T* yn = y + s * g.OC * OHW;  // (OC, OHW)
        if (!pointwise) im2col(g, xn, col, OHW);
        T beta = 0;
        if (b) {
          for (int64_t oc = 0; oc < g.OC; ++oc) std::fill(yn + oc * OHW, yn + (oc + 1) * OHW, b[oc]);
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
void conv2d_backward(const Conv2dGeometry& g, const T* x, const T* dy, const T* w, T* dx, T* dw, T* db) {
  const int64_t OHW = g.OH() * g.OW(), CKK = g.C * g.KH * g.KW, CHW = g.C * g.H * g.W;
  const int64_t wsize = g.OC * CKK, part = wsize + g.OC;
  if (g.N == 0) {  // no samples: no input gradient, zero weight gradients (there are no partials to sum)
    if (dw) std::fill(dw, dw + wsize, T(0));
    if (dw && db) std::fill(db, db + g.OC, T(0));
    return;
  }
  if constexpr (std::is_same_v<T, float>) {
    if (conv2d_winograd_path(g)) {
      if (dx) winograd_backward_input(g, dy, w, dx);
      if (dw) winograd_backward_weight(g, x, dy, dw, db);
      return;
    }
    if (conv2d_tap_path(g)) return tap_backward(g, x, dy, w, dx, dw, db);
  }
  const bool pointwise = is_pointwise(g), by_rows = !pointwise && weight_gradient_by_rows(g);
  std::optional<WeightOperand<T>> weights_t;  // Wᵀ (CKK, OC)
  if (dx) weights_t.emplace(true, CKK, g.OC, w, CKK);
  const int64_t chunks = parallel_chunks(g.N, 1);
  // Per-chunk partial sums of the weight gradient (dw then db), added up in chunk order below.
  T* partials = dw ? workspace_as<T>(kSlotPartials, chunks * part) : nullptr;
  parallel_for_chunks(g.N, 1, [&](int64_t k, int64_t n0, int64_t n1) {
    const int64_t G = pointwise ? 1 : group_size<T>(g, n1 - n0);
    T* col = pointwise ? nullptr : workspace_as<T>(kSlotColumns, CKK * G * OHW);  // (CKK, G*OHW)
    T* gdy = G > 1 ? workspace_as<T>(kSlotExtra, g.OC * G * OHW) : nullptr;       // (OC, G*OHW)
    T* pw = dw ? partials + k * part : nullptr;  // (OC, CKK)
    T* pb = dw ? pw + wsize : nullptr;           // (OC)
    if (dw) std::fill(pb, pb + g.OC, T(0));
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
      if (dx) {  // columns' gradient Wᵀ · dY, folded back into dx
        if (pointwise) {
          weights_t->multiply(OHW, dyg, OHW, T(0), dx + s * CHW, OHW);
        } else {
          weights_t->multiply(ld, dyg, ld, T(0), col, ld);
          for (int64_t j = 0; j < gs; ++j) col2im(g, col + j * OHW, dx + (s + j) * CHW, ld);
        }
      }
      if (dw && by_rows) {  // dW' += dY · R
        T* xh = workspace_as<T>(kSlotTransposed, CHW);
        for (int64_t j = 0; j < gs; ++j) {
          to_channels_last(g, x + (s + j) * CHW, xh);
          im2row(g, xh, col + j * OHW * CKK, CKK);
        }
        gemm(false, false, g.OC, CKK, ld, T(1), dyg, ld, col, CKK, T(s == n0 ? 0 : 1), pw, CKK);
        for (int64_t oc = 0; oc < g.OC; ++oc) pb[oc] += row_sum(dyg + oc * ld, ld);
      } else if (dw) {  // dW += dY · columnsᵀ
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
  });
  if (!dw) return;
  const int64_t taps = g.KH * g.KW;  // partials (OC, KH*KW, C) by rows, (OC, C, KH*KW) from columns
  reduce_weight_gradient(g, partials, chunks, by_rows ? PartialLayout{taps * g.C, 1, g.C} : PartialLayout{taps * g.C, taps, 1},
                         dw, db);
}

template <typename T> void conv2d_backward_input(const Conv2dGeometry& g, const T* dy, const T* w, T* dx) {
  conv2d_backward<T>(g, nullptr, dy, w, dx, nullptr, nullptr);
}

template <typename T>
void conv2d_backward_weight(const Conv2dGeometry& g, const T* x, const T* dy, T* dw, T* db) {
  conv2d_backward<T>(g, x, dy, nullptr, nullptr, dw, db);
}

// --- the direct definitions ---

template <typename T>
void conv2d_forward_reference(const Conv2dGeometry& g, const T* x, const T* w, const T* b, T* y) {
  const int64_t OH = g.OH(), OW = g.OW();
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t oc = 0; oc < g.OC; ++oc)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double s = b ? double(b[oc]) : 0.0;
          for (int64_t c = 0; c < g.C; ++c)
            for (int64_t kh = 0; kh < g.KH; ++kh)
              for (int64_t kw = 0; kw < g.KW; ++kw) {
                const int64_t ih = oh * g.SH - g.PH + kh, iw = ow * g.SW - g.PW + kw;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                s += double(x[((n * g.C + c) * g.H + ih) * g.W + iw]) *
                     double(w[((oc * g.C + c) * g.KH + kh) * g.KW + kw]);
              }
          y[((n * g.OC + oc) * OH + oh) * OW + ow] = T(s);
        }
}

template <typename T> void conv2d_backward_input_reference(const Conv2dGeometry& g, const T* dy, const T* w, T* dx) {
  const int64_t OH = g.OH(), OW = g.OW();
  std::fill(dx, dx + g.N * g.C * g.H * g.W, T(0));
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t oc = 0; oc < g.OC; ++oc)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          const T d = dy[((n * g.OC + oc) * OH + oh) * OW + ow];
          for (int64_t c = 0; c < g.C; ++c)
            for (int64_t kh = 0; kh < g.KH; ++kh)
              for (int64_t kw = 0; kw < g.KW; ++kw) {
                const int64_t ih = oh * g.SH - g.PH + kh, iw = ow * g.SW - g.PW + kw;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                dx[((n * g.C + c) * g.H + ih) * g.W + iw] += d * w[((oc * g.C + c) * g.KH + kh) * g.KW + kw];
              }
        }
}

template <typename T>
void conv2d_backward_weight_reference(const Conv2dGeometry& g, const T* x, const T* dy, T* dw, T* db) {
  const int64_t OH = g.OH(), OW = g.OW();
  for (int64_t oc = 0; oc < g.OC; ++oc) {
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t kh = 0; kh < g.KH; ++kh)
        for (int64_t kw = 0; kw < g.KW; ++kw) {
          double s = 0;
          for (int64_t n = 0; n < g.N; ++n)
            for (int64_t oh = 0; oh < OH; ++oh)
              for (int64_t ow = 0; ow < OW; ++ow) {
                const int64_t ih = oh * g.SH - g.PH + kh, iw = ow * g.SW - g.PW + kw;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                s += double(dy[((n * g.OC + oc) * OH + oh) * OW + ow]) * double(x[((n * g.C + c) * g.H + ih) * g.W + iw]);
              }
          dw[((oc * g.C + c) * g.KH + kh) * g.KW + kw] = T(s);
        }
    if (db) {
      double s = 0;
      for (int64_t n = 0; n < g.N; ++n)
        for (int64_t i = 0; i < OH * OW; ++i) s += double(dy[(n * g.OC + oc) * OH * OW + i]);
      db[oc] = T(s);
    }
  }
}

#define HQC_CONV_INSTANTIATE(T)                                                                         \
  template void im2col<T>(const Conv2dGeometry&, const T*, T*, int64_t);                                          \
  template void col2im<T>(const Conv2dGeometry&, const T*, T*, int64_t);                                          \
  template void im2row<T>(const Conv2dGeometry&, const T*, T*, int64_t);                                          \
  template void conv2d_forward<T>(const Conv2dGeometry&, const T*, const T*, const T*, T*);              \
  template void conv2d_backward<T>(const Conv2dGeometry&, const T*, const T*, const T*, T*, T*, T*);     \
  template void conv2d_backward_input<T>(const Conv2dGeometry&, const T*, const T*, T*);                 \
  template void conv2d_backward_weight<T>(const Conv2dGeometry&, const T*, const T*, T*, T*);            \
  template void conv2d_forward_reference<T>(const Conv2dGeometry&, const T*, const T*, const T*, T*);    \
  template void conv2d_backward_input_reference<T>(const Conv2dGeometry&, const T*, const T*, T*);       \
  template void conv2d_backward_weight_reference<T>(const Conv2dGeometry&, const T*, const T*, T*, T*);
HQC_CONV_INSTANTIATE(float)
HQC_CONV_INSTANTIATE(double)

}  // namespace hqc::nn::kernels
