// batchnorm.cpp — the fused batch_norm op (kernels in nn/kernels/batchnorm.cpp) and its layers.
#include "nn/batchnorm.hpp"

#include <cmath>
#include <memory>
#include <sstream>

#include "nn/detail.hpp"
#include "nn/kernels/batchnorm.hpp"
#include "nn/kernels/pool2d.hpp"
#include "tensor/batch_split.hpp"

namespace hqc::nn {

namespace {
// The checks every form of the op makes at the public boundary.
void check_batch_norm_args(const Variable& x, const Variable& gamma, const Variable& beta, const Tensor& running_mean,
                           const Tensor& running_var, bool training) {
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
}

// An evaluation-mode backward reads the running statistics as they were in the forward: a copy, made
// only when there will be a backward (the graph is recorded and an input asks for a gradient).
bool records_graph(const Variable& x, const Variable& gamma, const Variable& beta) {
  return autograd::grad_enabled() &&
         (x.requires_grad() || (gamma.defined() && gamma.requires_grad()) || (beta.defined() && beta.requires_grad()));
}

// PyTorch's update: the batch mean, and the unbiased batch variance (m values per channel).
template <typename T>
void update_running(Tensor& running_mean, Tensor& running_var, const std::vector<double>& mean,
                    const std::vector<double>& var, double momentum, double m) {
  T* rm = running_mean.data<T>();
  T* rv = running_var.data<T>();
  for (size_t c = 0; c < mean.size(); ++c) {
    rm[c] = T((1 - momentum) * double(rm[c]) + momentum * mean[c]);
    rv[c] = T((1 - momentum) * double(rv[c]) + momentum * var[c] * m / (m - 1));
  }
}
}  // namespace

Variable batch_norm(const Variable& x, const Variable& gamma, const Variable& beta, Tensor running_mean,
                    Tensor running_var, bool training, double momentum, double eps, bool relu) {
  check_batch_norm_args(x, gamma, beta, running_mean, running_var, training);
  const int64_t N = x.size(0), C = x.size(1), S = x.numel() / std::max<int64_t>(1, N * C);
  kernels::BatchNormGeometry g{N, C, S};
  Tensor xc = x.data().contiguous();
  Tensor gc = gamma.defined() ? gamma.data().contiguous() : Tensor();
  Tensor bc = beta.defined() ? beta.data().contiguous() : Tensor();
  Tensor y = Tensor::empty(x.sizes(), x.dtype());
  // The batch statistics a training-mode backward needs.
  auto mean = training ? std::make_shared<std::vector<double>>(C) : nullptr;
  auto invstd = training ? std::make_shared<std::vector<double>>(C) : nullptr;
  Tensor rm_copy = running_mean, rv_copy = running_var;  // those an evaluation-mode backward needs
  detail::dispatch_float(x.dtype(), "batch_norm", [&](auto zero) {
    using T = decltype(zero);
    const T* gp = gc.defined() ? gc.data<T>() : nullptr;
    const T* bp = bc.defined() ? bc.data<T>() : nullptr;
    if (training) {
      std::vector<double> var(C);
      kernels::batchnorm_forward_train<T>(g, xc.data<T>(), gp, bp, eps, y.data<T>(), mean->data(), var.data(),
                                          invstd->data(), relu);
      // The whole batch's values, also when the batch is split over processes.
      update_running<T>(running_mean, running_var, *mean, var, momentum, double(batch_total(N) * S));
    } else {
      if (records_graph(x, gamma, beta)) {
        rm_copy = running_mean.clone();
        rv_copy = running_var.clone();
      }
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

Variable batch_norm_relu_max_pool2d(const Variable& x, const Variable& gamma, const Variable& beta,
                                    Tensor running_mean, Tensor running_var, bool training, double momentum,
                                    double eps, int64_t kernel) {
  if (x.dim() != 4)
    throw std::invalid_argument("batch_norm_relu_max_pool2d: input must be (N, C, H, W), got " + detail::shape_of(x));
  if (kernel < 1 || x.size(2) < kernel || x.size(3) < kernel)
    throw std::invalid_argument("batch_norm_relu_max_pool2d: kernel " + std::to_string(kernel) +
                                " must be positive and fit input " + detail::shape_of(x));
  check_batch_norm_args(x, gamma, beta, running_mean, running_var, training);
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  kernels::BatchNormGeometry g{N, C, H * W};
  const kernels::Pool2dGeometry pg{1, H, W, kernel, kernel, kernel, kernel};
  Tensor xc = x.data().contiguous();
  Tensor gc = gamma.defined() ? gamma.data().contiguous() : Tensor();
  Tensor bc = beta.defined() ? beta.data().contiguous() : Tensor();
  Tensor y = Tensor::empty({N, C, pg.OH(), pg.OW()}, x.dtype());
  // The pool's indices serve only a backward: none without a graph (inference), idx.data() null.
  const bool backward = records_graph(x, gamma, beta);
  const detail::IndexBlock idx(backward ? y.numel() : 0);
  auto mean = training ? std::make_shared<std::vector<double>>(C) : nullptr;
  auto invstd = training ? std::make_shared<std::vector<double>>(C) : nullptr;
  Tensor rm_copy = running_mean, rv_copy = running_var;
  detail::dispatch_float(x.dtype(), "batch_norm_relu_max_pool2d", [&](auto zero) {
    using T = decltype(zero);
    const T* gp = gc.defined() ? gc.data<T>() : nullptr;
    const T* bp = bc.defined() ? bc.data<T>() : nullptr;
    if (training) {
      std::vector<double> var(C);
      kernels::batchnorm_relu_maxpool_forward_train<T>(g, pg, xc.data<T>(), gp, bp, eps, y.data<T>(), idx.data(),
                                                       mean->data(), var.data(), invstd->data());
      update_running<T>(running_mean, running_var, *mean, var, momentum, double(batch_total(N) * H * W));
    } else {
      if (backward) {
        rm_copy = running_mean.clone();
        rv_copy = running_var.clone();
      }
      kernels::batchnorm_relu_maxpool_forward_eval<T>(g, pg, xc.data<T>(), gp, bp, rm_copy.data<T>(),
                                                      rv_copy.data<T>(), eps, y.data<T>(), idx.data());
    }
  });
  std::vector<Variable> inputs = {x};
  if (gamma.defined()) inputs.push_back(gamma);
  if (beta.defined()) inputs.push_back(beta);
  const bool has_g = gamma.defined(), has_b = beta.defined();
  return make_result(y, inputs, "batch_norm_relu_max_pool2d", [=](const Tensor& gy_in) {
    Tensor gy = gy_in.contiguous();
    Tensor dx = Tensor::empty(xc.sizes(), gy.dtype());
    Tensor dg = has_g ? Tensor::empty({C}, gy.dtype()) : Tensor();
    Tensor db = has_b ? Tensor::empty({C}, gy.dtype()) : Tensor();
    detail::dispatch_float(gy.dtype(), "batch_norm_relu_max_pool2d backward", [&](auto zero) {
      using T = decltype(zero);
      const T* gp = has_g ? gc.data<T>() : nullptr;
      T* dgp = has_g ? dg.data<T>() : nullptr;
      T* dbp = has_b ? db.data<T>() : nullptr;
      if (training)
        kernels::batchnorm_relu_maxpool_backward_train<T>(g, pg, gy.data<T>(), idx.data(), y.data<T>(),
                                                          xc.data<T>(), gp, mean->data(), invstd->data(),
                                                          dx.data<T>(), dgp, dbp);
      else
        kernels::batchnorm_relu_maxpool_backward_eval<T>(g, pg, gy.data<T>(), idx.data(), y.data<T>(),
                                                         xc.data<T>(), gp, rm_copy.data<T>(), rv_copy.data<T>(), eps,
                                                         dx.data<T>(), dgp, dbp);
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

Variable BatchNorm::forward_relu_max_pool2d(const Variable& x, int64_t kernel) {
  if (x.dim() != 4 || x.size(1) != num_features) {
    std::ostringstream os;
    os << type_ << "(" << num_features << "): expected input (N, " << num_features << ", H, W), got "
       << detail::shape_of(x);
    throw std::invalid_argument(os.str());
  }
  Variable y = batch_norm_relu_max_pool2d(x, weight, bias, running_mean, running_var, is_training(), momentum, eps,
                                          kernel);
  if (is_training()) num_batches_tracked.data<int64_t>()[0] += 1;
  return y;
}

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
