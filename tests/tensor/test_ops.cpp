// Tests of element-wise ops, reductions, matmul and softmax against hand-computed values.
#include "helpers.hpp"

#include <cmath>

using namespace hqc;

TEST_CASE("binary ops broadcast as NumPy does") {
  Tensor a = tensor({1, 2, 3}, {3, 1});
  Tensor b = tensor({10, 20}, {1, 2});
  CHECK_CLOSE(add(a, b), tensor({11, 21, 12, 22, 13, 23}, {3, 2}), 0, 0);
  CHECK_CLOSE(sub(a, b), tensor({-9, -19, -8, -18, -7, -17}, {3, 2}), 0, 0);
  CHECK_CLOSE(mul(a, b), tensor({10, 20, 20, 40, 30, 60}, {3, 2}), 0, 0);
  CHECK_CLOSE(div(b, a), tensor({10, 20, 5, 10, 10.f / 3, 20.f / 3}, {3, 2}), 1e-7, 0);
  CHECK_THROWS_WITH_AS(add(zeros({2, 3}), zeros({3, 2})), doctest::Contains("add: shapes (2, 3) and (3, 2)"),
                       std::invalid_argument);
}

TEST_CASE("ops on transposed (strided) operands") {
  Tensor a = arange(0, 6).view({2, 3});
  CHECK_CLOSE(add(a.t(), a.t()), tensor({0, 6, 2, 8, 4, 10}, {3, 2}), 0, 0);
}

TEST_CASE("mixing float32 and float64 is refused with both shapes named") {
  CHECK_THROWS_WITH_AS(add(zeros({2}), zeros({2}, DType::f64)), doctest::Contains("float64"), std::invalid_argument);
  CHECK_THROWS_AS(exp(zeros({2}, DType::i64)), std::invalid_argument);
}

TEST_CASE("unary ops match the C library") {
  Tensor x = tensor({-2, -0.5, 0, 0.5, 3});
  std::vector<double> v = x.to_vector();
  auto expect = [&](auto f) {
    std::vector<float> e;
    for (double t : v) e.push_back(static_cast<float>(f(t)));
    return from_data(e, {5});
  };
  CHECK_CLOSE(exp(x), expect([](double t) { return std::exp(t); }), 1e-6, 0);
  CHECK_CLOSE(abs(x), expect([](double t) { return std::abs(t); }), 0, 0);
  CHECK_CLOSE(neg(x), expect([](double t) { return -t; }), 0, 0);
  CHECK_CLOSE(relu(x), expect([](double t) { return t > 0 ? t : 0; }), 0, 0);
  CHECK_CLOSE(sign(x), expect([](double t) { return (t > 0) - (t < 0); }), 0, 0);
  CHECK_CLOSE(sigmoid(x), expect([](double t) { return 1 / (1 + std::exp(-t)); }), 1e-6, 0);
  CHECK_CLOSE(tanh(x), expect([](double t) { return std::tanh(t); }), 1e-6, 1e-7);
  Tensor p = tensor({0.25, 1, 4});
  CHECK_CLOSE(sqrt(p), tensor({0.5, 1, 2}), 0, 0);
  CHECK_CLOSE(log(p), tensor({std::log(0.25f), 0, std::log(4.0f)}), 1e-7, 0);
  CHECK_CLOSE(pow(p, 1.5), tensor({0.125, 1, 8}), 1e-7, 0);
  CHECK_CLOSE(clamp(x, -1, 1), tensor({-1, -0.5, 0, 0.5, 1}), 0, 0);
}

TEST_CASE("relu and maximum pass NaN on") {
  Tensor x = tensor({NAN, 1});
  CHECK(std::isnan(relu(x).at({0})));
  CHECK(std::isnan(maximum(x, 0.0).at({0})));
  CHECK(std::isnan(exp(x).at({0})));
}

TEST_CASE("comparisons and where") {
  Tensor a = tensor({1, 2, 3}), b = tensor({3, 2, 1});
  CHECK(gt(a, b).to_vector() == std::vector<double>{0, 0, 1});
  CHECK(ge(a, b).to_vector() == std::vector<double>{0, 1, 1});
  CHECK(eq(a, b).to_vector() == std::vector<double>{0, 1, 0});
  CHECK(lt(a, 2.5).to_vector() == std::vector<double>{1, 1, 0});
  CHECK(where(gt(a, b), a, b).to_vector() == std::vector<double>{3, 2, 3});
  CHECK(where(gt(a, b), a, zeros({1})).to_vector() == std::vector<double>{0, 0, 3});
}

