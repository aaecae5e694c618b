// tensor.hpp — the N-d tensor: a shape, element strides and an offset viewing shared storage.
//
// A Tensor is a cheap handle (copying it shares the data, like torch.Tensor). Views (reshape,
// permute, narrow, expand, ...) share the storage; contiguous() copies only when the layout asks for
// it. Storage is 64-byte aligned so kernels may use aligned vector loads on a contiguous tensor that
// starts at offset 0.
//
// Element types: float32 (the default, all kernels), float64 (the same ops, for gradient checks and
// the quantum simulator boundary), int64 (indices: labels, argmax) and uint8 (images as stored).
// Arithmetic is defined on float32 and float64; the integer types only hold, copy and convert.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tensor/shape.hpp"

namespace hqc {

enum class DType : uint8_t { f32, f64, i64, u8 };

const char* dtype_name(DType t);
std::size_t dtype_size(DType t);

template <typename T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::f32; }
template <> constexpr DType dtype_of<double>() { return DType::f64; }
template <> constexpr DType dtype_of<int64_t>() { return DType::i64; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::u8; }


std::string shape_str(const Shape& s);  // "(2, 3, 4)"
int64_t shape_numel(const Shape& s);

// Storage blocks freed on a thread are kept there for reuse by size class (tensor.cpp), except in
// AddressSanitizer builds; storage_block_cache_enabled() says which. storage_block_bytes(n) is the
// size of the block a storage of n bytes gets (n rounded up to its class).
bool storage_block_cache_enabled();
std::size_t storage_block_bytes(std::size_t nbytes);

// A 64-byte-aligned byte buffer shared by every view of it.
class Storage {
 public:
  explicit Storage(std::size_t nbytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  void* data() const { return data_; }
  std::size_t nbytes() const { return nbytes_; }

 private:
  void* data_ = nullptr;
  std::size_t nbytes_ = 0;
};

class Tensor {
 public:
  Tensor() = default;  // an undefined tensor: defined() is false

  // Allocates uninitialised storage for a contiguous tensor.
  static Tensor empty(const Shape& shape, DType dtype = DType::f32);

  // --- metadata ---
  bool defined() const { return storage_ != nullptr; }
  DType dtype() const { return dtype_; }
  const Shape& sizes() const { return sizes_; }
  const Shape& strides() const { return strides_; }
  int64_t size(int64_t dim) const;  // negative dims count from the end
  int64_t stride(int64_t dim) const;
  int64_t dim() const { return static_cast<int64_t>(sizes_.size()); }
  int64_t numel() const { return shape_numel(sizes_); }
  int64_t offset() const { return offset_; }
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const { return storage_; }
  bool shares_storage(const Tensor& other) const { return storage_ == other.storage_; }

  // Pointer to element 0 of this view. Checks the element type.
  template <typename T> T* data() const {
    check_dtype(dtype_of<T>(), "data");
    return static_cast<T*>(storage_->data()) + offset_;
  }
  void* raw_data() const;

  // --- views (no copy) ---
  Tensor view(const Shape& shape) const;       // needs a contiguous tensor; one dim may be -1
  Tensor reshape(const Shape& shape) const;    // view if possible, else a contiguous copy
  Tensor flatten(int64_t start = 0, int64_t end = -1) const;
  Tensor permute(const std::vector<int64_t>& order) const;
  Tensor transpose(int64_t a, int64_t b) const;
  Tensor t() const { return transpose(0, 1); }  // 2-d transpose
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor select(int64_t dim, int64_t index) const;  // removes dim
  Tensor operator[](int64_t i) const { return select(0, i); }
  Tensor unsqueeze(int64_t dim) const;
  Tensor squeeze(int64_t dim) const;
  Tensor expand(const Shape& shape) const;  // broadcast: size-1 dims get stride 0

  // --- copies ---
  Tensor contiguous() const;  // returns *this when already contiguous
  Tensor clone() const;       // always a fresh contiguous copy
  Tensor to(DType dtype) const;
  void copy_(const Tensor& src);  // broadcasting copy into this view (converting the type)
  void fill_(double value);
  void zero_() { fill_(0.0); }

  // --- element access (slow; for tests, printing and small bookkeeping) ---
  double item() const;  // a one-element tensor's value
  double at(std::initializer_list<int64_t> index) const;
  void set(std::initializer_list<int64_t> index, double value);
  std::vector<double> to_vector() const;  // row-major values of any type
  template <typename T> std::vector<T> values() const {
    Tensor c = to(dtype_of<T>()).contiguous();
    return std::vector<T>(c.data<T>(), c.data<T>() + c.numel());
  }

  std::string str(int max_per_dim = 6) const;  // printable form, e.g. tensor([[1, 2], [3, 4]])

 private:
  friend Tensor make_view(const Tensor& base, Shape sizes, Shape strides, int64_t offset);
  void check_dtype(DType want, const char* op) const;

  std::shared_ptr<Storage> storage_;
  Shape sizes_;
  Shape strides_;
  int64_t offset_ = 0;
  DType dtype_ = DType::f32;
};

// A new view of base's storage with the given layout (no checks: kernels and views use it).
Tensor make_view(const Tensor& base, Shape sizes, Shape strides, int64_t offset);
Shape contiguous_strides(const Shape& sizes);
// Normalise a possibly negative dim into [0, ndim); throws naming op otherwise.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);

// --- factories ---
Tensor zeros(const Shape& shape, DType dtype = DType::f32);
Tensor ones(const Shape& shape, DType dtype = DType::f32);
Tensor full(const Shape& shape, double value, DType dtype = DType::f32);
Tensor arange(double start, double end, double step = 1.0, DType dtype = DType::f32);
Tensor from_data(std::span<const float> values, const Shape& shape);
Tensor from_data(std::span<const double> values, const Shape& shape);
Tensor from_data(std::span<const int64_t> values, const Shape& shape);
Tensor from_data(std::span<const uint8_t> values, const Shape& shape);
// Convenience for literals: tensor({1, 2, 3, 4}, {2, 2}).
Tensor tensor(std::initializer_list<float> values, const Shape& shape);
Tensor tensor(std::initializer_list<float> values);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor empty_like(const Tensor& t);

}  // namespace hqc
