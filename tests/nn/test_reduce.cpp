// test_reduce.cpp — sums over the batch (tensor/reduce.hpp) in the layers' gradients: the fixed tree,
// the same bits for any thread count, and a batch split over processes at chunk boundaries adding up
// to the whole batch's bits (each part's result is its subtree of the tree).
#include <cstring>

#include "helpers.hpp"
#include "nn/kernels/conv2d.hpp"
#include "nn/linear.hpp"
#include "tensor/parallel.hpp"
#include "tensor/random.hpp"
#include "tensor/reduce.hpp"

using namespace hqc;
using hqc::nn::kernels::Conv2dGeometry;

namespace {
template <typename T> std::vector<T> random_values(int64_t n, uint64_t seed) {
  Generator gen(seed);
  Tensor t = rand_uniform({n}, -1.0, 1.0, gen, DType::f64);
  std::vector<T> out(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) out[i] = T(t.data<double>()[i]);
  return out;
}

// Adds `b` into `a`: the root's addition of two subtrees.
template <typename T> void add_into(std::vector<T>& a, const std::vector<T>& b) {
  for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
}

struct ConvGrads {
  std::vector<float> dw, db;
};
// The weight and bias gradients of samples n0 .. n1 of g's batch, computed as a process of
// data-parallel training does with that share: under the split (whose whole batch decides, e.g.,
// the Winograd tile: a 3-sample share of 35 on an 8x8 map takes the 4x4 tiles the 35 take).
ConvGrads conv_weight_grad(Conv2dGeometry g, const float* x, const float* dy, int64_t n0, int64_t n1) {
  const int64_t xs = g.C * g.H * g.W, ys = g.OC * g.OH() * g.OW();
  hqc::test::NoExchange none;
  BatchSplitScope split({n0, g.N, &none});
  g.N = n1 - n0;
  ConvGrads r{std::vector<float>(g.OC * g.C * g.KH * g.KW), std::vector<float>(g.OC)};
  nn::kernels::conv2d_backward_weight(g, x + n0 * xs, dy + n0 * ys, r.dw.data(), r.db.data());
  return r;
}

// The layers of the study that take each path: im2col (3 input channels), Winograd (3x3, 16+
// channels each way; an 8x8 map in 4x4 tiles at this batch, a 6x6 one in 2x2 tiles), the tap path
// (64 input channels on a small map, too few outputs for Winograd).
std::vector<Conv2dGeometry> conv_layers() {
  return {Conv2dGeometry{35, 3, 12, 12, 16, 3, 3, 1, 1, 1, 1}, Conv2dGeometry{35, 16, 8, 8, 32, 3, 3, 1, 1, 1, 1},
          Conv2dGeometry{35, 64, 6, 6, 8, 3, 3, 1, 1, 1, 1}, Conv2dGeometry{35, 16, 6, 6, 24, 3, 3, 1, 1, 1, 1}};
}
}  // namespace

TEST_CASE("tree_sum adds chunk partials by the fixed pairwise tree, whatever the thread count") {
  hqc::test::ThreadCountGuard guard;
  // Values whose sum depends on the grouping in float.
  const std::vector<float> v = {1e8f, 3.0f, -1e8f, 0.75f, 5.5f, -2.25f, 1e-3f};
  const float expected = ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + v[6]);
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    std::vector<float> p = v;
    tree_sum(p.data(), 7, 1);
    CHECK(p[0] == expected);
    std::vector<float> q = v;
    CHECK(tree_sum_values(q.data(), 7) == expected);
  }
  CHECK(batch_chunks(37) == 3);
  CHECK(batch_chunk_begin(37, 2) == 32);
  CHECK(batch_chunk_begin(37, 3) == 37);
}

TEST_CASE("tree_sum gives each element the tree's additions across runs and thread slices") {
  // 5000 elements a chunk: runs of 2048 and a shorter last one, split differently by 1-3 threads;
  // 5 chunks: ((p0 + p1) + (p2 + p3)) + p4 for every element, in float.
  hqc::test::ThreadCountGuard guard;
  constexpr int64_t chunks = 5, part = 5000;
  const auto v = random_values<float>(chunks * part, 8);
  std::vector<float> expected(part);
  for (int64_t i = 0; i < part; ++i) {
    const float* p = v.data() + i;
    expected[i] = ((p[0] + p[part]) + (p[2 * part] + p[3 * part])) + p[4 * part];
  }
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    std::vector<float> w = v;
    tree_sum(w.data(), chunks, part);
    CHECK(std::memcmp(w.data(), expected.data(), part * sizeof(float)) == 0);
  }
}

