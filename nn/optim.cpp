// optim.cpp — SGD, Adam, AdamW and clip_grad_norm (formulas in optim.hpp).
#include "nn/optim.hpp"

#include <cmath>
#include <stdexcept>

#include "nn/detail.hpp"
#include "tensor/math.hpp"
#include "tensor/parallel.hpp"

namespace hqc::nn {

namespace {
void check_param(const Variable& p, const char* op) {
  if (!p.defined() || !p.is_leaf() || !p.data().is_contiguous())
    throw std::invalid_argument(std::string(op) + ": parameters must be defined, contiguous leaves");
}

Tensor scalar_f64(double v) {
  Tensor t = Tensor::empty({1}, DType::f64);
  t.data<double>()[0] = v;
  return t;
}

// Looks up state tensors by name and checks their shape and type; remembers which were used so that
// finish() can refuse names nobody asked for.
class StateReader {
 public:
  StateReader(const Optimizer::State& s, std::string who) : s_(s), who_(std::move(who)), used_(s.size(), false) {}
  bool has(const std::string& name) const {
    for (const auto& [n, t] : s_)
      if (n == name) return true;
    return false;
  }
  const Tensor& get(const std::string& name, const Shape& shape, DType dtype) {
    for (size_t i = 0; i < s_.size(); ++i) {
      if (s_[i].first != name) continue;
      const Tensor& t = s_[i].second;
      if (t.sizes() != shape || t.dtype() != dtype)
        throw std::invalid_argument(who_ + " state: \"" + name + "\" should be " + dtype_name(dtype) + " " +
                                    shape_str(shape) + ", found " + dtype_name(t.dtype()) + " " + shape_str(t.sizes()));
      used_[i] = true;
      return t;
    }
    throw std::invalid_argument(who_ + " state: no \"" + name + "\"");
  }
  void finish() const {
    for (size_t i = 0; i < s_.size(); ++i)
      if (!used_[i]) throw std::invalid_argument(who_ + " state: unexpected \"" + s_[i].first + "\"");
  }

