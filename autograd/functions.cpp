// functions.cpp — differentiable ops: each forward, and right below it, the closure for its backward.
//
// A closure receives g = dL/d(result) and returns dL/d(input) for each input, in the shape of the
// result when the input was broadcast (the engine sums it back). Closures capture only what they
// need (often the result, rarely the inputs).
#include "autograd/functions.hpp"

#include <stdexcept>

#include "tensor/simd.hpp"

namespace hqc {

using Grads = std::vector<Tensor>;

// --- element-wise -----------------------------------------------------------------------------
Variable add(const Variable& a, const Variable& b) {
  return make_result(hqc::add(a.data(), b.data()), {a, b}, "add", [](const Tensor& g) { return Grads{g, g}; });
}

Variable sub(const Variable& a, const Variable& b) {
  return make_result(hqc::sub(a.data(), b.data()), {a, b}, "sub", [](const Tensor& g) { return Grads{g, hqc::neg(g)}; });
}

Variable mul(const Variable& a, const Variable& b) {
  Tensor x = a.data(), y = b.data();
  bool need_a = a.requires_grad(), need_b = b.requires_grad();
  return make_result(hqc::mul(x, y), {a, b}, "mul", [x, y, need_a, need_b](const Tensor& g) {
    return Grads{need_a ? hqc::mul(g, y) : Tensor(), need_b ? hqc::mul(g, x) : Tensor()};
  });
}

Variable div(const Variable& a, const Variable& b) {
  Tensor x = a.data(), y = b.data();
  bool need_b = b.requires_grad();
  return make_result(hqc::div(x, y), {a, b}, "div", [x, y, need_b](const Tensor& g) {
    Tensor ga = hqc::div(g, y);
    // d(x/y)/dy = -x/y^2 = -(g/y) * (x/y)
    return Grads{ga, need_b ? hqc::neg(hqc::mul(ga, hqc::div(x, y))) : Tensor()};
  });
}

Variable add(const Variable& a, double s) {
  return make_result(hqc::add(a.data(), s), {a}, "add_scalar", [](const Tensor& g) { return Grads{g}; });
}

Variable mul(const Variable& a, double s) {
  return make_result(hqc::mul(a.data(), s), {a}, "mul_scalar", [s](const Tensor& g) { return Grads{hqc::mul(g, s)}; });
}

Variable pow(const Variable& a, double e) {
  Tensor x = a.data();
  return make_result(hqc::pow(x, e), {a}, "pow", [x, e](const Tensor& g) {
    return Grads{hqc::mul(g, hqc::mul(hqc::pow(x, e - 1), e))};
  });
}

Variable neg(const Variable& a) {
  return make_result(hqc::neg(a.data()), {a}, "neg", [](const Tensor& g) { return Grads{hqc::neg(g)}; });
}

Variable exp(const Variable& a) {
  Tensor y = hqc::exp(a.data());
  return make_result(y, {a}, "exp", [y](const Tensor& g) { return Grads{hqc::mul(g, y)}; });
}

Variable log(const Variable& a) {
  Tensor x = a.data();
  return make_result(hqc::log(x), {a}, "log", [x](const Tensor& g) { return Grads{hqc::div(g, x)}; });
}

Variable sqrt(const Variable& a) {
  Tensor y = hqc::sqrt(a.data());
  return make_result(y, {a}, "sqrt", [y](const Tensor& g) { return Grads{hqc::div(hqc::mul(g, 0.5), y)}; });
}

Variable abs(const Variable& a) {
  Tensor x = a.data();
  return make_result(hqc::abs(x), {a}, "abs", [x](const Tensor& g) { return Grads{hqc::mul(g, hqc::sign(x))}; });
}

Variable relu(const Variable& a) {
  Tensor x = a.data();
  return make_result(hqc::relu(x), {a}, "relu", [x](const Tensor& g) {
    if (x.dtype() == DType::f32 && x.is_contiguous() && g.is_contiguous()) {
      Tensor out = Tensor::empty(x.sizes(), DType::f32);
      kernels().relu_backward(g.data<float>(), x.data<float>(), out.data<float>(), x.numel());
      return Grads{out};
    }
    return Grads{hqc::mul(g, hqc::gt(x, 0.0))};
  });
}

Variable sigmoid(const Variable& a) {
  Tensor y = hqc::sigmoid(a.data());
  return make_result(y, {a}, "sigmoid", [y](const Tensor& g) {
    return Grads{hqc::mul(g, hqc::mul(y, hqc::rsub(y, 1.0)))};  // y (1 - y)
  });
}

Variable tanh(const Variable& a) {
  Tensor y = hqc::tanh(a.data());
  return make_result(y, {a}, "tanh", [y](const Tensor& g) {
    return Grads{hqc::mul(g, hqc::rsub(hqc::mul(y, y), 1.0))};  // 1 - y^2
  });
}

Variable clamp(const Variable& a, double lo, double hi) {
  Tensor x = a.data();
  return make_result(hqc::clamp(x, lo, hi), {a}, "clamp", [x, lo, hi](const Tensor& g) {
    Tensor inside = hqc::mul(hqc::ge(x, full({}, lo, x.dtype())), hqc::le(x, full({}, hi, x.dtype())));
    return Grads{hqc::mul(g, inside)};
  });
}

Variable maximum(const Variable& a, const Variable& b) {
  Tensor x = a.data(), y = b.data();
  return make_result(hqc::maximum(x, y), {a, b}, "maximum", [x, y](const Tensor& g) {
    Tensor take_a = hqc::ge(x, y);
    return Grads{hqc::mul(g, take_a), hqc::mul(g, hqc::rsub(take_a, 1.0))};
  });
}

// --- reductions -------------------------------------------------------------------------------
namespace {
// The shape of a reduction's result with the reduced dims kept as 1 (to broadcast g back).
Shape kept_shape(const Shape& in, const std::vector<int64_t>& dims) {
  Shape out = in;
  if (dims.empty()) {
    for (auto& d : out) d = 1;
  } else {
    for (int64_t d : dims) out[wrap_dim(d, static_cast<int64_t>(in.size()), "sum")] = 1;
  }
  return out;
}
}  // namespace

Variable sum(const Variable& a, const std::vector<int64_t>& dims, bool keepdim) {
  Shape in = a.sizes();
  Shape kept = kept_shape(in, dims);
  return make_result(hqc::sum(a.data(), dims, keepdim), {a}, "sum", [in, kept](const Tensor& g) {
    return Grads{g.reshape(kept).expand(in).contiguous()};
  });
}

Variable mean(const Variable& a, const std::vector<int64_t>& dims, bool keepdim) {
  Shape in = a.sizes();
  Shape kept = kept_shape(in, dims);
  double count = static_cast<double>(shape_numel(in)) / static_cast<double>(shape_numel(kept));
  return make_result(hqc::mean(a.data(), dims, keepdim), {a}, "mean", [in, kept, count](const Tensor& g) {
    return Grads{hqc::div(g.reshape(kept), count).expand(in).contiguous()};
  });
}

// --- shape ------------------------------------------------------------------------------------
Variable reshape(const Variable& a, const Shape& shape) {
  Shape in = a.sizes();
  return make_result(a.data().reshape(shape), {a}, "reshape", [in](const Tensor& g) { return Grads{g.reshape(in)}; });
}

Variable flatten(const Variable& a, int64_t start, int64_t end) {
  Shape in = a.sizes();
  return make_result(a.data().flatten(start, end), {a}, "flatten", [in](const Tensor& g) { return Grads{g.reshape(in)}; });
}

Variable permute(const Variable& a, const std::vector<int64_t>& order) {
  std::vector<int64_t> inverse(order.size());
  Tensor y = a.data().permute(order);  // validates order
  for (std::size_t i = 0; i < order.size(); ++i) inverse[wrap_dim(order[i], a.dim(), "permute")] = static_cast<int64_t>(i);
  return make_result(y, {a}, "permute", [inverse](const Tensor& g) { return Grads{g.permute(inverse)}; });
}

Variable transpose(const Variable& a, int64_t d0, int64_t d1) {
  return make_result(a.data().transpose(d0, d1), {a}, "transpose",
                     [d0, d1](const Tensor& g) { return Grads{g.transpose(d0, d1)}; });
}

Variable narrow(const Variable& a, int64_t dim, int64_t start, int64_t length) {
  Shape in = a.sizes();
  DType dt = a.dtype();
  Tensor y = a.data().narrow(dim, start, length);
  int64_t d = wrap_dim(dim, a.dim(), "narrow");
  int64_t s = start < 0 ? start + in[d] : start;
  return make_result(y, {a}, "narrow", [in, dt, d, s, length](const Tensor& g) {
    Tensor full_grad = zeros(in, dt);
    full_grad.narrow(d, s, length).copy_(g);
    return Grads{full_grad};
  });
}

Variable expand(const Variable& a, const Shape& shape) {
  // The engine's sum_to reduces the expanded gradient back to a's shape.
  return make_result(a.data().expand(shape), {a}, "expand", [](const Tensor& g) { return Grads{g}; });
}

// --- linear algebra ---------------------------------------------------------------------------
Variable matmul(const Variable& a, const Variable& b) {
  Tensor x = a.data(), y = b.data();
  if (x.dim() < 2 || y.dim() < 2) {
    throw std::invalid_argument("matmul (autograd): needs operands of at least 2 dims, got " + shape_str(x.sizes()) +
                                " and " + shape_str(y.sizes()) + "; unsqueeze vectors first");
  }
  bool need_a = a.requires_grad(), need_b = b.requires_grad();
  return make_result(hqc::matmul(x, y), {a, b}, "matmul", [x, y, need_a, need_b](const Tensor& g) {
    // dA = g @ B^T, dB = A^T @ g (batch dims broadcast: the engine sums them back).
    return Grads{need_a ? hqc::matmul(g, y.transpose(-1, -2)) : Tensor(),
                 need_b ? hqc::matmul(x.transpose(-1, -2), g) : Tensor()};
  });
}

Variable softmax(const Variable& a, int64_t dim) {
  Tensor y = hqc::softmax(a.data(), dim);
  return make_result(y, {a}, "softmax", [y, dim](const Tensor& g) {
    // dx = y * (g - sum(g * y, dim))
    Tensor dot = hqc::sum(hqc::mul(g, y), {dim}, true);
    return Grads{hqc::mul(y, hqc::sub(g, dot))};
  });
}

Variable log_softmax(const Variable& a, int64_t dim) {
  Tensor y = hqc::log_softmax(a.data(), dim);
  return make_result(y, {a}, "log_softmax", [y, dim](const Tensor& g) {
    // dx = g - softmax(x) * sum(g, dim)
    Tensor s = hqc::sum(g, {dim}, true);
    return Grads{hqc::sub(g, hqc::mul(hqc::exp(y), s))};
  });
}

}  // namespace hqc
