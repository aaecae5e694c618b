// test_checkpoint.cpp — save/load round trip and every refused file: wrong magic, unsupported
// version, truncated at several points, trailing bytes, flipped bits (checksum), a foreign file,
// and files that do not match the model — each with a message that says which and why, and a model
// left untouched.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "helpers.hpp"
#include "nn/nn.hpp"

using namespace hqc;
using namespace hqc::nn;

namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("hqc_nn_test_" + name)).string();
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_all(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

std::shared_ptr<Sequential> model(uint64_t seed, int64_t hidden = 4) {
  Generator g(seed);
  return sequential({std::make_shared<Linear>(3, hidden, g), std::make_shared<BatchNorm1d>(hidden),
                     std::make_shared<ReLU>(), std::make_shared<Linear>(hidden, 2, g)});
}

// The model's state as one tensor of values, to see that a refused load changed nothing.
std::vector<double> snapshot(const Module& m) {
  std::vector<double> out;
  for (auto& [n, t] : m.state()) {
    auto v = t.to_vector();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

void expect_refused(const std::string& path, Module& m, const std::string& needle) {
  const auto before = snapshot(m);
  CHECK_THROWS_WITH_AS(load_checkpoint(path, m), doctest::Contains(needle.c_str()), CheckpointError);
  CHECK_THROWS_WITH_AS(load_checkpoint(path, m), doctest::Contains(path.c_str()), CheckpointError);
  CHECK(snapshot(m) == before);
}

}  // namespace

TEST_CASE("checkpoint round trip restores every parameter and buffer and the configuration") {
  auto a = model(1), b = model(2);
  // Give BatchNorm running statistics something to remember.
  (*a)(Variable(rand_uniform({5, 3}, -1, 1, *std::make_unique<Generator>(3))));
  const std::string path = temp_path("roundtrip.hqc");
  save_checkpoint(path, *a, R"({"model":"test"})");
  CHECK(snapshot(*a) != snapshot(*b));
  CHECK(load_checkpoint(path, *b) == R"({"model":"test"})");
  CHECK(snapshot(*a) == snapshot(*b));
  b->eval();
  a->eval();
  Tensor x = ones({2, 3});
  CHECK(max_abs_diff((*a)(Variable(x)).data(), (*b)(Variable(x)).data()) == 0);
  Checkpoint ck = read_checkpoint(path);
  CHECK(ck.tensors.size() == a->state().size());
  CHECK(ck.tensors[0].first == "0.weight");
  std::remove(path.c_str());
}

TEST_CASE("checkpoint files that are wrong, truncated, corrupt or foreign are refused with the reason") {
  auto a = model(1), b = model(2);
  const std::string good = temp_path("good.hqc"), bad = temp_path("bad.hqc");
  save_checkpoint(good, *a, "cfg");
  const std::string bytes = read_all(good);

  SUBCASE("missing file") { expect_refused(temp_path("does_not_exist.hqc"), *b, "cannot open"); }
  SUBCASE("foreign file") {
    write_all(bad, "\x89PNG\r\n\x1a\n and then some more bytes of a picture");
    expect_refused(bad, *b, "not an hqc checkpoint");
  }
  SUBCASE("empty file") {
    write_all(bad, "");
    expect_refused(bad, *b, "truncated");
  }
  SUBCASE("truncated inside the header") {
    write_all(bad, bytes.substr(0, 14));
    expect_refused(bad, *b, "truncated");
  }
  SUBCASE("truncated inside the payload") {
    write_all(bad, bytes.substr(0, bytes.size() / 2));
    expect_refused(bad, *b, "truncated: the header promises");
  }
  SUBCASE("checksum cut off") {
    write_all(bad, bytes.substr(0, bytes.size() - 3));
    expect_refused(bad, *b, "truncated");
  }
  SUBCASE("trailing bytes") {
    write_all(bad, bytes + "xyz");
    expect_refused(bad, *b, "unexpected bytes after the payload");
  }
  SUBCASE("unsupported version") {
    std::string v = bytes;
    v[8] = 2;
    write_all(bad, v);
    expect_refused(bad, *b, "version 2 is not supported");
  }
  SUBCASE("a flipped bit in the data") {
    std::string v = bytes;
    v[v.size() - 20] ^= 0x10;
    write_all(bad, v);
    expect_refused(bad, *b, "checksum mismatch");
  }
  SUBCASE("a model of another width") {
    auto wide = model(3, 5);
    expect_refused(good, *wide, "does not match the model: tensor '0.weight' is (4, 3) float32, the model needs (5, 3)");
  }
  SUBCASE("a model with other layers") {
    Generator g(0);
    auto other = sequential({std::make_shared<Linear>(3, 4, g), std::make_shared<Linear>(4, 2, g)});
    expect_refused(good, *other, "does not match the model");
  }
  SUBCASE("a model with fewer tensors than the file") {
    Generator g(0);
    auto small = sequential({std::make_shared<Linear>(3, 4, g)});
    expect_refused(good, *small, "unexpected tensor '1.weight'");
  }
  std::remove(good.c_str());
  std::remove(bad.c_str());
}