 private:
  const Optimizer::State& s_;
  std::string who_;
  std::vector<bool> used_;
};
}  // namespace

Optimizer::Optimizer(std::vector<Variable> params, double lr) : params_(std::move(params)), lr_(lr) {
  for (const auto& p : params_) check_param(p, "Optimizer");
  if (!(lr >= 0)) throw std::invalid_argument("Optimizer: learning rate must be >= 0, got " + std::to_string(lr));
}

void Optimizer::zero_grad() {
  for (auto& p : params_) p.zero_grad();
}

SGD::SGD(std::vector<Variable> params, SGDOptions o) : Optimizer(std::move(params), o.lr), opt_(o) {
  if (o.momentum < 0 || o.weight_decay < 0)
    throw std::invalid_argument("SGD: momentum and weight_decay must be >= 0");
  if (o.nesterov && (o.momentum <= 0 || o.dampening != 0))
    throw std::invalid_argument("SGD: Nesterov momentum requires a momentum and zero dampening");
  buf_.resize(params_.size());
}

void SGD::step() {
  for (size_t i = 0; i < params_.size(); ++i) {
    Variable& p = params_[i];
    if (!p.grad().defined()) continue;
    Tensor g = p.grad().contiguous();
    Tensor& data = p.mutable_data();
    detail::dispatch_float(data.dtype(), "SGD", [&](auto zero) {
      using T = decltype(zero);
      const int64_t n = data.numel();
      T* w = data.data<T>();
      const T* gr = g.data<T>();
      const T wd = T(opt_.weight_decay), mu = T(opt_.momentum), damp = T(1 - opt_.dampening), lr = T(lr_);
      T* b = nullptr;
      bool first = false;
      if (opt_.momentum != 0) {
        if (!buf_[i].defined()) {
          buf_[i] = Tensor::empty(data.sizes(), data.dtype());
          first = true;
        }
        b = buf_[i].data<T>();
      }
      for (int64_t j = 0; j < n; ++j) {
        T d = gr[j];
        if (opt_.weight_decay != 0) d = d + wd * w[j];
        if (b) {
          b[j] = first ? d : b[j] * mu + damp * d;
          d = opt_.nesterov ? d + mu * b[j] : b[j];
        }
        w[j] = w[j] - lr * d;
      }
    });
  }
}

Optimizer::State SGD::state() const {
  State s = {{"lr", scalar_f64(lr_)}, {"momentum", scalar_f64(opt_.momentum)}};
  for (size_t i = 0; i < buf_.size(); ++i)
    if (buf_[i].defined()) s.emplace_back("buf." + std::to_string(i), buf_[i].clone());
  return s;
}

void SGD::load_state(const State& state) {
  StateReader r(state, "SGD");
  const double lr = r.get("lr", {1}, DType::f64).data<double>()[0];
  const double mu = r.get("momentum", {1}, DType::f64).data<double>()[0];
  std::vector<Tensor> buf(params_.size());
  for (size_t i = 0; i < params_.size(); ++i) {
    const std::string name = "buf." + std::to_string(i);
    if (r.has(name)) buf[i] = r.get(name, params_[i].data().sizes(), params_[i].data().dtype()).clone();
  }
  r.finish();
  lr_ = lr, opt_.momentum = mu, buf_ = std::move(buf);
}

Adam::Adam(std::vector<Variable> params, AdamOptions o) : Adam(std::move(params), o, false) {}

Adam::Adam(std::vector<Variable> params, AdamOptions o, bool decoupled)
    : Optimizer(std::move(params), o.lr), opt_(o), decoupled_(decoupled) {
  const char* name = decoupled ? "AdamW" : "Adam";
  if (!(o.beta1 >= 0 && o.beta1 < 1) || !(o.beta2 >= 0 && o.beta2 < 1))
    throw std::invalid_argument(std::string(name) + ": betas must be in [0, 1), got " + std::to_string(o.beta1) + ", " +
                                std::to_string(o.beta2));
  if (!(o.eps >= 0) || !(o.weight_decay >= 0))
    throw std::invalid_argument(std::string(name) + ": eps and weight_decay must be >= 0");
  m_.resize(params_.size());
  v_.resize(params_.size());
  steps_.assign(params_.size(), 0);
}

void Adam::step() {
  for (size_t i = 0; i < params_.size(); ++i) {
    Variable& p = params_[i];
    if (!p.grad().defined()) continue;
    Tensor g = p.grad().contiguous();
    Tensor& data = p.mutable_data();
    if (!m_[i].defined()) {
      m_[i] = zeros(data.sizes(), data.dtype());
      v_[i] = zeros(data.sizes(), data.dtype());
    }
    const int64_t t = ++steps_[i];
    const double bc1 = 1 - math::powi(opt_.beta1, t);
    const double bc2 = 1 - math::powi(opt_.beta2, t);
    detail::dispatch_float(data.dtype(), decoupled_ ? "AdamW" : "Adam", [&](auto zero) {
      using T = decltype(zero);
      const int64_t n = data.numel();
      T* w = data.data<T>();
      T* m = m_[i].data<T>();
      T* v = v_[i].data<T>();
      const T* gr = g.data<T>();
      const T b1 = T(opt_.beta1), b2 = T(opt_.beta2), one_b1 = T(1 - opt_.beta1), one_b2 = T(1 - opt_.beta2);
      const T wd = T(opt_.weight_decay), eps = T(opt_.eps);
      const T step_size = T(lr_ / bc1), bc2_sqrt = T(std::sqrt(bc2));
      const T shrink = T(1 - lr_ * opt_.weight_decay);
      // Element by element, so any split gives the same bits; a large layer's update (CIFAR-100's
      // 1.2M-weight convolution: 7 floats read or written per weight) is memory-bound, and two
      // cores draw more bandwidth than one. The decay mode is a template argument, not a branch in
      // the loop, so that the loop vectorises.
      enum Decay { none, coupled, decoupled };
      auto update = [=]<Decay kDecay>(int64_t j0, int64_t j1) {
        for (int64_t j = j0; j < j1; ++j) {
          T d = gr[j];
          if constexpr (kDecay == decoupled) w[j] = w[j] * shrink;
          if constexpr (kDecay == coupled) d = d + wd * w[j];
          m[j] = m[j] * b1 + d * one_b1;
          v[j] = v[j] * b2 + d * d * one_b2;
          const T denom = std::sqrt(v[j]) / bc2_sqrt + eps;
          w[j] = w[j] - step_size * (m[j] / denom);
        }
      };
      const Decay decay = decoupled_ ? decoupled : opt_.weight_decay != 0 ? coupled : none;
      parallel_for(n, int64_t{1} << 15, [&](int64_t j0, int64_t j1) {
        if (decay == decoupled)
          update.template operator()<decoupled>(j0, j1);
        else if (decay == coupled)
          update.template operator()<coupled>(j0, j1);
        else
          update.template operator()<none>(j0, j1);
      });
    });
  }
}

Optimizer::State Adam::state() const {
  Tensor steps = Tensor::empty({static_cast<int64_t>(steps_.size())}, DType::i64);
  for (size_t i = 0; i < steps_.size(); ++i) steps.data<int64_t>()[i] = steps_[i];
  State s = {{"lr", scalar_f64(lr_)}, {"momentum", scalar_f64(opt_.beta1)}, {"step", steps}};
  for (size_t i = 0; i < m_.size(); ++i) {
    if (!m_[i].defined()) continue;
    s.emplace_back("m." + std::to_string(i), m_[i].clone());
    s.emplace_back("v." + std::to_string(i), v_[i].clone());
  }
  return s;
}

void Adam::load_state(const State& state) {
  const char* who = decoupled_ ? "AdamW" : "Adam";
  StateReader r(state, who);
  const double lr = r.get("lr", {1}, DType::f64).data<double>()[0];
  const double b1 = r.get("momentum", {1}, DType::f64).data<double>()[0];
  const Tensor& st = r.get("step", {static_cast<int64_t>(params_.size())}, DType::i64);
  if (!(b1 >= 0 && b1 < 1)) throw std::invalid_argument(std::string(who) + " state: beta1 " + std::to_string(b1) + " outside [0, 1)");
  std::vector<int64_t> steps(params_.size());
  std::vector<Tensor> m(params_.size()), v(params_.size());
  for (size_t i = 0; i < params_.size(); ++i) {
    steps[i] = st.data<int64_t>()[i];
    if (steps[i] < 0) throw std::invalid_argument(std::string(who) + " state: negative step count for parameter " + std::to_string(i));
    if (steps[i] == 0) continue;  // never stepped: its moments are created on its first step
    const Tensor& d = params_[i].data();
    m[i] = r.get("m." + std::to_string(i), d.sizes(), d.dtype()).clone();
    v[i] = r.get("v." + std::to_string(i), d.sizes(), d.dtype()).clone();
  }
  r.finish();
  lr_ = lr, opt_.beta1 = b1, steps_ = std::move(steps), m_ = std::move(m), v_ = std::move(v);
}

double clip_grad_norm(const std::vector<Variable>& params, double max_norm, bool error_if_nonfinite) {
  double sq = 0;
  for (const auto& p : params) {
    if (!p.defined() || !p.grad().defined()) continue;
    Tensor g = p.grad().contiguous();
    detail::dispatch_float(g.dtype(), "clip_grad_norm", [&](auto zero) {
      using T = decltype(zero);
      const T* d = g.data<T>();
      for (int64_t j = 0, n = g.numel(); j < n; ++j) sq += double(d[j]) * double(d[j]);
    });
  }
  const double total = std::sqrt(sq);
  if (error_if_nonfinite && !std::isfinite(total))
    throw std::runtime_error("clip_grad_norm: the total gradient norm is " + std::to_string(total) +
                             " (a NaN or infinite gradient)");
  const double coef = std::min(1.0, max_norm / (total + 1e-6));
  if (coef < 1.0 || !std::isfinite(total)) {
    for (const auto& p : params) {
      if (!p.defined() || !p.grad().defined()) continue;
      Tensor g = p.grad();
      mul_(g, coef);
    }
  }
  return total;
}

}  // namespace hqc::nn
