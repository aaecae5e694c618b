// conv2d_reference.cpp — the direct definitions of the convolution and its gradients, seven loops
// each summed in double: the algorithmic reference every fast path is tested against
// (tests/nn/test_kernels.cpp), kept plain on purpose.
//   y[n][oc][oh][ow]  = b[oc] + Σ_{c,kh,kw} x[n][c][oh*SH - PH + kh][ow*SW - PW + kw] · w[oc][c][kh][kw]
//   dx[n][c][ih][iw]  = Σ over the (oc, oh, ow, kh, kw) whose tap reads (ih, iw) of dy · w
//   dw[oc][c][kh][kw] = Σ_{n,oh,ow} dy[n][oc][oh][ow] · x[n][c][oh*SH - PH + kh][ow*SW - PW + kw]
// with x taken as 0 outside the map.
#include <algorithm>

#include "nn/kernels/conv2d.hpp"

namespace hqc::nn::kernels {

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

#define HQC_CONV_REFERENCE_INSTANTIATE(T)                                                             \
  template void conv2d_forward_reference<T>(const Conv2dGeometry&, const T*, const T*, const T*, T*); \
  template void conv2d_backward_input_reference<T>(const Conv2dGeometry&, const T*, const T*, T*);    \
  template void conv2d_backward_weight_reference<T>(const Conv2dGeometry&, const T*, const T*, T*, T*);
HQC_CONV_REFERENCE_INSTANTIATE(float)
HQC_CONV_REFERENCE_INSTANTIATE(double)

}  // namespace hqc::nn::kernels
