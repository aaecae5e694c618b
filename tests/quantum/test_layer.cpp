// The quantum layer as an autograd function and a module: gradient check in float64, float32 at the
// boundary, errors, and a small hybrid network whose loss falls when trained.
#include "autograd/functions.hpp"
#include "autograd/gradcheck.hpp"
#include "common.hpp"
#include "quantum/adjoint.hpp"
#include "quantum/layer.hpp"

using namespace hqc;
using namespace hqc::quantum;
using namespace hqc::test;

TEST_CASE("quantum_layer passes autograd's float64 gradient check for both templates, inputs and weights") {
  Generator gen(51);
  for (Template t : {Template::basic, Template::strong, Template::rotations})
    for (int n : {1, 2, 4}) {
      CAPTURE(n);
      LayerSpec spec{n, 2, t, Rotation::Y};
      const int64_t K = (int64_t{1} << n) - (n > 2 ? 3 : 0);
      Tensor x = rand_uniform({3, K}, 0.1, 1.0, gen, DType::f64);
      Tensor w = rand_uniform(layer_weight_shape(spec), 0, 6.28, gen, DType::f64);
      auto r = gradcheck([&](const std::vector<Variable>& v) { return quantum_layer(v[0], v[1], spec); }, {x, w});
      CHECK_MESSAGE(r.ok, r.message);
    }
}

TEST_CASE("the rotations template is the basic one without CNOTs: each wire evolves alone") {
  // A product state (|0> on every wire but a superposition of one basis pair) stays a product
  // state: rotating wire k changes <Z_k> and no other expectation.
  Generator gen(57);
  LayerSpec spec{3, 2, Template::rotations, Rotation::X};
  CHECK(layer_weight_shape(spec) == Shape{2, 3});
  Tensor x = tensor({1, 0, 0, 0, 0, 0, 0, 0}, {1, 8});  // |000>
  Tensor w = zeros({2, 3});
  w.set({0, 1}, 0.7);
  w.set({1, 1}, 0.4);  // RX(0.7) then RX(0.4) on wire 1: <Z_1> = cos(1.1)
  Tensor z = quantum_layer(Variable(x), Variable(w), spec).data();
  CHECK(z.at({0, 0}) == doctest::Approx(1.0));
  CHECK(z.at({0, 1}) == doctest::Approx(std::cos(1.1)).epsilon(1e-6));
  CHECK(z.at({0, 2}) == doctest::Approx(1.0));
  // With the CNOT ring (basic), the same weights flip wire 2 through the entanglers as well.
  Tensor zb = quantum_layer(Variable(x), Variable(w), {3, 2, Template::basic, Rotation::X}).data();
  CHECK(std::abs(zb.at({0, 2}) - 1.0) > 1e-3);
  QuantumLayer layer(spec, gen);
  CHECK(layer.describe() == "QuantumLayer(qubits=3, layers=2, template=rotations, rotation=X)");
  CHECK(parse_template("rotations") == Template::rotations);
}

TEST_CASE("quantum_layer keeps float32 at the boundary and gives gradients in their owners' types") {
  Generator gen(52);
  QuantumLayer layer({4, 2, Template::basic, Rotation::X}, gen);
  CHECK(layer.weights().sizes() == Shape{2, 4});
  CHECK(layer.num_parameters() == 8);
  REQUIRE(layer.named_parameters().size() == 1);
  CHECK(layer.named_parameters()[0].first == "weights");
  CHECK(layer.describe() == "QuantumLayer(qubits=4, layers=2, template=basic, rotation=X)");
  for (float v : layer.weights().data().values<float>()) CHECK((v >= 0.0f && v < 6.2831855f));
  Variable x(rand_uniform({5, 16}, 0, 1, gen), true);
  Variable y = layer(x);
  CHECK(y.dtype() == DType::f32);
  CHECK(y.sizes() == Shape{5, 4});
  sum(y).backward();
  CHECK(x.grad().dtype() == DType::f32);
  CHECK(x.grad().sizes() == Shape{5, 16});
  CHECK(layer.weights().grad().sizes() == Shape{2, 4});
  // Same seed, same weights.
  Generator g1(7), g2(7);
  CHECK(QuantumLayer({4, 2}, g1).weights().data().values<float>() == QuantumLayer({4, 2}, g2).weights().data().values<float>());
}

