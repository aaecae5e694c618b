// ops.cpp — element-wise ops, reductions, matmul and softmax on float32 and float64 tensors.
//
// Each element-wise op is one scalar lambda (the reference semantics, used by the strided path and
// by float64) plus, for float32, the SIMD kernel used when the operands are contiguous and of one
// shape. Large contiguous work is split over the thread pool in fixed chunks.
#include "tensor/ops.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

#include "tensor/gemm.hpp"
#include "tensor/math.hpp"
#include "tensor/parallel.hpp"
#include "tensor/simd.hpp"
#include "tensor/strided.hpp"

namespace hqc {

namespace {

constexpr int64_t kParallelGrain = 1 << 14;  // elements per chunk below which threads don't pay

[[noreturn]] void fail(const char* op, const std::string& what) {
  throw std::invalid_argument(std::string(op) + ": " + what);
}

void check_float(const Tensor& t, const char* op) {
  if (!t.defined()) fail(op, "undefined tensor");
  if (t.dtype() != DType::f32 && t.dtype() != DType::f64) {
    fail(op, std::string("needs a float32 or float64 tensor, got ") + dtype_name(t.dtype()) + " of shape " +
                 shape_str(t.sizes()));
  }
}

void check_same_dtype(const Tensor& a, const Tensor& b, const char* op) {
  check_float(a, op);
  check_float(b, op);
  if (a.dtype() != b.dtype()) {
    fail(op, std::string("operands of different types: ") + dtype_name(a.dtype()) + " " + shape_str(a.sizes()) +
                 " and " + dtype_name(b.dtype()) + " " + shape_str(b.sizes()));
  }
}

// Calls f(T{}) with T the tensor's float type.
template <typename F>
decltype(auto) dispatch_float(DType t, F&& f) {
  if (t == DType::f64) return f(double{});
  return f(float{});
}

using VVKernel = void (*)(const float*, const float*, float*, int64_t);
using VSKernel = void (*)(const float*, float, float*, int64_t);
using VKernel = void (*)(const float*, float*, int64_t);

template <typename F>
Tensor binary(const Tensor& a, const Tensor& b, const char* op, F f, VVKernel vv) {
  check_same_dtype(a, b, op);
  Shape shape = broadcast_shapes(a.sizes(), b.sizes(), op);
  Tensor out = Tensor::empty(shape, a.dtype());
  int64_t n = out.numel();
  if (vv && a.dtype() == DType::f32 && a.sizes() == shape && b.sizes() == shape && a.is_contiguous() &&
      b.is_contiguous()) {
    const float *pa = a.data<float>(), *pb = b.data<float>();
    float* po = out.data<float>();
    parallel_for(n, kParallelGrain, [&](int64_t i0, int64_t i1) { vv(pa + i0, pb + i0, po + i0, i1 - i0); });
    return out;
  }
  Tensor ea = a.expand(shape), eb = b.expand(shape);
  dispatch_float(a.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* pa = static_cast<const T*>(a.storage()->data());
    const T* pb = static_cast<const T*>(b.storage()->data());
    T* po = static_cast<T*>(out.storage()->data());
    for_each_offset3(shape, out.strides(), 0, ea.strides(), ea.offset(), eb.strides(), eb.offset(),
                     [&](int64_t o, int64_t i, int64_t j) { po[o] = static_cast<T>(f(pa[i], pb[j])); });
  });
  return out;
}

template <typename F>
Tensor unary(const Tensor& a, const char* op, F f, VKernel vk) {
  check_float(a, op);
  Tensor out = Tensor::empty(a.sizes(), a.dtype());
  int64_t n = out.numel();
  if (vk && a.dtype() == DType::f32 && a.is_contiguous()) {
    const float* pa = a.data<float>();
    float* po = out.data<float>();
    parallel_for(n, kParallelGrain, [&](int64_t i0, int64_t i1) { vk(pa + i0, po + i0, i1 - i0); });
    return out;
  }
  dispatch_float(a.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* pa = static_cast<const T*>(a.storage()->data());
    T* po = static_cast<T*>(out.storage()->data());
    for_each_offset2(a.sizes(), out.strides(), 0, a.strides(), a.offset(),
                     [&](int64_t o, int64_t i) { po[o] = static_cast<T>(f(pa[i])); });
  });
  return out;
}

