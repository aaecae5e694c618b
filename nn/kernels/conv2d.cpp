// conv2d.cpp — im2col + GEMM convolution and its direct reference (see conv2d.hpp).
#include "nn/kernels/conv2d.hpp"

#include <algorithm>
#include <cstring>

#include "nn/kernels/gemm_dispatch.hpp"
#include "nn/kernels/workspace.hpp"
#include "tensor/parallel.hpp"

namespace hqc::nn::kernels {

namespace {
// A 1x1, stride-1, unpadded convolution is already a GEMM on the input: no columns needed.
bool is_pointwise(const Conv2dGeometry& g) {
  return g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 && g.PH == 0 && g.PW == 0;
}
}  // namespace

template <typename T> void im2col(const Conv2dGeometry& g, const T* x, T* col) {
  const int64_t OH = g.OH(), OW = g.OW();
  for (int64_t c = 0; c < g.C; ++c) {
    const T* xc = x + c * g.H * g.W;  // (H, W)
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        T* row = col + ((c * g.KH + kh) * g.KW + kw) * OH * OW;  // (OH, OW)
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
          std::fill(out, out + ow_lo, T(0));
          if (g.SW == 1) {
            std::memcpy(out + ow_lo, in + ow_lo + off, sizeof(T) * (ow_hi - ow_lo));
          } else {
            for (int64_t ow = ow_lo; ow < ow_hi; ++ow) out[ow] = in[ow * g.SW + off];
          }
          std::fill(out + ow_hi, out + OW, T(0));
        }
      }
    }
  }
}

template <typename T> void col2im(const Conv2dGeometry& g, const T* col, T* dx) {
  const int64_t OH = g.OH(), OW = g.OW();
  for (int64_t c = 0; c < g.C; ++c) {
    T* dxc = dx + c * g.H * g.W;  // (H, W)
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        const T* row = col + ((c * g.KH + kh) * g.KW + kw) * OH * OW;  // (OH, OW)
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

template <typename T> void conv2d_forward(const Conv2dGeometry& g, const T* x, const T* w, const T* b, T* y) {
  const int64_t OHW = g.OH() * g.OW(), CKK = g.C * g.KH * g.KW;
  const bool pointwise = is_pointwise(g);
  parallel_for(g.N, 1, [&](int64_t n0, int64_t n1) {
    T* col = pointwise ? nullptr : workspace_as<T>(kSlotColumns, CKK * OHW);  // (CKK, OHW)
    for (int64_t n = n0; n < n1; ++n) {
      const T* xn = x + n * g.C * g.H * g.W;
      T* yn = y + n * g.OC * OHW;  // (OC, OHW)
      if (!pointwise) im2col(g, xn, col);
      T beta = 0;
      if (b) {
        for (int64_t oc = 0; oc < g.OC; ++oc) std::fill(yn + oc * OHW, yn + (oc + 1) * OHW, b[oc]);
        beta = 1;
      }
      gemm(false, false, g.OC, OHW, CKK, T(1), w, CKK, pointwise ? xn : col, OHW, beta, yn, OHW);
    }
  });
}

template <typename T> void conv2d_backward_input(const Conv2dGeometry& g, const T* dy, const T* w, T* dx) {
  const int64_t OHW = g.OH() * g.OW(), CKK = g.C * g.KH * g.KW, CHW = g.C * g.H * g.W;
  const bool pointwise = is_pointwise(g);
  parallel_for(g.N, 1, [&](int64_t n0, int64_t n1) {
    T* col = pointwise ? nullptr : workspace_as<T>(kSlotColumns, CKK * OHW);  // (CKK, OHW)
    for (int64_t n = n0; n < n1; ++n) {
      const T* dyn = dy + n * g.OC * OHW;  // (OC, OHW)
      T* dxn = dx + n * CHW;               // (C, H, W)
      if (pointwise) {
        gemm(true, false, CKK, OHW, g.OC, T(1), w, CKK, dyn, OHW, T(0), dxn, OHW);
      } else {
        gemm(true, false, CKK, OHW, g.OC, T(1), w, CKK, dyn, OHW, T(0), col, OHW);
        std::fill(dxn, dxn + CHW, T(0));
        col2im(g, col, dxn);
      }
    }
  });
}

template <typename T>
void conv2d_backward_weight(const Conv2dGeometry& g, const T* x, const T* dy, T* dw, T* db) {
  const int64_t OHW = g.OH() * g.OW(), CKK = g.C * g.KH * g.KW;
  const int64_t wsize = g.OC * CKK, part = wsize + g.OC;
  const bool pointwise = is_pointwise(g);
  const int64_t chunks = parallel_chunks(g.N, 1);
  // Per-chunk partial sums (dw then db), added up in chunk order below.
  T* partials = workspace_as<T>(kSlotPartials, chunks * part);
  parallel_for_chunks(g.N, 1, [&](int64_t k, int64_t n0, int64_t n1) {
    T* col = pointwise ? nullptr : workspace_as<T>(kSlotColumns, CKK * OHW);  // (CKK, OHW)
    T* pw = partials + k * part;  // (OC, CKK)
    T* pb = pw + wsize;           // (OC)
    std::fill(pb, pb + g.OC, T(0));
    for (int64_t n = n0; n < n1; ++n) {
      const T* xn = x + n * g.C * g.H * g.W;
      const T* dyn = dy + n * g.OC * OHW;  // (OC, OHW)
      if (!pointwise) im2col(g, xn, col);
      gemm(false, true, g.OC, CKK, OHW, T(1), dyn, OHW, pointwise ? xn : col, OHW, T(n == n0 ? 0 : 1), pw, CKK);
      for (int64_t oc = 0; oc < g.OC; ++oc) {
        const T* r = dyn + oc * OHW;
        T s = 0;
        for (int64_t i = 0; i < OHW; ++i) s += r[i];
        pb[oc] += s;
      }
    }
  });
  std::copy(partials, partials + wsize, dw);
  if (db) std::copy(partials + wsize, partials + part, db);
  for (int64_t k = 1; k < chunks; ++k) {
    const T* p = partials + k * part;
    for (int64_t i = 0; i < wsize; ++i) dw[i] += p[i];
    if (db)
      for (int64_t i = 0; i < g.OC; ++i) db[i] += p[wsize + i];
  }
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
  template void im2col<T>(const Conv2dGeometry&, const T*, T*);                                          \
  template void col2im<T>(const Conv2dGeometry&, const T*, T*);                                          \
  template void conv2d_forward<T>(const Conv2dGeometry&, const T*, const T*, const T*, T*);              \
  template void conv2d_backward_input<T>(const Conv2dGeometry&, const T*, const T*, T*);                 \
  template void conv2d_backward_weight<T>(const Conv2dGeometry&, const T*, const T*, T*, T*);            \
  template void conv2d_forward_reference<T>(const Conv2dGeometry&, const T*, const T*, const T*, T*);    \
  template void conv2d_backward_input_reference<T>(const Conv2dGeometry&, const T*, const T*, T*);       \
  template void conv2d_backward_weight_reference<T>(const Conv2dGeometry&, const T*, const T*, T*, T*);
HQC_CONV_INSTANTIATE(float)
HQC_CONV_INSTANTIATE(double)

}  // namespace hqc::nn::kernels
