// variable.hpp — reverse-mode automatic differentiation: a Variable is a Tensor that remembers how
// it was made.
//
// Define-by-run, as micrograd (Karpathy, engine.py): each op computes its result and, right next to
// it, a closure that maps the gradient of the result to gradients of its inputs (functions.cpp).
// backward() orders the graph topologically and runs the closures in reverse, accumulating with +=.
// When an input was broadcast, the engine sums the gradient back to the input's shape (sum_to) — in
// one place, here, not in every op. Any Variable can require gradients, inputs included (adversarial
// attacks need d loss / d image).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "tensor/ops.hpp"

namespace hqc {

class Variable;

namespace autograd {

// The recorded step that made a non-leaf Variable.
struct Node {
  using Backward = std::function<std::vector<Tensor>(const Tensor& grad_output)>;
  const char* name = "";
  std::vector<Variable> inputs;  // in the order the closure returns their gradients
  Backward backward;             // returns one gradient per input (undefined: no contribution)
};

struct VariableImpl {
  Tensor data;
  Tensor grad;  // accumulated gradient; for non-leaves only while backward() runs (or retained)
  bool requires_grad = false;
  bool retain_grad = false;
  std::shared_ptr<Node> grad_fn;  // null for leaves
};

// Whether ops record the graph (thread-local; on by default).
bool grad_enabled();

}  // namespace autograd

// Inside its scope no graph is recorded: results of ops do not require gradients (evaluation).
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

class Variable {
 public:
  Variable() = default;
  // A leaf holding `data` (shared, not copied).
  explicit Variable(Tensor data, bool requires_grad = false);

  bool defined() const { return impl_ != nullptr; }
  const Tensor& data() const;
  // The data for in-place updates of a leaf (optimisers); never use on a graph in flight.
  Tensor& mutable_data();
  const Tensor& grad() const;  // undefined until a backward pass reached this Variable
  void set_grad(Tensor g);
  void zero_grad();  // drops the gradient (the next backward() starts it afresh)
  bool requires_grad() const;
  Variable& set_requires_grad(bool on);  // leaves only
  void retain_grad();                    // keep the gradient of a non-leaf after backward()
  bool is_leaf() const;
  const std::shared_ptr<autograd::Node>& grad_fn() const;

  const Shape& sizes() const { return data().sizes(); }
  int64_t size(int64_t d) const { return data().size(d); }
  int64_t dim() const { return data().dim(); }
  int64_t numel() const { return data().numel(); }
  DType dtype() const { return data().dtype(); }
  double item() const { return data().item(); }

  // A leaf sharing the data, cut from the graph.
  Variable detach() const;

  // Back-propagates from this Variable. Without an argument it must hold one element (a loss), and
  // the seed gradient is 1. The graph is freed as it is consumed: call backward() once per forward.
  void backward() const;
  void backward(const Tensor& grad_output) const;

  // Identity of the underlying node (for maps and tests).
  const autograd::VariableImpl* id() const { return impl_.get(); }

 private:
  friend Variable make_result(Tensor, std::vector<Variable>, const char*, autograd::Node::Backward);
  std::shared_ptr<autograd::VariableImpl> impl_;
};

// Makes the result of an op: records `backward` over `inputs` when grad mode is on and any input
// requires a gradient; otherwise returns a plain leaf and drops the closure.
Variable make_result(Tensor data, std::vector<Variable> inputs, const char* name, autograd::Node::Backward backward);

// Whether make_result would record a node for these inputs.
bool records_node(const std::vector<Variable>& inputs);

// The same for a closure given as a lambda: turned into a Backward (a heap copy of its captures)
// only when the node is recorded, so that inference does not build and drop one per op.
template <typename F>
  requires(!std::is_same_v<std::decay_t<F>, autograd::Node::Backward>)
Variable make_result(Tensor data, std::vector<Variable> inputs, const char* name, F&& backward) {
  if (!records_node(inputs)) return Variable(std::move(data), false);
  return make_result(std::move(data), std::move(inputs), name, autograd::Node::Backward(std::forward<F>(backward)));
}

}  // namespace hqc