// A scalar operand: through the vector-scalar kernel for contiguous float32.
template <typename F>
Tensor with_scalar(const Tensor& a, double s, const char* op, F f, VSKernel vs) {
  if (vs && a.defined() && a.dtype() == DType::f32 && a.is_contiguous()) {
    Tensor out = Tensor::empty(a.sizes(), a.dtype());
    const float* pa = a.data<float>();
    float* po = out.data<float>();
    float fs = static_cast<float>(s);
    parallel_for(a.numel(), kParallelGrain, [&](int64_t i0, int64_t i1) { vs(pa + i0, fs, po + i0, i1 - i0); });
    return out;
  }
  return unary(a, op, [f, s](auto x) { return f(x, static_cast<decltype(x)>(s)); }, nullptr);
}

}  // namespace

// --- broadcasting ---------------------------------------------------------------------------
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  std::size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (std::size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1) {
      fail(op, "shapes " + shape_str(a) + " and " + shape_str(b) + " do not broadcast");
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Tensor sum_to(const Tensor& t, const Shape& shape) {
  if (t.sizes() == shape) return t;
  int64_t lead = t.dim() - static_cast<int64_t>(shape.size());
  if (lead < 0) fail("sum_to", "cannot sum " + shape_str(t.sizes()) + " to more dims " + shape_str(shape));
  std::vector<int64_t> dims;
  for (int64_t i = 0; i < t.dim(); ++i) {
    if (i < lead) {
      dims.push_back(i);
    } else if (shape[i - lead] == 1 && t.size(i) != 1) {
      dims.push_back(i);
    } else if (shape[i - lead] != t.size(i)) {
      fail("sum_to", "cannot sum " + shape_str(t.sizes()) + " to " + shape_str(shape));
    }
  }
  return sum(t, dims, true).reshape(shape);
}

// --- binary ---------------------------------------------------------------------------------
Tensor add(const Tensor& a, const Tensor& b) { return binary(a, b, "add", [](auto x, auto y) { return x + y; }, kernels().add); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary(a, b, "sub", [](auto x, auto y) { return x - y; }, kernels().sub); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary(a, b, "mul", [](auto x, auto y) { return x * y; }, kernels().mul); }
Tensor div(const Tensor& a, const Tensor& b) { return binary(a, b, "div", [](auto x, auto y) { return x / y; }, kernels().div); }
Tensor maximum(const Tensor& a, const Tensor& b) {
  return binary(a, b, "maximum", [](auto x, auto y) { return (x > y || x != x) ? x : y; }, nullptr);
}
Tensor minimum(const Tensor& a, const Tensor& b) {
  return binary(a, b, "minimum", [](auto x, auto y) { return (x < y || x != x) ? x : y; }, nullptr);
}
Tensor pow(const Tensor& a, const Tensor& b) {
  return binary(a, b, "pow", [](auto x, auto y) { return math::pow(x, y); }, nullptr);
}
Tensor eq(const Tensor& a, const Tensor& b) { return binary(a, b, "eq", [](auto x, auto y) { return x == y ? 1 : 0; }, nullptr); }
Tensor ne(const Tensor& a, const Tensor& b) { return binary(a, b, "ne", [](auto x, auto y) { return x != y ? 1 : 0; }, nullptr); }
Tensor lt(const Tensor& a, const Tensor& b) { return binary(a, b, "lt", [](auto x, auto y) { return x < y ? 1 : 0; }, nullptr); }
Tensor le(const Tensor& a, const Tensor& b) { return binary(a, b, "le", [](auto x, auto y) { return x <= y ? 1 : 0; }, nullptr); }
Tensor gt(const Tensor& a, const Tensor& b) { return binary(a, b, "gt", [](auto x, auto y) { return x > y ? 1 : 0; }, nullptr); }
Tensor ge(const Tensor& a, const Tensor& b) { return binary(a, b, "ge", [](auto x, auto y) { return x >= y ? 1 : 0; }, nullptr); }

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_same_dtype(a, b, "where");
  check_float(cond, "where");
  Shape shape = broadcast_shapes(broadcast_shapes(cond.sizes(), a.sizes(), "where"), b.sizes(), "where");
  Tensor c = cond.to(a.dtype()).expand(shape).contiguous();
  Tensor ea = a.expand(shape).contiguous(), eb = b.expand(shape).contiguous();
  Tensor out = Tensor::empty(shape, a.dtype());
  dispatch_float(a.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T *pc = c.data<T>(), *pa = ea.data<T>(), *pb = eb.data<T>();
    T* po = out.data<T>();
    for (int64_t i = 0, n = out.numel(); i < n; ++i) po[i] = pc[i] != T(0) ? pa[i] : pb[i];
  });
  return out;
}

