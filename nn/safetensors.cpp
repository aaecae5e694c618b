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

namespace hqc::nn {

namespace {

// ---- JSON: just enough of RFC 8259 for a header (values kept as text where the header needs numbers) ----

struct JValue {
  enum class Kind { object, array, string, number, literal } kind = Kind::literal;
  std::string text;  // string (unescaped), number (as written) or literal (true, false, null)
  // An object's member names and values (parallel: a pair holding the incomplete JValue is not allowed).
  std::vector<std::string> keys;
  std::vector<JValue> items;  // an array's items, an object's values
};

const char* kind_name(JValue::Kind k) {
  switch (k) {
    case JValue::Kind::object: return "an object";
    case JValue::Kind::array: return "an array";
    case JValue::Kind::string: return "a string";
    case JValue::Kind::number: return "a number";
    case JValue::Kind::literal: return "a literal";
  }
  return "?";
}

class JsonParser {
 public:
  JsonParser(std::string_view s, const std::string& what) : s_(s), what_(what) {}

  JValue parse_document() {
    skip_ws();
    JValue v = value(0);
    skip_ws();
    if (pos_ != s_.size()) fail("unexpected '" + printable(s_[pos_]) + "' after the header's JSON object");
    return v;
  }

 private:
  // A header is two levels deep; anything much deeper is not one, and must not exhaust the stack.
  static constexpr int kMaxDepth = 32;

  [[noreturn]] void fail(const std::string& msg) const {
    throw SafetensorsError(what_ + ": bad JSON in the header at byte " + std::to_string(pos_) + ": " + msg);
  }
  static std::string printable(char c) {
    if (c >= 0x20 && c < 0x7f) return std::string(1, c);
    char b[8];
    std::snprintf(b, sizeof b, "\\x%02x", static_cast<unsigned char>(c));
    return b;
  }
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  char peek() {
    if (pos_ >= s_.size()) fail("the header ends inside a value");
    return s_[pos_];
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "', found '" + printable(s_[pos_]) + "'");
    ++pos_;
  }

  JValue value(int depth) {
    if (depth > kMaxDepth) fail("nested deeper than " + std::to_string(kMaxDepth) + " levels");
    JValue v;
    const char c = peek();
    if (c == '{') {
      v.kind = JValue::Kind::object;
      ++pos_;
      skip_ws();
      if (peek() == '}') return ++pos_, v;
      std::set<std::string> seen;
      for (;;) {
        skip_ws();
        if (peek() != '"') fail("expected a member name in quotes, found '" + printable(s_[pos_]) + "'");
        std::string key = string();
        if (!seen.insert(key).second) fail("the name \"" + key + "\" appears twice");
        skip_ws();
        expect(':');
        skip_ws();
        v.keys.push_back(std::move(key));
        v.items.push_back(value(depth + 1));
        skip_ws();
        if (peek() == ',') { ++pos_; continue; }
        expect('}');
        return v;
      }
    }
    if (c == '[') {
      v.kind = JValue::Kind::array;
      ++pos_;
      skip_ws();
      if (peek() == ']') return ++pos_, v;
      for (;;) {
        skip_ws();
        v.items.push_back(value(depth + 1));
        skip_ws();
        if (peek() == ',') { ++pos_; continue; }
        expect(']');
        return v;
      }
    }
    if (c == '"') {
      v.kind = JValue::Kind::string;
      v.text = string();
      return v;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      v.kind = JValue::Kind::number;
      const std::size_t b = pos_;
      if (s_[pos_] == '-') ++pos_;
      auto digits = [&] {
        const std::size_t d = pos_;
        while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
        if (pos_ == d) fail("a number without digits");
      };
      digits();
      if (pos_ < s_.size() && s_[pos_] == '.') ++pos_, digits();
      if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
        ++pos_;
        if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
        digits();
      }
      v.text = std::string(s_.substr(b, pos_ - b));
      return v;
    }
    for (const char* lit : {"true", "false", "null"}) {
      const std::size_t n = std::strlen(lit);
      if (s_.substr(pos_, n) == lit) {
        pos_ += n;
        v.text = lit;
        return v;
      }
    }
    fail("unexpected '" + printable(c) + "' where a value should start");
  }

