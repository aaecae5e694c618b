// json.cpp — a strict recursive-descent JSON reader (json.hpp).
#include "nn/json.hpp"

#include <charconv>
#include <cstdio>
#include <set>
#include <tuple>

namespace hqc::nn {

const JsonValue* JsonValue::find(const std::string& key) const {
  for (const auto& [k, v] : object)
    if (k == key) return &v;
  return nullptr;
}
const JsonValue& JsonValue::at(const std::string& key) const {
  const JsonValue* v = find(key);
  if (!v) throw std::runtime_error("expected the key \"" + key + "\"");
  return *v;
}
double JsonValue::num(const std::string& key) const {
  const JsonValue& v = at(key);
  if (v.kind != Kind::number) throw std::runtime_error("\"" + key + "\": expected a number");
  return v.number;
}
const std::string& JsonValue::str(const std::string& key) const {
  const JsonValue& v = at(key);
  if (v.kind != Kind::string) throw std::runtime_error("\"" + key + "\": expected a string");
  return v.string;
}
bool JsonValue::flag(const std::string& key) const {
  const JsonValue& v = at(key);
  if (v.kind != Kind::boolean) throw std::runtime_error("\"" + key + "\": expected true or false");
  return v.boolean;
}

const char* json_kind_name(JsonValue::Kind kind) {
  switch (kind) {
    case JsonValue::Kind::object: return "an object";
    case JsonValue::Kind::array: return "an array";
    case JsonValue::Kind::string: return "a string";
    case JsonValue::Kind::number: return "a number";
    case JsonValue::Kind::boolean: return "true or false";
    case JsonValue::Kind::null: return "null";
  }
  return "?";
}

namespace {

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  JsonValue document() {
    skip_ws();
    JsonValue v = value(0);
    skip_ws();
    if (pos_ != s_.size()) fail("unexpected '" + printable(s_[pos_]) + "' after the JSON value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const { throw JsonError(pos_, problem); }
  static std::string printable(char c) {
    if (c >= 0x20 && c < 0x7f) return std::string(1, c);
    char b[8];
    std::snprintf(b, sizeof b, "\\x%02x", static_cast<unsigned char>(c));
    return b;
  }
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  char peek() const {
    if (pos_ >= s_.size()) fail("the text ends inside a value");
    return s_[pos_];
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "', found '" + printable(s_[pos_]) + "'");
    ++pos_;
  }
  bool is_digit(std::size_t at) const { return at < s_.size() && s_[at] >= '0' && s_[at] <= '9'; }

  JsonValue value(int depth) {
    if (depth >= kMaxJsonDepth) fail("nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    JsonValue v;
    const char c = peek();
    if (c == '{') {
      v.kind = JsonValue::Kind::object;
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
        v.object.push_back({std::move(key), value(depth + 1)});
        skip_ws();
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        if (peek() != '}') fail("expected ',' or '}', found '" + printable(s_[pos_]) + "'");
        return ++pos_, v;
      }
    }
    if (c == '[') {
      v.kind = JsonValue::Kind::array;
      ++pos_;
      skip_ws();
      if (peek() == ']') return ++pos_, v;
      for (;;) {
        skip_ws();
        v.array.push_back(value(depth + 1));
        skip_ws();
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        if (peek() != ']') fail("expected ',' or ']', found '" + printable(s_[pos_]) + "'");
        return ++pos_, v;
      }
    }
    if (c == '"') {
      v.kind = JsonValue::Kind::string;
      v.string = string();
      return v;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    for (const auto& [word, kind, truth] : {std::tuple{"true", JsonValue::Kind::boolean, true},
                                            std::tuple{"false", JsonValue::Kind::boolean, false},
                                            std::tuple{"null", JsonValue::Kind::null, false}}) {
      const std::string_view w(word);
      if (s_.substr(pos_, w.size()) == w) {
        pos_ += w.size();
        v.kind = kind;
        v.boolean = truth;
        return v;
      }
    }
    fail("unexpected '" + printable(c) + "' where a value should start");
  }

  // -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
  JsonValue number() {
    const std::size_t begin = pos_;
    if (s_[pos_] == '-') ++pos_;
    auto digits = [&](const char* where) {
      if (!is_digit(pos_)) fail(std::string("a number without digits ") + where);
      while (is_digit(pos_)) ++pos_;
    };
    if (is_digit(pos_) && s_[pos_] == '0' && is_digit(pos_ + 1)) pos_ = begin, fail("a number with a leading zero");
    digits("before its point or exponent");
    if (pos_ < s_.size() && s_[pos_] == '.') ++pos_, digits("after its decimal point");
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      digits("in its exponent");
    }
    JsonValue v;
    v.kind = JsonValue::Kind::number;
    v.number_text = std::string(s_.substr(begin, pos_ - begin));
    const auto [end, ec] = std::from_chars(v.number_text.data(), v.number_text.data() + v.number_text.size(), v.number);
    if (ec == std::errc::result_out_of_range) {
      // Underflow to zero is a value; overflow is not a double.
      bool nonzero_digit = false;
      for (char d : v.number_text) {
        if (d == 'e' || d == 'E') break;
        nonzero_digit |= d >= '1' && d <= '9';
      }
      const std::size_t e = v.number_text.find_first_of("eE");
      if (nonzero_digit && (e == std::string::npos || v.number_text[e + 1] != '-'))
        pos_ = begin, fail("the number " + v.number_text + " is beyond the range of a double");
      v.number = v.number_text[0] == '-' ? -0.0 : 0.0;
    } else if (ec != std::errc() || end != v.number_text.data() + v.number_text.size()) {
      pos_ = begin, fail("the number " + v.number_text + " does not read as a double");
    }
    return v;
  }

  unsigned hex4() {
    if (s_.size() - pos_ < 4) fail("a \\u escape needs 4 hex digits");
    unsigned u = 0;
    for (int k = 0; k < 4; ++k) {
      const char h = s_[pos_];
      u <<= 4;
      if (h >= '0' && h <= '9') u |= unsigned(h - '0');
      else if (h >= 'a' && h <= 'f') u |= unsigned(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') u |= unsigned(h - 'A' + 10);
      else fail("'" + printable(h) + "' in a \\u escape is not a hex digit");
      ++pos_;
    }
    return u;
  }
  static void put_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += char(cp);
    } else if (cp < 0x800) {
      out += char(0xC0 | (cp >> 6)), out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += char(0xE0 | (cp >> 12)), out += char(0x80 | ((cp >> 6) & 0x3F)), out += char(0x80 | (cp & 0x3F));
    } else {
      out += char(0xF0 | (cp >> 18)), out += char(0x80 | ((cp >> 12) & 0x3F));
      out += char(0x80 | ((cp >> 6) & 0x3F)), out += char(0x80 | (cp & 0x3F));
    }
  }
  std::string string() {
    expect('"');
    std::string out;
    for (;;) {
      if (pos_ >= s_.size()) fail("the text ends inside a string");
      const char c = s_[pos_];
      if (c == '"') return ++pos_, out;
      if (static_cast<unsigned char>(c) < 0x20) fail("a control character inside a string");
      ++pos_;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) fail("the text ends inside an escape");
      const char e = s_[pos_];
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
          ++pos_;
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && s_.substr(pos_, 2) == "\\u") {
            pos_ += 2;
            const unsigned lo = hex4();
            if (lo < 0xDC00 || lo >= 0xE000) pos_ -= 6, fail("a high surrogate not followed by a low one");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          put_utf8(out, cp);
          continue;  // pos_ is past the escape already
        }
        default: fail("unknown escape '\\" + printable(e) + "'");
      }
      ++pos_;
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

JsonValue parse_json(std::string_view text) { return Parser(text).document(); }

}  // namespace hqc::nn
