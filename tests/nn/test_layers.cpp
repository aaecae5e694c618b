// test_layers.cpp — layers and losses against PyTorch fixtures (float32 and float64), gradient
// checks of every layer's op, and the Module base: names, state, modes, parameter counts.
#include <cmath>
#include <cstring>

#include "autograd/functions.hpp"
#include "autograd/gradcheck.hpp"
#include "fixtures.hpp"
#include "helpers.hpp"
#include "nn/nn.hpp"

using namespace hqc;
using namespace hqc::nn;
using hqc::test::Fixtures;
using hqc::test::nn_fixture;

namespace {

const DType kTypes[] = {DType::f32, DType::f64};
double rtol_for(DType t) { return t == DType::f32 ? 1e-4 : 1e-9; }
double atol_for(DType t) { return t == DType::f32 ? 2e-5 : 1e-10; }

#define CHECK_FIXTURE(actual, expected, dt) CHECK_CLOSE((actual).to(DType::f64), (expected), rtol_for(dt), atol_for(dt))

Variable leaf(const Fixtures& f, const std::string& key, DType dt) { return Variable(f.get(key, dt), true); }

void check_grad(const GradcheckFn& fn, const std::vector<Tensor>& inputs) {
  GradcheckResult r = gradcheck(fn, inputs);
  CHECK_MESSAGE(r.ok, r.message);
}

Tensor rnd(const Shape& s, uint64_t seed, double lo = -1, double hi = 1) {
  Generator g(seed);
  return rand_uniform(s, lo, hi, g, DType::f64);
}

}  // namespace

// --- fixtures ---

TEST_CASE("conv2d forward and both gradients match PyTorch") {
  struct Case { const char* name; int64_t stride, padding; };
  for (Case c : {Case{"conv2d_pad1", 1, 1}, Case{"conv2d_stride2", 2, 0}, Case{"conv2d_k1", 1, 0}}) {
    const Fixtures f = nn_fixture(c.name);
    for (DType dt : kTypes) {
      INFO(c.name << " " << dtype_name(dt));
      Variable x = leaf(f, "x", dt), w = leaf(f, "w", dt), b = leaf(f, "b", dt);
      Variable y = conv2d(x, w, b, c.stride, c.padding);
      CHECK_FIXTURE(y.data(), f.get("y"), dt);
      y.backward(f.get("gy", dt));
      CHECK_FIXTURE(x.grad(), f.get("dx"), dt);
      CHECK_FIXTURE(w.grad(), f.get("dw"), dt);
      CHECK_FIXTURE(b.grad(), f.get("db"), dt);
    }
  }
}

TEST_CASE("linear forward and gradients match PyTorch") {
  const Fixtures f = nn_fixture("linear");
  for (DType dt : kTypes) {
    Variable x = leaf(f, "x", dt), w = leaf(f, "w", dt), b = leaf(f, "b", dt);
    Variable y = linear(x, w, b);
    CHECK_FIXTURE(y.data(), f.get("y"), dt);
    y.backward(f.get("gy", dt));
    CHECK_FIXTURE(x.grad(), f.get("dx"), dt);
    CHECK_FIXTURE(w.grad(), f.get("dw"), dt);
    CHECK_FIXTURE(b.grad(), f.get("db"), dt);
  }
}

TEST_CASE("linear on one row (the dot-product path) matches PyTorch's rows, with and without bias") {
  const Fixtures f = nn_fixture("linear");
  const Tensor x = f.get("x", DType::f32), w = f.get("w", DType::f32), b = f.get("b", DType::f32);
  const Tensor y = f.get("y");  // with bias, float64
  const int64_t rows = x.size(0);
  REQUIRE(x.dim() == 2);
  for (int64_t r = 0; r < rows; ++r) {
    INFO("row " << r);
    const Tensor xr = x.narrow(0, r, 1).contiguous();
    CHECK_FIXTURE(linear(Variable(xr), Variable(w), Variable(b)).data(), y.narrow(0, r, 1), DType::f32);
    // Without bias: PyTorch's row minus the bias (the output is written, not added to).
    const Tensor want = y.narrow(0, r, 1).contiguous() - b.to(DType::f64).view({1, b.size(0)});
    CHECK_FIXTURE(linear(Variable(xr), Variable(w), Variable()).data(), want, DType::f32);
  }
}

TEST_CASE("linear on one row splits its outputs over threads with each output's dot product unchanged") {
  hqc::test::ThreadCountGuard guard;
  for (int64_t in : {512, 100, 7}) {
    const int64_t out = 300;  // 512 inputs: 64 outputs a chunk, two chunks on two threads
    const Tensor x = rnd({1, in}, 31).to(DType::f32), w = rnd({out, in}, 32).to(DType::f32), b = rnd({out}, 33).to(DType::f32);
    std::vector<float> want(static_cast<size_t>(out));
    for (int64_t j = 0; j < out; ++j)
      want[size_t(j)] = b.data<float>()[j] + kernels().dot(x.data<float>(), w.data<float>() + j * in, in);
    for (int threads : {1, 2}) {
      set_num_threads(threads);
      INFO(in << " inputs, " << threads << " threads");
      const Tensor y = linear(Variable(x), Variable(w), Variable(b)).data();
      CHECK(std::memcmp(y.data<float>(), want.data(), want.size() * sizeof(float)) == 0);
    }
  }
}

