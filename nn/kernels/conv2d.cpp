// conv2d.cpp — which algorithm a convolution takes (see conv2d.hpp); the algorithms are one file each
// (conv2d_paths.hpp lists them).
//
// The study's 19 layers (apps/bench/conv_bench.cpp; all 3x3, stride 1, padding 1, batch 64):
//
//   layer                                 path      why
//   c1 of every model: 1>16, 1>32 @28,    im2col    1 or 3 input channels: Winograd's 16 GEMMs would
//     3>32, 3>64 @32, 3>32, 3>64 @96                have depth K = C = 1..3, too thin to pay for its
//                                                   transforms; one im2col GEMM has K = 9 or 27. The
//                                                   weight gradient, N = C*KH*KW = 9 or 27 columns,
//                                                   runs as dot products (gemm_nt_dots).
//   every other layer: 16>32 @14 up to    Winograd  3x3 stride 1 with 16+ channels each way: 16
//     256>512 @12, 256>512 @4                       multiply-adds per 4 outputs where im2col does
//                                                   36, for the forward and both gradients. With
//                                                   fewer samples than threads (batch-1 inference)
//                                                   its threads split tile rows instead of samples.
//   of those, the layers on 16x16 to    F(4x4)    36 multiply-adds per 16 outputs (winograd_tile):
//     48x48 maps (CIFAR's and STL-10's)             the CIFAR-100 classical model's 64>128 @16 at
//     at any batch, and on 8x8 and                  batch 64, forward and both gradients: 10.8 ->
//     12x12 maps from 4 and 2 samples:              7.9 ms (2 threads), its batch-1 forward 54 -> 43
//     a batch of 256 output pixels                  us. At batch 1 the 8x8 and 12x12 maps keep
//                                                   F(2x2): with few tiles a sample, an inference
//                                                   reads all of U (36/16 as much) for little work
//                                                   (STL-10's 256>512 @12: 0.61 -> 0.93-1.05 ms; the
//                                                   CIFAR-100 classical model's whole batch-1
//                                                   inference 4-9 % slower with its 128>256 @8 in
//                                                   4x4 tiles). With more samples U serves more
//                                                   tiles: 2 threads, 2-core Xeon, alternated, the
//                                                   forward with U kept (conv_bench --forward), ms
//                                                   in 2x2 -> 4x4 tiles:
//                                                   128>256 @8 0.13-0.14 -> 0.15-0.18 at batch 1,
//                                                   0.23-0.24 -> 0.25-0.26 at 2, 0.37-0.38 -> 0.32-
//                                                   0.36 at 4; 256>512 @12 1.01-1.03 -> 1.07-1.14
//                                                   at 1, 1.75-1.77 -> 1.78-1.94 at 2 (the two
//                                                   even), 2.95-3.00 -> 2.66-2.76 at 3. Training,
//                                                   batch 64, forward and both gradients: CIFAR 128>256
//                                                   @8 19.9-22.2 -> 15.3-19.3, STL-10 128>256 @12
//                                                   44.9-46.4 -> 31.1-33.6, 256>512 @12 156-161 ->
//                                                   129-136. On the 4x4 map (one tile a sample) the
//                                                   256>512 layer is no faster even at batch 64
//                                                   (26-27 ms in 2x2 tiles, 30-31 in 4x4), so maps
//                                                   under 64 pixels keep F(2x2). The MNIST models'
//                                                   14x14 maps have sides that are not multiples
//                                                   of 4.
//
// No study layer takes the tap path; it serves layers a user builds that Winograd does not fit,
// with wide channels on small maps (5x5 kernels, few output channels: nn/README.md has the
// figures). Anything else (strides, narrow layers) takes im2col, which is correct for every
// geometry.
#include "nn/kernels/conv2d.hpp"

#include <algorithm>
#include <stdexcept>
#include <type_traits>

#include "nn/kernels/conv2d_paths.hpp"

namespace hqc::nn::kernels {

// Maps under 4x4 are left to im2col (not measured: on a 3x3 map the 2x2 tiles hold 16 outputs of
// which 9 are kept); padding past 2 would put whole tiles in the padding.
bool conv2d_winograd_path(const Conv2dGeometry& g) {
  return g.KH == 3 && g.KW == 3 && g.SH == 1 && g.SW == 1 && g.PH <= 2 && g.PW <= 2 && g.C >= kWinogradMinChannels &&
         g.OC >= kWinogradMinChannels && g.OH() * g.OW() >= kWinogradMinPixels;
}

// Stride 1, more than one tap, 64 or more input channels, at most 144 output pixels (12x12): there
// the GEMMs with K = C run at full speed and the padding im2col multiplies is a large share of the
// work; on narrower layers or larger maps im2col's one deep GEMM is faster.
bool conv2d_tap_path(const Conv2dGeometry& g) {
  return g.SH == 1 && g.SW == 1 && g.KH * g.KW > 1 && g.C >= 64 && g.OH() * g.OW() <= 144;
}

template <typename T> void conv2d_forward(const Conv2dGeometry& g, const T* x, const T* w, const T* b, T* y) {
  if constexpr (std::is_same_v<T, float>) {
    if (conv2d_winograd_path(g)) return winograd_forward(g, x, w, b, y);
    if (conv2d_tap_path(g)) return tap_forward(g, x, w, b, y);
  }
  im2col_forward(g, x, w, b, y);
}

int64_t conv2d_transformed_weights_floats(const Conv2dGeometry& g) {
  return conv2d_winograd_path(g) ? winograd_transformed_floats(g) : 0;
}

void conv2d_transform_weights(const Conv2dGeometry& g, const float* w, float* u) {
  if (!conv2d_winograd_path(g)) throw std::invalid_argument("conv2d_transform_weights: the layer has no transform");
  winograd_forward_weights(g, w, u);
}

void conv2d_forward_transformed(const Conv2dGeometry& g, const float* x, const float* u, const float* b, float* y) {
  if (!conv2d_winograd_path(g)) throw std::invalid_argument("conv2d_forward_transformed: the layer has no transform");
  winograd_forward_transformed(g, x, u, b, y);
}

template <typename T>
void conv2d_backward(const Conv2dGeometry& g, const T* x, const T* dy, const T* w, T* dx, T* dw, T* db) {
  if (g.N == 0) {  // no samples: no input gradient, zero weight gradients (there are no partials to sum)
    if (dw) std::fill(dw, dw + g.OC * g.C * g.KH * g.KW, T(0));
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
  im2col_backward(g, x, dy, w, dx, dw, db);
}

template <typename T> void conv2d_backward_input(const Conv2dGeometry& g, const T* dy, const T* w, T* dx) {
  conv2d_backward<T>(g, nullptr, dy, w, dx, nullptr, nullptr);
}

template <typename T>
void conv2d_backward_weight(const Conv2dGeometry& g, const T* x, const T* dy, T* dw, T* db) {
  conv2d_backward<T>(g, x, dy, nullptr, nullptr, dw, db);
}

#define HQC_CONV_INSTANTIATE(T)                                                                     \
  template void conv2d_forward<T>(const Conv2dGeometry&, const T*, const T*, const T*, T*);          \
  template void conv2d_backward<T>(const Conv2dGeometry&, const T*, const T*, const T*, T*, T*, T*); \
  template void conv2d_backward_input<T>(const Conv2dGeometry&, const T*, const T*, T*);             \
  template void conv2d_backward_weight<T>(const Conv2dGeometry&, const T*, const T*, T*, T*);
HQC_CONV_INSTANTIATE(float)
HQC_CONV_INSTANTIATE(double)

}  // namespace hqc::nn::kernels