  unsigned hex4() {
    if (s_.size() - pos_ < 4) fail("a \\u escape needs 4 hex digits");
    unsigned u = 0;
    for (int k = 0; k < 4; ++k) {
      const char h = s_[pos_++];
      u <<= 4;
      if (h >= '0' && h <= '9') u |= unsigned(h - '0');
      else if (h >= 'a' && h <= 'f') u |= unsigned(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') u |= unsigned(h - 'A' + 10);
      else fail("'" + printable(h) + "' in a \\u escape is not a hex digit");
    }
    return u;
  }
  static void put_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) out += char(cp);
    else if (cp < 0x800) out += char(0xC0 | (cp >> 6)), out += char(0x80 | (cp & 0x3F));
    else if (cp < 0x10000) out += char(0xE0 | (cp >> 12)), out += char(0x80 | ((cp >> 6) & 0x3F)), out += char(0x80 | (cp & 0x3F));
    else
      out += char(0xF0 | (cp >> 18)), out += char(0x80 | ((cp >> 12) & 0x3F)), out += char(0x80 | ((cp >> 6) & 0x3F)),
          out += char(0x80 | (cp & 0x3F));
  }
  std::string string() {
    expect('"');
    std::string out;
    for (;;) {
      const char c = peek();
      ++pos_;
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) --pos_, fail("a control character inside a string");
      if (c != '\\') { out += c; continue; }
      const char e = peek();
      ++pos_;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && s_.substr(pos_, 2) == "\\u") {
            pos_ += 2;
            const unsigned lo = hex4();
            if (lo < 0xDC00 || lo >= 0xE000) fail("a high surrogate not followed by a low one");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          put_utf8(out, cp);
          break;
        }
        default: --pos_, fail("unknown escape '\\" + printable(e) + "'");
      }
    }
  }

  std::string_view s_;
  const std::string& what_;
  std::size_t pos_ = 0;
};

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
bool to_count(const JValue& v, uint64_t& out) {
  if (v.kind != JValue::Kind::number || v.text.empty() || v.text.size() > 19) return false;
  uint64_t x = 0;
  for (const char c : v.text) {
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
  const JValue root = JsonParser(bytes.substr(8, n), what).parse_document();
  if (root.kind != JValue::Kind::object) fail(what, "the header is not a JSON object");
  const uint64_t data_size = bytes.size() - 8 - n;

  Safetensors out;
  std::vector<Raw> raws;
  for (std::size_t m = 0; m < root.keys.size(); ++m) {
    const std::string& name = root.keys[m];
    const JValue& v = root.items[m];
    const std::string tensor = "tensor '" + name + "'";
    if (name == "__metadata__") {
      if (v.kind != JValue::Kind::object) fail(what, "__metadata__ is " + std::string(kind_name(v.kind)) + ", expected an object of strings");
      for (std::size_t i = 0; i < v.keys.size(); ++i) {
        const std::string& k = v.keys[i];
        const JValue& s = v.items[i];
        if (s.kind != JValue::Kind::string)
          fail(what, "__metadata__ \"" + k + "\" is " + kind_name(s.kind) + ", expected a string");
        out.metadata.emplace_back(k, s.text);
      }
      continue;
    }
    if (v.kind != JValue::Kind::object)
      fail(what, tensor + " is " + std::string(kind_name(v.kind)) + ", expected an object with dtype, shape and data_offsets");
    const JValue *dtype = nullptr, *shape = nullptr, *offsets = nullptr;
    for (std::size_t i = 0; i < v.keys.size(); ++i) {
      const std::string& k = v.keys[i];
      const JValue& f = v.items[i];
      if (k == "dtype") dtype = &f;
      else if (k == "shape") shape = &f;
      else if (k == "data_offsets") offsets = &f;
      else fail(what, tensor + " has an unknown field \"" + k + "\" (expected dtype, shape, data_offsets)");
    }
    if (!dtype || !shape || !offsets) fail(what, tensor + " lacks " + (!dtype ? "dtype" : !shape ? "shape" : "data_offsets"));
    Raw r;
    r.name = name;
    if (dtype->kind != JValue::Kind::string) fail(what, tensor + ": dtype is " + kind_name(dtype->kind) + ", expected a string");
    r.dtype = dtype->text;
    for (const DtypeInfo& d : kDtypes)
      if (r.dtype == d.name) r.elem = d.size;
    if (r.elem == 0)
      fail(what, tensor + ": unknown dtype \"" + r.dtype + "\" (safetensors has BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, "
                 "F32, F64, I64, U64, F8_E4M3, F8_E5M2)");
    if (shape->kind != JValue::Kind::array) fail(what, tensor + ": shape is " + kind_name(shape->kind) + ", expected an array");
    uint64_t numel = 1;
    bool overflow = false;
    for (const JValue& d : shape->items) {
      uint64_t x = 0;
      if (!to_count(d, x)) fail(what, tensor + ": shape holds '" + (d.kind == JValue::Kind::number ? d.text : kind_name(d.kind)) +
                                         "', expected non-negative integers");
      r.shape.push_back(static_cast<int64_t>(x));
      overflow = overflow || __builtin_mul_overflow(numel, x, &numel) || numel > uint64_t(INT64_MAX);
    }
    if (shape->items.size() > 8) fail(what, tensor + ": " + std::to_string(shape->items.size()) + " dimensions (at most 8)");
    if (offsets->kind != JValue::Kind::array || offsets->items.size() != 2 || !to_count(offsets->items[0], r.begin) ||
        !to_count(offsets->items[1], r.end))
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
