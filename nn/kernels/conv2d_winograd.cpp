// conv2d_winograd.cpp — Winograd F(2x2, 3x3) and F(4x4, 3x3) (Lavin & Gray, 2016), float, for the
// 3x3 stride-1 layers conv2d_winograd_path accepts: every study layer past the first. In F(2x2, 3x3)
// each 4x4 input patch d (patches 2 apart, overlapping by 2) gives 2x2 outputs y = Aᵀ [U ⊙ (Bᵀ d B)] A,
// with U = G w Gᵀ the kernel's 4x4 transform: 16 multiply-adds per channel pair for 4 outputs where
// the direct sum does 36. The 16 elements xi of the transform are 16 independent GEMMs, M_xi (tiles,
// OC) = V_xi (tiles, C) · U_xi (C, OC). F(4x4, 3x3) is the same with 6x6 patches 4 apart and 4x4
// outputs: 36 GEMMs, 36 multiply-adds for 16 outputs (2.25 per output against 4), taken where both
// output sides are multiples of 4, the map has 64 pixels or more and the batch 256 (winograd_tile):
// the CIFAR and STL-10 layers on 16x16 to 48x48 maps at any batch, and on 8x8 and 12x12 maps from 4
// and 2 samples (not at batch 1). Its transforms multiply by up to 8 and 25, so it rounds
// more: 3-8e-6 of the largest output against 2-7e-7 (tests/nn/test_kernels.cpp). The matrices and
// the transforms, a vector of channels at a time, are in nn/kernels/simd/kernels.inl (winograd_*,
// winograd4_*). The input gradient is the same convolution on dy with the kernels turned by 180
// degrees, the channels swapped and padding 2 - P (its own tile: the map it makes may differ); the
// weight gradient is the forward's adjoint (winograd_backward_weight).
//
// The forward and the input gradient do not depend on how tiles are grouped into passes, so they
// are the same bits for any thread count; so is the weight gradient (fixed chunks, fixed tree).
#include <algorithm>

#include "nn/kernels/conv2d_paths.hpp"
#include "nn/kernels/simd/table.hpp"
#include "nn/kernels/workspace.hpp"
#include "tensor/batch_split.hpp"
#include "tensor/gemm.hpp"

