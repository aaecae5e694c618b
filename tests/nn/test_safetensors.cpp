// test_safetensors.cpp — the safetensors writer's exact bytes, the reader's conversions of F64, F16
// and BF16 (hand-computed values), a round trip, and every refusal of a corrupt file, each with a
// message naming the file and the fault.
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "helpers.hpp"
#include "nn/safetensors.hpp"

using namespace hqc;
using namespace hqc::nn;

namespace {

// A file from a header's JSON text and the data bytes (the header is not padded).
std::string file_of(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int k = 0; k < 8; ++k) out[k] = char((n >> (8 * k)) & 0xFF);
  return out + header + data;
}

template <typename T> std::string bytes_of(std::initializer_list<T> values) {
  std::string out;
  for (T v : values) out.append(reinterpret_cast<const char*>(&v), sizeof(T));  // the test host is little-endian
  return out;
}

// parse_safetensors must refuse `bytes` with a message holding the source's name and `expected`.
void check_refused(const std::string& bytes, const std::string& expected) {
  CAPTURE(expected);
  try {
    (void)parse_safetensors(bytes, "W.safetensors");
    FAIL("accepted a corrupt file");
  } catch (const SafetensorsError& e) {
    const std::string msg = e.what();
    CAPTURE(msg);
    CHECK(msg.rfind("W.safetensors: ", 0) == 0);
    CHECK(msg.find(expected) != std::string::npos);
  }
}

const std::string kOne = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";

}  // namespace

TEST_CASE("safetensors: the writer lays out size, padded header and contiguous little-endian data") {
  Tensor w = Tensor::empty({2, 2}, DType::f32);
  for (int i = 0; i < 4; ++i) w.data<float>()[i] = 0.5f * float(i) - 1.0f;
  Tensor n = zeros({}, DType::i64);
  n.data<int64_t>()[0] = 7;
  const std::string bytes = encode_safetensors({{"layer.weight", w}, {"bn.num_batches_tracked", n}}, {{"model", "hybrid"}});
  const std::string header =
      R"({"layer.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
      R"("bn.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[16,24]},"__metadata__":{"model":"hybrid"}})";
  std::string padded = header + std::string((8 - header.size() % 8) % 8, ' ');
  CHECK(bytes == file_of(padded, bytes_of<float>({-1.0f, -0.5f, 0.0f, 0.5f}) + bytes_of<int64_t>({7})));
  CHECK(padded.size() % 8 == 0);

  const Safetensors back = parse_safetensors(bytes, "mem");
  REQUIRE(back.tensors.size() == 2);
  CHECK(back.tensors[0].name == "layer.weight");
  CHECK(back.tensors[0].dtype == "F32");
  CHECK(back.tensors[0].tensor.sizes() == Shape{2, 2});
  CHECK(back.tensors[0].tensor.values<float>() == w.values<float>());
  CHECK(back.tensors[1].dtype == "I64");
  CHECK(back.tensors[1].tensor.dtype() == DType::i64);
  CHECK(back.tensors[1].tensor.sizes().empty());
  CHECK(back.tensors[1].tensor.data<int64_t>()[0] == 7);
  REQUIRE(back.metadata.size() == 1);
  CHECK(back.metadata[0] == std::pair<std::string, std::string>{"model", "hybrid"});
}

TEST_CASE("safetensors: names with quotes and backslashes survive the round trip") {
  const std::string name = "a\"b\\c\x01";
  const Safetensors back = parse_safetensors(encode_safetensors({{name, zeros({1})}}, {{"k\"", "v\\"}}), "mem");
  REQUIRE(back.tensors.size() == 1);
  CHECK(back.tensors[0].name == name);
  CHECK(back.metadata[0].first == "k\"");
  CHECK(back.metadata[0].second == "v\\");
}

TEST_CASE("safetensors: F16, BF16 and F64 are read as the float32 values they hold") {
  // F16: 1, -2, 65504 (largest), 2^-24 (smallest subnormal), 2^-14 (smallest normal), -0.
  const std::string h = R"({"h":{"dtype":"F16","shape":[6],"data_offsets":[0,12]},)"
                        R"("b":{"dtype":"BF16","shape":[3],"data_offsets":[12,18]},)"
                        R"("d":{"dtype":"F64","shape":[1,2],"data_offsets":[18,34]}})";
  const std::string data = bytes_of<uint16_t>({0x3C00, 0xC000, 0x7BFF, 0x0001, 0x0400, 0x8000}) +
                           bytes_of<uint16_t>({0x3F80, 0xC040, 0x4049}) + bytes_of<double>({0.1, -1e300});
  const Safetensors s = parse_safetensors(file_of(h, data), "mem");
  REQUIRE(s.tensors.size() == 3);
  CHECK(s.tensors[0].tensor.values<float>() == std::vector<float>{1.0f, -2.0f, 65504.0f, std::ldexp(1.0f, -24), std::ldexp(1.0f, -14), -0.0f});
  CHECK(std::signbit(s.tensors[0].tensor.values<float>()[5]));
  CHECK(s.tensors[1].tensor.values<float>() == std::vector<float>{1.0f, -3.0f, 3.140625f});
  CHECK(s.tensors[2].tensor.sizes() == Shape{1, 2});
  CHECK(s.tensors[2].tensor.values<float>()[0] == 0.1f);
  CHECK(std::isinf(s.tensors[2].tensor.values<float>()[1]));  // out of float's range; the caller decides
  CHECK(half_to_float(0x7C00) == INFINITY);
  CHECK(std::isnan(half_to_float(0x7E00)));
}