TEST_CASE("BatchNorm layers match PyTorch over several training steps and in eval") {
  struct Case { const char* name; bool two_d; };
  for (Case c : {Case{"batchnorm2d", true}, Case{"batchnorm1d", false}, Case{"batchnorm1d_3d", false}}) {
    INFO(c.name);
    const Fixtures f = nn_fixture(c.name);
    const int64_t C = f.get("weight").size(0);
    std::shared_ptr<BatchNorm> bn;
    if (c.two_d)
      bn = std::make_shared<BatchNorm2d>(C);
    else
      bn = std::make_shared<BatchNorm1d>(C);
    bn->weight.mutable_data().copy_(f.get("weight"));
    bn->bias.mutable_data().copy_(f.get("bias"));
    const DType dt = DType::f32;
    for (int s = 0; s < 4; ++s) {
      const std::string k = std::to_string(s);
      bn->zero_grad();
      Variable x = leaf(f, "x" + k, dt);
      Variable y = (*bn)(x);
      CHECK_FIXTURE(y.data(), f.get("y" + k), dt);
      y.backward(f.get("gy" + k, dt));
      CHECK_FIXTURE(x.grad(), f.get("dx" + k), dt);
      CHECK_FIXTURE(bn->weight.grad(), f.get("dweight" + k), dt);
      CHECK_FIXTURE(bn->bias.grad(), f.get("dbias" + k), dt);
      CHECK_FIXTURE(bn->running_mean, f.get("running_mean" + k), dt);
      CHECK_FIXTURE(bn->running_var, f.get("running_var" + k), dt);
    }
    CHECK(bn->num_batches_tracked.item() == 4);
    bn->eval();
    bn->zero_grad();
    Variable x = leaf(f, "x_eval", dt);
    Variable y = (*bn)(x);
    CHECK_FIXTURE(y.data(), f.get("y_eval"), dt);
    y.backward(f.get("gy_eval", dt));
    CHECK_FIXTURE(x.grad(), f.get("dx_eval"), dt);
    CHECK_FIXTURE(bn->weight.grad(), f.get("dweight_eval"), dt);
    CHECK_FIXTURE(bn->bias.grad(), f.get("dbias_eval"), dt);
    CHECK(bn->num_batches_tracked.item() == 4);  // eval leaves the statistics alone
    CHECK_FIXTURE(bn->running_var, f.get("running_var3"), dt);
  }
}

TEST_CASE("max pooling matches PyTorch for 2x2 and overlapping 3x3 stride 2 windows") {
  const Fixtures f = nn_fixture("maxpool2d");
  for (DType dt : kTypes) {
    Variable x = leaf(f, "x", dt);
    Variable y = MaxPool2d(2)(x);
    CHECK_FIXTURE(y.data(), f.get("y"), dt);
    y.backward(f.get("gy", dt));
    CHECK_FIXTURE(x.grad(), f.get("dx"), dt);
    Variable x3 = leaf(f, "x", dt);
    Variable y3 = MaxPool2d(3, 2)(x3);
    CHECK_FIXTURE(y3.data(), f.get("y3"), dt);
    y3.backward(f.get("gy3", dt));
    CHECK_FIXTURE(x3.grad(), f.get("dx3"), dt);
  }
}

TEST_CASE("adaptive average pooling matches PyTorch when sizes do not divide") {
  const Fixtures f = nn_fixture("adaptive_avg_pool2d");
  for (int i = 0; i < 5; ++i) {
    const std::string k = std::to_string(i);
    const Tensor want = f.get("y" + k);
    for (DType dt : kTypes) {
      INFO("case " << i << " " << dtype_name(dt));
      Variable x = leaf(f, "x" + k, dt);
      Variable y = AdaptiveAvgPool2d(want.size(2), want.size(3))(x);
      CHECK_FIXTURE(y.data(), want, dt);
      y.backward(f.get("gy" + k, dt));
      CHECK_FIXTURE(x.grad(), f.get("dx" + k), dt);
    }
  }
}

TEST_CASE("ReLU and Softmax match PyTorch") {
  const Fixtures f = nn_fixture("activations");
  for (DType dt : kTypes) {
    Variable x = leaf(f, "x", dt);
    Variable y = ReLU()(x);
    CHECK_FIXTURE(y.data(), f.get("relu"), dt);
    y.backward(f.get("gy", dt));
    CHECK_FIXTURE(x.grad(), f.get("drelu"), dt);
    Variable x2 = leaf(f, "x", dt);
    Variable s = Softmax(1)(x2);
    CHECK_FIXTURE(s.data(), f.get("softmax"), dt);
    s.backward(f.get("gy", dt));
    CHECK_FIXTURE(x2.grad(), f.get("dsoftmax"), dt);
  }
}