namespace hqc::nn::kernels {

namespace {
// xh (H, W, C) <- x (C, H, W)
void to_channels_last(const Conv2dGeometry& g, const float* x, float* xh) { stranspose(g.C, g.H * g.W, x, g.H * g.W, xh); }

// Rows of kernels gathered or scattered by one stranspose: their 9 N taps in at most 128 KiB.
int64_t winograd_block_rows(int64_t N) { return std::max<int64_t>(1, (int64_t(32) << 10) / (9 * N)); }

// The E = (tile + 2)² transformed weight matrices U_xi, each (K, N) row-major at u + xi * K * N: for
// the forward, K = C, N = OC and U_xi[c][oc] = element xi of G w[oc][c] Gᵀ (G̃ w G̃ᵀ in 4x4 tiles:
// nn/kernels/simd/table.hpp's winograd_kernel_row, winograd4_kernel_row); for the input gradient (a
// convolution of dy with the kernels turned by 180 degrees and the channels swapped), K = OC, N = C
// and U_xi[oc][c] from w[oc][c] turned. A row of
// the U_xi at a time: the row's N kernels gathered tap-major, (9, N), by stranspose, then transformed
// a vector of kernels at a time and written in order: transformed kernel by kernel, the E values
// of each would land N * K apart, a cache miss each on the wide layers. For the forward, whose rows'
// kernels lie C * 9 apart, one stranspose gathers a block of rows at once, (rows * 9, N): transposed
// 9 columns at a time, the 16 x 16 register blocks were 9/16 full and a call served 9 N floats (the
// MNIST classical model's 32 > 64 layer: 7 % of its batch-1 inference in those transposes).
void winograd_weights(const Conv2dGeometry& g, const float* w, bool input_gradient, int64_t tile, float* u) {
  const int64_t K = input_gradient ? g.OC : g.C, N = input_gradient ? g.C : g.OC;
  const auto transform = tile == 4 ? nn_kernels().winograd4_kernel_row : nn_kernels().winograd_kernel_row;
  const int64_t block = winograd_block_rows(N);
  // Threads only for 4096 kernels or more each: waking one costs more than the MNIST layers' 512-2048.
  parallel_for(K, std::max<int64_t>(1, 4096 / N), [&](int64_t k0, int64_t k1) {
    if (input_gradient) {
      float* taps = workspace_as<float>(kSlotTransposed, 9 * N);  // (9, N)
      for (int64_t row = k0; row < k1; ++row) {
        stranspose(N, 9, w + row * g.C * 9, 9, taps);  // the C kernels of w[oc = row], contiguous
        transform(taps, N, true, u + row * N, K * N);
      }
      return;
    }
    float* taps = workspace_as<float>(kSlotTransposed, 9 * N * std::min(block, k1 - k0));
    for (int64_t r0 = k0; r0 < k1; r0 += block) {
      const int64_t rows = std::min(block, k1 - r0);
      stranspose(N, 9 * rows, w + r0 * 9, g.C * 9, taps);  // the OC kernels of w[:, c] for c = r0 ..
      for (int64_t r = 0; r < rows; ++r) transform(taps + r * 9 * N, N, false, u + (r0 + r) * N, K * N);
    }
  });
}

// Tiles a pass: as many as fit kWinogradPassBytes of transformed inputs (E * C per tile) and
// products (E * OC), or half the bytes of U if more (every pass reads all of U: 8 MB for 256 > 512),
// and at least kWinogradMinTiles, the GEMMs' rows, over which each U_xi is reused.
constexpr int64_t kWinogradPassBytes = 512 << 10, kWinogradMinTiles = 64;

// How a chunk of samples n0 .. n1 is cut into passes: the tiles of G whole samples, or of `band`
// tile rows of one sample (G = 1) on maps with more tiles than a pass holds; equal passes.
struct WinogradPasses {
  int64_t m, E;  // outputs a tile side (2 or 4, winograd_tile) and elements a transformed tile, (m + 2)²
  int64_t TH, TW, band, G;
  WinogradPasses(const Conv2dGeometry& g, int64_t samples)
      : m(winograd_tile(g)), E((m + 2) * (m + 2)), TH((g.OH() + m - 1) / m), TW((g.OW() + m - 1) / m), G(1) {
    const int64_t tile_bytes = E * int64_t(sizeof(float)) * (g.C + g.OC);
    const int64_t u_bytes = E * int64_t(sizeof(float)) * g.C * g.OC;
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
  const auto transform = p.m == 4 ? nn_kernels().winograd4_input_row : nn_kernels().winograd_input_row;
  for (int64_t j = 0; j < gs; ++j)
    for (int64_t r = 0; r < rows; ++r)
      transform(xh + j * g.H * g.W * g.C, g.H, g.W, g.C, p.m * (r0 + r) - g.PH, g.PW, p.TW,
                v + (j * rows + r) * p.TW * g.C, tiles * g.C);
}

// One pass of the convolution: the tiles of gs samples laid out channels-last at xh (H*W*C apart),
// tile rows r0 .. r0 + rows - 1, transformed into v (V_xi (tiles, C)), multiplied by U into m
// (M_xi (tiles, OC) = V_xi · U_xi; U_xi's rows ldu floats apart, g.OC of their columns used), and
// transformed back, plus bias when not null, into the same rows of the channels-last outputs at yh
// (OH*OW*OC apart).
void winograd_pass(const Conv2dGeometry& g, const WinogradPasses& p, const float* u, int64_t ldu, const float* bias,
                   const float* xh, int64_t gs, int64_t r0, int64_t rows, float* v, float* m, float* yh) {
  const int64_t OH = g.OH(), OW = g.OW(), tiles = gs * rows * p.TW;
  winograd_input_tiles(g, p, xh, gs, r0, rows, v);
  for (int64_t xi = 0; xi < p.E; ++xi)
    sgemm(false, false, tiles, g.OC, g.C, 1.0f, v + xi * tiles * g.C, g.C, u + xi * g.C * ldu, ldu, 0.0f,
          m + xi * tiles * g.OC, g.OC);
  for (int64_t j = 0; j < gs; ++j)
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t oh = p.m * (r0 + r);
      float* y0 = yh + (j * OH + oh) * OW * g.OC;
      const float* mr = m + (j * rows + r) * p.TW * g.OC;
      if (p.m == 4)
        nn_kernels().winograd4_output_row(mr, tiles * g.OC, g.OC, bias, p.TW, OW, y0, std::min<int64_t>(4, OH - oh));
      else
        nn_kernels().winograd_output_row(mr, tiles * g.OC, g.OC, bias, p.TW, OW, y0,
                                           oh + 1 < OH ? y0 + OW * g.OC : nullptr);
    }
}

void winograd_convolution_by_channels(const Conv2dGeometry& g, const float* x, const float* u, const float* bias,
                                      float* y);
void winograd_convolution_by_bands(const Conv2dGeometry& g, const float* x, const float* u, const float* bias, float* y);

// y (N, OC, OH, OW) = the 3x3 stride-1 convolution of x (N, C, H, W) given as U (winograd_weights),
// plus bias when not null: passes over groups of samples laid out channels-last, whose outputs are
// transposed into y once the group is done.
void winograd_convolution(const Conv2dGeometry& g, const float* x, const float* u, const float* bias, float* y) {
  if (g.N == 0) return;
  if (g.N < num_threads())
    return g.OC >= 32 * num_threads() ? winograd_convolution_by_channels(g, x, u, bias, y)
                                      : winograd_convolution_by_bands(g, x, u, bias, y);
  const int64_t HW = g.H * g.W, OHW = g.OH() * g.OW();
  parallel_for(g.N, 1, [&](int64_t n0, int64_t n1) {
    const WinogradPasses p(g, n1 - n0);
    const int64_t G = p.G;
    float* xh = workspace_as<float>(kSlotTransposed, G * HW * g.C);
    float* yh = workspace_as<float>(kSlotExtra, G * OHW * g.OC);
    float* v = workspace_as<float>(kSlotColumns, p.E * G * p.band * p.TW * g.C);
    float* m = workspace_as<float>(kSlotInputGradient, p.E * G * p.band * p.TW * g.OC);
    for (int64_t s = n0; s < n1; s += G) {
      const int64_t gs = std::min(G, n1 - s);
      for (int64_t j = 0; j < gs; ++j) to_channels_last(g, x + (s + j) * g.C * HW, xh + j * HW * g.C);
      for (int64_t r0 = 0; r0 < p.TH; r0 += p.band)
        winograd_pass(g, p, u, g.OC, bias, xh, gs, r0, std::min(p.band, p.TH - r0), v, m, yh);
      for (int64_t j = 0; j < gs; ++j) stranspose(OHW, g.OC, yh + j * OHW * g.OC, g.OC, y + (s + j) * g.OC * OHW);
    }
  });
}

// The same with fewer samples than threads (batch-1 inference) and 32 or more output channels a
// thread: the threads take blocks of 32 output channels (the GEMM's tile width) instead of samples,
// each transforming all of the samples' tiles (16 C values a tile, a small share of its 16 C OC /
// threads multiply-adds), multiplying them by its columns of U, and writing its channels of y. Every
// output is the same sums in the same order as in a pass over whole samples, so the bits are too.
// Bands of tile rows (below) are uneven on the MNIST maps (7 tile rows: 4 and 3) and leave the
// output transposes to one thread: the MNIST classical model's batch-1 inference took 37.3-38.6 us
// that way, 36.8-37.7 this way (2 threads, alternated); with 16 channels a thread (the MNIST
// hybrid's 16 > 32), the narrower GEMMs lost that gain (27.6-28.3 against 26.9-27.5 us).
void winograd_convolution_by_channels(const Conv2dGeometry& g, const float* x, const float* u, const float* bias,
                                      float* y) {
  const int64_t HW = g.H * g.W, OHW = g.OH() * g.OW();
  const WinogradPasses p(g, 1);
  float* xh = workspace_as<float>(kSlotTransposed, g.N * HW * g.C);
  for (int64_t j = 0; j < g.N; ++j) to_channels_last(g, x + j * g.C * HW, xh + j * HW * g.C);
  // A thread per block from 2^17 multiply-adds, as for the bands below.
  constexpr int64_t unit = 32;
  const int64_t blocks = (g.OC + unit - 1) / unit, macs = p.E * g.C * g.OC * g.N * p.TH * p.TW;
  const int64_t grain = std::max<int64_t>(1, ((int64_t(1) << 17) * blocks + macs - 1) / macs);
  parallel_for(blocks, grain, [&](int64_t b0, int64_t b1) {
    const int64_t oc0 = b0 * unit, ocn = std::min(g.OC, b1 * unit) - oc0;
    float* v = workspace_as<float>(kSlotColumns, p.E * p.band * p.TW * g.C);
    float* m = workspace_as<float>(kSlotInputGradient, p.E * p.band * p.TW * ocn);
    float* yh = workspace_as<float>(kSlotExtra, OHW * ocn);  // this block's channels, channels-last
    Conv2dGeometry part = g;
    part.OC = ocn;
    for (int64_t j = 0; j < g.N; ++j) {
      for (int64_t r0 = 0; r0 < p.TH; r0 += p.band)
        winograd_pass(part, p, u + oc0, g.OC, bias ? bias + oc0 : nullptr, xh + j * HW * g.C, 1, r0,
                      std::min(p.band, p.TH - r0), v, m, yh);
      stranspose(OHW, ocn, yh, ocn, y + (j * g.OC + oc0) * OHW);
    }
  });
}

// The same with fewer samples than threads (batch-1 inference) and under 32 output channels a
// thread: the threads take bands of tile rows instead of samples, each writing its rows of the
// samples' channels-last outputs. Every tile is the same sums in the same order as in a pass over
// whole samples, so the bits are too.
void winograd_convolution_by_bands(const Conv2dGeometry& g, const float* x, const float* u, const float* bias, float* y) {
  const int64_t HW = g.H * g.W, OHW = g.OH() * g.OW();
  const WinogradPasses p(g, 1);
  const int64_t per_sample = (num_threads() + g.N - 1) / g.N;
  const int64_t band = std::min(p.band, (p.TH + per_sample - 1) / per_sample), bands = (p.TH + band - 1) / band;
  float* xh = workspace_as<float>(kSlotTransposed, g.N * HW * g.C);
  float* yh = workspace_as<float>(kSlotExtra, g.N * OHW * g.OC);
  for (int64_t j = 0; j < g.N; ++j) to_channels_last(g, x + j * g.C * HW, xh + j * HW * g.C);
  // A thread per band from 2^17 multiply-adds each (16 C OC per tile): a region on awake workers
  // costs 0.3-0.8 us, and the MNIST hybrid's 16 > 32 layer at batch 1 (49 tiles, 400k) took 12.6 us
  // on one thread, 8.7 us on two (apps/bench/latency_bench --layers).
  const int64_t min_tiles = (int64_t(1) << 17) / (p.E * g.C * g.OC) + 1;
  parallel_for(g.N * bands, (min_tiles + band * p.TW - 1) / (band * p.TW), [&](int64_t i0, int64_t i1) {
    float* v = workspace_as<float>(kSlotColumns, p.E * band * p.TW * g.C);
    float* m = workspace_as<float>(kSlotInputGradient, p.E * band * p.TW * g.OC);
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t j = i / bands, r0 = i % bands * band;
      winograd_pass(g, p, u, g.OC, bias, xh + j * HW * g.C, 1, r0, std::min(band, p.TH - r0), v, m,
                    yh + j * OHW * g.OC);
    }
  });
  for (int64_t j = 0; j < g.N; ++j) stranspose(OHW, g.OC, yh + j * OHW * g.OC, g.OC, y + j * g.OC * OHW);
}

}  // namespace

