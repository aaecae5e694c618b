// test_models.cpp — the six networks have the original's parameter counts exactly, the ablations the
// counts their shapes imply, and checkpoints refuse what does not fit, is out of bounds or not finite.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include "apps/models.hpp"
#include "apps/training.hpp"
#include "nn/checkpoint.hpp"
#include "nn/module.hpp"

using namespace hqc;
using namespace hqc::app;

namespace {
// The message of what f throws ("(no error)" when it returns).
template <typename F> std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}
bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

int64_t count(const std::string& model, const std::string& dataset, const std::string& quantum = "circuit", int qubits = 4) {
  return build_model(model_config(model, dataset, quantum, qubits), 0)->num_parameters();
}
}  // namespace

TEST_CASE("classical models have the original's parameter counts") {
  CHECK(count("classical", "mnist") == 151754);
  CHECK(count("classical", "cifar100") == 1710436);
  CHECK(count("classical", "stl10") == 1687306);
  CHECK(count("classical", "fashion-mnist") == 151754);
  CHECK(count("classical", "cifar10") == 1710436 - 90 * 257);  // 10 outputs instead of 100
}

TEST_CASE("hybrid models have the original's parameter counts") {
  CHECK(count("hybrid", "mnist") == 142530);
  CHECK(count("hybrid", "cifar100") == 1164796);
  CHECK(count("hybrid", "stl10") == 4603298);
  CHECK(count("hybrid", "mnist", "rotations") == 142530);
  // 8 circuit weights replaced by Linear(16,4)'s 68: the rest of the network is unchanged.
  CHECK(count("hybrid", "mnist", "linear") == 142530 - 8 + 68);
  CHECK(count("hybrid", "cifar100", "linear") == 1164796 - 8 + 68);
  CHECK(count("hybrid", "stl10", "linear") == 4603298 - 8 + 68);
}

TEST_CASE("the qubit count sets the reducer width and the head input") {
  // 5 qubits: Linear(256, 32) instead of (256, 16): +16*256+16; bottleneck Linear(32,5) = 165;
  // head Linear(5,128): +128.
  CHECK(count("hybrid", "mnist", "linear", 5) == 142530 - 8 + 16 * 256 + 16 + 165 - 68 + 68 + 128);
}

TEST_CASE("a model's output has one logit per class") {
  for (const char* d : {"mnist", "cifar100"}) {
    ModelConfig c = model_config("classical", d);
    auto m = build_model(c, 3);
    m->eval();
    Shape in = c.input;
    in.insert(in.begin(), 2);
    NoGradGuard g;
    CHECK(m->operator()(Variable(zeros(in))).sizes() == Shape{2, c.classes});
  }
}

TEST_CASE("the same seed builds the same weights and another seed different ones") {
  auto a = build_model(model_config("classical", "mnist"), 7)->state();
  auto b = build_model(model_config("classical", "mnist"), 7)->state();
  auto c = build_model(model_config("classical", "mnist"), 8)->state();
  REQUIRE(a.size() == b.size());
  CHECK(max_abs_diff(a[0].second, b[0].second) == 0.0);
  CHECK(max_abs_diff(a[0].second, c[0].second) > 0.0);
}

TEST_CASE("model configuration survives its JSON form") {
  ModelConfig c = model_config("hybrid", "cifar10", "linear", 5);
  ModelConfig d = ModelConfig::from_json(c.to_json());
  CHECK(d.model == ModelKind::hybrid);
  CHECK(d.dataset == "cifar10");
  CHECK(d.quantum == QuantumVariant::linear);
  CHECK(d.qubits == 5);
  CHECK(d.classes == 10);
  CHECK(d.input == Shape{3, 32, 32});
  CHECK_THROWS_WITH(ModelConfig::from_json("{\"model\": \"hybrid\"}"), doctest::Contains("dataset"));
}

namespace {
// The JSON of a valid mnist hybrid with `field` replaced by `value` (its text as written in JSON).
std::string config_with(const std::string& field, const std::string& value) {
  const std::string fields[] = {"model", "dataset", "quantum", "qubits", "classes", "input"};
  const std::string valid[] = {"\"hybrid\"", "\"mnist\"", "\"circuit\"", "4", "10", "[1, 28, 28]"};
  std::string j = "{";
  for (int i = 0; i < 6; ++i)
    j += (i ? ", \"" : "\"") + fields[i] + "\": " + (fields[i] == field ? value : valid[i]);
  return j + "}";
}
}  // namespace

TEST_CASE("a model configuration out of bounds is refused naming the field, before anything is built") {
  CHECK(ModelConfig::from_json(config_with("classes", "10")).classes == 10);
  const std::pair<std::string, std::string> bad[] = {
      {"classes", "10000000"}, {"classes", "0"},         {"classes", "-1"},           {"classes", "1e11"},
      {"classes", "10abc"},    {"classes", "100"},       {"qubits", "0"},             {"qubits", "11"},
      {"qubits", "-3"},        {"qubits", "99999999999999999999"}, {"model", "\"resnet\""},
      {"dataset", "\"imagenet\""}, {"quantum", "\"qutrits\""}, {"input", "[1, 28, 29]"},
      {"input", "[3, 28, 28]"}, {"input", "[1, 28]"},   {"input", "[1, 28, 28, 1]"}, {"input", "[1, 1e9, 28]"}};
  for (const auto& [field, value] : bad) {
    CAPTURE(field);
    CAPTURE(value);
    const std::string e = error_of([&] { ModelConfig::from_json(config_with(field, value)); });
    CAPTURE(e);
    CHECK(has(e, "\"" + field + "\""));
  }
}