TEST_CASE("cross-entropy with label smoothing, NLL and MSE match PyTorch") {
  const Fixtures f = nn_fixture("losses");
  const Tensor labels = f.labels("labels");
  for (DType dt : kTypes) {
    for (auto [tag, eps] : {std::pair{"ls0", 0.0}, std::pair{"ls1", 0.1}, std::pair{"ls3", 0.3}}) {
      INFO(tag << " " << dtype_name(dt));
      Variable z = leaf(f, "logits", dt);
      Variable loss = cross_entropy(z, labels, eps);
      CHECK(loss.item() == doctest::Approx(f.scalar(std::string("ce_") + tag)).epsilon(rtol_for(dt)));
      loss.backward();
      CHECK_FIXTURE(z.grad(), f.get(std::string("dce_") + tag), dt);
    }
    Variable lp = leaf(f, "logp", dt);
    Variable nll = nll_loss(lp, labels);
    CHECK(nll.item() == doctest::Approx(f.scalar("nll")).epsilon(rtol_for(dt)));
    nll.backward();
    CHECK_FIXTURE(lp.grad(), f.get("dnll"), dt);
    Variable a = leaf(f, "mse_a", dt);
    Variable mse = mse_loss(a, Variable(f.get("mse_b", dt)));
    CHECK(mse.item() == doctest::Approx(f.scalar("mse")).epsilon(rtol_for(dt)));
    mse.backward();
    CHECK_FIXTURE(a.grad(), f.get("dmse"), dt);
  }
}

// --- gradient checks (float64, finite differences) ---

TEST_CASE("gradcheck conv2d with padding, stride, 1x1 kernels and no bias") {
  check_grad([](const std::vector<Variable>& v) { return conv2d(v[0], v[1], v[2], 1, 1); },
             {rnd({2, 3, 5, 4}, 1), rnd({2, 3, 3, 3}, 2), rnd({2}, 3)});
  check_grad([](const std::vector<Variable>& v) { return conv2d(v[0], v[1], v[2], 2, 1); },
             {rnd({1, 2, 7, 6}, 4), rnd({3, 2, 3, 3}, 5), rnd({3}, 6)});
  check_grad([](const std::vector<Variable>& v) { return conv2d(v[0], v[1], Variable(), 1, 0); },
             {rnd({2, 4, 3, 3}, 7), rnd({2, 4, 1, 1}, 8)});
}

TEST_CASE("gradcheck linear on 2-d and 3-d inputs") {
  check_grad([](const std::vector<Variable>& v) { return linear(v[0], v[1], v[2]); },
             {rnd({4, 5}, 1), rnd({3, 5}, 2), rnd({3}, 3)});
  check_grad([](const std::vector<Variable>& v) { return linear(v[0], v[1], Variable()); },
             {rnd({2, 3, 5}, 4), rnd({2, 5}, 5)});
}

TEST_CASE("gradcheck batch_norm in training and evaluation form") {
  for (bool training : {true, false}) {
    for (Shape s : {Shape{4, 3, 2, 3}, Shape{6, 5}}) {
      INFO("training " << training << " shape " << shape_str(s));
      const int64_t C = s[1];
      check_grad(
          [&](const std::vector<Variable>& v) {
            Tensor rm = rnd({C}, 9, -0.5, 0.5), rv = rnd({C}, 10, 0.5, 2.0);
            return batch_norm(v[0], v[1], v[2], rm, rv, training, 0.1, 1e-5);
          },
          {rnd(s, 11, -2, 3), rnd({C}, 12, 0.5, 1.5), rnd({C}, 13)});
    }
  }
}

TEST_CASE("gradcheck batch_norm fused with relu in training and evaluation form") {
  for (bool training : {true, false}) {
    for (Shape s : {Shape{4, 3, 2, 3}, Shape{6, 5}, Shape{3, 2, 4, 4}}) {
      INFO("training " << training << " shape " << shape_str(s));
      const int64_t C = s[1];
      check_grad(
          [&](const std::vector<Variable>& v) {
            Tensor rm = rnd({C}, 9, -0.5, 0.5), rv = rnd({C}, 10, 0.5, 2.0);
            return batch_norm(v[0], v[1], v[2], rm, rv, training, 0.1, 1e-5, true);
          },
          {rnd(s, 11, -2, 3), rnd({C}, 12, 0.5, 1.5), rnd({C}, 13)});
    }
  }
}