TEST_CASE("reductions over chosen dims, with and without keepdim") {
  Tensor t = arange(0, 24).view({2, 3, 4});
  CHECK(sum(t).item() == 276);
  CHECK_CLOSE(sum(t, {0}), add(arange(0, 12), arange(12, 24)).view({3, 4}), 0, 0);
  CHECK(sum(t, {1, 2}, true).sizes() == Shape{2, 1, 1});
  CHECK(sum(t, {-1}).to_vector() == std::vector<double>{6, 22, 38, 54, 70, 86});
  CHECK_CLOSE(mean(t, {2}), tensor({1.5, 5.5, 9.5, 13.5, 17.5, 21.5}, {2, 3}), 0, 0);
  CHECK(amax(t, {0, 2}).to_vector() == std::vector<double>{15, 19, 23});
  CHECK(amin(t, {1}).to_vector() == std::vector<double>{0, 1, 2, 3, 12, 13, 14, 15});
  CHECK_THROWS_AS(sum(t, {3}), std::out_of_range);
}

TEST_CASE("var: unbiased by default, biased on request") {
  Tensor t = tensor({1, 2, 3, 4});
  CHECK(var(t).item() == doctest::Approx(5.0 / 3));
  CHECK(var(t, {0}, false).item() == doctest::Approx(1.25));
  Tensor m = tensor({1, 2, 3, 10, 20, 30}, {2, 3});
  CHECK_CLOSE(var(m, {1}), tensor({1, 100}), 1e-6, 0);
  CHECK_THROWS_AS(var(tensor({1})), std::invalid_argument);
}

TEST_CASE("argmax returns the first maximum as int64") {
  Tensor t = tensor({1, 5, 5, 2, 9, 0}, {2, 3});
  Tensor a = argmax(t, 1);
  CHECK(a.dtype() == DType::i64);
  CHECK(a.to_vector() == std::vector<double>{1, 1});
  CHECK(argmax(t, 0).to_vector() == std::vector<double>{1, 1, 0});
  CHECK(argmax(t, 1, true).sizes() == Shape{2, 1});
}

TEST_CASE("matmul: 2-d, vectors, batched with broadcast, transposed views") {
  Tensor a = tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = tensor({7, 8, 9, 10, 11, 12}, {3, 2});
  Tensor c = tensor({58, 64, 139, 154}, {2, 2});
  CHECK_CLOSE(matmul(a, b), c, 0, 0);
  CHECK_CLOSE(matmul(b.t(), a.t()), c.t().contiguous(), 0, 0);
  CHECK_CLOSE(matmul(a, tensor({1, 1, 1})), tensor({6, 15}), 0, 0);
  Tensor batch = arange(0, 12).view({2, 2, 3});
  Tensor r = matmul(batch, b);
  CHECK(r.sizes() == Shape{2, 2, 2});
  CHECK_CLOSE(r.select(0, 1), matmul(batch.select(0, 1), b), 0, 0);
  CHECK_THROWS_WITH_AS(matmul(a, a), doctest::Contains("(2, 3) @ (2, 3)"), std::invalid_argument);
}

TEST_CASE("softmax and log_softmax are stable for large inputs") {
  Tensor x = tensor({1000, 1001, 1002});
  double e0 = std::exp(-2.0), e1 = std::exp(-1.0), s = e0 + e1 + 1;
  CHECK_CLOSE(softmax(x, 0), tensor({float(e0 / s), float(e1 / s), float(1 / s)}), 1e-6, 0);
  CHECK_CLOSE(log_softmax(x, 0), tensor({float(-2 - std::log(s)), float(-1 - std::log(s)), float(-std::log(s))}), 1e-6, 0);
  Tensor m = tensor({1, 2, 3, 4}, {2, 2});
  Tensor sm = softmax(m, 0);
  CHECK_CLOSE(sum(sm, {0}), tensor({1, 1}), 1e-6, 0);
}

TEST_CASE("sum_to reduces a broadcast back to its shape") {
  Tensor g = ones({4, 2, 3});
  CHECK_CLOSE(sum_to(g, {2, 1}), full({2, 1}, 12), 0, 0);
  CHECK_CLOSE(sum_to(g, {3}), full({3}, 8), 0, 0);
}

TEST_CASE("float64 ops give float64 results") {
  Tensor a = tensor({1, 2, 3}).to(DType::f64);
  Tensor r = div(a, 3.0);
  CHECK(r.dtype() == DType::f64);
  CHECK(r.at({0}) == 1.0 / 3.0);
}