// --- scalar operand ---------------------------------------------------------------------------
Tensor add(const Tensor& a, double s) { return with_scalar(a, s, "add", [](auto x, auto y) { return x + y; }, kernels().add_s); }
Tensor sub(const Tensor& a, double s) { return add(a, -s); }
Tensor rsub(const Tensor& a, double s) { return with_scalar(a, s, "rsub", [](auto x, auto y) { return y - x; }, kernels().rsub_s); }
Tensor mul(const Tensor& a, double s) { return with_scalar(a, s, "mul", [](auto x, auto y) { return x * y; }, kernels().mul_s); }
Tensor div(const Tensor& a, double s) {
  // Divide (not multiply by 1/s) so float64 results are exact quotients, as in PyTorch.
  return with_scalar(a, s, "div", [](auto x, auto y) { return x / y; }, nullptr);
}
Tensor rdiv(const Tensor& a, double s) { return with_scalar(a, s, "rdiv", [](auto x, auto y) { return y / x; }, kernels().rdiv_s); }
Tensor pow(const Tensor& a, double e) {
  if (e == 2.0) return with_scalar(a, 0, "pow", [](auto x, auto) { return x * x; }, nullptr);
  return with_scalar(a, e, "pow", [](auto x, auto y) { return math::pow(x, y); }, nullptr);
}
Tensor maximum(const Tensor& a, double s) {
  return with_scalar(a, s, "maximum", [](auto x, auto y) { return (x > y || x != x) ? x : y; }, nullptr);
}
Tensor minimum(const Tensor& a, double s) {
  return with_scalar(a, s, "minimum", [](auto x, auto y) { return (x < y || x != x) ? x : y; }, nullptr);
}
Tensor clamp(const Tensor& a, double lo, double hi) {
  if (lo > hi) fail("clamp", "lower bound " + std::to_string(lo) + " above upper bound " + std::to_string(hi));
  return minimum(maximum(a, lo), hi);
}
Tensor gt(const Tensor& a, double s) { return with_scalar(a, s, "gt", [](auto x, auto y) { return x > y ? 1 : 0; }, nullptr); }
Tensor lt(const Tensor& a, double s) { return with_scalar(a, s, "lt", [](auto x, auto y) { return x < y ? 1 : 0; }, nullptr); }

// --- unary ----------------------------------------------------------------------------------
Tensor neg(const Tensor& a) { return unary(a, "neg", [](auto x) { return -x; }, kernels().neg); }
Tensor exp(const Tensor& a) { return unary(a, "exp", [](auto x) { return math::exp(x); }, kernels().exp); }
Tensor log(const Tensor& a) { return unary(a, "log", [](auto x) { return math::log(x); }, nullptr); }
Tensor sqrt(const Tensor& a) { return unary(a, "sqrt", [](auto x) { return std::sqrt(x); }, kernels().sqrt); }
Tensor abs(const Tensor& a) { return unary(a, "abs", [](auto x) { return std::abs(x); }, kernels().abs); }
Tensor sign(const Tensor& a) {
  return unary(a, "sign", [](auto x) { return x != x ? x : static_cast<decltype(x)>((x > 0) - (x < 0)); }, nullptr);
}
Tensor relu(const Tensor& a) {
  return unary(a, "relu", [](auto x) { return x > 0 || x != x ? x : static_cast<decltype(x)>(0); }, kernels().relu);
}
Tensor sigmoid(const Tensor& a) {
  return unary(a, "sigmoid", [](auto x) { return 1 / (1 + math::exp(-x)); }, kernels().sigmoid);
}
Tensor tanh(const Tensor& a) { return unary(a, "tanh", [](auto x) { return math::tanh(x); }, kernels().tanh); }