// The fused op must be the two ops in sequence, bit for bit: outputs, all three gradients and the
// running statistics, in float and double, planes shorter and longer than a vector, every SIMD level.
TEST_CASE("batch_norm with relu equals batch_norm then relu bit for bit") {
  hqc::test::SimdLevelGuard guard;
  for (SimdLevel level : hqc::test::available_levels()) {
    set_simd_level(level);
    for (DType dt : kTypes) {
      for (bool training : {true, false}) {
        for (Shape s : {Shape{8, 3, 5, 7}, Shape{16, 6}, Shape{4, 2, 2, 2}, Shape{2, 3, 12, 12}}) {
          INFO(std::string(simd_name(level)) << " " << dtype_name(dt) << " training " << training << " shape " << shape_str(s));
          const int64_t C = s[1];
          Tensor x0 = rnd(s, 21, -2, 2).to(dt), g0 = rnd({C}, 22, 0.5, 1.5).to(dt), b0 = rnd({C}, 23).to(dt);
          Tensor gy = rnd(s, 24).to(dt);
          auto run = [&](bool fused, Tensor& rm, Tensor& rv) {
            Variable x(x0.clone(), true), gm(g0.clone(), true), bt(b0.clone(), true);
            Variable y = fused ? batch_norm(x, gm, bt, rm, rv, training, 0.1, 1e-5, true)
                               : relu(batch_norm(x, gm, bt, rm, rv, training, 0.1, 1e-5));
            y.backward(gy);
            return std::vector<Tensor>{y.data(), x.grad(), gm.grad(), bt.grad(), rm, rv};
          };
          Tensor rm1 = rnd({C}, 25).to(dt), rv1 = rnd({C}, 26, 0.5, 2).to(dt);
          Tensor rm2 = rm1.clone(), rv2 = rv1.clone();
          auto a = run(true, rm1, rv1), b = run(false, rm2, rv2);
          for (std::size_t i = 0; i < a.size(); ++i) {
            INFO("result " << i);
            CHECK(max_abs_diff(a[i], b[i]) == 0.0);
          }
        }
      }
    }
  }
}

// An (N, C) input in evaluation form runs the channels of a row in one pass: each value must still be
// x * a + b (two roundings) with its channel's a = γ/√(var + eps) and b = β - mean·a, worked in double.
TEST_CASE("batch_norm in evaluation form on (N, C) gives each value x * a + b of its channel, bit for bit") {
  hqc::test::ThreadCountGuard guard;
  for (int64_t C : {1, 7, 128}) {
    for (int64_t N : {1, 3, 300}) {  // 300 rows of 128: two chunks on two threads
      const Tensor x = rnd({N, C}, 41, -2, 2).to(DType::f32), g = rnd({C}, 42, 0.5, 1.5).to(DType::f32), bt = rnd({C}, 43).to(DType::f32);
      const Tensor rm = rnd({C}, 44).to(DType::f32), rv = rnd({C}, 45, 0.5, 2).to(DType::f32);
      for (bool with_relu : {false, true}) {
        std::vector<float> want(static_cast<size_t>(N * C));
        for (int64_t c = 0; c < C; ++c) {
          const double is = 1.0 / std::sqrt(double(rv.data<float>()[c]) + 1e-5), gm = g.data<float>()[c];
          const float a = float(is * gm), b = float(double(bt.data<float>()[c]) - double(rm.data<float>()[c]) * is * gm);
          for (int64_t n = 0; n < N; ++n) {
            const float v = x.data<float>()[n * C + c] * a + b;
            want[size_t(n * C + c)] = with_relu ? (0.0f > v ? 0.0f : v) : v;
          }
        }
        for (int threads : {1, 2}) {
          set_num_threads(threads);
          INFO(N << "x" << C << " relu " << with_relu << ", " << threads << " threads");
          const Tensor y = batch_norm(Variable(x), Variable(g), Variable(bt), rm, rv, false, 0.1, 1e-5, with_relu).data();
          CHECK(std::memcmp(y.data<float>(), want.data(), want.size() * sizeof(float)) == 0);
        }
      }
    }
  }
}

// Without a graph an evaluation-mode batch_norm reads the running statistics in place; with one it
// keeps a copy, so that a backward after they changed still uses the forward's.
TEST_CASE("evaluation-mode batch_norm's backward uses the statistics of its forward") {
  for (bool fused_pool : {false, true}) {
    INFO("fused with max pool: " << fused_pool);
    const Tensor x0 = rnd({2, 3, 4, 4}, 51, -2, 2), g0 = rnd({3}, 52, 0.5, 1.5), b0 = rnd({3}, 53);
    const Tensor gy = fused_pool ? rnd({2, 3, 2, 2}, 54) : rnd({2, 3, 4, 4}, 54);
    auto run = [&](bool disturb) {
      Tensor rm = rnd({3}, 55), rv = rnd({3}, 56, 0.5, 2);
      Variable x(x0.clone(), true), g(g0.clone(), true), b(b0.clone(), true);
      Variable y = fused_pool ? batch_norm_relu_max_pool2d(x, g, b, rm, rv, false, 0.1, 1e-5, 2)
                              : batch_norm(x, g, b, rm, rv, false, 0.1, 1e-5);
      if (disturb) {
        rm.fill_(7.0);
        rv.fill_(9.0);
      }
      y.backward(gy);
      return std::vector<Tensor>{x.grad(), g.grad(), b.grad()};
    };
    const auto a = run(false), b = run(true);
    for (std::size_t i = 0; i < a.size(); ++i) {
      INFO("gradient " << i);
      CHECK(max_abs_diff(a[i], b[i]) == 0.0);
    }
  }
}

