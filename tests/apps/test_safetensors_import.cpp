// test_safetensors_import.cpp — weights from PyTorch (tests/apps/make_safetensors_fixture.py: the
// original's modules with random weights and BatchNorm statistics, BF16 and F16 files) give PyTorch's
// logits in hqc; the two namings; export -> import returns the same tensors bit for bit; a file that
// does not fit the model is refused with every problem listed.
#include <cmath>
#include <cstring>
#include <filesystem>

#include "apps/weights_names.hpp"
#include "datasets/dataset.hpp"
#include "datasets/transforms.hpp"
#include "fixtures.hpp"
#include "helpers.hpp"

using namespace hqc;
using namespace hqc::app;

namespace {

std::string fixture_file(const std::string& name) { return std::string(HQC_FIXTURES_DIR) + "/apps/safetensors/" + name; }

// The fixture's images normalised as hqc normalises Fashion-MNIST (what predict and eval do).
Tensor fixture_batch(const test::Fixtures& fx) {
  const Tensor images = fx.get("images", DType::u8);  // (N, 28, 28)
  const data::DatasetInfo& info = data::dataset_info("fashion-mnist");
  Tensor batch = Tensor::empty({images.size(0), 1, 28, 28}, DType::f32);  // (N, 1, 28, 28)
  for (int64_t i = 0; i < images.size(0); ++i) {
    data::Pipeline pipe;
    pipe.then(data::normalize(info.mean, info.std));
    Generator unused(0);
    const std::vector<float> x = pipe.run(images.select(0, i).unsqueeze(0).contiguous(), unused).values<float>();
    std::copy(x.begin(), x.end(), batch.data<float>() + i * 28 * 28);
  }
  return batch;
}

Tensor logits_of(const std::string& file, const ModelConfig& config, const Tensor& x) {
  const auto state = import_state(nn::read_safetensors(file), config, file);
  auto model = build_model(config, 1);
  model->load_state(state);
  model->eval();
  NoGradGuard g;
  return (*model)(Variable(x)).data();
}

void check_close(const Tensor& actual, const Tensor& expected, double atol) {
  REQUIRE(actual.sizes() == expected.sizes());
  const auto a = actual.values<double>(), e = expected.values<double>();
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - e[i]));
  CAPTURE(worst);
  CHECK(worst <= atol);
}

