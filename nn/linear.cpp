// linear.cpp — the fused linear op and the Linear layer.
#include "nn/linear.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "nn/detail.hpp"
#include "nn/init.hpp"
#include "nn/kernels/gemm_dispatch.hpp"
#include "tensor/parallel.hpp"
#include "tensor/reduce.hpp"
#include "tensor/simd.hpp"

namespace hqc::nn {

Variable linear(const Variable& x, const Variable& weight, const Variable& bias) {
  if (weight.dim() != 2) throw std::invalid_argument("linear: weight must be (out, in), got " + detail::shape_of(weight));
  const int64_t out = weight.size(0), in = weight.size(1);
  if (x.dim() < 1 || x.size(-1) != in)
    throw std::invalid_argument("linear: input " + detail::shape_of(x) + " does not end in in_features = " +
                                std::to_string(in) + " of weight " + detail::shape_of(weight));
  detail::check_same_dtype("linear", x.data(), "input", weight.data(), "weight");
  const bool has_bias = bias.defined();
  if (has_bias) {
    if (bias.dim() != 1 || bias.size(0) != out)
      throw std::invalid_argument("linear: bias " + detail::shape_of(bias) + " does not match weight " +
                                  detail::shape_of(weight));
    detail::check_same_dtype("linear", x.data(), "input", bias.data(), "bias");
  }
  const int64_t rows = x.numel() / in;
  Shape out_shape = x.sizes();
  out_shape.back() = out;
  Tensor xc = x.data().contiguous(), wc = weight.data().contiguous();
  Tensor bc = has_bias ? bias.data().contiguous() : Tensor();
  Tensor y = Tensor::empty(out_shape, x.dtype());
  detail::dispatch_float(x.dtype(), "linear", [&](auto zero) {
    using T = decltype(zero);
    T* yp = y.data<T>();
    T beta = 0;
    if (has_bias) {
      const T* bp = bc.data<T>();
      for (int64_t r = 0; r < rows; ++r) std::copy(bp, bp + out, yp + r * out);
      beta = 1;
    }
    if constexpr (std::is_same_v<T, float>) {
      if (rows == 1) {  // one sample (batch-1 inference): a dot product per output reads W once, unpacked
        const float* xp = xc.data<float>();
        const float* wp = wc.data<float>();
        const auto dot = hqc::kernels().dot;
        // Outputs split over threads from 2^15 weights a thread: each core then streams its own rows of
        // W, which stay in its own L2 from one call to the next.
        parallel_for(out, std::max<int64_t>(1, (int64_t{1} << 15) / in), [&](int64_t j0, int64_t j1) {
          for (int64_t j = j0; j < j1; ++j) {
            const float d = dot(xp, wp + j * in, in);
            yp[j] = has_bias ? yp[j] + d : d;
          }
        });
        return;
      }
    }
    // (rows, in) @ (out, in)ᵀ
    kernels::gemm(false, true, rows, out, in, T(1), xc.data<T>(), in, wc.data<T>(), in, beta, yp, out);
  });
  std::vector<Variable> inputs = {x, weight};
  if (has_bias) inputs.push_back(bias);
  const bool need_dx = x.requires_grad(), need_dw = weight.requires_grad();
  return make_result(y, inputs, "linear", [=](const Tensor& gy_in) {
    Tensor gy = gy_in.contiguous();  // (rows, out)
    std::vector<Tensor> grads(has_bias ? 3 : 2);
    detail::dispatch_float(gy.dtype(), "linear backward", [&](auto zero) {
      using T = decltype(zero);
      if (need_dx) {
        Tensor dx = Tensor::empty(xc.sizes(), gy.dtype());
        // (rows, out) @ (out, in)
        kernels::gemm(false, false, rows, in, out, T(1), gy.data<T>(), out, wc.data<T>(), in, T(0), dx.data<T>(), in);
        grads[0] = dx;
      }
      if (need_dw || has_bias) {
        // dW = dYᵀ X and db = Σ dY over the rows: one GEMM (depth = the chunk's rows) and one column
        // sum per fixed chunk of rows, partials (out, in) then (out), summed by the fixed tree
        // (tensor/reduce.hpp): the same bits for any thread count.
        const int64_t wsize = need_dw ? out * in : 0, part = wsize + (has_bias ? out : 0);
        std::vector<T> partials(size_t(std::max<int64_t>(1, batch_chunks(rows)) * part));  // zeros for no rows
        const T* g = gy.data<T>();
        const T* xp = xc.data<T>();
        chunked_sum(rows, partials.data(), part, [&](int64_t r0, int64_t r1, T* p) {
          // (r1 - r0, out)ᵀ @ (r1 - r0, in)
          if (need_dw) kernels::gemm(true, false, out, in, r1 - r0, T(1), g + r0 * out, out, xp + r0 * in, in, T(0), p, in);
          if (has_bias) {
            T* d = p + wsize;
            std::fill(d, d + out, T(0));
            for (int64_t r = r0; r < r1; ++r)
              for (int64_t o = 0; o < out; ++o) d[o] += g[r * out + o];
          }
        });
        if (need_dw) {
          Tensor dw = Tensor::empty(wc.sizes(), gy.dtype());
          std::copy(partials.begin(), partials.begin() + wsize, dw.data<T>());
          grads[1] = dw;
        }
        if (has_bias) {
          Tensor db = Tensor::empty({out}, gy.dtype());
          std::copy(partials.begin() + wsize, partials.begin() + part, db.data<T>());
          grads[2] = db;
        }
      }
    });
    return grads;
  });
}

Linear::Linear(int64_t in, int64_t out, Generator& gen, bool with_bias) : in_features(in), out_features(out) {
  if (in <= 0 || out <= 0)
    throw std::invalid_argument("Linear: sizes must be positive, got in " + std::to_string(in) + ", out " +
                                std::to_string(out));
  Tensor w = Tensor::empty({out, in});
  init::kaiming_uniform_(w, std::sqrt(5.0), gen);
  weight = register_parameter("weight", w);
  if (with_bias) {
    Tensor b = Tensor::empty({out});
    init::bias_uniform_(b, in, gen);
    bias = register_parameter("bias", b);
  }
}

Variable Linear::forward(const Variable& x) { return linear(x, weight, bias); }

std::string Linear::describe() const {
  return "Linear(" + std::to_string(in_features) + ", " + std::to_string(out_features) +
         (bias.defined() ? "" : ", bias=false") + ")";
}

}  // namespace hqc::nn