// The weight gradient by the forward's adjoint. With M_xi = V_xi · U_xi and y = Aᵀ M A per tile,
// the gradient of U_xi is Σ_tiles V_xiᵀ · Z_xi, Z = A dY Aᵀ the output gradient's 2x2 tile spread
// to 4x4, and that of the kernels dW[oc][c] = Gᵀ dU[c][oc] G: 16 GEMMs (C, OC) whose depth K is the
// pass's tiles. Per fixed chunk of samples: its dU, turned into its dW (and db's sums); the chunks'
// dW summed by the fixed tree, so that a batch split at chunk boundaries adds up to the same bits.
void winograd_backward_weight(const Conv2dGeometry& g, const float* x, const float* dy, float* dw, float* db) {
  const int64_t OH = g.OH(), OW = g.OW(), HW = g.H * g.W, OHW = OH * OW, tile = winograd_tile(g);
  const int64_t usize = winograd_transformed_floats(g), wsize = 9 * g.C * g.OC, part = wsize + g.OC;
  const NnKernelTable& table = nn_kernels();
  const auto output_grad_row = tile == 4 ? table.winograd4_output_grad_row : table.winograd_output_grad_row;
  const auto kernel_grad_row = tile == 4 ? table.winograd4_kernel_grad_row : table.winograd_kernel_grad_row;
  float* partials = workspace_as<float>(kSlotPartials, batch_chunks(g.N) * part);  // per chunk (OC, C, 3, 3), then (OC)
  chunked_sum(g.N, partials, part, [&](int64_t n0, int64_t n1, float* pw) {
    const WinogradPasses p(g, n1 - n0);
    const int64_t G = p.G;
    float* pu = workspace_as<float>(kSlotTransformedWeights, usize);  // (E, C, OC)
    float* pb = pw + wsize;
    std::fill(pb, pb + g.OC, 0.0f);
    float* xh = workspace_as<float>(kSlotTransposed, G * HW * g.C);
    float* dyh = workspace_as<float>(kSlotExtra, G * OHW * g.OC);
    float* v = workspace_as<float>(kSlotColumns, p.E * G * p.band * p.TW * g.C);
    float* z = workspace_as<float>(kSlotInputGradient, p.E * G * p.band * p.TW * g.OC);
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
            output_grad_row(dyh + j * OHW * g.OC, OH, OW, g.OC, p.m * (r0 + r), p.TW, z + (j * rows + r) * p.TW * g.OC,
                            tiles * g.OC);
        // The chunk's first pass writes dU, the others add to it: the bits of adding the first to
        // zeros (a GEMM's sums start at +0 and so never are -0), without clearing and reading dU
        // again, 8 MB a chunk on the 256 > 512 layers.
        const float beta = s == n0 && r0 == 0 ? 0.0f : 1.0f;
        for (int64_t xi = 0; xi < p.E; ++xi)
          sgemm(true, false, g.C, g.OC, tiles, 1.0f, v + xi * tiles * g.C, g.C, z + xi * tiles * g.OC, g.OC, beta,
                pu + xi * g.C * g.OC, g.OC);
      }
    }
    // The chunk's dW: a row c of the dU_xi at a time, (OC) kernels' 4x4 gradients to their 3x3 ones,
    // tap-major (9, OC); a block of rows c0 .. at once, (rows * 9, OC), transposed by stranspose to
    // (OC, rows * 9) and copied a kernel row at a time into pw[oc][c0 ..] (xh's slot is free again).
    // Stored value by value, the 9 OC values of a row c landed C * 9 floats apart, a page apart on the
    // wide layers: 1.7 % of the 256 > 512 layers' forward and backward at batch 64 (perf of
    // apps/bench/conv_bench), under 0.2 % now.
    const int64_t block = winograd_block_rows(g.OC);
    float* taps = workspace_as<float>(kSlotTransposed, 2 * 9 * g.OC * std::min(block, g.C));
    float* kernel_rows = taps + 9 * g.OC * std::min(block, g.C);
    for (int64_t c0 = 0; c0 < g.C; c0 += block) {
      const int64_t rows = std::min(block, g.C - c0);
      for (int64_t r = 0; r < rows; ++r)
        kernel_grad_row(pu + (c0 + r) * g.OC, g.C * g.OC, g.OC, taps + r * 9 * g.OC);
      stranspose(rows * 9, g.OC, taps, g.OC, kernel_rows);
      for (int64_t oc = 0; oc < g.OC; ++oc)
        std::copy(kernel_rows + oc * rows * 9, kernel_rows + (oc + 1) * rows * 9, pw + (oc * g.C + c0) * 9);
    }
  });
  std::copy(partials, partials + wsize, dw);
  if (db) std::copy(partials + wsize, partials + part, db);
}

