// module.hpp — the base of every layer and model: named parameters, buffers and child modules.
//
// As torch.nn.Module, reduced to what this project uses:
//   - a parameter is a leaf Variable that requires a gradient (weights, biases, circuit angles);
//   - a buffer is a Tensor that belongs to the state but is not trained (BatchNorm's running
//     statistics);
//   - children are modules held by shared_ptr, named when registered ("conv1", or "0", "1", ... in a
//     Sequential), so every parameter and buffer has a dotted name ("features.0.weight") — the names
//     a checkpoint stores, in PyTorch's state_dict order (own parameters, own buffers, then each
//     child in registration order).
// A new layer derives from Module, registers its tensors in the constructor, and implements
// forward() and type_name().
// Parameters and buffers are updated in place (optimisers, load_state), never re-seated, so a layer
// may keep its own handle to them.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "autograd/variable.hpp"

namespace hqc::nn {

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // The computation; x carries the batch as its first dimension.
  virtual Variable forward(const Variable& x) = 0;
  // Runs forward(): how a model calls its children.
  Variable operator()(const Variable& x);

  // "Conv2d", "Linear", ... and a one-line description with the layer's settings.
  virtual std::string type_name() const = 0;
  virtual std::string describe() const { return type_name(); }

  // --- the tree ---
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const { return children_; }
  // Every module below and including this one, depth first, with dotted names ("" for this one).
  std::vector<std::pair<std::string, Module*>> named_modules(const std::string& prefix = "");

  // --- parameters and state ---
  std::vector<std::pair<std::string, Variable>> named_parameters() const;
  std::vector<Variable> parameters() const;
  std::vector<std::pair<std::string, Tensor>> named_buffers() const;
  // Parameters and buffers by name (the tensors themselves, shared, not copies).
  std::vector<std::pair<std::string, Tensor>> state() const;
  // Copies every tensor of `state` into the module. All-or-nothing: the names, shapes and element
  // types must match the module's state exactly (no missing, no extra), else std::invalid_argument
  // naming the first difference, and nothing is changed.
  void load_state(const std::vector<std::pair<std::string, Tensor>>& state);
  // Number of trainable scalars (buffers excluded), as sum(p.numel() for p in model.parameters()).
  int64_t num_parameters() const;
  // Parameters registered directly on this module (children excluded).
  int64_t num_own_parameters() const;

  // --- modes ---
  // Training mode (the default) or evaluation mode, for this module and all below it.
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  // Drops the gradients of every parameter.
  void zero_grad();

 protected:
  // Registers a trainable parameter holding `value` (shared) and returns its handle.
  Variable register_parameter(const std::string& name, Tensor value);
  Tensor register_buffer(const std::string& name, Tensor value);
  template <typename M> std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }
  void add_child(const std::string& name, std::shared_ptr<Module> module);

 private:
  std::vector<std::pair<std::string, Variable>> params_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

// Runs its children in order: Sequential().add(conv).add(bn).add(relu).
class Sequential : public Module {
 public:
  Sequential() = default;
  explicit Sequential(std::vector<std::shared_ptr<Module>> modules);
  // Appends a module named by its position ("0", "1", ...).
  Sequential& add(std::shared_ptr<Module> module);
  // Appends a module under a chosen name.
  Sequential& add(const std::string& name, std::shared_ptr<Module> module);
  std::size_t size() const { return children().size(); }
  Module& operator[](std::size_t i) const { return *children().at(i).second; }

  // Runs each BatchNorm1d / BatchNorm2d that is directly followed by a ReLU, among the children
  // present now, as one op (BatchNorm::forward_relu: the same bits, forward and gradients, with one
  // pass fewer over the activations), and a BatchNorm2d, ReLU and MaxPool2d whose stride is its
  // kernel as one op too (BatchNorm::forward_relu_max_pool2d). All stay children under their own
  // names, so parameters, checkpoints and summaries do not change. Returns the number of groups fused.
  int fuse_batchnorm_relu();

  Variable forward(const Variable& x) override;
  std::string type_name() const override { return "Sequential"; }

 private:
  // fused_[i]: 0, or the number of children (2: BatchNorm, ReLU; 3: and MaxPool2d) run as one op
  // from child i, a BatchNorm.
  std::vector<int> fused_;
};

// --- summaries (`hqc summary`) ---

struct LayerSummary {
  std::string name;         // dotted name ("features.0")
  std::string type;         // "Conv2d"
  std::string description;  // describe()
  Shape output_shape;       // without the batch dimension
  int64_t parameters = 0;   // the layer's own trainable scalars
};

// Lists the leaf modules of `model` in registration order with their output shapes, found by
// running each leaf, in evaluation mode without a graph, on the previous leaf's output, starting from
// a batch of one zero input of shape `input_shape` (without the batch dimension). That is the model's
// own computation for models whose containers run their children in registration order (Sequential
// and the study's networks). The model's training mode is restored afterwards.
std::vector<LayerSummary> summarize(Module& model, const Shape& input_shape, DType dtype = DType::f32);
// A printable table: name, type, output shape, parameters, and the total.
std::string format_summary(const std::vector<LayerSummary>& layers, int64_t total_parameters);

inline std::shared_ptr<Sequential> sequential(std::vector<std::shared_ptr<Module>> modules) {
  return std::make_shared<Sequential>(std::move(modules));
}
// sequential(modules) with fuse_batchnorm_relu() applied.
inline std::shared_ptr<Sequential> fused_sequential(std::vector<std::shared_ptr<Module>> modules) {
  auto s = sequential(std::move(modules));
  s->fuse_batchnorm_relu();
  return s;
}

}  // namespace hqc::nn
