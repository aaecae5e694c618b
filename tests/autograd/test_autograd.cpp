// Tests of the autograd engine and of every differentiable op: finite-difference gradient checks in
// float64, hand-computed gradients, and the engine's bookkeeping (broadcast, reuse, no_grad).
#include "helpers.hpp"

#include <cmath>

#include "autograd/functions.hpp"
#include "autograd/gradcheck.hpp"

using namespace hqc;

namespace {
Tensor rnd(const Shape& s, uint64_t seed, double lo = -1, double hi = 1) {
  Generator g(seed);
  return rand_uniform(s, lo, hi, g, DType::f64);
}

// One line per op, as tinygrad's helper_test_op: gradcheck f at the given inputs.
void check_grad(const char* name, const GradcheckFn& f, const std::vector<Tensor>& inputs) {
  GradcheckResult r = gradcheck(f, inputs);
  CHECK_MESSAGE(r.ok, name << ": " << r.message);
}
}  // namespace

TEST_CASE("gradcheck: element-wise binary ops, with broadcasting") {
  Tensor a = rnd({3, 4}, 1), b = rnd({4}, 2), c = rnd({3, 1}, 3, 0.5, 2);
  check_grad("add", [](auto& v) { return add(v[0], v[1]); }, {a, b});
  check_grad("sub", [](auto& v) { return sub(v[0], v[1]); }, {a, c});
  check_grad("mul", [](auto& v) { return mul(v[0], v[1]); }, {a, b});
  check_grad("div", [](auto& v) { return div(v[0], v[1]); }, {a, c});
  check_grad("maximum", [](auto& v) { return maximum(v[0], v[1]); }, {a, b});
  check_grad("scalar ops", [](auto& v) { return add(mul(v[0], 2.5), -1.0); }, {a});
}

TEST_CASE("gradcheck: unary ops away from their kinks") {
  Tensor x = rnd({2, 5}, 4);
  Tensor pos = rnd({2, 5}, 5, 0.2, 3);
  check_grad("neg", [](auto& v) { return neg(v[0]); }, {x});
  check_grad("exp", [](auto& v) { return exp(v[0]); }, {x});
  check_grad("log", [](auto& v) { return log(v[0]); }, {pos});
  check_grad("sqrt", [](auto& v) { return sqrt(v[0]); }, {pos});
  check_grad("pow", [](auto& v) { return pow(v[0], 2.5); }, {pos});
  check_grad("abs", [](auto& v) { return abs(v[0]); }, {x});
  check_grad("relu", [](auto& v) { return relu(v[0]); }, {x});
  check_grad("sigmoid", [](auto& v) { return sigmoid(v[0]); }, {x});
  check_grad("tanh", [](auto& v) { return tanh(v[0]); }, {x});
  check_grad("clamp", [](auto& v) { return clamp(v[0], -0.5, 0.5); }, {x});
}

TEST_CASE("gradcheck: reductions, views, matmul and softmax") {
  Tensor x = rnd({2, 3, 4}, 6);
  check_grad("sum all", [](auto& v) { return sum(v[0]); }, {x});
  check_grad("sum dims", [](auto& v) { return sum(v[0], {0, 2}); }, {x});
  check_grad("mean keepdim", [](auto& v) { return mean(v[0], {1}, true); }, {x});
  check_grad("reshape", [](auto& v) { return mul(reshape(v[0], {4, 6}), reshape(v[0], {4, 6})); }, {x});
  check_grad("permute", [](auto& v) { return mul(permute(v[0], {2, 0, 1}), 3.0); }, {x});
  check_grad("transpose", [](auto& v) { return exp(transpose(v[0], 0, 2)); }, {x});
  check_grad("narrow", [](auto& v) { return exp(narrow(v[0], 2, 1, 2)); }, {x});
  check_grad("expand", [](auto& v) { return mul(expand(v[0], {5, 2, 3, 4}), 2.0); }, {x});
  check_grad("flatten", [](auto& v) { return tanh(flatten(v[0], 1)); }, {x});
  Tensor a = rnd({3, 5}, 7), b = rnd({5, 2}, 8), batch = rnd({4, 3, 5}, 9);
  check_grad("matmul", [](auto& v) { return matmul(v[0], v[1]); }, {a, b});
  check_grad("batched matmul, broadcast rhs", [](auto& v) { return matmul(v[0], v[1]); }, {batch, b});
  check_grad("matmul of transposed views", [](auto& v) { return matmul(transpose(v[0], 0, 1), transpose(v[1], 0, 1)); },
             {rnd({5, 3}, 10), rnd({2, 5}, 11)});
  check_grad("softmax", [](auto& v) { return softmax(v[0], 1); }, {a});
  check_grad("softmax dim 0", [](auto& v) { return softmax(v[0], 0); }, {a});
  check_grad("log_softmax", [](auto& v) { return log_softmax(v[0], -1); }, {a});
}

