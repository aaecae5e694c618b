// Ops against PyTorch: values written by tests/tensor/make_fixtures.py (torch, float64), checked in
// float64 (tight) and float32 (the SIMD paths, looser). The gradients in the same file are checked
// by tests/autograd/test_reference_grads.cpp, which needs the autograd engine.
#include "helpers.hpp"

#include "fixtures.hpp"

using namespace hqc;
using hqc::test::tensor_ops_fixture;

namespace {
// Runs `op` on the fixture inputs in float64 and float32 and compares with the expected tensor.
template <typename Op>
void check_op(const char* expected, const std::vector<std::string>& inputs, Op op) {
  CAPTURE(expected);
  const auto& fx = tensor_ops_fixture();
  std::vector<Tensor> in64, in32;
  for (const auto& n : inputs) {
    in64.push_back(fx[n]);
    in32.push_back(fx.f32(n));
  }
  Tensor want = fx[expected];
  Tensor got64 = op(in64), got32 = op(in32);
  CHECK_CLOSE(got64.to(DType::f64).reshape(want.sizes()), want, 1e-12, 1e-12);
  CHECK_CLOSE(got32.to(DType::f64).reshape(want.sizes()), want, 2e-6, 2e-6);
}

}  // namespace

TEST_CASE("forward values match PyTorch in float64 and float32") {
  using V = std::vector<Tensor>;
  check_op("add_ab", {"a", "b"}, [](const V& v) { return add(v[0], v[1]); });
  check_op("sub_ac", {"a", "c"}, [](const V& v) { return sub(v[0], v[1]); });
  check_op("mul_ab", {"a", "b"}, [](const V& v) { return mul(v[0], v[1]); });
  check_op("div_ac", {"a", "c"}, [](const V& v) { return div(v[0], v[1]); });
  check_op("maximum_ab", {"a", "b"}, [](const V& v) { return maximum(v[0], v[1]); });
  check_op("pow_p_1.7", {"p"}, [](const V& v) { return pow(v[0], 1.7); });
  check_op("exp_a", {"a"}, [](const V& v) { return exp(v[0]); });
  check_op("log_p", {"p"}, [](const V& v) { return log(v[0]); });
  check_op("sqrt_p", {"p"}, [](const V& v) { return sqrt(v[0]); });
  check_op("sigmoid_a", {"a"}, [](const V& v) { return sigmoid(v[0]); });
  check_op("tanh_a", {"a"}, [](const V& v) { return tanh(v[0]); });
  check_op("relu_a", {"a"}, [](const V& v) { return relu(v[0]); });
  check_op("clamp_a", {"a"}, [](const V& v) { return clamp(v[0], -0.5, 0.7); });
  check_op("sum_x3_d02", {"x3"}, [](const V& v) { return sum(v[0], {0, 2}); });
  check_op("mean_x3_d1_keep", {"x3"}, [](const V& v) { return mean(v[0], {1}, true); });
  check_op("var_x3_d2", {"x3"}, [](const V& v) { return var(v[0], {2}); });
  check_op("var_x3_d2_biased", {"x3"}, [](const V& v) { return var(v[0], {2}, false); });
  check_op("amax_x3_d1", {"x3"}, [](const V& v) { return amax(v[0], {1}); });
  check_op("argmax_x3_d2", {"x3"}, [](const V& v) { return argmax(v[0], 2).to(v[0].dtype()); });
  check_op("matmul_m1m2", {"m1", "m2"}, [](const V& v) { return matmul(v[0], v[1]); });
  check_op("bmm_bm_m2", {"bm", "m2"}, [](const V& v) { return matmul(v[0], v[1]); });
  check_op("softmax_x3_d1", {"x3"}, [](const V& v) { return softmax(v[0], 1); });
  check_op("log_softmax_x3_d2", {"x3"}, [](const V& v) { return log_softmax(v[0], 2); });
}