TEST_CASE("Sequential runs BatchNorm then ReLU fused with the same results, and summary still lists both") {
  Generator g(3);
  auto make = [&] {
    Generator gi(7);
    return sequential({std::make_shared<Conv2d>(2, 4, 3, gi, 1, 1), std::make_shared<BatchNorm2d>(4),
                       std::make_shared<ReLU>(), std::make_shared<Flatten>(), std::make_shared<Linear>(4 * 36, 3, gi),
                       std::make_shared<BatchNorm1d>(3), std::make_shared<ReLU>()});
  };
  auto fused = make();
  CHECK(fused->fuse_batchnorm_relu() == 2);
  auto plain = make();
  Tensor x0 = rand_uniform({5, 2, 6, 6}, -1, 1, g);
  Variable xf(x0.clone(), true), xp(x0.clone(), true);
  Variable yf = (*fused)(xf);
  Variable yp = xp;
  for (std::size_t i = 0; i < plain->size(); ++i) yp = (*plain)[i](yp);  // one module at a time
  CHECK(max_abs_diff(yf.data(), yp.data()) == 0.0);
  sum(yf).backward();
  sum(yp).backward();
  CHECK(max_abs_diff(xf.grad(), xp.grad()) == 0.0);
  auto pf = fused->named_parameters(), pp = plain->named_parameters();
  REQUIRE(pf.size() == pp.size());
  for (std::size_t i = 0; i < pf.size(); ++i) CHECK(max_abs_diff(pf[i].second.grad(), pp[i].second.grad()) == 0.0);
  auto layers = summarize(*fused, {2, 6, 6});
  REQUIRE(layers.size() == 7);
  CHECK(layers[2].type == "ReLU");
  CHECK(layers[6].type == "ReLU");
}

TEST_CASE("fuse_batchnorm_relu fuses only a BatchNorm directly followed by a ReLU") {
  Generator g(1);
  // BatchNorm then Dropout, a ReLU after a Linear, and a trailing BatchNorm: nothing to fuse.
  auto none = sequential({std::make_shared<Linear>(4, 3, g), std::make_shared<ReLU>(), std::make_shared<BatchNorm1d>(3),
                          std::make_shared<Dropout>(0.5, 1), std::make_shared<BatchNorm1d>(3)});
  CHECK(none->fuse_batchnorm_relu() == 0);
  // A BatchNorm + ReLU pair fuses once: the ReLU is not also a pair's start.
  auto one = sequential({std::make_shared<BatchNorm1d>(3), std::make_shared<ReLU>(), std::make_shared<ReLU>()});
  CHECK(one->fuse_batchnorm_relu() == 1);
  Tensor x0 = rand_uniform({4, 3}, -1, 1, g);
  CHECK(max_abs_diff((*one)(Variable(x0)).data(), relu(batch_norm(Variable(x0), one->children()[0].second->parameters()[0],
                                                                    one->children()[0].second->parameters()[1],
                                                                    zeros({3}), ones({3}), true)).data()) == 0.0);
}

TEST_CASE("gradcheck pooling layers") {
  check_grad([](const std::vector<Variable>& v) { return max_pool2d(v[0], 2, 2); }, {rnd({2, 2, 5, 6}, 1)});
  check_grad([](const std::vector<Variable>& v) { return max_pool2d(v[0], 3, 2); }, {rnd({1, 2, 7, 7}, 2)});
  check_grad([](const std::vector<Variable>& v) { return adaptive_avg_pool2d(v[0], 4, 3); }, {rnd({2, 2, 7, 5}, 3)});
  check_grad([](const std::vector<Variable>& v) { return adaptive_avg_pool2d(v[0], 1, 1); }, {rnd({2, 3, 4, 4}, 4)});
}

TEST_CASE("gradcheck element-wise layers and losses") {
  // ReLU away from its kink at 0.
  Tensor x = rnd({3, 4}, 1);
  Tensor xa = add(mul(sign(x), 0.1), x);
  check_grad([](const std::vector<Variable>& v) { return ReLU()(v[0]); }, {xa});
  check_grad([](const std::vector<Variable>& v) { return Softmax(1)(v[0]); }, {rnd({3, 5}, 2)});
  check_grad([](const std::vector<Variable>& v) { return Flatten()(v[0]); }, {rnd({2, 3, 2}, 3)});
  check_grad([](const std::vector<Variable>& v) { return Identity()(v[0]); }, {rnd({2, 3}, 3)});
  check_grad(
      [](const std::vector<Variable>& v) {
        Generator g(5);  // the same mask at every evaluation
        return dropout(v[0], 0.3, true, g);
      },
      {rnd({4, 6}, 4)});
  Tensor labels = from_data(std::span<const int64_t>(std::vector<int64_t>{2, 0, 4, 1}), {4});
  for (double eps : {0.0, 0.1}) {
    check_grad([&](const std::vector<Variable>& v) { return cross_entropy(v[0], labels, eps); }, {rnd({4, 5}, 5, -3, 3)});
  }
  check_grad([&](const std::vector<Variable>& v) { return nll_loss(log_softmax(v[0], 1), labels); }, {rnd({4, 5}, 6)});
  check_grad([](const std::vector<Variable>& v) { return mse_loss(v[0], v[1]); }, {rnd({3, 2}, 7), rnd({3, 2}, 8)});
}

