// Gradients against PyTorch's autograd: the grad_* entries that tests/tensor/make_fixtures.py writes
// into tensor_ops.txt beside the forward values (those are checked by tests/tensor/test_reference.cpp).
#include "helpers.hpp"

#include "autograd/functions.hpp"
#include "fixtures.hpp"

using namespace hqc;
using hqc::test::tensor_ops_fixture;

namespace {
// Gradients of sum(f(x) * w) with w = linspace(-1, 1, numel) as in the script.
template <typename F>
void check_grads(const char* name, const std::vector<std::string>& inputs, F f) {
  CAPTURE(name);
  const auto& fx = tensor_ops_fixture();
  std::vector<Variable> vars;
  for (const auto& n : inputs) vars.emplace_back(fx[n], true);
  Variable y = f(vars);
  int64_t n = y.numel();
  Tensor w = n == 1 ? full(y.sizes(), -1.0, DType::f64) : arange(0, double(n), 1, DType::f64);
  if (n > 1) w = add(mul(w, 2.0 / double(n - 1)), -1.0).reshape(y.sizes());
  y.backward(w);
  for (std::size_t i = 0; i < vars.size(); ++i) {
    CHECK_CLOSE(vars[i].grad(), fx[std::string("grad_") + name + "_" + std::to_string(i)], 1e-12, 1e-12);
  }
}
}  // namespace

TEST_CASE("gradients match PyTorch's autograd") {
  using V = std::vector<Variable>;
  check_grads("mul_ab", {"a", "b"}, [](const V& v) { return mul(v[0], v[1]); });
  check_grads("div_ac", {"a", "c"}, [](const V& v) { return div(v[0], v[1]); });
  check_grads("softmax_x3_d1", {"x3"}, [](const V& v) { return softmax(v[0], 1); });
  check_grads("log_softmax_x3_d2", {"x3"}, [](const V& v) { return log_softmax(v[0], 2); });
  check_grads("bmm_bm_m2", {"bm", "m2"}, [](const V& v) { return matmul(v[0], v[1]); });
  check_grads("tanh_sigmoid_a", {"a"}, [](const V& v) { return mul(tanh(v[0]), sigmoid(v[0])); });
  check_grads("mean_x3_d1", {"x3"}, [](const V& v) { return mean(v[0], {1}); });
}
