// safetensors.cpp — the safetensors reader and writer (layout and checks in safetensors.hpp).
#include "nn/safetensors.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "nn/atomic_file.hpp"
#include "nn/json.hpp"

namespace hqc::nn {

namespace {

std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (static_cast<unsigned char>(c) < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += b;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// ---- element types ----

struct DtypeInfo {
  const char* name;
  uint64_t size;
};
constexpr DtypeInfo kDtypes[] = {{"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E4M3", 1}, {"F8_E5M2", 1},
                                 {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},
                                 {"U32", 4},  {"F32", 4}, {"F64", 8}, {"I64", 8},     {"U64", 8}};

template <typename T> T load_le(const unsigned char* p) {
  unsigned char b[sizeof(T)];
  std::memcpy(b, p, sizeof(T));
  if constexpr (std::endian::native == std::endian::big) std::reverse(b, b + sizeof(T));
  T v;
  std::memcpy(&v, b, sizeof(T));
  return v;
}
template <typename T> void put_le(std::string& out, T v) {
  unsigned char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  if constexpr (std::endian::native == std::endian::big) std::reverse(b, b + sizeof(T));
  out.append(reinterpret_cast<const char*>(b), sizeof(T));
}

// A non-negative JSON integer that fits in 63 bits, or nothing.
bool to_count(const JsonValue& v, uint64_t& out) {
  if (v.kind != JsonValue::Kind::number || v.number_text.empty() || v.number_text.size() > 19) return false;
  uint64_t x = 0;
  for (const char c : v.number_text) {
    if (c < '0' || c > '9') return false;
    x = x * 10 + uint64_t(c - '0');
  }
  if (x > uint64_t(INT64_MAX)) return false;
  out = x;
  return true;
}

struct Raw {
  std::string name, dtype;
  uint64_t elem = 0;
  Shape shape;
  uint64_t begin = 0, end = 0;
};

Tensor convert(const Raw& r, const unsigned char* data, const std::string& what) {
  const unsigned char* p = data + r.begin;
  const int64_t n = shape_numel(r.shape);
  if (r.dtype == "I64") {
    Tensor t = Tensor::empty(r.shape, DType::i64);
    int64_t* o = t.data<int64_t>();
    for (int64_t i = 0; i < n; ++i) o[i] = load_le<int64_t>(p + 8 * i);
    return t;
  }
  Tensor t = Tensor::empty(r.shape, DType::f32);
  float* o = t.data<float>();
  if (r.dtype == "F32") {
    for (int64_t i = 0; i < n; ++i) o[i] = load_le<float>(p + 4 * i);
  } else if (r.dtype == "F64") {
    for (int64_t i = 0; i < n; ++i) o[i] = static_cast<float>(load_le<double>(p + 8 * i));
  } else if (r.dtype == "F16") {
    for (int64_t i = 0; i < n; ++i) o[i] = half_to_float(load_le<uint16_t>(p + 2 * i));
  } else if (r.dtype == "BF16") {
    for (int64_t i = 0; i < n; ++i) o[i] = bfloat16_to_float(load_le<uint16_t>(p + 2 * i));
  } else {
    throw SafetensorsError(what + ": tensor '" + r.name + "' has dtype " + r.dtype +
                           ", which hqc does not read (F32, F64, F16, BF16 as float32; I64)");
  }
  return t;
}

[[noreturn]] void fail(const std::string& what, const std::string& msg) { throw SafetensorsError(what + ": " + msg); }

}  // namespace

float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h >> 15) << 31;
  const uint32_t exp = (h >> 10) & 0x1F, man = h & 0x3FF;
  if (exp == 0x1F) return std::bit_cast<float>(sign | 0x7F800000u | (man << 13));  // inf / NaN
  if (exp == 0) {  // zero or subnormal: man x 2^-24, exact in float
    const float v = std::ldexp(static_cast<float>(man), -24);
    return sign ? -v : v;
  }
  return std::bit_cast<float>(sign | ((exp + 112) << 23) | (man << 13));
}

float bfloat16_to_float(uint16_t bits) { return std::bit_cast<float>(uint32_t(bits) << 16); }

