// models.cpp — the model section of `hqc bench` (see models.hpp).
#include "apps/bench/models.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "apps/distributed.hpp"
#include "apps/memory.hpp"
#include "apps/models.hpp"
#include "apps/training.hpp"
#include "autograd/variable.hpp"
#include "datasets/loader.hpp"
#include "nn/optim.hpp"
#include "nn/schedule.hpp"
#include "tensor/random.hpp"

namespace hqc::bench {

namespace {

constexpr int64_t kBatch = 64;
constexpr int64_t kPool = 1024;
// The OneCycle schedule runs over the original's MNIST run (750 batches x 50 epochs); where in it a
// step falls changes nothing of its cost.
constexpr int64_t kEpochs = 50, kStepsPerEpoch = 750;

// A seeded pool of random uint8 images: throughput does not depend on the pixels.
data::Dataset make_pool(const app::ModelConfig& config, uint64_t seed) {
  const data::DatasetInfo& info = data::dataset_info(config.dataset);
  Generator gen = Generator(seed).fork(7);
  Tensor images = Tensor::empty({kPool, config.input[0], config.input[1], config.input[2]}, DType::u8);
  uint8_t* px = images.data<uint8_t>();
  for (int64_t i = 0; i < images.numel(); ++i) px[i] = static_cast<uint8_t>(gen.below(256));
  Tensor labels = Tensor::empty({kPool}, DType::i64);
  int64_t* y = labels.data<int64_t>();
  for (int64_t i = 0; i < kPool; ++i) y[i] = gen.below(static_cast<uint32_t>(config.classes));
  std::vector<std::string> classes = info.classes;
  classes.resize(static_cast<std::size_t>(config.classes));
  return data::Dataset(config.dataset, "train", images, labels, classes);
}

// One model with its recipe, as apps/training.cpp sets them up.
struct Trainer {
  app::ModelConfig config;
  app::Recipe recipe;
  std::shared_ptr<nn::Module> model;
  std::unique_ptr<nn::Optimizer> optimizer;
  std::unique_ptr<nn::LRScheduler> schedule;
  data::Dataset pool;
  std::unique_ptr<data::Loader> loader;
  int64_t epoch = 0;

  Trainer(const ModelSpec& spec, uint64_t seed) {
    config = app::model_config(spec.model, spec.dataset);
    recipe = app::default_recipe(config);
    model = app::build_model(config, seed);
    const int64_t got = model->num_parameters();
    if (got != spec.parameters)
      throw std::runtime_error(std::string("bench: ") + spec.name + " has " + std::to_string(got) +
                               " parameters, docs/study.md says " + std::to_string(spec.parameters));
    optimizer = app::make_optimizer(recipe, model->parameters());
    schedule = app::make_schedule(recipe, *optimizer, kEpochs, kStepsPerEpoch);
    pool = make_pool(config, seed);
    data::LoaderOptions lo;
    lo.batch_size = kBatch;
    lo.shuffle = true;
    lo.seed = seed;
    loader = std::make_unique<data::Loader>(pool, std::vector<int64_t>{}, data::standard_pipeline(config.dataset, false),
                                            lo);
    loader->start_epoch(epoch);
  }