std::string message_of(const nn::Safetensors& file, const ModelConfig& config) {
  try {
    (void)import_state(file, config, "W.safetensors");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST_CASE("safetensors import: the original's hybrid (BF16) gives PyTorch's logits to 1e-5") {
  const test::Fixtures fx("apps/safetensors.txt");
  const nn::Safetensors file = nn::read_safetensors(fixture_file("hybrid.safetensors"));
  CHECK(metadata_value(file, "model") == "hybrid");
  CHECK(file.tensors.at(0).dtype == "BF16");
  const Tensor logits = logits_of(fixture_file("hybrid.safetensors"), model_config("hybrid", "fashion-mnist"), fixture_batch(fx));
  check_close(logits, fx["hybrid/logits"], 1e-5);
}

TEST_CASE("safetensors import: the original's classical CNN (F16) gives PyTorch's logits to 1e-5") {
  const test::Fixtures fx("apps/safetensors.txt");
  const Tensor logits =
      logits_of(fixture_file("classical.safetensors"), model_config("classical", "fashion-mnist"), fixture_batch(fx));
  check_close(logits, fx["classical/logits"], 1e-5);
}

TEST_CASE("safetensors names: hqc's parts and the original's, both ways") {
  const ModelConfig h = model_config("hybrid", "mnist"), c = model_config("classical", "mnist");
  CHECK(file_name_of(h, "features.1.running_mean", WeightNames::original) == "classical_net.1.running_mean");
  CHECK(file_name_of(h, "reducer.2.weight", WeightNames::original) == "feature_reducer.2.weight");
  CHECK(file_name_of(h, "quantum.weights", WeightNames::original) == "qlayer.weights");
  CHECK(file_name_of(h, "head.4.bias", WeightNames::original) == "head.4.bias");
  CHECK(file_name_of(c, "features.4.weight", WeightNames::original) == "conv_net.4.weight");
  CHECK(file_name_of(c, "classifier.1.num_batches_tracked", WeightNames::original) == "head.1.num_batches_tracked");
  CHECK(file_name_of(c, "classifier.0.weight", WeightNames::hqc) == "classifier.0.weight");
  CHECK(hqc_name_of(c, "head.0.weight", WeightNames::original) == "classifier.0.weight");
  CHECK(hqc_name_of(c, "head.0.weight", WeightNames::hqc).empty());
  CHECK(hqc_name_of(h, "qlayer.weights", WeightNames::hqc).empty());
  CHECK(detect_names(c, {"classifier.0.weight", "head.0.weight"}) == WeightNames::original);
  CHECK(detect_names(h, {"head.0.weight", "features.0.weight"}) == WeightNames::hqc);
  CHECK(detect_names(h, {"head.0.weight", "qlayer.weights"}) == WeightNames::original);
  // Every state name of every study model has an original name (the mapping covers the tree).
  for (const char* model : {"hybrid", "classical"})
    for (const char* ds : {"mnist", "cifar100", "stl10"}) {
      const ModelConfig cfg = model_config(model, ds);
      for (const auto& [n, t] : build_model(cfg, 0)->state())
        CHECK(hqc_name_of(cfg, file_name_of(cfg, n, WeightNames::original), WeightNames::original) == n);
    }
}

TEST_CASE("safetensors export then import gives the same tensors bit for bit, under both namings") {
  const auto dir = std::filesystem::temp_directory_path() / "hqc_apps_test_safetensors";
  std::filesystem::create_directories(dir);
  for (const char* kind : {"hybrid", "classical"})
    for (WeightNames names : {WeightNames::hqc, WeightNames::original}) {
      CAPTURE(kind);
      CAPTURE(weight_names_name(names));
      const ModelConfig cfg = model_config(kind, "mnist");
      auto model = build_model(cfg, 7);
      const std::string f = (dir / "w.safetensors").string();
      export_weights(f, *model, cfg, names);
      const nn::Safetensors file = nn::read_safetensors(f);
      CHECK(metadata_value(file, "names") == weight_names_name(names));
      CHECK(metadata_value(file, "model") == kind);
      const auto back = import_state(file, cfg, f);
      const auto mine = model->state();
      REQUIRE(back.size() == mine.size());
      for (std::size_t i = 0; i < mine.size(); ++i) {
        CHECK(back[i].first == mine[i].first);
        CHECK(back[i].second.dtype() == mine[i].second.dtype());
        CHECK(back[i].second.sizes() == mine[i].second.sizes());
        const Tensor a = back[i].second.contiguous(), b = mine[i].second.contiguous();
        CHECK(std::memcmp(a.raw_data(), b.raw_data(), std::size_t(a.numel()) * dtype_size(a.dtype())) == 0);
      }
    }
  std::filesystem::remove_all(dir);
}

TEST_CASE("safetensors import lists every missing, unexpected, misshaped and mistyped tensor") {
  nn::Safetensors file = nn::read_safetensors(fixture_file("hybrid.safetensors"));
  const ModelConfig cfg = model_config("hybrid", "fashion-mnist");
  std::vector<nn::SafetensorsEntry> kept;
  for (auto& e : file.tensors) {
    if (e.name == "head.0.bias") continue;                                            // missing
    if (e.name == "feature_reducer.2.weight") e.tensor = zeros({8, 256});             // misshaped
    if (e.name == "head.1.num_batches_tracked") e.dtype = "F32", e.tensor = zeros({});  // a float count
    if (e.name == "qlayer.weights") e.tensor.data<float>()[3] = NAN;                   // not finite
    kept.push_back(e);
  }
  kept.push_back({"qlayer.bias", "F32", zeros({4})});  // unexpected
  file.tensors = kept;
  const std::string msg = message_of(file, cfg);
  CAPTURE(msg);
  CHECK(msg.find("W.safetensors: does not fit the hybrid model for fashion-mnist (original names; 5 problems)") == 0);
  CHECK(msg.find("missing tensor 'head.0.bias' (expected (128,) F32)") != std::string::npos);
  CHECK(msg.find("tensor 'feature_reducer.2.weight' has shape (8, 256), expected (16, 256)") != std::string::npos);
  CHECK(msg.find("tensor 'head.1.num_batches_tracked' is F32, expected I64 (a count)") != std::string::npos);
  CHECK(msg.find("tensor 'qlayer.weights' holds nan at element 3") != std::string::npos);
  CHECK(msg.find("unexpected tensor 'qlayer.bias' ((4,) F32)") != std::string::npos);

  // A classical file read as a hybrid: every hybrid tensor missing, every classical one unexpected.
  const std::string other = message_of(nn::read_safetensors(fixture_file("classical.safetensors")), cfg);
  CHECK(other.find("missing tensor 'classical_net.0.weight' (expected (16, 1, 3, 3) F32)") != std::string::npos);
  CHECK(other.find("unexpected tensor 'conv_net.0.weight' ((32, 1, 3, 3) F16)") != std::string::npos);
  // I64 where a float belongs.
  nn::Safetensors ints = nn::read_safetensors(fixture_file("hybrid.safetensors"));
  ints.tensors.at(0).dtype = "I64";
  ints.tensors.at(0).tensor = zeros({16, 1, 3, 3}, DType::i64);
  CHECK(message_of(ints, cfg).find("tensor 'classical_net.0.weight' is I64, expected F32, F64, F16 or BF16") != std::string::npos);
}
