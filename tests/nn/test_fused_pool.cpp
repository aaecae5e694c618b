// test_fused_pool.cpp — BatchNorm2d + ReLU + MaxPool2d as one op (batch_norm_relu_max_pool2d): a
// gradient check in double, the three ops in sequence bit for bit (outputs, gradients, running
// statistics) at every SIMD level, and the Sequential that fuses the triple.
#include <cmath>
#include <optional>

#include "autograd/functions.hpp"
#include "autograd/gradcheck.hpp"
#include "helpers.hpp"
#include "nn/nn.hpp"

using namespace hqc;
using namespace hqc::nn;

namespace {

Tensor rnd(const Shape& s, uint64_t seed, double lo = -1, double hi = 1) {
  Generator g(seed);
  return rand_uniform(s, lo, hi, g, DType::f64);
}

// Values on a coarse grid, so that windows hold ties and exact zeros after normalisation is unlikely
// to hide them: the tie rule (first maximum) and the mask at 0 are both exercised.
Tensor grid(const Shape& s, uint64_t seed) {
  Tensor t = rnd(s, seed, -2, 2);
  double* p = t.data<double>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = std::round(p[i] * 2) / 2;
  return t;
}

}  // namespace

TEST_CASE("gradcheck batch_norm_relu_max_pool2d in training and evaluation form") {
  struct Case {
    Shape shape;
    int64_t kernel;
  };
  for (bool training : {true, false}) {
    for (const Case& c : {Case{{4, 3, 4, 6}, 2}, Case{{3, 2, 5, 7}, 2}, Case{{2, 2, 6, 6}, 3}}) {
      INFO("training " << training << " shape " << shape_str(c.shape) << " kernel " << c.kernel);
      const int64_t C = c.shape[1];
      GradcheckResult r = gradcheck(
          [&](const std::vector<Variable>& v) {
            Tensor rm = rnd({C}, 9, -0.5, 0.5), rv = rnd({C}, 10, 0.5, 2.0);
            return batch_norm_relu_max_pool2d(v[0], v[1], v[2], rm, rv, training, 0.1, 1e-5, c.kernel);
          },
          {rnd(c.shape, 11, -2, 3), rnd({C}, 12, 0.5, 1.5), rnd({C}, 13)});
      CHECK_MESSAGE(r.ok, r.message);
    }
  }
}

// Planes with odd sides (a dropped last row and column), rows of more and fewer outputs than a
// vector holds, kernels 2 and 3, random values and values with ties.
TEST_CASE("batch_norm_relu_max_pool2d equals batch_norm, relu, max_pool2d bit for bit") {
  struct Case {
    Shape shape;
    int64_t kernel;
    bool ties;
  };
  const Case cases[] = {{{8, 3, 6, 10}, 2, false}, {{4, 2, 7, 5}, 2, false}, {{3, 2, 8, 40}, 2, true},
                        {{2, 3, 12, 12}, 3, false}, {{2, 2, 2, 2}, 2, true},  {{5, 4, 14, 14}, 2, true}};
  hqc::test::SimdLevelGuard guard;
  for (SimdLevel level : hqc::test::available_levels()) {
    set_simd_level(level);
    for (DType dt : {DType::f32, DType::f64}) {
      for (bool training : {true, false}) {
        for (const Case& c : cases) {
          INFO(simd_name(level) << " " << dtype_name(dt) << " training " << training << " shape "
                                << shape_str(c.shape) << " kernel " << c.kernel << " ties " << c.ties);
          const int64_t C = c.shape[1];
          Tensor x0 = (c.ties ? grid(c.shape, 21) : rnd(c.shape, 21, -2, 2)).to(dt);
          Tensor g0 = rnd({C}, 22, 0.5, 1.5).to(dt), b0 = rnd({C}, 23).to(dt);
          Tensor rm1 = rnd({C}, 25).to(dt), rv1 = rnd({C}, 26, 0.5, 2).to(dt);
          Tensor rm2 = rm1.clone(), rv2 = rv1.clone();
          auto run = [&](bool fused, Tensor& rm, Tensor& rv) {
            Variable x(x0.clone(), true), gm(g0.clone(), true), bt(b0.clone(), true);
            Variable y = fused ? batch_norm_relu_max_pool2d(x, gm, bt, rm, rv, training, 0.1, 1e-5, c.kernel)
                               : max_pool2d(relu(batch_norm(x, gm, bt, rm, rv, training, 0.1, 1e-5)), c.kernel,
                                            c.kernel);
            y.backward(rnd(y.sizes(), 24).to(dt));
            return std::vector<Tensor>{y.data(), x.grad(), gm.grad(), bt.grad(), rm, rv};
          };
          auto a = run(true, rm1, rv1), b = run(false, rm2, rv2);
          for (std::size_t i = 0; i < a.size(); ++i) {
            INFO("result " << i);
            REQUIRE(a[i].sizes() == b[i].sizes());
            CHECK(max_abs_diff(a[i], b[i]) == 0.0);
          }
        }
      }
    }
  }
}

