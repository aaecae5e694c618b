// module.cpp — Module's registries, state loading, modes, Sequential and the summary walk.
#include "nn/module.hpp"

#include <iomanip>
#include <map>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "nn/activation.hpp"
#include "nn/batchnorm.hpp"
#include "nn/pooling.hpp"

namespace hqc::nn {

namespace {
std::string join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

void check_name(const std::string& name, const char* what) {
  if (name.empty() || name.find('.') != std::string::npos)
    throw std::invalid_argument(std::string("Module: ") + what + " name '" + name +
                                "' must be non-empty and contain no '.'");
}
}  // namespace

Variable Module::operator()(const Variable& x) { return forward(x); }

std::vector<std::pair<std::string, Module*>> Module::named_modules(const std::string& prefix) {
  std::vector<std::pair<std::string, Module*>> out = {{prefix, this}};
  for (auto& [name, child] : children_) {
    auto sub = child->named_modules(join(prefix, name));
    out.insert(out.end(), sub.begin(), sub.end());
  }
  return out;
}

std::vector<std::pair<std::string, Variable>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Variable>> out = params_;
  for (const auto& [name, child] : children_)
    for (auto& [n, p] : child->named_parameters()) out.emplace_back(join(name, n), p);
  return out;
}

std::vector<Variable> Module::parameters() const {
  std::vector<Variable> out;
  for (auto& [n, p] : named_parameters()) out.push_back(p);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers() const {
  std::vector<std::pair<std::string, Tensor>> out = buffers_;
  for (const auto& [name, child] : children_)
    for (auto& [n, b] : child->named_buffers()) out.emplace_back(join(name, n), b);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::state() const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (const auto& [n, p] : params_) out.emplace_back(n, p.data());
  for (const auto& [n, b] : buffers_) out.emplace_back(n, b);
  for (const auto& [name, child] : children_)
    for (auto& [n, t] : child->state()) out.emplace_back(join(name, n), t);
  return out;
}

void Module::load_state(const std::vector<std::pair<std::string, Tensor>>& state) {
  auto mine = this->state();
  std::unordered_map<std::string, const Tensor*> given;
  for (const auto& [n, t] : state) {
    if (!given.emplace(n, &t).second) throw std::invalid_argument("load_state: tensor '" + n + "' given twice");
  }
  // Check everything first, so that a mismatch changes nothing.
  for (const auto& [n, t] : mine) {
    auto it = given.find(n);
    if (it == given.end()) throw std::invalid_argument("load_state: missing tensor '" + n + "'");
    const Tensor& src = *it->second;
    if (src.sizes() != t.sizes() || src.dtype() != t.dtype())
      throw std::invalid_argument("load_state: tensor '" + n + "' is " + shape_str(src.sizes()) + " " +
                                  dtype_name(src.dtype()) + ", the model needs " + shape_str(t.sizes()) + " " +
                                  dtype_name(t.dtype()));
  }
  if (given.size() != mine.size()) {
    std::unordered_map<std::string, int> known;
    for (const auto& [n, t] : mine) known[n] = 1;
    for (const auto& [n, t] : state)
      if (!known.count(n)) throw std::invalid_argument("load_state: unexpected tensor '" + n + "'");
  }
  for (auto& [n, t] : mine) {
    Tensor dst = t;
    dst.copy_(*given.at(n));
  }
}

int64_t Module::num_parameters() const {
  int64_t total = 0;
  for (const auto& [n, p] : named_parameters()) total += p.numel();
  return total;
}

int64_t Module::num_own_parameters() const {
  int64_t total = 0;
  for (const auto& [n, p] : params_) total += p.numel();
  return total;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, child] : children_) child->train(on);
}

void Module::zero_grad() {
  for (auto& p : parameters()) p.zero_grad();
}

Variable Module::register_parameter(const std::string& name, Tensor value) {
  check_name(name, "parameter");
  for (const auto& [n, p] : params_)
    if (n == name) throw std::invalid_argument("Module: parameter '" + name + "' registered twice");
  Variable v(std::move(value), true);
  params_.emplace_back(name, v);
  return v;
}