// --- reductions -------------------------------------------------------------------------------
namespace {

struct ReduceLayout {
  Tensor rows;      // (outer, inner) contiguous: each row is one output's inputs
  Shape out_shape;  // with or without the kept dims
  int64_t count = 0;
};

// Moves the reduced dims last and makes the result contiguous, one row per output element.
ReduceLayout reduce_layout(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim, const char* op) {
  check_float(a, op);
  std::vector<bool> reduced(a.dim(), dims.empty());
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, a.dim(), op);
    if (reduced[w] && !dims.empty()) fail(op, "dim " + std::to_string(d) + " given twice");
    reduced[w] = true;
  }
  std::vector<int64_t> order;
  Shape out_shape;
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < a.dim(); ++i) {
    if (!reduced[i]) {
      order.push_back(i);
      out_shape.push_back(a.size(i));
      outer *= a.size(i);
    } else if (keepdim) {
      out_shape.push_back(1);
    }
  }
  for (int64_t i = 0; i < a.dim(); ++i) {
    if (reduced[i]) {
      order.push_back(i);
      inner *= a.size(i);
    }
  }
  if (keepdim) {
    // out_shape above lists kept dims in order, with 1 in the reduced positions.
    out_shape.clear();
    for (int64_t i = 0; i < a.dim(); ++i) out_shape.push_back(reduced[i] ? 1 : a.size(i));
  }
  ReduceLayout r;
  r.rows = a.dim() == 0 ? a.reshape({1, 1}) : a.permute(order).contiguous().view({outer, inner});
  r.out_shape = out_shape;
  r.count = inner;
  return r;
}

// out[i] = f(row i) for every row, threads over rows.
template <typename F>
Tensor reduce_rows(const ReduceLayout& r, F f) {
  Tensor out = Tensor::empty(r.out_shape, r.rows.dtype());
  int64_t outer = r.rows.size(0), inner = r.rows.size(1);
  dispatch_float(r.rows.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* p = r.rows.data<T>();
    T* po = out.data<T>();
    parallel_for(outer, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(inner, 1)),
                 [&](int64_t i0, int64_t i1) {
                   for (int64_t i = i0; i < i1; ++i) po[i] = f(p + i * inner, inner);
                 });
  });
  return out;
}

template <typename T>
T row_sum(const T* p, int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
    return kernels().sum(p, n);
  } else {
    T s = 0;
    for (int64_t i = 0; i < n; ++i) s += p[i];
    return s;
  }
}

template <typename T>
T row_max(const T* p, int64_t n) {
  T m = -std::numeric_limits<T>::infinity();
  for (int64_t i = 0; i < n; ++i) {
    if (p[i] != p[i]) return p[i];  // NaN wins, as in torch.amax
    m = p[i] > m ? p[i] : m;
  }
  return m;
}

template <typename T>
T row_sq_dev(const T* p, T mean, int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
    return kernels().sq_dev_sum(p, mean, n);
  } else {
    T s = 0;
    for (int64_t i = 0; i < n; ++i) s += (p[i] - mean) * (p[i] - mean);
    return s;
  }
}

}  // namespace

Tensor sum(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim) {
  ReduceLayout r = reduce_layout(a, dims, keepdim, "sum");
  return reduce_rows(r, [](const auto* p, int64_t n) { return row_sum(p, n); });
}

Tensor mean(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim) {
  ReduceLayout r = reduce_layout(a, dims, keepdim, "mean");
  if (r.count == 0) fail("mean", "reducing over zero elements of shape " + shape_str(a.sizes()));
  return reduce_rows(r, [](const auto* p, int64_t n) { return row_sum(p, n) / static_cast<decltype(*p + 0)>(n); });
}

Tensor var(const Tensor& a, const std::vector<int64_t>& dims, bool unbiased, bool keepdim) {
  ReduceLayout r = reduce_layout(a, dims, keepdim, "var");
  int64_t denom = r.count - (unbiased ? 1 : 0);
  if (denom <= 0) fail("var", "not enough elements (" + std::to_string(r.count) + ") in shape " + shape_str(a.sizes()));
  return reduce_rows(r, [denom](const auto* p, int64_t n) {
    using T = std::remove_cv_t<std::remove_reference_t<decltype(*p)>>;
    T m = row_sum(p, n) / static_cast<T>(n);
    return row_sq_dev(p, m, n) / static_cast<T>(denom);
  });
}

Tensor amax(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim) {
  ReduceLayout r = reduce_layout(a, dims, keepdim, "amax");
  if (r.count == 0) fail("amax", "reducing over zero elements of shape " + shape_str(a.sizes()));
  return reduce_rows(r, [](const auto* p, int64_t n) { return row_max(p, n); });
}

Tensor amin(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim) {
  return neg(amax(neg(a), dims, keepdim));
}