// --- bad input ---

TEST_CASE("layers refuse bad shapes with messages naming the op and shapes") {
  Generator gen(0);
  Conv2d conv(3, 4, 3, gen, 1, 1);
  CHECK_THROWS_WITH_AS(conv(Variable(zeros({2, 1, 8, 8}))), doctest::Contains("(2, 1, 8, 8)"), std::invalid_argument);
  Linear lin(5, 2, gen);
  CHECK_THROWS_WITH_AS(lin(Variable(zeros({3, 4}))), doctest::Contains("in_features = 5"), std::invalid_argument);
  BatchNorm1d bn(4);
  CHECK_THROWS_WITH_AS(bn(Variable(zeros({1, 4}))), doctest::Contains("more than 1 value"), std::invalid_argument);
  CHECK(bn.num_batches_tracked.item() == 0);
  CHECK_THROWS_AS(bn(Variable(zeros({3, 5}))), std::invalid_argument);
  Tensor bad = from_data(std::span<const int64_t>(std::vector<int64_t>{0, 7}), {2});
  CHECK_THROWS_WITH_AS(cross_entropy(Variable(zeros({2, 5})), bad), doctest::Contains("label 7"), std::invalid_argument);
  CHECK_THROWS_AS(cross_entropy(Variable(zeros({2, 5})), zeros({2})), std::invalid_argument);
  CHECK_THROWS_AS(MaxPool2d(3)(Variable(zeros({1, 1, 2, 2}))), std::invalid_argument);
  CHECK_THROWS_AS(conv2d(Variable(zeros({1, 3, 4, 4})), Variable(zeros({2, 3, 3, 3}, DType::f64)), Variable()),
                  std::invalid_argument);
}

// --- modules ---

namespace {
// Stands in for the quantum layer in parameter counts: 8 weights, 16 features in, 4 out.
class CircuitStandIn : public Module {
 public:
  CircuitStandIn() { weights = register_parameter("weights", zeros({2, 4})); }
  Variable forward(const Variable& x) override { return narrow(x, 1, 0, 4); }
  std::string type_name() const override { return "Circuit"; }
  Variable weights;
};

std::shared_ptr<Module> conv_block(int64_t in, int64_t out, Generator& g) {
  return sequential({std::make_shared<Conv2d>(in, out, 3, g, 1, 1), std::make_shared<BatchNorm2d>(out),
                     std::make_shared<ReLU>()});
}

// The MNIST models pool after their last conv block too; the others do not (docs/study.md).
bool pool_after(size_t i, const std::vector<int64_t>& widths, int64_t in_ch) {
  return i + 1 < widths.size() || in_ch == 1;
}

std::shared_ptr<Sequential> hybrid(int64_t in_ch, std::vector<int64_t> widths, int64_t fc, int64_t classes, Generator& g) {
  auto m = std::make_shared<Sequential>();
  int64_t c = in_ch;
  for (size_t i = 0; i < widths.size(); ++i) {
    m->add(conv_block(c, widths[i], g));
    if (pool_after(i, widths, in_ch)) m->add(std::make_shared<MaxPool2d>(2));
    c = widths[i];
  }
  m->add(std::make_shared<AdaptiveAvgPool2d>(4, 4)).add(std::make_shared<Flatten>());
  m->add(std::make_shared<Linear>(c * 16, fc, g)).add(std::make_shared<ReLU>()).add(std::make_shared<Linear>(fc, 16, g));
  m->add(std::make_shared<Softmax>(1)).add(std::make_shared<CircuitStandIn>());
  m->add(std::make_shared<Linear>(4, 128, g)).add(std::make_shared<BatchNorm1d>(128)).add(std::make_shared<ReLU>());
  m->add(std::make_shared<Dropout>(0.3)).add(std::make_shared<Linear>(128, classes, g));
  return m;
}

std::shared_ptr<Sequential> classical(int64_t in_ch, std::vector<int64_t> widths, int64_t pool, int64_t fc,
                                      int64_t classes, double p, Generator& g) {
  auto m = std::make_shared<Sequential>();
  int64_t c = in_ch;
  for (size_t i = 0; i < widths.size(); ++i) {
    m->add(conv_block(c, widths[i], g));
    if (pool_after(i, widths, in_ch)) m->add(std::make_shared<MaxPool2d>(2));
    c = widths[i];
  }
  m->add(std::make_shared<AdaptiveAvgPool2d>(pool, pool)).add(std::make_shared<Flatten>());
  m->add(std::make_shared<Linear>(c * pool * pool, fc, g)).add(std::make_shared<BatchNorm1d>(fc));
  m->add(std::make_shared<ReLU>()).add(std::make_shared<Dropout>(p)).add(std::make_shared<Linear>(fc, classes, g));
  return m;
}
}  // namespace

