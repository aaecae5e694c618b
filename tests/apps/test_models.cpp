// test_models.cpp — the six networks have the original's parameter counts exactly, the ablations the
// counts their shapes imply, and checkpoints refuse what does not fit, is out of bounds or not finite.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include "apps/models.hpp"
#include "apps/training.hpp"
#include "nn/checkpoint.hpp"
#include "nn/module.hpp"
#include "quantum/layer.hpp"

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

TEST_CASE("noise and shots: carried by the configuration's JSON, absent in older ones (noiseless), refused when bad") {
  ModelConfig c = model_config("hybrid", "fashion-mnist");
  const std::string plain = c.to_json();
  CHECK(!has(plain, "noise"));  // a noiseless model's text is what it always was
  CHECK(!has(plain, "shots"));
  const std::string noise = "depolarizing=0.01,amplitude_damping=0.02", shots = "1000";
  set_realism(c, &noise, &shots);
  CHECK(c.display_name() == "hybrid, depolarizing=0.01,amplitude_damping=0.02, 1000 shots");
  ModelConfig d = ModelConfig::from_json(c.to_json());
  CHECK(d.noise.to_string() == noise);
  CHECK(d.shots == 1000);
  ModelConfig old = ModelConfig::from_json(config_with("qubits", "4"));
  CHECK(old.noise.empty());
  CHECK(old.shots == 0);
  const std::string exact = "exact", none = "none";
  set_realism(d, &none, &exact);
  CHECK(d.noise.empty());
  CHECK(d.shots == 0);
  for (const std::string bad : {"0", "-5", "1e3", "10x", "1000000001", ""})
    CHECK(has(error_of([&] { set_realism(d, nullptr, &bad); }), "--shots"));
  for (const std::string bad : {"depolarizing=1.5", "dephasing=0.1", "depolarizing", "depolarizing=0.1,"})
    CHECK(has(error_of([&] { set_realism(d, &bad, nullptr); }), "--noise"));
  ModelConfig classical = model_config("classical", "mnist"), linear = model_config("hybrid", "mnist", "linear");
  CHECK(has(error_of([&] { set_realism(classical, &noise, nullptr); }), "--noise: the classical model has no quantum circuit"));
  CHECK(has(error_of([&] { set_realism(linear, nullptr, &shots); }), "--shots"));
  const std::string j = c.to_json();
  const std::string bad_noise = j.substr(0, j.find("depolarizing")) + "depolarizing=7" + j.substr(j.find(",amplitude"));
  CHECK(has(error_of([&] { ModelConfig::from_json(bad_noise); }), "\"noise\""));
  const std::string bad_shots = j.substr(0, j.find("1000")) + "0" + j.substr(j.find("1000") + 4);
  CHECK(has(error_of([&] { ModelConfig::from_json(bad_shots); }), "\"shots\""));
}

TEST_CASE("noise and shots reach the quantum layer; shots are drawn from the run's seed and move nothing else") {
  ModelConfig c = model_config("hybrid", "mnist");
  const std::string noise = "bit_flip=0.1", shots = "20";
  auto ideal = build_model(c, 5);
  set_realism(c, &noise, &shots);
  auto real = build_model(c, 5);
  // The same weights: the shot stream is a stream of its own.
  const auto a = ideal->state(), b = real->state();
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) CHECK(max_abs_diff(a[i].second, b[i].second) == 0.0);
  const quantum::QuantumLayer* q = nullptr;
  for (const auto& [name, m] : real->named_modules())
    if (auto* l = dynamic_cast<const quantum::QuantumLayer*>(m)) q = l;
  REQUIRE(q != nullptr);
  CHECK(q->realism().noise.to_string() == "bit_flip=0.1");
  CHECK(q->realism().shots == 20);
  CHECK(q->realism().seed == shot_seed(5));
  CHECK(shot_seed(5) != shot_seed(6));
  // apply_realism puts another configuration into a built model (eval and attack of a checkpoint).
  ModelConfig none = model_config("hybrid", "mnist");
  apply_realism(*real, none, 5);
  CHECK(q->realism().noise.empty());
  CHECK(q->realism().shots == 0);
  Generator gen(1);
  Tensor x = rand_uniform({3, 1, 28, 28}, 0, 1, gen);
  ideal->eval(), real->eval();
  NoGradGuard ng;
  CHECK(max_abs_diff((*ideal)(Variable(x)).data(), (*real)(Variable(x)).data()) == 0.0);
  apply_realism(*real, c, 5);
  CHECK(max_abs_diff((*ideal)(Variable(x)).data(), (*real)(Variable(x)).data()) > 0.0);
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
