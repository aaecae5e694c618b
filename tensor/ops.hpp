// ops.hpp — tensor operations: element-wise with NumPy broadcasting, reductions, matmul, softmax.
//
// All ops accept float32 and float64 tensors (both operands of one type) and return new tensors.
// Contiguous float32 work goes through the SIMD kernel table (simd.hpp) and, when large, the
// thread pool; everything else takes the strided scalar path. Shape errors throw
// std::invalid_argument naming the op and the shapes involved.
#pragma once

#include <vector>

#include "tensor/tensor.hpp"

namespace hqc {

// The broadcast of two shapes (NumPy rules); throws naming `op` and both shapes otherwise.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
// Sums `t` down to `shape` (the inverse of broadcasting: the gradient of an expanded operand).
Tensor sum_to(const Tensor& t, const Shape& shape);

// --- element-wise, binary (broadcasting) ---
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);
// Comparisons give 1 where true and 0 where false, in the operands' float type.
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
// cond != 0 ? a : b, all three broadcast together.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

// With a scalar operand.
Tensor add(const Tensor& a, double s);
Tensor sub(const Tensor& a, double s);
Tensor rsub(const Tensor& a, double s);  // s - a
Tensor mul(const Tensor& a, double s);
Tensor div(const Tensor& a, double s);
Tensor rdiv(const Tensor& a, double s);  // s / a
Tensor pow(const Tensor& a, double exponent);
Tensor maximum(const Tensor& a, double s);
Tensor minimum(const Tensor& a, double s);
Tensor clamp(const Tensor& a, double lo, double hi);
Tensor gt(const Tensor& a, double s);
Tensor lt(const Tensor& a, double s);

// --- element-wise, unary ---
Tensor neg(const Tensor& a);
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor abs(const Tensor& a);
Tensor sign(const Tensor& a);
Tensor relu(const Tensor& a);
Tensor sigmoid(const Tensor& a);
Tensor tanh(const Tensor& a);

// --- reductions over chosen dims (negative dims count from the end; empty = all dims) ---
Tensor sum(const Tensor& a, const std::vector<int64_t>& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& a, const std::vector<int64_t>& dims = {}, bool keepdim = false);
Tensor var(const Tensor& a, const std::vector<int64_t>& dims = {}, bool unbiased = true, bool keepdim = false);
Tensor amax(const Tensor& a, const std::vector<int64_t>& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& a, const std::vector<int64_t>& dims = {}, bool keepdim = false);
// Index of the first maximum along dim, as int64.
Tensor argmax(const Tensor& a, int64_t dim, bool keepdim = false);

// --- linear algebra ---
// (M, K) @ (K, N) -> (M, N); (B, M, K) @ (B, K, N) -> (B, M, N) with the batch dims broadcast;
// a 1-d operand is a vector as in torch.matmul.
Tensor matmul(const Tensor& a, const Tensor& b);

// --- normalisation along one dim (numerically stable: the max is subtracted first) ---
Tensor softmax(const Tensor& a, int64_t dim);
Tensor log_softmax(const Tensor& a, int64_t dim);

// --- comparison of whole tensors ---
// |a - b| <= atol + rtol * |b| everywhere (shapes must match; NaN never close).
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8);
// Largest |a - b| (shapes must match).
double max_abs_diff(const Tensor& a, const Tensor& b);

// --- operators ---
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator-(const Tensor& a) { return neg(a); }
inline Tensor operator+(const Tensor& a, double s) { return add(a, s); }
inline Tensor operator-(const Tensor& a, double s) { return sub(a, s); }
inline Tensor operator*(const Tensor& a, double s) { return mul(a, s); }
inline Tensor operator/(const Tensor& a, double s) { return div(a, s); }
inline Tensor operator+(double s, const Tensor& a) { return add(a, s); }
inline Tensor operator-(double s, const Tensor& a) { return rsub(a, s); }
inline Tensor operator*(double s, const Tensor& a) { return mul(a, s); }
inline Tensor operator/(double s, const Tensor& a) { return rdiv(a, s); }

// In-place accumulation used by autograd and optimisers: a += b (b broadcast to a's shape).
void add_(Tensor& a, const Tensor& b);
// a += alpha * b, same shapes, a contiguous.
void axpy_(Tensor& a, double alpha, const Tensor& b);
// a *= s.
void mul_(Tensor& a, double s);

}  // namespace hqc
