// conv2d.hpp — 2-d convolution kernels on raw NCHW pointers (float and double).
//
// Three fast algorithms behind one choice (conv2d.cpp, with the table of which layer takes which):
// im2col + GEMM for any geometry, float and double (conv2d_im2col.cpp); Winograd's F(2x2, 3x3) for
// float 3x3 stride-1 layers with 16 or more channels each way (conv2d_winograd.cpp); one GEMM per
// kernel tap for other float stride-1 layers with wide channels on small maps (conv2d_tap.cpp).
// Work is split over the batch with the thread pool's fixed split (the GEMMs inside then run
// serially), and the weight gradient sums the per-chunk partials in chunk order, so results are
// bit-identical for a given thread count.
// The *_reference functions are the direct seven-loop definitions (conv2d_reference.cpp), kept as
// the algorithmic reference the tests compare against.
#pragma once

#include <cstdint>

namespace hqc::nn::kernels {

struct Conv2dGeometry {
  int64_t N = 1, C = 1, H = 1, W = 1;  // input (N, C, H, W)
  int64_t OC = 1, KH = 1, KW = 1;      // weight (OC, C, KH, KW)
  int64_t SH = 1, SW = 1;              // stride
  int64_t PH = 0, PW = 0;              // zero padding
  int64_t OH() const { return (H + 2 * PH - KH) / SH + 1; }
  int64_t OW() const { return (W + 2 * PW - KW) / SW + 1; }
};

// y (N, OC, OH, OW) = conv(x (N, C, H, W), w (OC, C, KH, KW)) + b (OC) ; b may be null.
template <typename T> void conv2d_forward(const Conv2dGeometry& g, const T* x, const T* w, const T* b, T* y);
// The forward's weights transformed once for several calls (nn::Conv2d in evaluation mode, where
// re-making them was most of a batch-1 inference of the CIFAR-100 and STL-10 models): the floats
// the transform of g's weights takes, 0 when g's forward has none (it does not take Winograd);
// the transform into u; and the forward from it, the same bits as conv2d_forward. Float only.
int64_t conv2d_transformed_weights_floats(const Conv2dGeometry& g);
void conv2d_transform_weights(const Conv2dGeometry& g, const float* w, float* u);
void conv2d_forward_transformed(const Conv2dGeometry& g, const float* x, const float* u, const float* b, float* y);
// Both gradients in one pass over the samples (each group's dy is regrouped once and read by both
// GEMMs): dx (N, C, H, W) of the input when dx is not null (needs w), dw (OC, C, KH, KW) and db (OC)
// when dw is not null (needs x; db may be null). Overwrites what it computes; bit-identical to the
// two functions below.
template <typename T>
void conv2d_backward(const Conv2dGeometry& g, const T* x, const T* dy, const T* w, T* dx, T* dw, T* db);
// dx (N, C, H, W) = gradient of the input from dy (N, OC, OH, OW). Overwrites dx.
template <typename T> void conv2d_backward_input(const Conv2dGeometry& g, const T* dy, const T* w, T* dx);
// dw (OC, C, KH, KW) and db (OC, may be null) from x and dy. Overwrites both.
template <typename T>
void conv2d_backward_weight(const Conv2dGeometry& g, const T* x, const T* dy, T* dw, T* db);

// Whether the float kernels take the tap path for g (stride 1, a kernel of more than one tap, 64 or
// more input channels, outputs of at most 144 pixels: see conv2d.cpp) when Winograd does not take it.
bool conv2d_tap_path(const Conv2dGeometry& g);
// Whether the float kernels take the Winograd path for g (3x3, stride 1, padding <= 2, at least
// kWinogradMinChannels channels in and out, outputs of at least kWinogradMinPixels pixels: see
// conv2d.cpp); the others take im2col.
constexpr int64_t kWinogradMinChannels = 16, kWinogradMinPixels = 16;
bool conv2d_winograd_path(const Conv2dGeometry& g);
// The Winograd tile a layer on that path takes: 4 (F(4x4, 3x3), 36 multiply-adds per channel pair
// for 16 outputs) when both output sides are multiples of 4, the map has at least
// kWinograd4MinMapPixels pixels (4 tiles a sample) and the whole batch (batch_total: under a split,
// every process's samples) kWinograd4MinBatchPixels (16 tiles: maps of 16x16 and more at any batch,
// 8x8 ones from 4 samples, 12x12 ones from 2); otherwise 2 (F(2x2, 3x3), 16 for 4). See conv2d.cpp.
// The tile, and with it conv2d_transformed_weights_floats, can depend on the batch size.
constexpr int64_t kWinograd4MinMapPixels = 64, kWinograd4MinBatchPixels = 256;
int64_t winograd_tile(const Conv2dGeometry& g);

template <typename T>
void conv2d_forward_reference(const Conv2dGeometry& g, const T* x, const T* w, const T* b, T* y);
template <typename T> void conv2d_backward_input_reference(const Conv2dGeometry& g, const T* dy, const T* w, T* dx);
template <typename T>
void conv2d_backward_weight_reference(const Conv2dGeometry& g, const T* x, const T* dy, T* dw, T* db);

// One sample's columns: col (C*KH*KW, OH*OW) from x (C, H, W), rows `ld` apart (ld >= OH*OW, so
// several samples can sit side by side); and the adjoint, which sums col back into dx (C, H, W),
// overwriting it.
template <typename T> void im2col(const Conv2dGeometry& g, const T* x, T* col, int64_t ld);
template <typename T> void col2im(const Conv2dGeometry& g, const T* col, T* dx, int64_t ld);

}  // namespace hqc::nn::kernels