Tensor Module::register_buffer(const std::string& name, Tensor value) {
  check_name(name, "buffer");
  for (const auto& [n, b] : buffers_)
    if (n == name) throw std::invalid_argument("Module: buffer '" + name + "' registered twice");
  buffers_.emplace_back(name, value);
  return value;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_name(name, "child module");
  if (!module) throw std::invalid_argument("Module: child '" + name + "' is null");
  for (const auto& [n, c] : children_)
    if (n == name) throw std::invalid_argument("Module: child '" + name + "' registered twice");
  children_.emplace_back(name, std::move(module));
}

Sequential::Sequential(std::vector<std::shared_ptr<Module>> modules) {
  for (auto& m : modules) add(std::move(m));
}

Sequential& Sequential::add(std::shared_ptr<Module> module) {
  add_child(std::to_string(children().size()), std::move(module));
  return *this;
}

Sequential& Sequential::add(const std::string& name, std::shared_ptr<Module> module) {
  add_child(name, std::move(module));
  return *this;
}

int Sequential::fuse_batchnorm_relu() {
  const auto& mods = children();
  fused_.assign(mods.size(), 0);
  int groups = 0;
  for (std::size_t i = 0; i + 1 < mods.size(); ++i) {
    // BatchNorm1d, BatchNorm2d, ReLU and MaxPool2d are final: their forward() is the one the fused
    // op replaces.
    Module* m = mods[i].second.get();
    const bool bn2d = dynamic_cast<BatchNorm2d*>(m) != nullptr;
    const bool bn = bn2d || dynamic_cast<BatchNorm1d*>(m);
    if (!bn || !dynamic_cast<ReLU*>(mods[i + 1].second.get())) continue;
    const auto* pool = i + 2 < mods.size() ? dynamic_cast<MaxPool2d*>(mods[i + 2].second.get()) : nullptr;
    fused_[i] = bn2d && pool && pool->stride == pool->kernel ? 3 : 2;
    ++groups;
    i += fused_[i] - 1;
  }
  return groups;
}

Variable Sequential::forward(const Variable& x) {
  Variable y = x;
  const auto& mods = children();
  for (std::size_t i = 0; i < mods.size(); ++i) {
    const int group = i < fused_.size() ? fused_[i] : 0;
    if (group == 3) {
      y = static_cast<BatchNorm&>(*mods[i].second)
              .forward_relu_max_pool2d(y, static_cast<MaxPool2d&>(*mods[i + 2].second).kernel);
    } else if (group == 2) {
      y = static_cast<BatchNorm&>(*mods[i].second).forward_relu(y);
    } else {
      y = (*mods[i].second)(y);
      continue;
    }
    i += group - 1;  // the ReLU (and the pool) ran inside
  }
  return y;
}

std::vector<LayerSummary> summarize(Module& model, const Shape& input_shape, DType dtype) {
  std::vector<LayerSummary> out;
  const bool was_training = model.is_training();
  Shape shape = {1};
  shape.insert(shape.end(), input_shape.begin(), input_shape.end());
  try {
    NoGradGuard no_grad;
    model.eval();
    Variable y(zeros(shape, dtype));
    for (auto& [name, m] : model.named_modules()) {
      if (!m->children().empty()) continue;  // containers: their leaves are listed
      y = (*m)(y);
      Shape s = y.sizes();
      if (!s.empty()) s.erase(s.begin());
      out.push_back({name, m->type_name(), m->describe(), s, m->num_own_parameters()});
    }
  } catch (...) {
    model.train(was_training);
    throw;
  }
  model.train(was_training);
  return out;
}

std::string format_summary(const std::vector<LayerSummary>& layers, int64_t total_parameters) {
  std::size_t wn = 5, wd = 5, ws = 12;
  std::vector<std::string> shapes;
  for (const auto& l : layers) {
    shapes.push_back(shape_str(l.output_shape));
    wn = std::max(wn, l.name.size());
    wd = std::max(wd, l.description.size());
    ws = std::max(ws, shapes.back().size());
  }
  std::ostringstream os;
  os << std::left << std::setw(int(wn)) << "name" << "  " << std::setw(int(wd)) << "layer" << "  " << std::setw(int(ws))
     << "output shape" << "  " << std::right << std::setw(10) << "parameters" << "\n";
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const auto& l = layers[i];
    os << std::left << std::setw(int(wn)) << l.name << "  " << std::setw(int(wd)) << l.description << "  "
       << std::setw(int(ws)) << shapes[i] << "  " << std::right << std::setw(10) << l.parameters << "\n";
  }
  os << "total parameters: " << total_parameters << "\n";
  return os.str();
}

}  // namespace hqc::nn
