// fixtures.hpp — reads reference tensors that scripts under tests/ computed with PyTorch.
//
// File format (text, one tensor per line, so diffs of regenerated fixtures stay readable):
//   <name> <ndim> <d0> ... <d(ndim-1)> <v0> <v1> ...      values row-major, printed with 17
// significant digits (float64 exact). Lines starting with '#' are comments.
#pragma once

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

#include "tensor/tensor.hpp"

namespace hqc::test {

class Fixtures {
 public:
  // path relative to tests/fixtures/
  explicit Fixtures(const std::string& relative_path) : path_(std::string(HQC_FIXTURES_DIR) + "/" + relative_path) {
    std::ifstream in(path_);
    if (!in) throw std::runtime_error("fixtures: cannot open " + path_ + " (regenerate with the script under tests/)");
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream ls(line);
      std::string name;
      int64_t ndim = 0;
      ls >> name >> ndim;
      Shape shape(static_cast<std::size_t>(ndim));
      for (auto& d : shape) ls >> d;
      std::vector<double> values(static_cast<std::size_t>(shape_numel(shape)));
      for (auto& v : values) {
        std::string tok;
        ls >> tok;
        v = std::stod(tok);  // handles nan, inf
      }
      if (!ls) throw std::runtime_error("fixtures: malformed entry '" + name + "' in " + path_);
      tensors_[name] = from_data(std::span<const double>(values), shape);
    }
  }

  // The named tensor as float64 (call .to(DType::f32) for float32 inputs).
  Tensor operator[](const std::string& name) const {
    auto it = tensors_.find(name);
    if (it == tensors_.end()) throw std::runtime_error("fixtures: no entry '" + name + "' in " + path_);
    return it->second;
  }
  Tensor f32(const std::string& name) const { return (*this)[name].to(DType::f32); }
  bool has(const std::string& name) const { return tensors_.count(name) > 0; }

 private:
  std::string path_;
  std::map<std::string, Tensor> tensors_;
};

}  // namespace hqc::test