TEST_CASE("quantum_layer errors: zero input row, too many features, wrong weight shape") {
  LayerSpec spec{4, 2};
  Variable w(zeros({2, 4}), true);
  Tensor x = rand_uniform({3, 16}, 0, 1, *std::make_unique<Generator>(1));
  x.narrow(0, 1, 1).zero_();
  CHECK_THROWS_WITH_AS(quantum_layer(Variable(x), w, spec), doctest::Contains("sample 1 is a zero vector"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(quantum_layer(Variable(zeros({2, 17})), w, spec), doctest::Contains("17 features"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(quantum_layer(Variable(ones({2, 16})), Variable(zeros({2, 4, 3})), spec),
                       doctest::Contains("weights have shape (2, 4, 3), expected (2, 4)"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(quantum_layer(Variable(ones({16})), w, spec), doctest::Contains("must be (B, K)"),
                       std::invalid_argument);
  CHECK_THROWS_AS(QuantumLayer(LayerSpec{31, 1}, *std::make_unique<Generator>(0)), std::invalid_argument);
}

TEST_CASE("a small hybrid network with the quantum layer trains: its loss falls") {
  // Linear(6, 16) -> softmax -> quantum layer (16 -> 4) -> Linear(4, 2), on a separable toy task.
  Generator gen(53);
  const int64_t N = 32;
  Tensor x = rand_normal({N, 6}, 0, 1, gen);
  Tensor onehot = zeros({N, 2});
  for (int64_t i = 0; i < N; ++i) onehot.set({i, x.at({i, 0}) + x.at({i, 1}) > 0 ? 1 : 0}, 1.0);
  Variable W1(rand_normal({6, 16}, 0, 0.5, gen), true), b1(zeros({16}), true);
  Variable W2(rand_normal({4, 2}, 0, 0.5, gen), true), b2(zeros({2}), true);
  QuantumLayer q({4, 2}, gen);
  std::vector<Variable> params = {W1, b1, W2, b2, q.weights()};
  nn::Module& qm = q;  // called as any nn module
  auto loss_fn = [&] {
    Variable h = softmax(matmul(Variable(x), W1) + b1, 1);
    Variable logits = matmul(qm(h), W2) + b2;
    return neg(mean(sum(log_softmax(logits, 1) * Variable(onehot), {1})));
  };
  double first = 0, last = 0;
  for (int step = 0; step < 60; ++step) {
    for (auto& p : params) p.zero_grad();
    Variable loss = loss_fn();
    if (step == 0) first = loss.item();
    last = loss.item();
    REQUIRE(std::isfinite(last));
    loss.backward();
    for (auto& p : params) {
      Tensor d = p.mutable_data();
      d.copy_(sub(d, mul(p.grad(), 0.5)));
    }
  }
  MESSAGE("loss " << first << " -> " << last);
  CHECK(last < 0.8 * first);
  // The quantum weights moved: gradient reached them.
  CHECK(q.weights().grad().defined());
}

TEST_CASE("quantum layer weight gradient of a batch split at chunk boundaries adds up to the whole batch's bits") {
  // The weight gradient is summed over fixed chunks of 16 samples and the fixed tree
  // (tensor/reduce.hpp): 37 samples = chunks 0-1 and chunk 2, so the parts [0, 16), [16, 32) and
  // [32, 37) added as (a + b) + c are the whole batch's root. In float64, before the layer rounds
  // the gradient to its weights' type.
  Generator gen(61);
  for (Template t : {Template::basic, Template::strong}) {
    CAPTURE(static_cast<int>(t));
    LayerSpec spec{4, 2, t, Rotation::Y};
    const Tensor x = rand_uniform({37, 16}, 0.1, 1.0, gen, DType::f64);
    const Tensor w = rand_uniform(layer_weight_shape(spec), 0, 6.28, gen, DType::f64).reshape({-1});
    const Tensor gy = rand_uniform({37, 4}, -1.0, 1.0, gen, DType::f64);
    const Circuit circuit = layer_circuit(spec, 16);
    auto grad = [&](int64_t r0, int64_t r1) {
      return adjoint_expval_z(circuit, w, x.narrow(0, r0, r1 - r0).contiguous(), gy.narrow(0, r0, r1 - r0).contiguous())
          .weights.values<double>();
    };
    const auto whole = grad(0, 37), a = grad(0, 16), b = grad(16, 32), c = grad(32, 37), left = grad(0, 32);
    // And the tree's sum is the gradient: against the sum of the per-sample gradients in sample order.
    std::vector<double> serial(whole.size(), 0.0);
    for (int64_t i = 0; i < 37; ++i) {
      const auto v = grad(i, i + 1);
      for (std::size_t k = 0; k < serial.size(); ++k) serial[k] += v[k];
    }
    for (std::size_t k = 0; k < serial.size(); ++k) CHECK(whole[k] == doctest::Approx(serial[k]).epsilon(1e-12));
    for (std::size_t i = 0; i < whole.size(); ++i) {
      CAPTURE(i);
      CHECK(a[i] + b[i] == left[i]);
      CHECK((a[i] + b[i]) + c[i] == whole[i]);
    }
  }
}