TEST_CASE("safetensors: tensors in data order, zero-size tensors and whitespace padding are accepted") {
  const std::string h = R"({"late":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}, "empty":{"dtype":"F32","shape":[0,3],)"
                        R"("data_offsets":[0,0]},"early":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}      )";
  const Safetensors s = parse_safetensors(file_of(h, bytes_of<float>({1.5f, 2.5f})), "mem");
  REQUIRE(s.tensors.size() == 3);
  CHECK(s.tensors[0].name == "empty");
  CHECK(s.tensors[1].name == "early");
  CHECK(s.tensors[1].tensor.values<float>()[0] == 1.5f);
  CHECK(s.tensors[2].tensor.values<float>()[0] == 2.5f);
}

TEST_CASE("safetensors: a file shorter than its size field or its header is refused") {
  check_refused("", "truncated: 0 bytes");
  check_refused(std::string("\x08\0\0", 3), "truncated: 3 bytes");
  std::string big = file_of(kOne, bytes_of<float>({1, 2}));
  big[5] = 1;  // header size 2^40 + ...
  check_refused(big, "bytes follow it (not a safetensors file, or truncated)");
  check_refused(file_of(kOne, bytes_of<float>({1, 2})).substr(0, 40), "only 32 bytes follow it");
}

TEST_CASE("safetensors: a header that is not the expected JSON is refused, naming the fault") {
  const std::string d = bytes_of<float>({1, 2});
  check_refused(file_of("[1,2]", ""), "does not start with '{'");
  check_refused(file_of(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})", d), "ends inside a value");
  check_refused(file_of(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}x)", d), "after the JSON value");
  check_refused(file_of(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", d),
                "\"a\" appears twice");
  check_refused(file_of(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}})", d), "unknown field \"x\"");
  check_refused(file_of(R"({"a":{"dtype":"F32","data_offsets":[0,8]}})", d), "tensor 'a' lacks shape");
  check_refused(file_of(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", d), "shape holds '-2'");
  check_refused(file_of(R"({"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", d), "shape holds '2.0'");
  check_refused(file_of(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", d), "data_offsets must be two");
  check_refused(file_of(R"({"a":{"dtype":7,"shape":[2],"data_offsets":[0,8]}})", d), "dtype is a number");
  check_refused(file_of(R"({"a":[1]})", d), "tensor 'a' is an array");
  check_refused(file_of(R"({"__metadata__":{"k":1}})", ""), "__metadata__ \"k\" is a number");
  check_refused(file_of(R"({"a":"\q"})", d), "unknown escape");
  check_refused(file_of(std::string(100, '[').insert(0, "{\"a\":"), d), "nested deeper");
}

TEST_CASE("safetensors: offsets out of range, overlapping or leaving holes are refused") {
  check_refused(file_of(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", bytes_of<float>({1})),
                "tensor 'a': data_offsets [0, 8] are out of range: the data holds 4 bytes");
  check_refused(file_of(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", bytes_of<float>({1, 2})),
                "end before they begin");
  check_refused(file_of(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                        bytes_of<float>({1, 2})),
                "tensor 'b' [4, 8) overlaps tensor 'a' [0, 8)");
  check_refused(file_of(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", bytes_of<float>({1, 2})),
                "bytes [0, 4) of the data belong to no tensor");
  check_refused(file_of(kOne, bytes_of<float>({1, 2, 3})), "4 bytes after the last tensor's data belong to no tensor");
}

TEST_CASE("safetensors: an unknown dtype, an unsupported one, and a size that is not shape x dtype are refused") {
  check_refused(file_of(R"({"a":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}})", std::string(16, '\0')),
                "tensor 'a': unknown dtype \"F128\"");
  check_refused(file_of(R"({"a":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}})", std::string(8, '\0')),
                "tensor 'a' has dtype I32, which hqc does not read");
  check_refused(file_of(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", std::string(8, '\0')),
                "tensor 'a': shape (3,) of F32 needs 12 bytes, but its data_offsets span 8");
  check_refused(file_of(R"({"a":{"dtype":"F64","shape":[4294967296,4294967296,4],"data_offsets":[0,8]}})", std::string(8, '\0')),
                "needs more bytes than any file holds");
}

TEST_CASE("safetensors: read_safetensors names the path of a missing file, a folder and a corrupt file") {
  const auto dir = std::filesystem::temp_directory_path() / "hqc_nn_test_safetensors";
  std::filesystem::create_directories(dir);
  const std::string f = (dir / "bad.safetensors").string();
  CHECK_THROWS_WITH_AS(read_safetensors((dir / "none.safetensors").string()), doctest::Contains("none.safetensors: no such file"),
                       SafetensorsError);
  CHECK_THROWS_WITH_AS(read_safetensors(dir.string()), doctest::Contains("is not a regular file"), SafetensorsError);
  std::ofstream(f, std::ios::binary) << "garbage!garbage";
  CHECK_THROWS_WITH_AS(read_safetensors(f), doctest::Contains((f + ": the header size is").c_str()), SafetensorsError);
  write_safetensors(f, {{"x", zeros({3})}}, {});
  CHECK(read_safetensors(f).tensors.at(0).tensor.sizes() == Shape{3});
  std::filesystem::remove_all(dir);
}
