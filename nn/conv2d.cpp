// conv2d.cpp — the fused conv2d op (kernels in nn/kernels/conv2d.cpp) and the Conv2d layer.
#include "nn/conv2d.hpp"

#include <cmath>

#include "nn/detail.hpp"
#include "nn/init.hpp"
#include "nn/kernels/conv2d.hpp"

namespace hqc::nn {

Variable conv2d(const Variable& x, const Variable& weight, const Variable& bias, int64_t stride, int64_t padding) {
  if (x.dim() != 4) throw std::invalid_argument("conv2d: input must be (N, C, H, W), got " + detail::shape_of(x));
  if (weight.dim() != 4)
    throw std::invalid_argument("conv2d: weight must be (OC, C, KH, KW), got " + detail::shape_of(weight));
  if (x.size(1) != weight.size(1))
    throw std::invalid_argument("conv2d: input " + detail::shape_of(x) + " has " + std::to_string(x.size(1)) +
                                " channels but weight " + detail::shape_of(weight) + " expects " +
                                std::to_string(weight.size(1)));
  if (stride < 1 || padding < 0)
    throw std::invalid_argument("conv2d: stride must be >= 1 and padding >= 0, got stride " + std::to_string(stride) +
                                ", padding " + std::to_string(padding));
  detail::check_same_dtype("conv2d", x.data(), "input", weight.data(), "weight");
  const bool has_bias = bias.defined();
  if (has_bias) {
    if (bias.dim() != 1 || bias.size(0) != weight.size(0))
      throw std::invalid_argument("conv2d: bias " + detail::shape_of(bias) + " does not match weight " +
                                  detail::shape_of(weight));
    detail::check_same_dtype("conv2d", x.data(), "input", bias.data(), "bias");
  }
  kernels::Conv2dGeometry g;
  g.N = x.size(0), g.C = x.size(1), g.H = x.size(2), g.W = x.size(3);
  g.OC = weight.size(0), g.KH = weight.size(2), g.KW = weight.size(3);
  g.SH = g.SW = stride;
  g.PH = g.PW = padding;
  if (g.H + 2 * padding < g.KH || g.W + 2 * padding < g.KW)
    throw std::invalid_argument("conv2d: kernel " + std::to_string(g.KH) + "x" + std::to_string(g.KW) +
                                " is larger than the padded input " + detail::shape_of(x));
  Tensor xc = x.data().contiguous(), wc = weight.data().contiguous();
  Tensor bc = has_bias ? bias.data().contiguous() : Tensor();
  Tensor y = Tensor::empty({g.N, g.OC, g.OH(), g.OW()}, x.dtype());
  detail::dispatch_float(x.dtype(), "conv2d", [&](auto zero) {
    using T = decltype(zero);
    kernels::conv2d_forward<T>(g, xc.data<T>(), wc.data<T>(), has_bias ? bc.data<T>() : nullptr, y.data<T>());
  });
  std::vector<Variable> inputs = {x, weight};
  if (has_bias) inputs.push_back(bias);
  const bool need_dx = x.requires_grad(), need_dw = weight.requires_grad() || (has_bias && bias.requires_grad());
  return make_result(y, inputs, "conv2d", [=](const Tensor& gy_in) {
    Tensor gy = gy_in.contiguous();  // (N, OC, OH, OW)
    std::vector<Tensor> grads(has_bias ? 3 : 2);
    detail::dispatch_float(gy.dtype(), "conv2d backward", [&](auto zero) {
      using T = decltype(zero);
      Tensor dx = need_dx ? Tensor::empty(xc.sizes(), gy.dtype()) : Tensor();
      Tensor dw = need_dw ? Tensor::empty(wc.sizes(), gy.dtype()) : Tensor();
      Tensor db = need_dw && has_bias ? Tensor::empty({g.OC}, gy.dtype()) : Tensor();
      kernels::conv2d_backward<T>(g, xc.data<T>(), gy.data<T>(), wc.data<T>(), need_dx ? dx.data<T>() : nullptr,
                                  need_dw ? dw.data<T>() : nullptr, need_dw && has_bias ? db.data<T>() : nullptr);
      grads[0] = dx;
      grads[1] = dw;
      if (has_bias) grads[2] = db;
    });
    return grads;
  });
}

Conv2d::Conv2d(int64_t in, int64_t out, int64_t k, Generator& gen, int64_t s, int64_t p, bool with_bias)
    : in_channels(in), out_channels(out), kernel_size(k), stride(s), padding(p) {
  if (in <= 0 || out <= 0 || k <= 0 || s <= 0 || p < 0)
    throw std::invalid_argument("Conv2d: channels, kernel and stride must be positive and padding >= 0 (got in " +
                                std::to_string(in) + ", out " + std::to_string(out) + ", kernel " + std::to_string(k) +
                                ", stride " + std::to_string(s) + ", padding " + std::to_string(p) + ")");
  Tensor w = Tensor::empty({out, in, k, k});
  init::kaiming_uniform_(w, std::sqrt(5.0), gen);
  weight = register_parameter("weight", w);
  if (with_bias) {
    Tensor b = Tensor::empty({out});
    init::bias_uniform_(b, in * k * k, gen);
    bias = register_parameter("bias", b);
  }
}

Variable Conv2d::forward(const Variable& x) { return conv2d(x, weight, bias, stride, padding); }

std::string Conv2d::describe() const {
  return "Conv2d(" + std::to_string(in_channels) + ", " + std::to_string(out_channels) +
         ", kernel=" + std::to_string(kernel_size) + ", stride=" + std::to_string(stride) +
         ", padding=" + std::to_string(padding) + (bias.defined() ? "" : ", bias=false") + ")";
}

}  // namespace hqc::nn
