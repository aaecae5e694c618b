// conv2d.cpp — the fused conv2d op (kernels in nn/kernels/conv2d.cpp) and the Conv2d layer.
#include "nn/conv2d.hpp"

#include <atomic>
#include <cmath>
#include <cstring>
#include <functional>
#include <type_traits>

#include "nn/detail.hpp"
#include "nn/init.hpp"
#include "nn/kernels/conv2d.hpp"
#include "tensor/parallel.hpp"

namespace hqc::nn {

namespace {
// The floats of the weights' transform to run the forward from, or null to make them as usual:
// given by Conv2d in evaluation mode, called for float layers only.
using TransformedWeightsSource = std::function<const float*(const kernels::Conv2dGeometry&, const Tensor& weight)>;

Variable conv2d_op(const Variable& x, const Variable& weight, const Variable& bias, int64_t stride, int64_t padding,
                   const TransformedWeightsSource& transformed) {
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
    if constexpr (std::is_same_v<T, float>) {
      if (const float* u = transformed ? transformed(g, wc) : nullptr) {
        kernels::conv2d_forward_transformed(g, xc.data<T>(), u, has_bias ? bc.data<T>() : nullptr, y.data<T>());
        return;
      }
    }
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

// Whether two contiguous float tensors of the same size hold the same bits (NaN payloads and the
// sign of zero included), split over the threads from 16 KiB each: at batch 1 the check of the MNIST
// 32 > 64 layer's 72 KiB of weights (against the copy the transform was made from) is on the path of
// every inference.
bool same_bits(const Tensor& a, const Tensor& b) {
  const float* pa = a.data<float>();
  const float* pb = b.data<float>();
  std::atomic<bool> same{true};
  parallel_for(a.numel(), int64_t(1) << 12, [&](int64_t i0, int64_t i1) {
    if (std::memcmp(pa + i0, pb + i0, static_cast<std::size_t>(i1 - i0) * sizeof(float)) != 0)
      same.store(false, std::memory_order_relaxed);
  });
  return same.load();
}
}  // namespace

Variable conv2d(const Variable& x, const Variable& weight, const Variable& bias, int64_t stride, int64_t padding) {
  return conv2d_op(x, weight, bias, stride, padding, nullptr);
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

Variable Conv2d::forward(const Variable& x) {
  if (is_training()) return conv2d(x, weight, bias, stride, padding);
  std::lock_guard<std::mutex> lock(transformed_.mutex);  // held while the convolution reads u
  return conv2d_op(x, weight, bias, stride, padding,
                   [this](const kernels::Conv2dGeometry& g, const Tensor& w) -> const float* {
                     const int64_t floats = kernels::conv2d_transformed_weights_floats(g);
                     if (floats == 0) return nullptr;
                     TransformedWeights& t = transformed_;
                     if (t.u.defined() && t.u.numel() == floats && t.weights.sizes() == w.sizes() &&
                         same_bits(t.weights, w))
                       return t.u.data<float>();
                     t.weights = Tensor(), t.u = Tensor();  // never a transform beside other weights' bits
                     Tensor u = Tensor::empty({floats});
                     kernels::conv2d_transform_weights(g, w.data<float>(), u.data<float>());
                     t.weights = w.clone();
                     t.u = u;
                     return t.u.data<float>();
                   });
}

int64_t Conv2d::transformed_weight_bytes() const {
  std::lock_guard<std::mutex> lock(transformed_.mutex);
  const auto bytes = [](const Tensor& t) { return t.defined() ? t.numel() * int64_t(sizeof(float)) : int64_t(0); };
  return bytes(transformed_.weights) + bytes(transformed_.u);
}

std::string Conv2d::describe() const {
  return "Conv2d(" + std::to_string(in_channels) + ", " + std::to_string(out_channels) +
         ", kernel=" + std::to_string(kernel_size) + ", stride=" + std::to_string(stride) +
         ", padding=" + std::to_string(padding) + (bias.defined() ? "" : ", bias=false") + ")";
}

}  // namespace hqc::nn
