// shape.hpp — Shape: a tensor's sizes or strides, a vector of int64_t that keeps up to six values
// inline.
//
// Every Tensor holds two of them and every op makes new tensors, views and copies of handles: held
// in std::vector, a batch-1 inference of the MNIST classical model made about 250 heap allocations,
// most of them these vectors. Past kInline values (tensors of seven or more dimensions) the values
// move to the heap. The interface is the subset of std::vector's that the library uses, and a Shape
// converts to and from std::vector<int64_t> implicitly.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <span>
#include <stdexcept>
#include <vector>

namespace hqc {

class Shape {
 public:
  using value_type = int64_t;
  using size_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  using reference = int64_t&;
  using const_reference = const int64_t&;
  using iterator = int64_t*;
  using const_iterator = const int64_t*;
  using reverse_iterator = std::reverse_iterator<iterator>;
  using const_reverse_iterator = std::reverse_iterator<const_iterator>;
  static constexpr size_type kInline = 6;

  Shape() = default;
  explicit Shape(size_type n, int64_t value = 0) { assign(n, value); }
  Shape(std::initializer_list<int64_t> values) { assign(values.begin(), values.end()); }
  template <typename It, typename = typename std::iterator_traits<It>::iterator_category>
  Shape(It first, It last) {
    assign(first, last);
  }
  Shape(const std::vector<int64_t>& v) { assign(v.begin(), v.end()); }  // NOLINT: implicit by design
  Shape(std::span<const int64_t> v) { assign(v.begin(), v.end()); }     // NOLINT
  Shape(const Shape& other) { assign(other.begin(), other.end()); }
  Shape(Shape&& other) noexcept { take(other); }
  Shape& operator=(const Shape& other) {
    if (this != &other) assign(other.begin(), other.end());
    return *this;
  }
  Shape& operator=(Shape&& other) noexcept {
    if (this != &other) {
      release();
      take(other);
    }
    return *this;
  }
  Shape& operator=(std::initializer_list<int64_t> values) {
    assign(values.begin(), values.end());
    return *this;
  }
  ~Shape() { release(); }

  operator std::vector<int64_t>() const { return std::vector<int64_t>(begin(), end()); }  // NOLINT
  std::vector<int64_t> vec() const { return *this; }

  size_type size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_type capacity() const { return capacity_; }
  int64_t* data() { return data_; }
  const int64_t* data() const { return data_; }
  int64_t& operator[](size_type i) { return data_[i]; }
  const int64_t& operator[](size_type i) const { return data_[i]; }
  int64_t& at(size_type i) { return data_[checked(i)]; }
  const int64_t& at(size_type i) const { return data_[checked(i)]; }
  int64_t& front() { return data_[0]; }
  const int64_t& front() const { return data_[0]; }
  int64_t& back() { return data_[size_ - 1]; }
  const int64_t& back() const { return data_[size_ - 1]; }

  iterator begin() { return data_; }
  iterator end() { return data_ + size_; }
  const_iterator begin() const { return data_; }
  const_iterator end() const { return data_ + size_; }
  const_iterator cbegin() const { return data_; }
  const_iterator cend() const { return data_ + size_; }
  reverse_iterator rbegin() { return reverse_iterator(end()); }
  reverse_iterator rend() { return reverse_iterator(begin()); }
  const_reverse_iterator rbegin() const { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const { return const_reverse_iterator(begin()); }

  void clear() { size_ = 0; }
  void reserve(size_type n) {
    if (n <= capacity_) return;
    int64_t* p = new int64_t[n];
    std::copy(begin(), end(), p);
    const size_type size = size_;
    release();
    data_ = p, capacity_ = n, size_ = size;
  }
  void resize(size_type n, int64_t value = 0) {
    reserve(n);
    if (n > size_) std::fill(data_ + size_, data_ + n, value);
    size_ = n;
  }
  void push_back(int64_t value) {
    if (size_ == capacity_) reserve(2 * capacity_);
    data_[size_++] = value;
  }
  void emplace_back(int64_t value) { push_back(value); }
  void pop_back() { --size_; }
  void assign(size_type n, int64_t value) {
    clear();
    resize(n, value);
  }
  template <typename It> void assign(It first, It last) {
    const auto n = static_cast<size_type>(std::distance(first, last));
    clear();
    reserve(n);
    std::copy(first, last, data_);
    size_ = n;
  }
  iterator insert(const_iterator pos, int64_t value) {
    const auto i = static_cast<size_type>(pos - data_);
    push_back(0);
    std::copy_backward(data_ + i, data_ + size_ - 1, data_ + size_);
    data_[i] = value;
    return data_ + i;
  }
  template <typename It, typename = typename std::iterator_traits<It>::iterator_category>
  iterator insert(const_iterator pos, It first, It last) {
    const auto i = static_cast<size_type>(pos - data_);
    const Shape tail(data_ + i, data_ + size_);
    resize(i);
    for (; first != last; ++first) push_back(*first);
    for (int64_t v : tail) push_back(v);
    return data_ + i;
  }
  iterator insert(const_iterator pos, std::initializer_list<int64_t> values) {
    return insert(pos, values.begin(), values.end());
  }
  iterator erase(const_iterator pos) { return erase(pos, pos + 1); }
  iterator erase(const_iterator first, const_iterator last) {
    const auto i = static_cast<size_type>(first - data_), j = static_cast<size_type>(last - data_);
    std::copy(data_ + j, data_ + size_, data_ + i);
    size_ -= j - i;
    return data_ + i;
  }

  friend bool operator==(const Shape& a, const Shape& b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }
  friend bool operator==(const Shape& a, const std::vector<int64_t>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }
  friend bool operator==(const std::vector<int64_t>& a, const Shape& b) { return b == a; }
  friend bool operator!=(const Shape& a, const Shape& b) { return !(a == b); }
  friend bool operator!=(const Shape& a, const std::vector<int64_t>& b) { return !(a == b); }
  friend bool operator!=(const std::vector<int64_t>& a, const Shape& b) { return !(a == b); }
  friend bool operator<(const Shape& a, const Shape& b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  size_type checked(size_type i) const {
    if (i >= size_) throw std::out_of_range("Shape::at: index out of range");
    return i;
  }
  bool on_heap() const { return data_ != inline_; }
  void release() {
    if (on_heap()) delete[] data_;
    data_ = inline_, capacity_ = kInline, size_ = 0;
  }
  // Moves other's values here (other is empty and inline afterwards); this must hold nothing.
  void take(Shape& other) {
    if (other.on_heap()) {
      data_ = other.data_, capacity_ = other.capacity_;
      other.data_ = other.inline_, other.capacity_ = kInline;
    } else {
      std::copy(other.begin(), other.end(), inline_);
    }
    size_ = other.size_;
    other.size_ = 0;
  }

  int64_t* data_ = inline_;
  size_type size_ = 0;
  size_type capacity_ = kInline;
  int64_t inline_[kInline] = {};
};

}  // namespace hqc
