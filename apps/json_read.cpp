// json_read.cpp — a recursive-descent JSON reader (json_read.hpp).
#include "apps/json_read.hpp"

#include <cstdlib>
#include <stdexcept>

namespace hqc::app {

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

namespace {
struct Reader {
  const std::string& s;
  std::size_t i = 0;
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("JSON: " + what + " at byte " + std::to_string(i));
  }
  void space() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) ++i;
  }
  bool word(const char* w) {
    std::size_t n = 0;
    while (w[n]) ++n;
    if (s.compare(i, n, w) != 0) return false;
    i += n;
    return true;
  }
  static void utf8(std::string& out, unsigned c) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6)), out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xE0 | (c >> 12)), out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  std::string text() {
    ++i;  // the opening quote
    std::string out;
    while (true) {
      if (i >= s.size()) fail("unterminated string");
      const char c = s[i++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i >= s.size()) fail("unterminated escape");
      const char e = s[i++];
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
          if (i + 4 > s.size()) fail("short \\u escape");
          utf8(out, static_cast<unsigned>(std::strtoul(s.substr(i, 4).c_str(), nullptr, 16)));
          i += 4;
          break;
        }
        default: fail("unknown escape");
      }
    }
  }
  JsonValue value(int depth) {
    if (depth > 200) fail("nesting too deep");
    space();
    if (i >= s.size()) fail("expected a value");
    JsonValue v;
    const char c = s[i];
    if (c == '{') {
      v.kind = JsonValue::Kind::object;
      ++i;
      space();
      if (i < s.size() && s[i] == '}') return ++i, v;
      while (true) {
        space();
        if (i >= s.size() || s[i] != '"') fail("expected a key");
        std::string k = text();
        space();
        if (i >= s.size() || s[i] != ':') fail("expected ':'");
        ++i;
        v.object.push_back({std::move(k), value(depth + 1)});
        space();
        if (i < s.size() && s[i] == ',') {
          ++i;
          continue;
        }
        if (i < s.size() && s[i] == '}') return ++i, v;
        fail("expected ',' or '}'");
      }
    }
    if (c == '[') {
      v.kind = JsonValue::Kind::array;
      ++i;
      space();
      if (i < s.size() && s[i] == ']') return ++i, v;
      while (true) {
        v.array.push_back(value(depth + 1));
        space();
        if (i < s.size() && s[i] == ',') {
          ++i;
          continue;
        }
        if (i < s.size() && s[i] == ']') return ++i, v;
        fail("expected ',' or ']'");
      }
    }
    if (c == '"') {
      v.kind = JsonValue::Kind::string;
      v.string = text();
      return v;
    }
    if (word("true")) return v.kind = JsonValue::Kind::boolean, v.boolean = true, v;
    if (word("false")) return v.kind = JsonValue::Kind::boolean, v;
    if (word("null")) return v;
    const char* begin = s.c_str() + i;
    char* end = nullptr;
    v.number = std::strtod(begin, &end);
    if (end == begin) fail("expected a value");
    v.kind = JsonValue::Kind::number;
    i += static_cast<std::size_t>(end - begin);
    return v;
  }
};
}  // namespace

JsonValue parse_json(const std::string& text) {
  Reader r{text};
  JsonValue v = r.value(0);
  r.space();
  if (r.i != text.size()) r.fail("text after the document");
  return v;
}

}  // namespace hqc::app
