// strided.hpp — walking the elements of strided views in row-major order.
//
// The general (slow) path of every element-wise op: an N-d counter over the shape, with the
// innermost dim as a plain loop so that the per-element cost is one add per operand.
#pragma once

#include <cstdint>
#include <vector>

#include "tensor/tensor.hpp"

namespace hqc {

// Calls f(offset) for every element of a view (sizes, strides, offset), row-major.
template <typename F>
void for_each_offset(const Shape& sizes, const Shape& strides, int64_t offset, F&& f) {
  const int64_t nd = static_cast<int64_t>(sizes.size());
  for (int64_t s : sizes) if (s == 0) return;
  if (nd == 0) { f(offset); return; }
  std::vector<int64_t> idx(nd, 0);
  const int64_t n_in = sizes[nd - 1], s_in = strides[nd - 1];
  int64_t base = offset;
  while (true) {
    for (int64_t i = 0; i < n_in; ++i) f(base + i * s_in);
    int64_t d = nd - 2;
    for (; d >= 0; --d) {
      base += strides[d];
      if (++idx[d] < sizes[d]) break;
      base -= strides[d] * sizes[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

// Same walk over two views of one shape: f(offset_a, offset_b).
template <typename F>
void for_each_offset2(const Shape& sizes, const Shape& sa, int64_t oa, const Shape& sb, int64_t ob, F&& f) {
  const int64_t nd = static_cast<int64_t>(sizes.size());
  for (int64_t s : sizes) if (s == 0) return;
  if (nd == 0) { f(oa, ob); return; }
  std::vector<int64_t> idx(nd, 0);
  const int64_t n_in = sizes[nd - 1], a_in = sa[nd - 1], b_in = sb[nd - 1];
  while (true) {
    for (int64_t i = 0; i < n_in; ++i) f(oa + i * a_in, ob + i * b_in);
    int64_t d = nd - 2;
    for (; d >= 0; --d) {
      oa += sa[d];
      ob += sb[d];
      if (++idx[d] < sizes[d]) break;
      oa -= sa[d] * sizes[d];
      ob -= sb[d] * sizes[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

// Three views (the output and two operands of a binary op): f(o, a, b).
template <typename F>
void for_each_offset3(const Shape& sizes, const Shape& so, int64_t oo, const Shape& sa, int64_t oa,
                      const Shape& sb, int64_t ob, F&& f) {
  const int64_t nd = static_cast<int64_t>(sizes.size());
  for (int64_t s : sizes) if (s == 0) return;
  if (nd == 0) { f(oo, oa, ob); return; }
  std::vector<int64_t> idx(nd, 0);
  const int64_t n_in = sizes[nd - 1], o_in = so[nd - 1], a_in = sa[nd - 1], b_in = sb[nd - 1];
  while (true) {
    for (int64_t i = 0; i < n_in; ++i) f(oo + i * o_in, oa + i * a_in, ob + i * b_in);
    int64_t d = nd - 2;
    for (; d >= 0; --d) {
      oo += so[d];
      oa += sa[d];
      ob += sb[d];
      if (++idx[d] < sizes[d]) break;
      oo -= so[d] * sizes[d];
      oa -= sa[d] * sizes[d];
      ob -= sb[d] * sizes[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

}  // namespace hqc
