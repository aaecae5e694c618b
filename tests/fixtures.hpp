// fixtures.hpp — the one reader of the reference tensors that the make_fixtures.py scripts under
// tests/ compute with PyTorch and write through tests/fixtures_io.py.
//
// File format (text, one tensor per line, so diffs of regenerated fixtures stay readable):
//   <name> <ndim> <d0> ... <d(ndim-1)> <v0> <v1> ...
// values row-major, each the shortest decimal that reads back as the same float64 ("nan", "inf"
// allowed). Lines starting with '#' are comments. Names hold no spaces; a script that writes groups
// of tensors (one per test case) prefixes them, e.g. "case3/x".
#pragma once

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tensor/tensor.hpp"

namespace hqc::test {

class Fixtures {
 public:
  // path relative to tests/fixtures/, e.g. "tensor_ops.txt" or "nn/linear.txt"
  explicit Fixtures(const std::string& relative_path) { load(std::string(HQC_FIXTURES_DIR) + "/" + relative_path); }
  // A file anywhere (the reader's own tests).
  static Fixtures from_path(const std::string& path) {
    Fixtures f;
    f.load(path);
    return f;
  }

  // The named tensor as float64 (call .to(DType::f32) for float32 inputs).
  Tensor operator[](const std::string& name) const {
    auto it = tensors_.find(name);
    if (it == tensors_.end()) throw std::runtime_error("fixtures: no entry '" + name + "' in " + path_);
    return it->second;
  }
  Tensor f32(const std::string& name) const { return (*this)[name].to(DType::f32); }
  Tensor get(const std::string& name, DType dtype = DType::f64) const { return (*this)[name].to(dtype); }
  double scalar(const std::string& name) const { return (*this)[name].item(); }
  Tensor labels(const std::string& name) const { return (*this)[name].to(DType::i64); }
  bool has(const std::string& name) const { return tensors_.count(name) > 0; }
  // Every name, in the order of the file.
  const std::vector<std::string>& names() const { return names_; }

 private:
  Fixtures() = default;

  void load(const std::string& path) {
    path_ = path;
    std::ifstream in(path_);
    if (!in) throw std::runtime_error("fixtures: cannot open " + path_ + " (regenerate with the script under tests/)");
    std::string line;
    int64_t line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      if (line.empty() || line[0] == '#') continue;
      const std::string where = path_ + ":" + std::to_string(line_no);
      std::istringstream ls(line);
      std::string name, tok;
      ls >> name;
      const int64_t ndim = read_int(ls, where, "the number of dimensions of '" + name + "'");
      if (ndim < 0 || ndim > 8) fail(where, "'" + name + "' has " + std::to_string(ndim) + " dimensions (0..8 expected)");
      Shape shape(static_cast<std::size_t>(ndim));
      for (auto& d : shape) {
        d = read_int(ls, where, "a size of '" + name + "'");
        if (d < 0) fail(where, "'" + name + "' has a negative size");
      }
      std::vector<double> values(static_cast<std::size_t>(shape_numel(shape)));
      for (std::size_t i = 0; i < values.size(); ++i) {
        if (!(ls >> tok))
          fail(where, "'" + name + "' has " + std::to_string(i) + " values, its shape needs " + std::to_string(values.size()));
        values[i] = read_double(tok, where, name);
      }
      if (ls >> tok) fail(where, "'" + name + "' has more values than its shape " + shape_str(shape) + " holds");
      if (tensors_.count(name)) fail(where, "'" + name + "' appears twice");
      tensors_[name] = from_data(std::span<const double>(values), shape);
      names_.push_back(name);
    }
  }

  [[noreturn]] static void fail(const std::string& where, const std::string& what) {
    throw std::runtime_error("fixtures: " + where + ": " + what);
  }
  static int64_t read_int(std::istringstream& ls, const std::string& where, const std::string& what) {
    int64_t v = 0;
    if (!(ls >> v)) fail(where, "expected " + what + " (an integer)");
    return v;
  }
  static double read_double(const std::string& tok, const std::string& where, const std::string& name) {
    char* end = nullptr;
    const double v = std::strtod(tok.c_str(), &end);  // reads nan and inf too
    if (end == tok.c_str() || *end != '\0') fail(where, "'" + name + "' has the value '" + tok + "', not a number");
    return v;
  }

  std::string path_;
  std::map<std::string, Tensor> tensors_;
  std::vector<std::string> names_;
};

// tests/fixtures/tensor_ops.txt, written by tests/tensor/make_fixtures.py: the ops' forward values
// (tensor/test_reference.cpp) and their gradients (autograd/test_reference_grads.cpp), read once.
inline const Fixtures& tensor_ops_fixture() {
  static const Fixtures f("tensor_ops.txt");
  return f;
}

// tests/fixtures/nn/<name>.txt, written by tests/nn/make_fixtures.py.
inline Fixtures nn_fixture(const std::string& name) { return Fixtures("nn/" + name + ".txt"); }

}  // namespace hqc::test