Tensor argmax(const Tensor& a, int64_t dim, bool keepdim) {
  ReduceLayout r = reduce_layout(a, {dim}, keepdim, "argmax");
  if (r.count == 0) fail("argmax", "empty dim in shape " + shape_str(a.sizes()));
  Tensor out = Tensor::empty(r.out_shape, DType::i64);
  int64_t* po = out.data<int64_t>();
  int64_t outer = r.rows.size(0), inner = r.rows.size(1);
  dispatch_float(a.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* p = r.rows.data<T>();
    for (int64_t i = 0; i < outer; ++i) {
      const T* row = p + i * inner;
      int64_t best = 0;
      for (int64_t k = 1; k < inner; ++k) {
        if (row[best] != row[best]) break;  // NaN is the maximum
        if (row[k] > row[best] || row[k] != row[k]) best = k;
      }
      po[i] = best;
    }
  });
  return out;
}

// --- matmul ---------------------------------------------------------------------------------
namespace {

// A 2-d operand as GEMM wants it: a pointer, whether it is transposed, and its row stride.
struct GemmOperand {
  Tensor keep;  // holds a contiguous copy alive when one was needed
  bool trans = false;
  int64_t ld = 0;
};

GemmOperand as_gemm_operand(const Tensor& m) {
  GemmOperand g;
  int64_t rows = m.size(0), cols = m.size(1);
  if (m.stride(1) == 1 && m.stride(0) >= std::max<int64_t>(cols, 1)) {
    g.keep = m;
    g.ld = m.stride(0);
  } else if (m.stride(0) == 1 && m.stride(1) >= std::max<int64_t>(rows, 1)) {
    g.keep = m;
    g.trans = true;
    g.ld = m.stride(1);
  } else {
    g.keep = m.contiguous();
    g.ld = std::max<int64_t>(cols, 1);
  }
  return g;
}

void gemm2d(const Tensor& a, const Tensor& b, Tensor& c) {
  int64_t M = a.size(0), K = a.size(1), N = b.size(1);
  GemmOperand ga = as_gemm_operand(a), gb = as_gemm_operand(b);
  if (a.dtype() == DType::f32) {
    sgemm(ga.trans, gb.trans, M, N, K, 1.0f, ga.keep.data<float>(), ga.ld, gb.keep.data<float>(), gb.ld, 0.0f,
          c.data<float>(), std::max<int64_t>(N, 1));
  } else {
    dgemm(ga.trans, gb.trans, M, N, K, 1.0, ga.keep.data<double>(), ga.ld, gb.keep.data<double>(), gb.ld, 0.0,
          c.data<double>(), std::max<int64_t>(N, 1));
  }
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_same_dtype(a, b, "matmul");
  if (a.dim() == 0 || b.dim() == 0) fail("matmul", "needs at least 1-d operands, got " + shape_str(a.sizes()) +
                                                       " and " + shape_str(b.sizes()));
  if (a.dim() == 1) return matmul(a.unsqueeze(0), b).squeeze(-2);
  if (b.dim() == 1) return matmul(a, b.unsqueeze(1)).squeeze(-1);
  int64_t M = a.size(-2), K = a.size(-1), K2 = b.size(-2), N = b.size(-1);
  if (K != K2) {
    fail("matmul", "inner dimensions differ: " + shape_str(a.sizes()) + " @ " + shape_str(b.sizes()));
  }
  if (a.dim() == 2 && b.dim() == 2) {
    Tensor c = Tensor::empty({M, N}, a.dtype());
    gemm2d(a, b, c);
    return c;
  }
  Shape batch_a(a.sizes().begin(), a.sizes().end() - 2), batch_b(b.sizes().begin(), b.sizes().end() - 2);
  Shape batch = broadcast_shapes(batch_a, batch_b, "matmul");
  Shape sa = batch, sb = batch, so = batch;
  sa.insert(sa.end(), {M, K});
  sb.insert(sb.end(), {K, N});
  so.insert(so.end(), {M, N});
  int64_t nb = shape_numel(batch);
  Tensor ea = a.expand(sa).reshape({nb, M, K}), eb = b.expand(sb).reshape({nb, K, N});
  Tensor out = Tensor::empty({nb, M, N}, a.dtype());
  for (int64_t i = 0; i < nb; ++i) {
    Tensor ci = out.select(0, i);
    gemm2d(ea.select(0, i), eb.select(0, i), ci);
  }
  return out.view(so);
}

// --- softmax ----------------------------------------------------------------------------------
namespace {
template <bool Log>
Tensor softmax_impl(const Tensor& a, int64_t dim, const char* op) {
  check_float(a, op);
  int64_t d = wrap_dim(dim, std::max<int64_t>(a.dim(), 1), op);
  if (a.dim() == 0) return softmax_impl<Log>(a.reshape({1}), 0, op).reshape({});
  Tensor moved = a.transpose(d, a.dim() - 1).contiguous();
  int64_t inner = moved.size(-1), outer = moved.numel() / std::max<int64_t>(inner, 1);
  Tensor out = Tensor::empty(moved.sizes(), a.dtype());
  dispatch_float(a.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* p = moved.data<T>();
    T* po = out.data<T>();
    parallel_for(outer, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(inner, 1)), [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        const T* x = p + i * inner;
        T* y = po + i * inner;
        T m = row_max(x, inner);
        if constexpr (std::is_same_v<T, float>) {
          kernels().add_s(x, -m, y, inner);
          if constexpr (Log) {
            // y = x - m; log-sum-exp from a separate exp pass into a scratch-free loop.
            T s = 0;
            for (int64_t k = 0; k < inner; ++k) s += math::exp(y[k]);
            kernels().add_s(y, -math::log(s), y, inner);
          } else {
            kernels().exp(y, y, inner);
            T s = kernels().sum(y, inner);
            kernels().mul_s(y, 1.0f / s, y, inner);
          }
        } else {
          T s = 0;
          for (int64_t k = 0; k < inner; ++k) s += math::exp(x[k] - m);
          for (int64_t k = 0; k < inner; ++k) y[k] = Log ? (x[k] - m) - math::log(s) : math::exp(x[k] - m) / s;
        }
      }
    });
  });
  return out.transpose(d, a.dim() - 1).contiguous();
}
}  // namespace