int64_t winograd_tile(const Conv2dGeometry& g) {
  const int64_t pixels = g.OH() * g.OW(), samples = std::max<int64_t>(1, batch_total(g.N));
  return g.OH() % 4 == 0 && g.OW() % 4 == 0 && pixels >= kWinograd4MinMapPixels &&
                 samples * pixels >= kWinograd4MinBatchPixels
             ? 4
             : 2;
}

int64_t winograd_transformed_floats(const Conv2dGeometry& g) {
  const int64_t alpha = winograd_tile(g) + 2;
  return alpha * alpha * g.C * g.OC;
}

void winograd_forward(const Conv2dGeometry& g, const float* x, const float* w, const float* b, float* y) {
  float* u = workspace_as<float>(kSlotTransformedWeights, winograd_transformed_floats(g));
  winograd_weights(g, w, false, winograd_tile(g), u);
  winograd_convolution(g, x, u, b, y);
}

void winograd_forward_weights(const Conv2dGeometry& g, const float* w, float* u) {
  winograd_weights(g, w, false, winograd_tile(g), u);
}

void winograd_forward_transformed(const Conv2dGeometry& g, const float* x, const float* u, const float* b, float* y) {
  winograd_convolution(g, x, u, b, y);
}

// dx = the convolution of dy with the turned kernels, channels swapped, padded by 2 - P: (OH, OW)
// maps back to (H, W).
void winograd_backward_input(const Conv2dGeometry& g, const float* dy, const float* w, float* dx) {
  Conv2dGeometry adjoint = g;
  adjoint.C = g.OC, adjoint.OC = g.C, adjoint.H = g.OH(), adjoint.W = g.OW();
  adjoint.PH = 2 - g.PH, adjoint.PW = 2 - g.PW;
  float* u = workspace_as<float>(kSlotTransformedWeights, winograd_transformed_floats(adjoint));
  winograd_weights(g, w, true, winograd_tile(adjoint), u);
  winograd_convolution(adjoint, dy, u, nullptr, dx);
}

}  // namespace hqc::nn::kernels
