// Tests of Shape: std::vector's behaviour for the operations the library uses, inline up to six
// values and on the heap past them.
#include <numeric>

#include "helpers.hpp"

using namespace hqc;

namespace {
// The values of s, and whether its data lies inside the object (inline storage).
std::vector<int64_t> values(const Shape& s) { return std::vector<int64_t>(s.begin(), s.end()); }
bool is_inline(const Shape& s) {
  const auto* p = reinterpret_cast<const char*>(s.data());
  const auto* o = reinterpret_cast<const char*>(&s);
  return p >= o && p < o + sizeof(Shape);
}
}  // namespace

TEST_CASE("Shape: construction, comparison and conversion agree with std::vector") {
  CHECK(Shape().empty());
  CHECK(values(Shape{2, 3, 4}) == std::vector<int64_t>{2, 3, 4});
  CHECK(values(Shape(3, 7)) == std::vector<int64_t>{7, 7, 7});
  const std::vector<int64_t> v{5, 6, 7, 8, 9, 10, 11, 12};
  const Shape s = v;  // past the inline capacity
  CHECK(values(s) == v);
  CHECK(s == v);
  CHECK(v == s);
  CHECK(s != Shape{5, 6});
  CHECK(std::vector<int64_t>(s) == v);
  CHECK(Shape(v.begin() + 1, v.begin() + 3) == Shape{6, 7});
  CHECK(Shape{1, 2} < Shape{1, 3});
  CHECK(s.front() == 5);
  CHECK(s.back() == 12);
  CHECK(s.at(7) == 12);
  CHECK_THROWS_AS(s.at(8), std::out_of_range);
  CHECK(std::accumulate(s.rbegin(), s.rend(), int64_t(0)) == 68);
}

TEST_CASE("Shape: six values stay inline; growing past them moves to the heap and keeps every value") {
  Shape s;
  for (int64_t i = 0; i < 6; ++i) s.push_back(i);
  CHECK(is_inline(s));
  s.push_back(6);
  CHECK_FALSE(is_inline(s));
  CHECK(values(s) == std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6});
  s.pop_back();
  CHECK(values(s) == std::vector<int64_t>{0, 1, 2, 3, 4, 5});
  s.resize(9, -1);
  CHECK(values(s) == std::vector<int64_t>{0, 1, 2, 3, 4, 5, -1, -1, -1});
  s.clear();
  CHECK(s.empty());
}

TEST_CASE("Shape: copies and moves, inline and on the heap, leave independent values") {
  for (int64_t n : {0, 3, 6, 7, 20}) {
    Shape a(static_cast<std::size_t>(n));
    std::iota(a.begin(), a.end(), int64_t(1));
    const std::vector<int64_t> want = values(a);
    Shape b = a;
    CHECK(values(b) == want);
    if (n > 0) {
      b[0] = 100;
      CHECK(a[0] == 1);
    }
    Shape c = std::move(a);
    CHECK(values(c) == want);
    CHECK(a.empty());  // NOLINT: a moved-from Shape is empty and usable
    a = c;
    CHECK(values(a) == want);
    Shape d{9};
    d = std::move(c);
    CHECK(values(d) == want);
    d = d;  // NOLINT: self-assignment keeps the values
    CHECK(values(d) == want);
    a = {4, 5};
    CHECK(values(a) == std::vector<int64_t>{4, 5});
  }
}

TEST_CASE("Shape: insert and erase at any position, across the inline capacity") {
  for (int64_t n : {0, 2, 5, 6, 9}) {
    for (int64_t at = 0; at <= n; ++at) {
      std::vector<int64_t> v(static_cast<std::size_t>(n));
      std::iota(v.begin(), v.end(), int64_t(10));
      Shape s = v;
      v.insert(v.begin() + at, -7);
      s.insert(s.begin() + at, -7);
      CHECK(values(s) == v);
      v.insert(v.begin() + at, {-1, -2});
      s.insert(s.begin() + at, {-1, -2});
      CHECK(values(s) == v);
      v.erase(v.begin() + at);
      s.erase(s.begin() + at);
      CHECK(values(s) == v);
      v.erase(v.begin() + at, v.begin() + at + 2);
      s.erase(s.begin() + at, s.begin() + at + 2);
      CHECK(values(s) == v);
    }
  }
}

TEST_CASE("Shape: tensors of more dimensions than the inline capacity keep their layout") {
  Tensor t = arange(0, 256).reshape({2, 2, 2, 2, 2, 2, 2, 2});
  CHECK(t.sizes() == Shape(8, 2));
  CHECK(t.strides() == Shape{128, 64, 32, 16, 8, 4, 2, 1});
  Tensor p = t.permute({7, 6, 5, 4, 3, 2, 1, 0}).contiguous();
  CHECK(p.at({1, 0, 0, 0, 0, 0, 0, 0}) == 1.0);
  CHECK(p.at({0, 0, 0, 0, 0, 0, 0, 1}) == 128.0);
}