TEST_CASE("the layers express the six models of the study with its exact parameter counts") {
  Generator g(0);
  CHECK(hybrid(1, {16, 32}, 256, 10, g)->num_parameters() == 142530);
  CHECK(hybrid(3, {32, 64, 128}, 512, 100, g)->num_parameters() == 1164796);
  CHECK(hybrid(3, {32, 64, 128, 256}, 1024, 10, g)->num_parameters() == 4603298);
  CHECK(classical(1, {32, 64}, 4, 128, 10, 0.3, g)->num_parameters() == 151754);
  CHECK(classical(3, {64, 128, 256, 512}, 1, 256, 100, 0.3, g)->num_parameters() == 1710436);
  CHECK(classical(3, {64, 128, 256, 512}, 1, 256, 10, 0.4, g)->num_parameters() == 1687306);
}

TEST_CASE("summary lists leaf layers with output shapes and parameter counts") {
  Generator g(0);
  auto m = classical(1, {32, 64}, 4, 128, 10, 0.3, g);
  m->train();
  auto rows = summarize(*m, {1, 28, 28});
  REQUIRE(rows.size() == 15);
  CHECK(rows[0].name == "0.0");
  CHECK(rows[0].type == "Conv2d");
  CHECK(rows[0].output_shape == Shape{32, 28, 28});
  CHECK(rows[0].parameters == 320);
  CHECK(rows[3].output_shape == Shape{32, 14, 14});
  CHECK(rows[7].output_shape == Shape{64, 7, 7});
  CHECK(rows[8].output_shape == Shape{64, 4, 4});  // 7 -> 4: PyTorch's overlapping bins
  CHECK(rows[9].output_shape == Shape{1024});
  CHECK(rows.back().output_shape == Shape{10});
  int64_t total = 0;
  for (auto& r : rows) total += r.parameters;
  CHECK(total == 151754);
  CHECK(m->is_training());  // restored
  CHECK(format_summary(rows, total).find("total parameters: 151754") != std::string::npos);
}

TEST_CASE("state names follow PyTorch's state_dict and buffers are not parameters") {
  Generator g(0);
  auto m = sequential({std::make_shared<Conv2d>(1, 2, 3, g), std::make_shared<BatchNorm2d>(2)});
  std::vector<std::string> names;
  for (auto& [n, t] : m->state()) names.push_back(n);
  CHECK(names == std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                                          "1.running_var", "1.num_batches_tracked"});
  CHECK(m->parameters().size() == 4);
  CHECK(m->num_parameters() == 2 * 9 + 2 + 2 + 2);
}

TEST_CASE("load_state is all-or-nothing and names the mismatch") {
  Generator g(0);
  auto a = sequential({std::make_shared<Linear>(3, 2, g), std::make_shared<BatchNorm1d>(2)});
  auto b = sequential({std::make_shared<Linear>(3, 2, g), std::make_shared<BatchNorm1d>(2)});
  auto state = a->state();
  const Tensor before = b->state()[0].second.clone();
  auto bad = state;
  bad[3].second = zeros({3});  // 1.bias with a wrong shape
  CHECK_THROWS_WITH_AS(b->load_state(bad), doctest::Contains("1.bias"), std::invalid_argument);
  CHECK(max_abs_diff(b->state()[0].second, before) == 0);  // nothing was loaded
  auto missing = state;
  missing.pop_back();
  CHECK_THROWS_WITH_AS(b->load_state(missing), doctest::Contains("missing tensor '1.num_batches_tracked'"),
                       std::invalid_argument);
  auto extra = state;
  extra.emplace_back("2.weight", zeros({1}));
  CHECK_THROWS_WITH_AS(b->load_state(extra), doctest::Contains("unexpected tensor '2.weight'"), std::invalid_argument);
  b->load_state(state);
  CHECK(max_abs_diff(b->state()[0].second, state[0].second) == 0);
}

TEST_CASE("train and eval reach every child, and zero_grad clears every gradient") {
  Generator g(0);
  auto inner = sequential({std::make_shared<Linear>(3, 3, g), std::make_shared<Dropout>(0.5)});
  auto m = sequential({inner, std::make_shared<Linear>(3, 1, g)});
  m->eval();
  CHECK_FALSE((*inner)[1].is_training());
  m->train();
  CHECK((*inner)[1].is_training());
  Variable y = (*m)(Variable(ones({2, 3})));
  sum(y).backward();
  for (auto& p : m->parameters()) CHECK(p.grad().defined());
  m->zero_grad();
  for (auto& p : m->parameters()) CHECK_FALSE(p.grad().defined());
}

