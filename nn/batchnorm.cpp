// batchnorm.cpp — the fused batch_norm op (kernels in nn/kernels/batchnorm.cpp) and its layers.
#include "nn/batchnorm.hpp"

#include <cmath>
#include <memory>
#include <sstream>

#include "nn/detail.hpp"
#include "nn/kernels/batchnorm.hpp"
#include "tensor/batch_split.hpp"

namespace hqc::nn {

Variable batch_norm(const Variable& x, const Variable& gamma, const Variable& beta, Tensor running_mean,
                    Tensor running_var, bool training, double momentum, double eps, bool relu) {
  if (x.dim() < 2) throw std::invalid_argument("batch_norm: input must be (N, C, ...), got " + detail::shape_of(x));
  const int64_t N = x.size(0), C = x.size(1), S = x.numel() / std::max<int64_t>(1, N * C);
  auto check_c = [&](const Tensor& t, const char* what) {
    if (!t.defined()) return;
    if (t.dim() != 1 || t.size(0) != C)
      throw std::invalid_argument(std::string("batch_norm: ") + what + " " + shape_str(t.sizes()) + " does not match " +
                                  std::to_string(C) + " channels of input " + detail::shape_of(x));
    detail::check_same_dtype("batch_norm", x.data(), "input", t, what);
  };
  check_c(gamma.defined() ? gamma.data() : Tensor(), "weight");
  check_c(beta.defined() ? beta.data() : Tensor(), "bias");
  if (!running_mean.defined() || !running_var.defined())
    throw std::invalid_argument("batch_norm: running_mean and running_var are required");
  check_c(running_mean, "running_mean");
  check_c(running_var, "running_var");
  if (!running_mean.is_contiguous() || !running_var.is_contiguous())
    throw std::invalid_argument("batch_norm: running statistics must be contiguous");
  if (training && batch_total(N) * S <= 1)
    throw std::invalid_argument("batch_norm: expected more than 1 value per channel when training, got input " +
                                detail::shape_of(x));
  kernels::BatchNormGeometry g{N, C, S};
  Tensor xc = x.data().contiguous();
  Tensor gc = gamma.defined() ? gamma.data().contiguous() : Tensor();
  Tensor bc = beta.defined() ? beta.data().contiguous() : Tensor();
  Tensor y = Tensor::empty(x.sizes(), x.dtype());
  auto mean = std::make_shared<std::vector<double>>(C), invstd = std::make_shared<std::vector<double>>(C);
  Tensor rm_copy, rv_copy;  // the statistics an evaluation-mode backward needs, as they were
  detail::dispatch_float(x.dtype(), "batch_norm", [&](auto zero) {
    using T = decltype(zero);
    const T* gp = gc.defined() ? gc.data<T>() : nullptr;
    const T* bp = bc.defined() ? bc.data<T>() : nullptr;
    if (training) {
      std::vector<double> var(C);
      kernels::batchnorm_forward_train<T>(g, xc.data<T>(), gp, bp, eps, y.data<T>(), mean->data(), var.data(),
                                          invstd->data(), relu);
      T* rm = running_mean.data<T>();
      T* rv = running_var.data<T>();
      const double m = double(batch_total(N) * S);  // the whole batch's values, also under a split
      for (int64_t c = 0; c < C; ++c) {
        rm[c] = T((1 - momentum) * double(rm[c]) + momentum * (*mean)[c]);
        rv[c] = T((1 - momentum) * double(rv[c]) + momentum * var[c] * m / (m - 1));
      }
    } else {
      rm_copy = running_mean.clone();
      rv_copy = running_var.clone();
      kernels::batchnorm_forward_eval<T>(g, xc.data<T>(), gp, bp, rm_copy.data<T>(), rv_copy.data<T>(), eps,
                                         y.data<T>(), relu);
    }
  });
  std::vector<Variable> inputs = {x};
  if (gamma.defined()) inputs.push_back(gamma);
  if (beta.defined()) inputs.push_back(beta);
  const bool has_g = gamma.defined(), has_b = beta.defined();
  const Tensor relu_out = relu ? y : Tensor();  // relu's mask is y > 0
  return make_result(y, inputs, relu ? "batch_norm_relu" : "batch_norm", [=](const Tensor& gy_in) {
    Tensor gy = gy_in.contiguous();
    Tensor dx = Tensor::empty(xc.sizes(), gy.dtype());
    Tensor dg = has_g ? Tensor::empty({C}, gy.dtype()) : Tensor();
    Tensor db = has_b ? Tensor::empty({C}, gy.dtype()) : Tensor();
    detail::dispatch_float(gy.dtype(), "batch_norm backward", [&](auto zero) {
      using T = decltype(zero);
      const T* gp = has_g ? gc.data<T>() : nullptr;
      T* dgp = has_g ? dg.data<T>() : nullptr;
      T* dbp = has_b ? db.data<T>() : nullptr;
      const T* ro = relu ? relu_out.data<T>() : nullptr;
      if (training)
        kernels::batchnorm_backward_train<T>(g, gy.data<T>(), xc.data<T>(), gp, mean->data(), invstd->data(),
                                             dx.data<T>(), dgp, dbp, ro);
      else
        kernels::batchnorm_backward_eval<T>(g, gy.data<T>(), xc.data<T>(), gp, rm_copy.data<T>(), rv_copy.data<T>(),
                                            eps, dx.data<T>(), dgp, dbp, ro);
    });
    std::vector<Tensor> grads = {dx};
    if (has_g) grads.push_back(dg);
    if (has_b) grads.push_back(db);
    return grads;
  });
}

BatchNorm::BatchNorm(int64_t c, double mom, double e, int lo, int hi, std::string type)
    : num_features(c), momentum(mom), eps(e), dims_lo_(lo), dims_hi_(hi), type_(std::move(type)) {
  if (c <= 0) throw std::invalid_argument(type_ + ": num_features must be positive, got " + std::to_string(c));
  weight = register_parameter("weight", ones({c}));
  bias = register_parameter("bias", zeros({c}));
  running_mean = register_buffer("running_mean", zeros({c}));
  running_var = register_buffer("running_var", ones({c}));
  num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, DType::i64));
}

Variable BatchNorm::forward(const Variable& x) { return apply(x, false); }
Variable BatchNorm::forward_relu(const Variable& x) { return apply(x, true); }

Variable BatchNorm::apply(const Variable& x, bool relu) {
  if (x.dim() < dims_lo_ || x.dim() > dims_hi_ || x.size(1) != num_features) {
    std::ostringstream os;
    os << type_ << "(" << num_features << "): expected input (N, " << num_features << (dims_hi_ == 4 ? ", H, W)" : "[, L])")
       << ", got " << detail::shape_of(x);
    throw std::invalid_argument(os.str());
  }
  Variable y = batch_norm(x, weight, bias, running_mean, running_var, is_training(), momentum, eps, relu);
  if (is_training()) num_batches_tracked.data<int64_t>()[0] += 1;
  return y;
}

std::string BatchNorm::describe() const { return type_ + "(" + std::to_string(num_features) + ")"; }

}  // namespace hqc::nn
