// conv2d_tap.cpp — the tap path, float: a stride-1 convolution as a sum over the kernel's taps
// t = (kh, kw) of the weights' slice W_t = W[:, :, kh, kw] (OC, C) times the input shifted by the
// tap, y = Σ_t W_t · shift_t(x). With a group of samples stored channel-major and the sample
// innermost, (C, H, W, G), the shifted input under a run of output pixels is a plain strided matrix
// (C, pixels * G), so each tap is a GEMM read straight from the input: no columns. A tap's GEMMs
// cover only the outputs whose input lies inside the map, so the multiply-adds by the padding are
// never done (a 3x3 "same" convolution does 100 of im2col's 144 on a 4x4 map, 484 of 576 on 8x8).
// That pays where the channels are wide enough for GEMMs with K = C to run at full speed and the
// maps small: no study layer (Winograd takes their 3x3 layers), but layers a user builds with other
// kernels or few output channels on small maps (conv2d.cpp's table, figures in nn/README.md).
// Both gradients use the same runs: dx = Σ_t W_tᵀ · dy shifted back, dW_t = Σ dy · shift_t(x)ᵀ.
#include <algorithm>
#include <optional>
#include <vector>

#include "nn/kernels/conv2d_paths.hpp"
#include "nn/kernels/workspace.hpp"
#include "tensor/gemm.hpp"

namespace hqc::nn::kernels {

namespace {
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
    float* by_tap = workspace_as<float>(kSlotTransformedWeights, T * OC * C);
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

}  // namespace

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
// swapped), and dW_t = Σ dy · xᵀ over the pixel pairs the tap joins, per fixed chunk of samples (tap-major,
// (T, OC, C), then db), summed by the fixed tree and scattered back to (OC, C, KH, KW).
void tap_backward(const Conv2dGeometry& g, const float* x, const float* dy, const float* w, float* dx, float* dw,
                  float* db) {
  const int64_t HW = g.H * g.W, OHW = g.OH() * g.OW(), T = g.KH * g.KW;
  const int64_t wsize = T * g.OC * g.C, part = wsize + g.OC;
  std::optional<TapWeights> weights;
  if (dx) weights.emplace(g, w, true);
  auto pass = [&](int64_t n0, int64_t n1, float* pw) {
    const int64_t G = tap_group_size(g, n1 - n0);
    float* pb = dw ? pw + wsize : nullptr;  // (OC)
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
  };
  if (!dw) {
    parallel_for(g.N, 1, [&](int64_t n0, int64_t n1) { pass(n0, n1, nullptr); });
    return;
  }
  // Partials (T, OC, C) then (OC) per fixed chunk of samples, summed by the fixed tree and scattered
  // to (OC, C, KH, KW).
  float* partials = workspace_as<float>(kSlotPartials, batch_chunks(g.N) * part);
  chunked_sum(g.N, partials, part, [&](int64_t n0, int64_t n1, float* pw) { pass(n0, n1, pw); });
  parallel_for(g.OC, 1, [&](int64_t o0, int64_t o1) {
    for (int64_t oc = o0; oc < o1; ++oc)
      for (int64_t c = 0; c < g.C; ++c)
        for (int64_t t = 0; t < T; ++t) dw[(oc * g.C + c) * T + t] = partials[(t * g.OC + oc) * g.C + c];
  });
  if (db) std::copy(partials + wsize, partials + part, db);
}

}  // namespace hqc::nn::kernels
