// pooling.cpp — fused pooling ops (kernels in nn/kernels/pool2d.cpp) and their layers.
#include "nn/pooling.hpp"

#include <memory>

#include "nn/detail.hpp"
#include "nn/kernels/pool2d.hpp"

namespace hqc::nn {

Variable max_pool2d(const Variable& x, int64_t kernel, int64_t stride) {
  if (x.dim() != 4) throw std::invalid_argument("max_pool2d: input must be (N, C, H, W), got " + detail::shape_of(x));
  if (kernel < 1 || stride < 1)
    throw std::invalid_argument("max_pool2d: kernel and stride must be positive, got " + std::to_string(kernel) + ", " +
                                std::to_string(stride));
  if (x.size(2) < kernel || x.size(3) < kernel)
    throw std::invalid_argument("max_pool2d: kernel " + std::to_string(kernel) + " is larger than input " +
                                detail::shape_of(x));
  kernels::Pool2dGeometry g{x.size(0) * x.size(1), x.size(2), x.size(3), kernel, kernel, stride, stride};
  Tensor xc = x.data().contiguous();
  const Shape in_shape = x.sizes();
  Tensor y = Tensor::empty({x.size(0), x.size(1), g.OH(), g.OW()}, x.dtype());
  // Without a backward to come (no graph, or x asks for no gradient) no indices: idx.data() is null.
  const bool backward = autograd::grad_enabled() && x.requires_grad();
  const detail::IndexBlock idx(backward ? y.numel() : 0);
  detail::dispatch_float(x.dtype(), "max_pool2d", [&](auto zero) {
    using T = decltype(zero);
    kernels::maxpool2d_forward<T>(g, xc.data<T>(), y.data<T>(), idx.data());
  });
  return make_result(y, {x}, "max_pool2d", [g, idx, in_shape](const Tensor& gy_in) {
    Tensor gy = gy_in.contiguous();
    Tensor dx = Tensor::empty(in_shape, gy.dtype());
    detail::dispatch_float(gy.dtype(), "max_pool2d backward", [&](auto zero) {
      using T = decltype(zero);
      kernels::maxpool2d_backward<T>(g, gy.data<T>(), idx.data(), dx.data<T>());
    });
    return std::vector<Tensor>{dx};
  });
}

Variable adaptive_avg_pool2d(const Variable& x, int64_t oh, int64_t ow) {
  if (x.dim() != 4)
    throw std::invalid_argument("adaptive_avg_pool2d: input must be (N, C, H, W), got " + detail::shape_of(x));
  if (oh < 1 || ow < 1)
    throw std::invalid_argument("adaptive_avg_pool2d: output size must be positive, got " + std::to_string(oh) + "x" +
                                std::to_string(ow));
  if (x.size(2) < 1 || x.size(3) < 1)
    throw std::invalid_argument("adaptive_avg_pool2d: empty input " + detail::shape_of(x));
  const int64_t P = x.size(0) * x.size(1), H = x.size(2), W = x.size(3);
  Tensor xc = x.data().contiguous();
  const Shape in_shape = x.sizes();
  Tensor y = Tensor::empty({x.size(0), x.size(1), oh, ow}, x.dtype());
  detail::dispatch_float(x.dtype(), "adaptive_avg_pool2d", [&](auto zero) {
    using T = decltype(zero);
    kernels::adaptive_avg_pool2d_forward<T>(P, H, W, oh, ow, xc.data<T>(), y.data<T>());
  });
  return make_result(y, {x}, "adaptive_avg_pool2d", [=](const Tensor& gy_in) {
    Tensor gy = gy_in.contiguous();
    Tensor dx = Tensor::empty(in_shape, gy.dtype());
    detail::dispatch_float(gy.dtype(), "adaptive_avg_pool2d backward", [&](auto zero) {
      using T = decltype(zero);
      kernels::adaptive_avg_pool2d_backward<T>(P, H, W, oh, ow, gy.data<T>(), dx.data<T>());
    });
    return std::vector<Tensor>{dx};
  });
}

MaxPool2d::MaxPool2d(int64_t k, int64_t s) : kernel(k), stride(s == 0 ? k : s) {
  if (kernel < 1 || stride < 1)
    throw std::invalid_argument("MaxPool2d: kernel and stride must be positive, got " + std::to_string(k) + ", " +
                                std::to_string(s));
}

std::string MaxPool2d::describe() const {
  return "MaxPool2d(kernel=" + std::to_string(kernel) + ", stride=" + std::to_string(stride) + ")";
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(int64_t h, int64_t w) : out_h(h), out_w(w) {
  if (h < 1 || w < 1)
    throw std::invalid_argument("AdaptiveAvgPool2d: output size must be positive, got " + std::to_string(h) + "x" +
                                std::to_string(w));
}

std::string AdaptiveAvgPool2d::describe() const {
  return "AdaptiveAvgPool2d(" + std::to_string(out_h) + ", " + std::to_string(out_w) + ")";
}

}  // namespace hqc::nn
