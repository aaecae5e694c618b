// pool2d.cpp — max and adaptive average pooling (see pool2d.hpp).
#include "nn/kernels/pool2d.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "nn/kernels/simd/table.hpp"
#include "nn/kernels/workspace.hpp"
#include "tensor/gemm.hpp"
#include "tensor/parallel.hpp"

namespace hqc::nn::kernels {

namespace {
// Planes per task: enough work per chunk that small layers do not pay for the pool.
int64_t plane_grain(int64_t plane_size) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, plane_size)); }

template <typename T> void maxpool_plane(const Pool2dGeometry& g, const T* x, T* y, int32_t* idx) {
  const int64_t OH = g.OH(), OW = g.OW();
  for (int64_t oh = 0; oh < OH; ++oh)
    for (int64_t ow = 0; ow < OW; ++ow) {
      const int64_t h0 = oh * g.SH, w0 = ow * g.SW;
      int64_t best = h0 * g.W + w0;
      T m = -std::numeric_limits<T>::infinity();
      for (int64_t kh = 0; kh < g.KH; ++kh)
        for (int64_t kw = 0; kw < g.KW; ++kw) {
          const int64_t i = (h0 + kh) * g.W + w0 + kw;
          const T v = x[i];
          if (v > m || std::isnan(v)) {  // so the last NaN of a window wins, as in PyTorch
            m = v;
            best = i;
          }
        }
      y[oh * OW + ow] = m;
      if (idx) idx[oh * OW + ow] = static_cast<int32_t>(best);
    }
}

// 2x2 windows, stride 2: the models' only max pool. double here; float below.
template <typename T> void maxpool_plane_2x2(const Pool2dGeometry& g, const T* x, T* y, int32_t* idx) {
  const int64_t OH = g.OH(), OW = g.OW();
  for (int64_t oh = 0; oh < OH; ++oh) {
    const T* r0 = x + 2 * oh * g.W;
    const T* r1 = r0 + g.W;
    T* yo = y + oh * OW;
    int32_t* io = idx ? idx + oh * OW : nullptr;
    const int32_t base = static_cast<int32_t>(2 * oh * g.W);
    const int32_t W32 = static_cast<int32_t>(g.W);
    for (int64_t ow = 0; ow < OW; ++ow) {
      const T a = r0[2 * ow], b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];
      // Same order and tie rule as the reference: a, b, c, d; strictly greater replaces.
      T m = a;
      int32_t k = 0;
      if (b > m) { m = b; k = 1; }
      if (c > m) { m = c; k = W32; }
      if (d > m) { m = d; k = W32 + 1; }
      if (std::isnan(a) || std::isnan(b) || std::isnan(c) || std::isnan(d)) {
        // Rare: fall back to the exact NaN rule.
        const T v[4] = {a, b, c, d};
        const int32_t off[4] = {0, 1, W32, W32 + 1};
        for (int j = 3; j >= 0; --j)
          if (std::isnan(v[j])) { m = v[j]; k = off[j]; break; }
      }
      yo[ow] = m;
      if (io) io[ow] = base + static_cast<int32_t>(2 * ow) + k;
    }
  }
}

// float through the SIMD kernel table, one output row per call; its indices are computed in float
// lanes, exact below 2^24.
void maxpool_plane_2x2(const Pool2dGeometry& g, const float* x, float* y, int32_t* idx) {
  const int64_t OH = g.OH(), OW = g.OW();
  // The maxima alone of rows of even width: the plane kernel, unless it meets a NaN or an infinity.
  if (!idx && g.W % 2 == 0 && g.W <= kMaxPoolPlaneWidth && nn_kernels().maxpool2x2_plane(x, OH, g.W, y)) return;
  const auto row = nn_kernels().maxpool2x2_row;
  const int32_t W32 = static_cast<int32_t>(g.W);
  for (int64_t oh = 0; oh < OH; ++oh)
    row(x + 2 * oh * g.W, x + (2 * oh + 1) * g.W, OW, static_cast<int32_t>(2 * oh * g.W), W32, y + oh * OW,
        idx ? idx + oh * OW : nullptr);
}
}  // namespace

template <typename T> void maxpool2d_plane(const Pool2dGeometry& g, const T* x, T* y, int32_t* idx) {
  const bool two = g.KH == 2 && g.KW == 2 && g.SH == 2 && g.SW == 2 && g.H * g.W < (int64_t{1} << 24);
  if (two)
    maxpool_plane_2x2(g, x, y, idx);
  else
    maxpool_plane(g, x, y, idx);
}

template <typename T> void maxpool2d_forward(const Pool2dGeometry& g, const T* x, T* y, int32_t* idx) {
  const int64_t in = g.H * g.W, out = g.OH() * g.OW();
  parallel_for(g.planes, plane_grain(in), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) maxpool2d_plane(g, x + p * in, y + p * out, idx ? idx + p * out : nullptr);
  });
}