// Without a graph the pools write no indices (a values-only kernel): the same outputs as with one.
TEST_CASE("max pools without a graph (inference) give the outputs they give with one, bit for bit") {
  hqc::test::SimdLevelGuard guard;
  for (SimdLevel level : hqc::test::available_levels()) {
    set_simd_level(level);
    for (DType dt : {DType::f32, DType::f64}) {
      for (bool training : {true, false}) {
        for (const Shape& shape : {Shape{1, 16, 28, 28}, Shape{3, 5, 14, 14}, Shape{2, 3, 7, 9}}) {
          INFO(simd_name(level) << " " << dtype_name(dt) << " training " << training << " shape " << shape_str(shape));
          const int64_t C = shape[1];
          Tensor x0 = grid(shape, 31).to(dt), g0 = rnd({C}, 32, 0.5, 1.5).to(dt), b0 = rnd({C}, 33).to(dt);
          Tensor rm0 = rnd({C}, 34).to(dt), rv0 = rnd({C}, 35, 0.5, 2).to(dt);
          auto run = [&](bool graph) {
            Tensor rm = rm0.clone(), rv = rv0.clone();
            Variable x(x0.clone(), graph), gm(g0.clone(), graph), bt(b0.clone(), graph);
            std::optional<NoGradGuard> no_grad;
            if (!graph) no_grad.emplace();
            Variable fused = batch_norm_relu_max_pool2d(x, gm, bt, rm, rv, training, 0.1, 1e-5, 2);
            Variable pooled = max_pool2d(x, 2, 2);
            return std::vector<Tensor>{fused.data(), pooled.data(), rm, rv};
          };
          auto with = run(true), without = run(false);
          for (std::size_t i = 0; i < with.size(); ++i) {
            INFO("result " << i);
            CHECK(max_abs_diff(with[i], without[i]) == 0.0);
          }
        }
      }
    }
  }
}

TEST_CASE("batch_norm_relu_max_pool2d rejects a bad rank, a kernel larger than the input, and channels") {
  Tensor rm = zeros({3}), rv = ones({3});
  Variable g(ones({3}), true), b(zeros({3}), true);
  CHECK_THROWS_AS(batch_norm_relu_max_pool2d(Variable(zeros({4, 3})), g, b, rm, rv, true, 0.1, 1e-5, 2),
                  std::invalid_argument);
  CHECK_THROWS_AS(batch_norm_relu_max_pool2d(Variable(zeros({2, 3, 1, 4})), g, b, rm, rv, true, 0.1, 1e-5, 2),
                  std::invalid_argument);
  CHECK_THROWS_AS(batch_norm_relu_max_pool2d(Variable(zeros({2, 3, 4, 4})), g, b, rm, rv, true, 0.1, 1e-5, 0),
                  std::invalid_argument);
  CHECK_THROWS_AS(batch_norm_relu_max_pool2d(Variable(zeros({2, 5, 4, 4})), g, b, rm, rv, true, 0.1, 1e-5, 2),
                  std::invalid_argument);
}

TEST_CASE("Sequential fuses BatchNorm2d, ReLU, MaxPool2d(stride = kernel) with the same results") {
  auto make = [](int64_t pool_stride) {
    Generator gi(7);
    return sequential({std::make_shared<Conv2d>(2, 4, 3, gi, 1, 1), std::make_shared<BatchNorm2d>(4),
                       std::make_shared<ReLU>(), std::make_shared<MaxPool2d>(2, pool_stride),
                       std::make_shared<Conv2d>(4, 3, 3, gi, 1, 1), std::make_shared<BatchNorm2d>(3),
                       std::make_shared<ReLU>(), std::make_shared<Flatten>()});
  };
  for (int64_t stride : {2, 1}) {  // stride 1: overlapping windows, only BatchNorm + ReLU fuse
    INFO("pool stride " << stride);
    for (bool training : {true, false}) {
      INFO("training " << training);
      auto fused = make(stride);
      CHECK(fused->fuse_batchnorm_relu() == 2);
      auto plain = make(stride);
      fused->train(training);
      plain->train(training);
      Generator g(3);
      Tensor x0 = rand_uniform({5, 2, 9, 8}, -1, 1, g);
      Variable xf(x0.clone(), true), xp(x0.clone(), true);
      Variable yf = (*fused)(xf);
      Variable yp = xp;
      for (std::size_t i = 0; i < plain->size(); ++i) yp = (*plain)[i](yp);  // one module at a time
      REQUIRE(yf.sizes() == yp.sizes());
      CHECK(max_abs_diff(yf.data(), yp.data()) == 0.0);
      sum(mul(yf, yf)).backward();
      sum(mul(yp, yp)).backward();
      CHECK(max_abs_diff(xf.grad(), xp.grad()) == 0.0);
      auto pf = fused->named_parameters(), pp = plain->named_parameters();
      REQUIRE(pf.size() == pp.size());
      for (std::size_t i = 0; i < pf.size(); ++i) CHECK(max_abs_diff(pf[i].second.grad(), pp[i].second.grad()) == 0.0);
      auto bf = fused->named_buffers(), bp = plain->named_buffers();
      REQUIRE(bf.size() == bp.size());
      for (std::size_t i = 0; i < bf.size(); ++i) CHECK(max_abs_diff(bf[i].second, bp[i].second) == 0.0);
    }
  }
}
