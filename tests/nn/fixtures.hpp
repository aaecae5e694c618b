// fixtures.hpp — reads the PyTorch reference files written by tests/nn/make_fixtures.py.
#pragma once

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

#include "tensor/tensor.hpp"

namespace hqc::test {

class Fixture {
 public:
  explicit Fixture(const std::string& name) : path_(std::string(HQC_FIXTURES_DIR) + "/nn/" + name + ".txt") {
    std::ifstream in(path_);
    if (!in) throw std::runtime_error("fixture " + path_ + " not found (run tests/nn/make_fixtures.py)");
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream head(line);
      std::string key;
      int64_t nd = 0;
      head >> key >> nd;
      Shape shape(static_cast<size_t>(nd));
      for (auto& s : shape) head >> s;
      if (!std::getline(in, line)) throw std::runtime_error("fixture " + path_ + ": no values for " + key);
      std::istringstream vals(line);
      std::vector<double> v;
      double x;
      while (vals >> x) v.push_back(x);
      if (int64_t(v.size()) != shape_numel(shape))
        throw std::runtime_error("fixture " + path_ + ": " + key + " has " + std::to_string(v.size()) + " values");
      tensors_[key] = from_data(std::span<const double>(v), shape);
    }
  }
  // The tensor in float64, or converted to `dtype`.
  Tensor get(const std::string& key, DType dtype = DType::f64) const {
    auto it = tensors_.find(key);
    if (it == tensors_.end()) throw std::runtime_error("fixture " + path_ + ": no tensor " + key);
    return it->second.to(dtype);
  }
  double scalar(const std::string& key) const { return get(key).item(); }
  Tensor labels(const std::string& key) const { return get(key).to(DType::i64); }

 private:
  std::string path_;
  std::map<std::string, Tensor> tensors_;
};

}  // namespace hqc::test