template <typename T> void maxpool2d_backward(const Pool2dGeometry& g, const T* dy, const int32_t* idx, T* dx) {
  const int64_t in = g.H * g.W, out = g.OH() * g.OW();
  parallel_for(g.planes, plane_grain(in), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      T* d = dx + p * in;
      std::fill(d, d + in, T(0));
      const T* gy = dy + p * out;
      const int32_t* ix = idx + p * out;
      for (int64_t i = 0; i < out; ++i) d[ix[i]] += gy[i];
    }
  });
}

template <typename T> void maxpool2d_forward_reference(const Pool2dGeometry& g, const T* x, T* y, int32_t* idx) {
  const int64_t in = g.H * g.W, out = g.OH() * g.OW();
  for (int64_t p = 0; p < g.planes; ++p) maxpool_plane(g, x + p * in, y + p * out, idx + p * out);
}

template <typename T>
void maxpool2d_backward_reference(const Pool2dGeometry& g, const T* dy, const int32_t* idx, T* dx) {
  const int64_t in = g.H * g.W, out = g.OH() * g.OW();
  std::fill(dx, dx + g.planes * in, T(0));
  for (int64_t p = 0; p < g.planes; ++p)
    for (int64_t i = 0; i < out; ++i) dx[p * in + idx[p * out + i]] += dy[p * out + i];
}

namespace {
// PyTorch's bin edges of one axis, computed once per call rather than per output (two integer
// divisions each, a good share of the small MNIST pools' time).
struct Bins {
  std::vector<int64_t> start, end;
  Bins(int64_t in, int64_t out) : start(size_t(out)), end(size_t(out)) {
    for (int64_t i = 0; i < out; ++i) {
      start[size_t(i)] = adaptive_start(i, in, out);
      end[size_t(i)] = adaptive_end(i, in, out);
    }
  }
};

// dst (cols, rows) <- src (rows, cols), src's rows lds apart.
void transpose_block(int64_t rows, int64_t cols, const float* src, int64_t lds, float* dst) {
  stranspose(rows, cols, src, lds, dst);
}
void transpose_block(int64_t rows, int64_t cols, const double* src, int64_t lds, double* dst) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) dst[c * rows + r] = src[r * lds + c];
}

// Planes an average-pool block transposes at once: their `in` inputs and `out` outputs in at most
// 128 KiB of scratch, and at most 64.
template <typename T> int64_t planes_per_block(int64_t in, int64_t out) {
  return std::clamp<int64_t>((int64_t(128) << 10) / (int64_t(sizeof(T)) * (in + out)), 1, 64);
}
}  // namespace

// Each output is its bin's values summed in row-major order, then divided by their count. A block of
// planes at a time is transposed plane-minor, (H*W, planes), so that each step of the sums is one
// vector addition over the block's planes (one plane alone waits on each scalar addition), and the
// block's outputs, summed as (OH*OW, planes), are transposed back. The MNIST models' 7x7 -> 4x4 pool
// at batch 1 (64 planes) took 1.6 us with an element-by-element interleave instead of the transposes.
template <typename T>
void adaptive_avg_pool2d_forward(int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW, const T* x, T* y) {
  constexpr int64_t kLanes = 16;
  const Bins bh(H, OH), bw(W, OW);
  const int64_t in = H * W, out = OH * OW;
  const int64_t block = planes_per_block<T>(in, out);
  parallel_for(planes, plane_grain(in), [&](int64_t p0, int64_t p1) {
    T* xt = workspace_as<T>(kSlotPlane, (in + out) * std::min(block, p1 - p0));
    for (int64_t p = p0; p < p1; p += block) {
      const int64_t n = std::min(block, p1 - p);
      T* sums = xt + in * n;
      transpose_block(n, in, x + p * in, in, xt);
      for (int64_t oh = 0; oh < OH; ++oh) {
        const int64_t h0 = bh.start[size_t(oh)], h1 = bh.end[size_t(oh)];
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t w0 = bw.start[size_t(ow)], w1 = bw.end[size_t(ow)];
          const T count = T((h1 - h0) * (w1 - w0));
          // kLanes planes at a time, their sums in registers across the bin.
          for (int64_t k0 = 0; k0 < n; k0 += kLanes) {
            T acc[kLanes] = {};
            if (n - k0 >= kLanes) {
              for (int64_t h = h0; h < h1; ++h)
                for (int64_t w = w0; w < w1; ++w) {
                  const T* v = xt + (h * W + w) * n + k0;
                  for (int64_t k = 0; k < kLanes; ++k) acc[k] += v[k];
                }
            } else {
              for (int64_t h = h0; h < h1; ++h)
                for (int64_t w = w0; w < w1; ++w) {
                  const T* v = xt + (h * W + w) * n + k0;
                  for (int64_t k = 0; k < n - k0; ++k) acc[k] += v[k];
                }
            }
            T* s = sums + (oh * OW + ow) * n + k0;
            for (int64_t k = 0; k < std::min(kLanes, n - k0); ++k) s[k] = acc[k] / count;
          }
        }
      }
      transpose_block(out, n, sums, n, y + p * out);
    }
  });
}