TEST_CASE("gradcheck catches a wrong gradient") {
  // A deliberately wrong op (claims d/dx x^2 = x) must fail the check: the checker can fail.
  auto wrong = [](const std::vector<Variable>& v) {
    Tensor x = v[0].data();
    return make_result(mul(x, x), {v[0]}, "wrong_square", [x](const Tensor& g) { return std::vector<Tensor>{mul(g, x)}; });
  };
  GradcheckResult r = gradcheck(wrong, {rnd({4}, 12)});
  CHECK_FALSE(r.ok);
  CHECK(r.message.find("analytic") != std::string::npos);
}

TEST_CASE("hand-computed gradients: a variable used twice accumulates") {
  Variable x(tensor({2, -3}), true);
  Variable y = add(mul(x, x), mul(x, 3.0));  // y = x^2 + 3x, dy/dx = 2x + 3
  sum(y).backward();
  CHECK(x.grad().to_vector() == std::vector<double>{7, -3});
}

TEST_CASE("gradients of a broadcast operand are summed back to its shape") {
  Variable a(ones({3, 4}), true), b(tensor({1, 2, 3, 4}), true);
  sum(mul(a, b)).backward();
  CHECK(b.grad().sizes() == Shape{4});
  CHECK(b.grad().to_vector() == std::vector<double>{3, 3, 3, 3});
  CHECK(a.grad().to_vector() == std::vector<double>{1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4});
}

TEST_CASE("gradients accumulate across backward passes until zero_grad") {
  Variable w(tensor({1.5}), true);
  for (int i = 0; i < 3; ++i) sum(mul(w, 2.0)).backward();
  CHECK(w.grad().item() == 6);
  w.zero_grad();
  CHECK_FALSE(w.grad().defined());
}

TEST_CASE("inputs can require gradients (d loss / d image)") {
  Variable img(tensor({0.1f, 0.2f, 0.3f}), true);
  Variable w(tensor({1, -2, 3}), false);
  sum(mul(img, w)).backward();
  CHECK(img.grad().to_vector() == std::vector<double>{1, -2, 3});
  CHECK_FALSE(w.grad().defined());
}

TEST_CASE("no_grad records nothing; detach cuts the graph") {
  Variable x(tensor({1, 2}), true);
  {
    NoGradGuard guard;
    Variable y = mul(x, x);
    CHECK_FALSE(y.requires_grad());
    CHECK(y.is_leaf());
  }
  Variable y = mul(x, x);
  CHECK(y.requires_grad());
  Variable d = y.detach();
  CHECK_FALSE(d.requires_grad());
  CHECK(d.data().shares_storage(y.data()));
}

TEST_CASE("backward refuses a non-scalar output without a gradient, and a wrong gradient shape") {
  Variable x(tensor({1, 2}), true);
  Variable y = mul(x, 2.0);
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("(2,)"), std::invalid_argument);
  CHECK_THROWS_AS(y.backward(ones({3})), std::invalid_argument);
  Variable c(tensor({1}), false);
  CHECK_THROWS_AS(c.backward(), std::logic_error);
}

TEST_CASE("retain_grad keeps an intermediate gradient; others are freed") {
  Variable x(tensor({1, 2}), true);
  Variable h = mul(x, 3.0), k = mul(x, 4.0);
  h.retain_grad();
  sum(add(h, k)).backward();
  CHECK(h.grad().to_vector() == std::vector<double>{1, 1});
  CHECK_FALSE(k.grad().defined());
}

TEST_CASE("backward(g) leaves the caller's g alone: no gradient kept after it shares its storage") {
  const Tensor g = tensor({5, 7});
  Variable x(tensor({1, 2}), true);
  Variable y = add(x, 0.0);  // its backward hands g on unchanged
  y.backward(g);
  CHECK_FALSE(x.grad().shares_storage(g));
  add(x, 0.0).backward(g);  // accumulates into x.grad in place
  CHECK(x.grad().to_vector() == std::vector<double>{10, 14});
  CHECK(g.to_vector() == std::vector<double>{5, 7});

  Variable kept = mul(x, 2.0);  // a retained root gets its own copy
  kept.retain_grad();
  kept.backward(g);
  CHECK_FALSE(kept.grad().shares_storage(g));
  Variable leaf(tensor({1, 2}), true);  // as does a leaf
  leaf.backward(g);
  CHECK_FALSE(leaf.grad().shares_storage(g));
  CHECK(g.to_vector() == std::vector<double>{5, 7});
}

TEST_CASE("a deep chain does not overflow the stack") {
  Variable x(tensor({1}), true);
  Variable y = x;
  for (int i = 0; i < 20000; ++i) y = add(y, 0.0);
  y.backward();
  CHECK(x.grad().item() == 1);
}

TEST_CASE("float32 graph gives float32 gradients") {
  Variable x(tensor({0.5f, -1.0f}), true);
  sum(sigmoid(x)).backward();
  CHECK(x.grad().dtype() == DType::f32);
  double s0 = 1 / (1 + std::exp(-0.5)), s1 = 1 / (1 + std::exp(1.0));
  CHECK(x.grad().at({0}) == doctest::Approx(s0 * (1 - s0)).epsilon(1e-6));
  CHECK(x.grad().at({1}) == doctest::Approx(s1 * (1 - s1)).epsilon(1e-6));
}