std::string encode_safetensors(const std::vector<std::pair<std::string, Tensor>>& tensors,
                               const std::vector<std::pair<std::string, std::string>>& metadata) {
  std::string header = "{";
  std::set<std::string> names;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    if (name == "__metadata__" || name.empty() || !names.insert(name).second)
      throw SafetensorsError("safetensors: tensor name '" + name + "' is empty, reserved or given twice");
    if (t.dtype() != DType::f32 && t.dtype() != DType::i64)
      throw SafetensorsError("safetensors: tensor '" + name + "' is neither float32 nor int64");
    const uint64_t bytes = uint64_t(t.numel()) * (t.dtype() == DType::f32 ? 4 : 8);
    std::string shape;
    for (int64_t d : t.sizes()) shape += (shape.empty() ? "" : ",") + std::to_string(d);
    if (header.size() > 1) header += ",";
    header += json_quote(name) + ":{\"dtype\":\"" + (t.dtype() == DType::f32 ? "F32" : "I64") + "\",\"shape\":[" + shape +
              "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + bytes) + "]}";
    offset += bytes;
  }
  if (!metadata.empty()) {
    if (header.size() > 1) header += ",";
    header += "\"__metadata__\":{";
    for (std::size_t i = 0; i < metadata.size(); ++i)
      header += (i ? "," : "") + json_quote(metadata[i].first) + ":" + json_quote(metadata[i].second);
    header += "}";
  }
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');  // the data then starts 8-byte aligned
  std::string out;
  out.reserve(8 + header.size() + offset);
  put_le<uint64_t>(out, header.size());
  out += header;
  for (const auto& [name, t] : tensors) {
    const Tensor c = t.contiguous();
    const int64_t n = c.numel();
    if (c.dtype() == DType::f32)
      for (int64_t i = 0; i < n; ++i) put_le<float>(out, c.data<float>()[i]);
    else
      for (int64_t i = 0; i < n; ++i) put_le<int64_t>(out, c.data<int64_t>()[i]);
  }
  return out;
}

void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const std::vector<std::pair<std::string, std::string>>& metadata) {
  write_file_atomically(path, encode_safetensors(tensors, metadata));
}