TEST_CASE("conv2d weight and bias gradients give the same bits for 1, 2, 3 and 4 threads on every path") {
  hqc::test::ThreadCountGuard guard;
  const auto layers = conv_layers();
  REQUIRE(!nn::kernels::conv2d_winograd_path(layers[0]));
  REQUIRE(!nn::kernels::conv2d_tap_path(layers[0]));
  REQUIRE(nn::kernels::conv2d_winograd_path(layers[1]));
  REQUIRE(nn::kernels::conv2d_tap_path(layers[2]));
  REQUIRE(nn::kernels::winograd_tile(layers[1]) == 4);
  REQUIRE(nn::kernels::winograd_tile(layers[3]) == 2);
  for (const Conv2dGeometry& g : conv_layers()) {
    INFO("C " << g.C << " OC " << g.OC << " winograd " << nn::kernels::conv2d_winograd_path(g) << " tap "
              << nn::kernels::conv2d_tap_path(g));
    const auto x = random_values<float>(g.N * g.C * g.H * g.W, 3), dy = random_values<float>(g.N * g.OC * g.OH() * g.OW(), 4);
    set_num_threads(1);
    const ConvGrads one = conv_weight_grad(g, x.data(), dy.data(), 0, g.N);
    for (int threads : {2, 3, 4}) {
      set_num_threads(threads);
      const ConvGrads many = conv_weight_grad(g, x.data(), dy.data(), 0, g.N);
      CHECK(many.dw == one.dw);
      CHECK(many.db == one.db);
    }
  }
}

TEST_CASE("conv2d weight gradient of a batch split at chunk boundaries adds up to the whole batch's bits") {
  // 35 samples = chunks 0-1 (32 samples) and chunk 2: two parts' results added are the tree's root;
  // three parts (16 + 16 + 3), one chunk each, are added as ((a + b) + c). The 3-sample part alone
  // would take 2x2 Winograd tiles on the 8x8 map; under the split it takes the batch's 4x4 ones.
  for (const Conv2dGeometry& g : conv_layers()) {
    INFO("C " << g.C << " OC " << g.OC);
    const auto x = random_values<float>(g.N * g.C * g.H * g.W, 5), dy = random_values<float>(g.N * g.OC * g.OH() * g.OW(), 6);
    const ConvGrads whole = conv_weight_grad(g, x.data(), dy.data(), 0, g.N);
    ConvGrads two = conv_weight_grad(g, x.data(), dy.data(), 0, 32);
    const ConvGrads rest = conv_weight_grad(g, x.data(), dy.data(), 32, 35);
    add_into(two.dw, rest.dw), add_into(two.db, rest.db);
    CHECK(two.dw == whole.dw);
    CHECK(two.db == whole.db);
    ConvGrads four = conv_weight_grad(g, x.data(), dy.data(), 0, 16);
    const ConvGrads second = conv_weight_grad(g, x.data(), dy.data(), 16, 32);
    add_into(four.dw, second.dw), add_into(four.db, second.db);
    add_into(four.dw, rest.dw), add_into(four.db, rest.db);
    CHECK(four.dw == whole.dw);
    CHECK(four.db == whole.db);
  }
}

namespace {
struct LinearGrads {
  std::vector<float> dw, db;
};
// linear's weight and bias gradients for rows r0 .. r1 of x (N, in) and gy (N, out).
LinearGrads linear_grads(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& gy, int64_t r0, int64_t r1) {
  Variable wv(w.clone(), true), bv(b.clone(), true);
  Variable y = nn::linear(Variable(x.narrow(0, r0, r1 - r0).contiguous()), wv, bv);
  y.backward(gy.narrow(0, r0, r1 - r0).contiguous());
  return {wv.grad().contiguous().values<float>(), bv.grad().contiguous().values<float>()};
}
}  // namespace

TEST_CASE("linear weight and bias gradients: same bits for 1-4 threads, and a split batch adds up to them") {
  hqc::test::ThreadCountGuard guard;
  Generator gen(9);
  const int64_t N = 37, in = 29, out = 19;
  const Tensor x = rand_uniform({N, in}, -1, 1, gen), w = rand_uniform({out, in}, -1, 1, gen),
               b = rand_uniform({out}, -1, 1, gen), gy = rand_uniform({N, out}, -1, 1, gen);
  set_num_threads(1);
  const LinearGrads whole = linear_grads(x, w, b, gy, 0, N);
  for (int threads : {2, 3, 4}) {
    set_num_threads(threads);
    const LinearGrads many = linear_grads(x, w, b, gy, 0, N);
    CHECK(many.dw == whole.dw);
    CHECK(many.db == whole.db);
  }
  LinearGrads split = linear_grads(x, w, b, gy, 0, 32);
  const LinearGrads rest = linear_grads(x, w, b, gy, 32, N);
  add_into(split.dw, rest.dw), add_into(split.db, rest.db);
  CHECK(split.dw == whole.dw);
  CHECK(split.db == whole.db);
  // And the chunked sum is the gradient: against dYᵀ X and Σ dY in double (37 terms of at most 1:
  // float's rounding stays below 37 · 6e-8).
  const Tensor xd = x.to(DType::f64), gd = gy.to(DType::f64);
  for (int64_t o = 0; o < out; ++o) {
    double sb = 0;
    for (int64_t r = 0; r < N; ++r) sb += gd.data<double>()[r * out + o];
    CHECK(whole.db[o] == doctest::Approx(sb).epsilon(1e-5).scale(1));
    for (int64_t i = 0; i < in; ++i) {
      double s = 0;
      for (int64_t r = 0; r < N; ++r) s += gd.data<double>()[r * out + o] * xd.data<double>()[r * in + i];
      CHECK(whole.dw[o * in + i] == doctest::Approx(s).epsilon(1e-5).scale(1));
    }
  }
}
