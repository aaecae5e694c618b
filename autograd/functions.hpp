// functions.hpp — differentiable ops on Variables. Each one's backward lives beside its forward in
// functions.cpp. The set is kept small (tinygrad's lesson): layers compose these, or define their
// own fused op with make_result() when speed or memory asks for it (conv, batch norm, the losses).
#pragma once

#include <vector>

#include "autograd/variable.hpp"

namespace hqc {

// --- element-wise (broadcasting; the engine reduces broadcast gradients) ---
Variable add(const Variable& a, const Variable& b);
Variable sub(const Variable& a, const Variable& b);
Variable mul(const Variable& a, const Variable& b);
Variable div(const Variable& a, const Variable& b);
Variable add(const Variable& a, double s);
Variable mul(const Variable& a, double s);
Variable pow(const Variable& a, double exponent);
Variable neg(const Variable& a);
Variable exp(const Variable& a);
Variable log(const Variable& a);
Variable sqrt(const Variable& a);
Variable abs(const Variable& a);  // gradient sign(x) (0 at 0, as PyTorch)
Variable relu(const Variable& a);
Variable sigmoid(const Variable& a);
Variable tanh(const Variable& a);
Variable clamp(const Variable& a, double lo, double hi);  // gradient 1 inside [lo, hi], else 0
Variable maximum(const Variable& a, const Variable& b);  // ties send the gradient to a

// --- reductions ---
Variable sum(const Variable& a, const std::vector<int64_t>& dims = {}, bool keepdim = false);
Variable mean(const Variable& a, const std::vector<int64_t>& dims = {}, bool keepdim = false);

// --- shape (views; gradients flow back through the inverse view) ---
Variable reshape(const Variable& a, const Shape& shape);
Variable flatten(const Variable& a, int64_t start = 0, int64_t end = -1);
Variable permute(const Variable& a, const std::vector<int64_t>& order);
Variable transpose(const Variable& a, int64_t d0, int64_t d1);
Variable narrow(const Variable& a, int64_t dim, int64_t start, int64_t length);
Variable expand(const Variable& a, const Shape& shape);

// --- linear algebra and normalisation ---
Variable matmul(const Variable& a, const Variable& b);
Variable softmax(const Variable& a, int64_t dim);
Variable log_softmax(const Variable& a, int64_t dim);

// --- operators ---
inline Variable operator+(const Variable& a, const Variable& b) { return add(a, b); }
inline Variable operator-(const Variable& a, const Variable& b) { return sub(a, b); }
inline Variable operator*(const Variable& a, const Variable& b) { return mul(a, b); }
inline Variable operator/(const Variable& a, const Variable& b) { return div(a, b); }
inline Variable operator-(const Variable& a) { return neg(a); }
inline Variable operator+(const Variable& a, double s) { return add(a, s); }
inline Variable operator-(const Variable& a, double s) { return add(a, -s); }
inline Variable operator*(const Variable& a, double s) { return mul(a, s); }
inline Variable operator*(double s, const Variable& a) { return mul(a, s); }
inline Variable operator/(const Variable& a, double s) { return mul(a, 1.0 / s); }

}  // namespace hqc
