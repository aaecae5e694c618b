// test_thread_invariance.cpp — training steps of the study's models give the same bits for any thread
// count: every sum over the batch runs over fixed chunks of samples and a fixed tree (tensor/reduce.hpp).
#include <doctest/doctest.h>

#include <cstring>

#include "apps/models.hpp"
#include "apps/training.hpp"
#include "helpers.hpp"
#include "nn/module.hpp"
#include "nn/optim.hpp"
#include "nn/schedule.hpp"
#include "tensor/parallel.hpp"
#include "tensor/random.hpp"

using namespace hqc;
using namespace hqc::app;

namespace {
// Every parameter and buffer (BatchNorm's running statistics included) as bytes, in state order.
std::vector<std::vector<unsigned char>> state_bytes(const nn::Module& m) {
  std::vector<std::vector<unsigned char>> out;
  for (const auto& [name, t] : m.state()) {
    const Tensor c = t.contiguous();
    const auto* p = static_cast<const unsigned char*>(c.raw_data());
    out.emplace_back(p, p + c.numel() * int64_t(dtype_size(c.dtype())));
  }
  return out;
}

// Two recipe steps on one seeded batch of `batch` images; returns the weights' bytes and the losses.
std::pair<std::vector<std::vector<unsigned char>>, std::vector<double>> two_steps(const ModelConfig& c, int64_t batch) {
  auto model = build_model(c, 0);
  model->train();
  const Recipe rc = default_recipe(c);
  auto opt = make_optimizer(rc, model->parameters());
  auto sch = make_schedule(rc, *opt, 2, 2);
  Generator gen(7);
  Shape shape{batch};
  for (int64_t d : c.input) shape.push_back(d);
  const Tensor images = rand_uniform(shape, -1.0, 1.0, gen);  // (B, C, H, W)
  Tensor labels = Tensor::empty({batch}, DType::i64);
  for (int64_t i = 0; i < batch; ++i) labels.data<int64_t>()[i] = (i * 7) % c.classes;
  std::vector<double> losses;
  for (int step = 0; step < 2; ++step) losses.push_back(train_step(*model, rc, *opt, *sch, images, labels).loss);
  return {state_bytes(*model), losses};
}

void check_thread_counts(const ModelConfig& c, int64_t batch) {
  hqc::test::ThreadCountGuard guard;
  set_num_threads(1);
  const auto one = two_steps(c, batch);
  for (int threads : {2, 3, 4}) {
    INFO(c.display_name() << " on " << c.dataset << ", batch " << batch << ", threads " << threads);
    set_num_threads(threads);
    const auto many = two_steps(c, batch);
    CHECK(many.second == one.second);
    REQUIRE(many.first.size() == one.first.size());
    for (std::size_t i = 0; i < one.first.size(); ++i) {
      INFO("state tensor " << i);
      CHECK(many.first[i] == one.first[i]);
    }
  }
}
}  // namespace

TEST_CASE("two training steps of the MNIST models give the same bits for 1, 2, 3 and 4 threads") {
  // 37 samples: three chunks, the last of five samples, split unevenly over 2 and 4 threads.
  check_thread_counts(model_config("hybrid", "mnist"), 37);
  check_thread_counts(model_config("classical", "mnist"), 37);
  check_thread_counts(model_config("classical", "mnist"), 64);
}

TEST_CASE("two training steps of the CIFAR classical model (im2col and Winograd paths) give the same bits for 1-4 threads") {
  check_thread_counts(model_config("classical", "cifar100"), 20);
}