Tensor softmax(const Tensor& a, int64_t dim) { return softmax_impl<false>(a, dim, "softmax"); }
Tensor log_softmax(const Tensor& a, int64_t dim) { return softmax_impl<true>(a, dim, "log_softmax"); }

// --- whole-tensor comparison ------------------------------------------------------------------
bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol) {
  if (a.sizes() != b.sizes()) fail("allclose", "shapes differ: " + shape_str(a.sizes()) + " and " + shape_str(b.sizes()));
  std::vector<double> va = a.to_vector(), vb = b.to_vector();
  for (std::size_t i = 0; i < va.size(); ++i) {
    if (!(std::abs(va[i] - vb[i]) <= atol + rtol * std::abs(vb[i]))) return false;
  }
  return true;
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  if (a.sizes() != b.sizes()) fail("max_abs_diff", "shapes differ: " + shape_str(a.sizes()) + " and " + shape_str(b.sizes()));
  std::vector<double> va = a.to_vector(), vb = b.to_vector();
  double m = 0;
  for (std::size_t i = 0; i < va.size(); ++i) {
    double d = std::abs(va[i] - vb[i]);
    if (d != d) return d;
    m = std::max(m, d);
  }
  return m;
}

// --- in place ---------------------------------------------------------------------------------
void add_(Tensor& a, const Tensor& b) {
  check_same_dtype(a, b, "add_");
  if (a.is_contiguous() && b.is_contiguous() && a.sizes() == b.sizes()) {
    axpy_(a, 1.0, b);
    return;
  }
  a.copy_(add(a, b.expand(a.sizes())));
}

void axpy_(Tensor& a, double alpha, const Tensor& b) {
  check_same_dtype(a, b, "axpy_");
  if (a.sizes() != b.sizes() || !a.is_contiguous() || !b.is_contiguous()) {
    fail("axpy_", "needs contiguous tensors of one shape, got " + shape_str(a.sizes()) + " and " + shape_str(b.sizes()));
  }
  int64_t n = a.numel();
  if (a.dtype() == DType::f32) {
    float* pa = a.data<float>();
    const float* pb = b.data<float>();
    float s = static_cast<float>(alpha);
    parallel_for(n, kParallelGrain, [&](int64_t i0, int64_t i1) { kernels().axpy(s, pb + i0, pa + i0, i1 - i0); });
  } else {
    double* pa = a.data<double>();
    const double* pb = b.data<double>();
    for (int64_t i = 0; i < n; ++i) pa[i] += alpha * pb[i];
  }
}

void mul_(Tensor& a, double s) {
  check_float(a, "mul_");
  if (a.is_contiguous() && a.dtype() == DType::f32) {
    float* p = a.data<float>();
    kernels().mul_s(p, static_cast<float>(s), p, a.numel());
    return;
  }
  a.copy_(mul(a, s));
}

}  // namespace hqc