// Each input's gradient is the sum of its bins' shares, added in the bins' row-major order. As in
// the forward, a block of planes is transposed plane-minor so that every addition is one vector
// over the block's planes: each bin's share, then its elements' gradients, (H*W, planes), then back.
template <typename T>
void adaptive_avg_pool2d_backward(int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW, const T* dy, T* dx) {
  const Bins bh(H, OH), bw(W, OW);
  const int64_t in = H * W, out = OH * OW;
  const int64_t block = planes_per_block<T>(in, out);
  parallel_for(planes, plane_grain(in), [&](int64_t p0, int64_t p1) {
    T* dxt = workspace_as<T>(kSlotPlane, (in + out) * std::min(block, p1 - p0));
    for (int64_t p = p0; p < p1; p += block) {
      const int64_t n = std::min(block, p1 - p);
      T* shares = dxt + in * n;
      transpose_block(n, out, dy + p * out, out, shares);
      std::fill(dxt, dxt + in * n, T(0));
      for (int64_t oh = 0; oh < OH; ++oh) {
        const int64_t h0 = bh.start[size_t(oh)], h1 = bh.end[size_t(oh)];
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t w0 = bw.start[size_t(ow)], w1 = bw.end[size_t(ow)];
          const T count = T((h1 - h0) * (w1 - w0));
          T* v = shares + (oh * OW + ow) * n;
          for (int64_t k = 0; k < n; ++k) v[k] /= count;
          for (int64_t h = h0; h < h1; ++h)
            for (int64_t w = w0; w < w1; ++w) {
              T* d = dxt + (h * W + w) * n;
              for (int64_t k = 0; k < n; ++k) d[k] += v[k];
            }
        }
      }
      transpose_block(in, n, dxt, n, dx + p * in);
    }
  });
}

template <typename T>
void adaptive_avg_pool2d_forward_reference(int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW, const T* x,
                                           T* y) {
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        // Bin edges from the definition in floating point: floor(i*H/OH), ceil((i+1)*H/OH).
        const int64_t h0 = int64_t(std::floor(double(oh) * H / OH)), h1 = int64_t(std::ceil(double(oh + 1) * H / OH));
        const int64_t w0 = int64_t(std::floor(double(ow) * W / OW)), w1 = int64_t(std::ceil(double(ow + 1) * W / OW));
        double s = 0;
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) s += double(x[(p * H + h) * W + w]);
        y[(p * OH + oh) * OW + ow] = T(s / double((h1 - h0) * (w1 - w0)));
      }
}

template <typename T>
void adaptive_avg_pool2d_backward_reference(int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                            const T* dy, T* dx) {
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t w = 0; w < W; ++w) {
        // Gather form: every output bin that covers (h, w).
        double s = 0;
        for (int64_t oh = 0; oh < OH; ++oh) {
          const int64_t h0 = int64_t(std::floor(double(oh) * H / OH)), h1 = int64_t(std::ceil(double(oh + 1) * H / OH));
          if (h < h0 || h >= h1) continue;
          for (int64_t ow = 0; ow < OW; ++ow) {
            const int64_t w0 = int64_t(std::floor(double(ow) * W / OW)),
                          w1 = int64_t(std::ceil(double(ow + 1) * W / OW));
            if (w < w0 || w >= w1) continue;
            s += double(dy[(p * OH + oh) * OW + ow]) / double((h1 - h0) * (w1 - w0));
          }
        }
        dx[(p * H + h) * W + w] = T(s);
      }
}

#define HQC_POOL_INSTANTIATE(T)                                                                                   \
  template void maxpool2d_plane<T>(const Pool2dGeometry&, const T*, T*, int32_t*);                               \
  template void maxpool2d_forward<T>(const Pool2dGeometry&, const T*, T*, int32_t*);                             \
  template void maxpool2d_backward<T>(const Pool2dGeometry&, const T*, const int32_t*, T*);                      \
  template void maxpool2d_forward_reference<T>(const Pool2dGeometry&, const T*, T*, int32_t*);                   \
  template void maxpool2d_backward_reference<T>(const Pool2dGeometry&, const T*, const int32_t*, T*);            \
  template void adaptive_avg_pool2d_forward<T>(int64_t, int64_t, int64_t, int64_t, int64_t, const T*, T*);        \
  template void adaptive_avg_pool2d_backward<T>(int64_t, int64_t, int64_t, int64_t, int64_t, const T*, T*);       \
  template void adaptive_avg_pool2d_forward_reference<T>(int64_t, int64_t, int64_t, int64_t, int64_t, const T*, T*); \
  template void adaptive_avg_pool2d_backward_reference<T>(int64_t, int64_t, int64_t, int64_t, int64_t, const T*, T*);
HQC_POOL_INSTANTIATE(float)
HQC_POOL_INSTANTIATE(double)

}  // namespace hqc::nn::kernels