  void step() {
    data::Batch b;
    if (!loader->next(b)) {
      loader->start_epoch(++epoch);
      loader->next(b);
    }
    // Under mpirun each rank trains on its share of the batch (apps/distributed.hpp).
    const app::dist::Batch share(b.images.size(0));
    app::train_step(*model, recipe, *optimizer, *schedule, share.rows(b.images), share.rows(b.labels));
  }
};

}  // namespace

const std::vector<ModelSpec>& model_specs() {
  static const std::vector<ModelSpec> specs = {
      {"mnist-hybrid", "mnist", app::ModelKind::hybrid, 142530},
      {"mnist-classical", "mnist", app::ModelKind::classical, 151754},
      {"cifar100-hybrid", "cifar100", app::ModelKind::hybrid, 1164796},
      {"cifar100-classical", "cifar100", app::ModelKind::classical, 1710436},
      {"stl10-hybrid", "stl10", app::ModelKind::hybrid, 4603298},
      {"stl10-classical", "stl10", app::ModelKind::classical, 1687306},
  };
  return specs;
}

const ModelSpec& model_spec(const std::string& name) {
  std::string known;
  for (const ModelSpec& s : model_specs()) {
    if (name == s.name) return s;
    known += (known.empty() ? "" : ", ") + std::string(s.name);
  }
  throw cli::UsageError("--models: unknown model '" + name + "' (known: " + known + ")");
}

int64_t forward_flops_per_image(nn::Module& model, const Shape& input) {
  const std::vector<nn::LayerSummary> layers = nn::summarize(model, input);
  int64_t macs = 0;
  for (const auto& [name, module] : model.named_modules()) {
    const std::string type = module->type_name();
    if (type != "Conv2d" && type != "Linear") continue;
    int64_t weights = 0;
    for (const auto& [pname, p] : module->named_parameters())
      if (pname == "weight") weights = p.data().numel();
    if (type == "Linear") {
      macs += weights;
      continue;
    }
    const auto it = std::find_if(layers.begin(), layers.end(), [&](const nn::LayerSummary& l) { return l.name == name; });
    if (it == layers.end() || it->output_shape.size() != 3)
      throw std::runtime_error("bench: no (C, H, W) output shape for conv layer '" + name + "' in the model summary");
    macs += weights * it->output_shape[1] * it->output_shape[2];  // one multiply-add per weight per output pixel
  }
  return 2 * macs;
}

ModelResult bench_model(const ModelSpec& spec, const Protocol& proto, uint64_t seed) {
  Trainer t(spec, seed);
  ModelResult r;
  r.spec = spec;
  r.input = t.config.input;
  r.classes = t.config.classes;
  r.parameters = t.model->num_parameters();
  r.forward_flops = forward_flops_per_image(*t.model, t.config.input);
  const double flops = static_cast<double>(r.forward_flops);
  if (app::dist::size() > 1) {
    const app::dist::Traffic before = app::dist::traffic();
    t.step();
    r.exchange_sums = app::dist::traffic().calls - before.calls;
    r.exchange_bytes_sent = app::dist::traffic().bytes_sent - before.bytes_sent;
  }
  const auto train = proto.run([&] { t.step(); });
  r.train_images_per_s = stat_of(train, [](double s) { return static_cast<double>(kBatch) / s; });
  r.train_gflops = stat_of(train, [&](double s) { return 3 * flops * static_cast<double>(kBatch) / s * 1e-9; });

  // Inference from uint8 too: the loader's batch() converts and normalises on the calling thread.
  t.model->eval();
  auto infer = [&](int64_t batch) {
    data::LoaderOptions lo;
    lo.batch_size = batch;
    lo.shuffle = false;
    lo.prefetch = false;
    data::Loader l(t.pool, {}, data::standard_pipeline(t.config.dataset, false), lo);
    return proto.run([&] {
      NoGradGuard no_grad;
      data::Batch b = l.batch(0, 0);
      Variable logits = (*t.model)(Variable(b.images));
      (void)app::argmax_rows(logits.data());
    });
  };
  const auto infer64 = infer(kBatch);
  r.infer_images_per_s = stat_of(infer64, [](double s) { return static_cast<double>(kBatch) / s; });
  r.infer_gflops = stat_of(infer64, [&](double s) { return flops * static_cast<double>(kBatch) / s * 1e-9; });
  r.latency_ms = stat_of(infer(1), [](double s) { return s * 1e3; });

  // Batch preparation alone, on this thread: what the prefetch thread does beside every step.
  auto prepare = [&](bool augment) {
    data::LoaderOptions lo;
    lo.batch_size = kBatch;
    lo.shuffle = true;
    lo.seed = seed;
    lo.prefetch = false;
    data::Loader l(t.pool, {}, data::standard_pipeline(t.config.dataset, augment), lo);
    const int64_t batches = l.num_batches();
    int64_t k = 0;
    return proto.run([&] {
      data::Batch b = l.batch(k / batches, k % batches);
      ++k;
    });
  };
  const auto to_ms = [](double s) { return s * 1e3; };
  r.batch_prep_ms = stat_of(prepare(false), to_ms);
  r.batch_prep_augmented_ms = stat_of(prepare(true), to_ms);
  return r;
}

cli::Json to_json(const ModelResult& r, double peak_gflops) {
  cli::Json j = cli::Json::object();
  j.set("name", r.spec.name)
      .set("dataset", r.spec.dataset)
      .set("model", app::model_name(r.spec.model))
      .set("input_shape", cli::Json::array_of(std::vector<int64_t>(r.input.begin(), r.input.end())))
      .set("classes", r.classes)
      .set("parameters", r.parameters)
      .set("train_images_per_s", to_json(r.train_images_per_s))
      .set("infer_images_per_s", to_json(r.infer_images_per_s))
      .set("latency_ms", to_json(r.latency_ms))
      .set("batch_prep_ms", to_json(r.batch_prep_ms))
      .set("batch_prep_augmented_ms", to_json(r.batch_prep_augmented_ms));
  if (r.peak_rss_mb >= 0) j.set("peak_rss_mb", r.peak_rss_mb);
  if (r.exchange_sums > 0) j.set("exchange_sums_per_step", r.exchange_sums).set("exchange_bytes_sent_per_step", r.exchange_bytes_sent);
  j.set("forward_flops_per_image", r.forward_flops)
      .set("train_gflops", to_json(r.train_gflops))
      .set("infer_gflops", to_json(r.infer_gflops));
  if (peak_gflops > 0) {
    const auto share = [&](const Stat& s) { return Stat{s.median / peak_gflops, s.min / peak_gflops, s.max / peak_gflops}; };
    j.set("train_mfu", to_json(share(r.train_gflops))).set("infer_mfu", to_json(share(r.infer_gflops)));
  }
  return j;
}

double train_peak_rss_mb(const ModelSpec& spec, int steps, uint64_t seed) {
  Trainer t(spec, seed);
  for (int i = 0; i < steps; ++i) t.step();
  return app::bytes_to_mb(app::peak_rss_bytes());
}

}  // namespace hqc::bench
