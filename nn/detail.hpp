// detail.hpp — small helpers shared by the layer files (not part of the public API).
#pragma once

#include <stdexcept>
#include <string>

#include "autograd/variable.hpp"

namespace hqc::nn::detail {

// Calls f(float{}) or f(double{}) for the tensor's element type; other types are refused.
template <typename F> decltype(auto) dispatch_float(DType t, const char* op, F&& f) {
  if (t == DType::f32) return f(float{});
  if (t == DType::f64) return f(double{});
  throw std::invalid_argument(std::string(op) + ": needs a float32 or float64 tensor, got " + dtype_name(t));
}

inline void check_same_dtype(const char* op, const Tensor& a, const char* an, const Tensor& b, const char* bn) {
  if (a.dtype() != b.dtype())
    throw std::invalid_argument(std::string(op) + ": " + an + " is " + dtype_name(a.dtype()) + " but " + bn + " is " +
                                dtype_name(b.dtype()));
}

inline std::string shape_of(const Variable& v) { return shape_str(v.sizes()); }

// n int32 a kernel writes in full (a max pool's argmax per output), kept alive by the backward that
// reads them: a tensor storage block, so uninitialised and reused (tensor.hpp) where a std::vector
// would be zeroed and freed to malloc each call.
class IndexBlock {
 public:
  // n = 0: no block, data() is null.
  explicit IndexBlock(int64_t n)
      : block_(n > 0 ? std::make_shared<Storage>(static_cast<std::size_t>(n) * sizeof(int32_t)) : nullptr) {}
  int32_t* data() const { return block_ ? static_cast<int32_t*>(block_->data()) : nullptr; }

 private:
  std::shared_ptr<Storage> block_;
};

}  // namespace hqc::nn::detail