Safetensors parse_safetensors(std::string_view bytes, const std::string& what) {
  if (bytes.size() < 8)
    fail(what, "truncated: " + std::to_string(bytes.size()) + " bytes, shorter than the 8-byte header size");
  const auto* u = reinterpret_cast<const unsigned char*>(bytes.data());
  const uint64_t n = load_le<uint64_t>(u);
  if (n > bytes.size() - 8)
    fail(what, "the header size is " + std::to_string(n) + " bytes, but only " + std::to_string(bytes.size() - 8) +
                   " bytes follow it (not a safetensors file, or truncated)");
  if (n == 0 || bytes[8] != '{')
    fail(what, "the header does not start with '{' (not a safetensors file)");
  JsonValue root;
  try {
    root = parse_json(bytes.substr(8, n));
  } catch (const JsonError& e) {
    fail(what, "bad JSON in the header at byte " + std::to_string(e.offset) + ": " + e.message);
  }
  if (root.kind != JsonValue::Kind::object) fail(what, "the header is not a JSON object");
  const uint64_t data_size = bytes.size() - 8 - n;

  Safetensors out;
  std::vector<Raw> raws;
  for (const auto& [name, v] : root.object) {
    const std::string tensor = "tensor '" + name + "'";
    if (name == "__metadata__") {
      if (v.kind != JsonValue::Kind::object) fail(what, "__metadata__ is " + std::string(json_kind_name(v.kind)) + ", expected an object of strings");
      for (const auto& [k, s] : v.object) {
        if (s.kind != JsonValue::Kind::string)
          fail(what, "__metadata__ \"" + k + "\" is " + json_kind_name(s.kind) + ", expected a string");
        out.metadata.emplace_back(k, s.string);
      }
      continue;
    }
    if (v.kind != JsonValue::Kind::object)
      fail(what, tensor + " is " + std::string(json_kind_name(v.kind)) + ", expected an object with dtype, shape and data_offsets");
    const JsonValue *dtype = nullptr, *shape = nullptr, *offsets = nullptr;
    for (const auto& [k, f] : v.object) {
      if (k == "dtype") dtype = &f;
      else if (k == "shape") shape = &f;
      else if (k == "data_offsets") offsets = &f;
      else fail(what, tensor + " has an unknown field \"" + k + "\" (expected dtype, shape, data_offsets)");
    }
    if (!dtype || !shape || !offsets) fail(what, tensor + " lacks " + (!dtype ? "dtype" : !shape ? "shape" : "data_offsets"));
    Raw r;
    r.name = name;
    if (dtype->kind != JsonValue::Kind::string) fail(what, tensor + ": dtype is " + json_kind_name(dtype->kind) + ", expected a string");
    r.dtype = dtype->string;
    for (const DtypeInfo& d : kDtypes)
      if (r.dtype == d.name) r.elem = d.size;
    if (r.elem == 0)
      fail(what, tensor + ": unknown dtype \"" + r.dtype + "\" (safetensors has BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, "
                 "F32, F64, I64, U64, F8_E4M3, F8_E5M2)");
    if (shape->kind != JsonValue::Kind::array) fail(what, tensor + ": shape is " + json_kind_name(shape->kind) + ", expected an array");
    uint64_t numel = 1;
    bool overflow = false;
    for (const JsonValue& d : shape->array) {
      uint64_t x = 0;
      if (!to_count(d, x)) fail(what, tensor + ": shape holds '" + (d.kind == JsonValue::Kind::number ? d.number_text : json_kind_name(d.kind)) +
                                         "', expected non-negative integers");
      r.shape.push_back(static_cast<int64_t>(x));
      overflow = overflow || __builtin_mul_overflow(numel, x, &numel) || numel > uint64_t(INT64_MAX);
    }
    if (shape->array.size() > 8) fail(what, tensor + ": " + std::to_string(shape->array.size()) + " dimensions (at most 8)");
    if (offsets->kind != JsonValue::Kind::array || offsets->array.size() != 2 || !to_count(offsets->array[0], r.begin) ||
        !to_count(offsets->array[1], r.end))
      fail(what, tensor + ": data_offsets must be two non-negative integers [begin, end]");
    if (r.end < r.begin)
      fail(what, tensor + ": data_offsets [" + std::to_string(r.begin) + ", " + std::to_string(r.end) + "] end before they begin");
    if (r.end > data_size)
      fail(what, tensor + ": data_offsets [" + std::to_string(r.begin) + ", " + std::to_string(r.end) +
                     "] are out of range: the data holds " + std::to_string(data_size) + " bytes");
    uint64_t want = 0;
    if (overflow || __builtin_mul_overflow(numel, r.elem, &want) || want != r.end - r.begin)
      fail(what, tensor + ": shape " + shape_str(r.shape) + " of " + r.dtype + " needs " +
                     (overflow || want / r.elem != numel ? std::string("more bytes than any file holds") : std::to_string(want) + " bytes") +
                     ", but its data_offsets span " + std::to_string(r.end - r.begin));
    raws.push_back(std::move(r));
  }
  // The tensors must tile the data: sorted by offset, each begins where the previous one ended.
  std::stable_sort(raws.begin(), raws.end(), [](const Raw& a, const Raw& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  uint64_t at = 0;
  const Raw* prev = nullptr;
  for (const Raw& r : raws) {
    if (r.begin < at)
      fail(what, "tensor '" + r.name + "' [" + std::to_string(r.begin) + ", " + std::to_string(r.end) + ") overlaps tensor '" +
                     prev->name + "' [" + std::to_string(prev->begin) + ", " + std::to_string(prev->end) + ")");
    if (r.begin > at)
      fail(what, "bytes [" + std::to_string(at) + ", " + std::to_string(r.begin) + ") of the data belong to no tensor (a hole before '" +
                     r.name + "')");
    at = r.end;
    prev = &r;
  }
  if (at != data_size)
    fail(what, std::to_string(data_size - at) + " bytes after the last tensor's data belong to no tensor (data holds " +
                   std::to_string(data_size) + " bytes, the tensors " + std::to_string(at) + ")");
  const auto* data = u + 8 + n;
  for (const Raw& r : raws) out.tensors.push_back({r.name, r.dtype, convert(r, data, what)});
  return out;
}

Safetensors read_safetensors(const std::string& path) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(st)) fail(path, "no such file");
  if (!std::filesystem::is_regular_file(st)) fail(path, "is not a regular file, expected a .safetensors file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, std::string("cannot open: ") + std::strerror(errno));
  std::string file;
  try {
    file.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } catch (const std::exception& e) {
    fail(path, std::string("cannot read: ") + e.what());
  }
  if (in.bad()) fail(path, "cannot read: input/output error");
  return parse_safetensors(file, path);
}

}  // namespace hqc::nn
