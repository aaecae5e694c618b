// variable.cpp — Variable bookkeeping and the backward engine.
#include "autograd/variable.hpp"

#include <stdexcept>
#include <unordered_set>

namespace hqc {

namespace autograd {
namespace {
thread_local bool t_grad_enabled = true;
}
bool grad_enabled() { return t_grad_enabled; }
}  // namespace autograd

NoGradGuard::NoGradGuard() : previous_(autograd::t_grad_enabled) { autograd::t_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { autograd::t_grad_enabled = previous_; }

Variable::Variable(Tensor data, bool requires_grad) : impl_(std::make_shared<autograd::VariableImpl>()) {
  if (!data.defined()) throw std::invalid_argument("Variable: undefined tensor");
  if (requires_grad && data.dtype() != DType::f32 && data.dtype() != DType::f64) {
    throw std::invalid_argument(std::string("Variable: only float tensors can require gradients, got ") +
                                dtype_name(data.dtype()));
  }
  impl_->data = std::move(data);
  impl_->requires_grad = requires_grad;
}

namespace {
void check_defined(const std::shared_ptr<autograd::VariableImpl>& impl, const char* what) {
  if (!impl) throw std::logic_error(std::string("Variable::") + what + ": undefined Variable");
}
}  // namespace

const Tensor& Variable::data() const {
  check_defined(impl_, "data");
  return impl_->data;
}
Tensor& Variable::mutable_data() {
  check_defined(impl_, "mutable_data");
  return impl_->data;
}
const Tensor& Variable::grad() const {
  check_defined(impl_, "grad");
  return impl_->grad;
}
void Variable::set_grad(Tensor g) {
  check_defined(impl_, "set_grad");
  if (g.defined() && g.sizes() != impl_->data.sizes()) {
    throw std::invalid_argument("Variable::set_grad: gradient of shape " + shape_str(g.sizes()) +
                                " for data of shape " + shape_str(impl_->data.sizes()));
  }
  impl_->grad = std::move(g);
}
void Variable::zero_grad() {
  check_defined(impl_, "zero_grad");
  impl_->grad = Tensor();
}
bool Variable::requires_grad() const { return impl_ && impl_->requires_grad; }
Variable& Variable::set_requires_grad(bool on) {
  check_defined(impl_, "set_requires_grad");
  if (impl_->grad_fn) throw std::logic_error("set_requires_grad: only leaves can change it");
  impl_->requires_grad = on;
  return *this;
}
void Variable::retain_grad() {
  check_defined(impl_, "retain_grad");
  impl_->retain_grad = true;
}
bool Variable::is_leaf() const { return impl_ && !impl_->grad_fn; }
const std::shared_ptr<autograd::Node>& Variable::grad_fn() const {
  check_defined(impl_, "grad_fn");
  return impl_->grad_fn;
}

Variable Variable::detach() const { return Variable(data(), false); }

bool records_node(const std::vector<Variable>& inputs) {
  if (!autograd::grad_enabled()) return false;
  for (const Variable& v : inputs)
    if (v.requires_grad()) return true;
  return false;
}

Variable make_result(Tensor data, std::vector<Variable> inputs, const char* name, autograd::Node::Backward backward) {
  Variable out(std::move(data), false);
  if (!records_node(inputs)) return out;
  auto node = std::make_shared<autograd::Node>();
  node->name = name;
  node->inputs = std::move(inputs);
  node->backward = std::move(backward);
  out.impl_->requires_grad = true;
  out.impl_->grad_fn = std::move(node);
  return out;
}

void Variable::backward() const {
  check_defined(impl_, "backward");
  if (impl_->data.numel() != 1) {
    throw std::invalid_argument("backward: needs a gradient for an output of shape " +
                                shape_str(impl_->data.sizes()) + " (only a one-element output seeds 1)");
  }
  backward(ones(impl_->data.sizes(), impl_->data.dtype()));
}

void Variable::backward(const Tensor& grad_output) const {
  check_defined(impl_, "backward");
  if (!impl_->requires_grad) throw std::logic_error("backward: this Variable does not require a gradient");
  if (grad_output.sizes() != impl_->data.sizes() || grad_output.dtype() != impl_->data.dtype()) {
    throw std::invalid_argument("backward: gradient " + shape_str(grad_output.sizes()) + " " +
                                dtype_name(grad_output.dtype()) + " for an output " +
                                shape_str(impl_->data.sizes()) + " " + dtype_name(impl_->data.dtype()));
  }
  using Impl = autograd::VariableImpl;

  // Topological order by an iterative depth-first search (deep graphs must not overflow the stack).
  // `order` holds the nodes alive while their closures are freed below; it is destroyed leaves
  // first, so no long chain of destructors recurses.
  std::vector<std::shared_ptr<Impl>> order;
  std::unordered_set<Impl*> seen;
  std::vector<std::pair<std::shared_ptr<Impl>, std::size_t>> stack = {{impl_, 0}};
  seen.insert(impl_.get());
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    const auto& fn = node->grad_fn;
    if (fn && next < fn->inputs.size()) {
      const std::shared_ptr<Impl>& child = fn->inputs[next++].impl_;
      if (child->requires_grad && seen.insert(child.get()).second) stack.push_back({child, 0});
    } else {
      order.push_back(std::move(node));
      stack.pop_back();
    }
  }

  auto accumulate = [](Impl* target, Tensor g) {
    if (g.sizes() != target->data.sizes()) g = sum_to(g, target->data.sizes());  // undo broadcasting
    if (!target->grad.defined()) {
      // Own the buffer: a closure may hand back a view of its input gradient.
      target->grad = g.is_contiguous() && g.storage().use_count() == 1 ? g : g.clone();
    } else {
      add_(target->grad, g);
    }
  };

  // The seed. A root with a grad_fn whose gradient is not kept is only read by its own backward and
  // then dropped (nothing else in the graph can feed it), so it may alias the caller's tensor; a
  // leaf or a retained gradient is handed to the user and gets its own copy.
  if (impl_->grad_fn && !impl_->retain_grad && !impl_->grad.defined() && grad_output.is_contiguous())
    impl_->grad = grad_output;
  else
    accumulate(impl_.get(), grad_output);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Impl* node = it->get();
    if (!node->grad_fn || !node->grad.defined()) continue;
    std::shared_ptr<autograd::Node> fn = node->grad_fn;
    std::vector<Tensor> grads = fn->backward(node->grad);
    if (grads.size() != fn->inputs.size()) {
      throw std::logic_error(std::string("backward of ") + fn->name + " returned " + std::to_string(grads.size()) +
                             " gradients for " + std::to_string(fn->inputs.size()) + " inputs");
    }
    for (std::size_t i = 0; i < grads.size(); ++i) {
      Impl* in = fn->inputs[i].impl_.get();
      if (in->requires_grad && grads[i].defined()) accumulate(in, std::move(grads[i]));
    }
    // The graph is consumed: free intermediate gradients and the closure (and what it captured).
    if (!node->retain_grad) node->grad = Tensor();
    node->grad_fn.reset();
  }
}

}  // namespace hqc