TEST_CASE("a checkpoint whose configuration is out of bounds is refused naming the file and the field") {
  const std::string path = (std::filesystem::temp_directory_path() / "hqc_test_bad_config.hqc").string();
  ModelConfig c = model_config("classical", "mnist");
  nn::Checkpoint ck{c.to_json(), build_model(c, 0)->state()};
  for (const char* classes : {"10000000", "0", "-1", "1e11"}) {
    ck.config = config_with("classes", classes);
    nn::write_checkpoint(path, ck);
    const std::string e = error_of([&] { load_model(path); });
    CAPTURE(e);
    CHECK((has(e, path) && has(e, "\"classes\"")));
  }
  std::filesystem::remove(path);
}

TEST_CASE("a checkpoint holding NaN or infinity is refused naming the file and the tensor") {
  const std::string path = (std::filesystem::temp_directory_path() / "hqc_test_nonfinite.hqc").string();
  ModelConfig c = model_config("classical", "mnist");
  for (float bad : {std::nanf(""), INFINITY, -INFINITY}) {
    nn::Checkpoint ck{c.to_json(), build_model(c, 0)->state()};
    auto& [name, t] = ck.tensors.back();
    t = t.clone();
    REQUIRE(t.dtype() == DType::f32);
    t.data<float>()[t.numel() - 1] = bad;
    nn::write_checkpoint(path, ck);
    CHECK_THROWS_AS(nn::read_checkpoint(path), nn::CheckpointError);
    const std::string e = error_of([&] { load_model(path); });
    CAPTURE(e);
    CHECK((has(e, path) && has(e, "'" + name + "'")));
  }
  std::filesystem::remove(path);
}

TEST_CASE("a directory given as a checkpoint is refused clearly") {
  const auto dir = std::filesystem::temp_directory_path() / "hqc_test_checkpoint_dir";
  std::filesystem::create_directories(dir);
  CHECK_THROWS_AS(nn::read_checkpoint(dir.string()), nn::CheckpointError);
  const std::string e = error_of([&] { load_model(dir.string()); });
  CAPTURE(e);
  CHECK((has(e, dir.string()) && has(e, "is a directory")));
  std::filesystem::remove(dir);
}

TEST_CASE("evaluate refuses a dataset with no images instead of reporting accuracy 0") {
  ModelConfig c = model_config("classical", "mnist");
  auto m = build_model(c, 0);
  const data::DatasetInfo& info = data::dataset_info("mnist");
  data::Dataset empty("mnist", "test", Tensor::empty({0, 1, 28, 28}, DType::u8), Tensor::empty({0}, DType::i64), info.classes);
  const std::string e = error_of([&] { evaluate(*m, c, empty, {}, 64, 0.1, "eval", Progress::Mode::silent); });
  CAPTURE(e);
  CHECK((has(e, "mnist test") && has(e, "no images")));
}

TEST_CASE("unknown models, variants and qubit counts are option errors naming the flag (the command line reports them as usage errors)") {
  CHECK_THROWS_WITH_AS(model_config("resnet", "mnist"), doctest::Contains("--model"), OptionError);
  CHECK_THROWS_WITH_AS(model_config("hybrid", "imagenet"), doctest::Contains("--dataset"), OptionError);
  CHECK_THROWS_WITH_AS(model_config("hybrid", "mnist", "qutrits"), doctest::Contains("--quantum"), OptionError);
  CHECK_THROWS_WITH_AS(model_config("hybrid", "mnist", "circuit", 0), doctest::Contains("--qubits"), OptionError);
}

TEST_CASE("a checkpoint of one model is refused by another and names the file") {
  const auto dir = std::filesystem::temp_directory_path();
  const std::string path = (dir / "hqc_test_classical_mnist.hqc").string();
  ModelConfig c = model_config("classical", "mnist");
  auto m = build_model(c, 0);
  save_model(path, *m, c);
  LoadedModel back = load_model(path);
  CHECK(back.config.model == ModelKind::classical);
  CHECK(max_abs_diff(back.model->state()[0].second, m->state()[0].second) == 0.0);
  // Same file, its configuration edited to claim another model: the tensors do not fit.
  nn::Checkpoint ck = nn::read_checkpoint(path);
  ck.config = model_config("classical", "cifar100").to_json();
  nn::write_checkpoint(path, ck);
  CHECK_THROWS_WITH(load_model(path), doctest::Contains(path.c_str()));
  ck.config = "not json";
  nn::write_checkpoint(path, ck);
  CHECK(has(error_of([&] { load_model(path); }), path));
  CHECK_THROWS_WITH(load_model(path), doctest::Contains("not an hqc model checkpoint"));
  std::filesystem::remove(path);
  CHECK_THROWS_WITH(load_model(path), doctest::Contains(path.c_str()));
}

TEST_CASE("argmax_rows picks the first maximum of each row") {
  Tensor l = tensor({0.1f, 0.9f, 0.9f, 3.0f, -1.0f, 2.0f}, {2, 3});
  CHECK(argmax_rows(l) == std::vector<int64_t>{1, 0});
}