TEST_CASE("default init: bounds 1/sqrt(fan_in), BatchNorm 1 and 0, repeatable from the seed") {
  Generator g1(42), g2(42);
  Linear a(512, 256, g1), b(512, 256, g2);
  CHECK(max_abs_diff(a.weight.data(), b.weight.data()) == 0);
  const double bound = 1.0 / std::sqrt(512.0);
  const double wmax = amax(abs(a.weight.data())).item(), bmax = amax(abs(a.bias.data())).item();
  CHECK(wmax <= bound);
  CHECK(wmax > 0.99 * bound);  // the whole range is used
  CHECK(bmax <= bound);
  CHECK(std::abs(mean(a.weight.data()).item()) < 0.01 * bound);  // centred: 131072 draws
  Generator g3(1);
  Conv2d c(16, 32, 3, g3);
  CHECK(amax(abs(c.weight.data())).item() <= 1.0 / std::sqrt(16.0 * 9));
  CHECK(amax(abs(c.bias.data())).item() <= 1.0 / std::sqrt(16.0 * 9));
  BatchNorm2d bn(5);
  CHECK(max_abs_diff(bn.weight.data(), ones({5})) == 0);
  CHECK(max_abs_diff(bn.bias.data(), zeros({5})) == 0);
  CHECK(max_abs_diff(bn.running_var, ones({5})) == 0);
}

namespace {
bool same_floats(const Tensor& a, const Tensor& b) {
  return a.sizes() == b.sizes() &&
         std::memcmp(a.data<float>(), b.data<float>(), static_cast<std::size_t>(a.numel()) * sizeof(float)) == 0;
}
}  // namespace

TEST_CASE("Conv2d in evaluation mode keeps its weights' transform, and sees weights changed in place") {
  Generator g(3);
  Conv2d c(16, 32, 3, g, 1, 1);  // takes Winograd: 3x3, stride 1, 16+ channels each way
  Generator gx(4);
  const Variable x(rand_uniform({2, 16, 8, 8}, -1, 1, gx));
  const Tensor before = conv2d(x, c.weight, c.bias, 1, 1).data();  // the op itself keeps nothing
  c.eval();
  CHECK(c.transformed_weight_bytes() == 0);
  CHECK(same_floats(c(x).data(), before));
  const int64_t kept = (32 * 16 * 9 + 16 * 16 * 32) * int64_t(sizeof(float));  // the weights' copy and U
  CHECK(c.transformed_weight_bytes() == kept);
  CHECK(same_floats(c(x).data(), before));  // from the kept transform

  // A weight changed in place, with nothing told: the next forward sees it.
  c.weight.data().data<float>()[5] += 0.25f;
  const Tensor after = conv2d(x, c.weight, c.bias, 1, 1).data();
  CHECK_FALSE(same_floats(after, before));
  CHECK(same_floats(c(x).data(), after));
  CHECK(c.transformed_weight_bytes() == kept);

  // Gradients through an evaluation-mode forward are the op's own.
  const Variable xg(x.data(), true);
  sum(c(xg)).backward();
  const Variable xr(x.data(), true);
  sum(conv2d(xr, c.weight, c.bias, 1, 1)).backward();
  CHECK(same_floats(xg.grad(), xr.grad()));

  // Training mode neither makes nor reads it; a layer with no transform keeps nothing.
  Generator g2(3);
  Conv2d d(16, 32, 3, g2, 1, 1);
  d(x);
  CHECK(d.transformed_weight_bytes() == 0);
  Conv2d narrow_layer(1, 4, 3, g2, 1, 1);  // im2col
  narrow_layer.eval();
  narrow_layer(Variable(zeros({1, 1, 8, 8})));
  CHECK(narrow_layer.transformed_weight_bytes() == 0);
}

TEST_CASE("dropout: identity in eval, scaled mask in training, repeatable from its seed") {
  Dropout d(0.3, 7);
  Variable x(ones({100, 100}));
  Variable y1 = d(x);
  const auto v = y1.data().values<float>();
  int64_t zeros_count = 0;
  for (float e : v) {
    if (e == 0.0f) ++zeros_count;
    else CHECK(e == doctest::Approx(1.0 / 0.7));
  }
  CHECK(zeros_count > 2700);
  CHECK(zeros_count < 3300);
  Variable y2 = d(x);
  CHECK(max_abs_diff(y1.data(), y2.data()) > 0);  // a new mask per step
  Dropout e(0.3, 7);
  CHECK(max_abs_diff(e(x).data(), y1.data()) == 0);  // same seed, same first mask
  d.eval();
  CHECK(max_abs_diff(d(x).data(), x.data()) == 0);
}

TEST_CASE("dropout: a fresh Dropout set to another's call count draws that one's next masks") {
  Dropout d(0.3, 7, 2);
  Variable x(ones({8, 16}));
  for (int i = 0; i < 3; ++i) d(x);
  d.eval();
  d(x);  // evaluation draws nothing
  d.train();
  CHECK(d.calls() == 3);
  Dropout e(0.3, 7, 2);
  e.set_calls(d.calls());
  for (int i = 0; i < 2; ++i) CHECK(max_abs_diff(e(x).data(), d(x).data()) == 0);
  Dropout f(0.3, 7, 2);  // without the count: the first mask again, not the fourth
  CHECK(max_abs_diff(f(x).data(), e(x).data()) > 0);
}

TEST_CASE("retain_freed_memory applies its allocator policy on glibc") {
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
  CHECK(retain_freed_memory());
#else
  CHECK_FALSE(retain_freed_memory());
#endif
}
