// json.hpp — the one JSON reader of the project: strict RFC 8259, for the files hqc reads back
// (safetensors headers, the summary.json files of its runs, checkpoint configurations).
//
// Strict: one value and nothing after it but whitespace; numbers in the RFC's grammar (no leading
// zeros, no '+', no bare '.'); strings without raw control characters, with the RFC's escapes only and
// four hex digits after \u (a surrogate pair becomes one code point); member names unique within an
// object; at most kMaxJsonDepth levels of nesting (deeper text is refused, not a stack overflow).
// Every refusal is a JsonError holding the byte offset where the text stops being JSON.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hqc::nn {

inline constexpr int kMaxJsonDepth = 64;

struct JsonMember;

struct JsonValue {
  enum class Kind { null, boolean, number, string, array, object } kind = Kind::null;
  bool boolean = false;
  double number = 0;         // a number's value, the double nearest to its text
  std::string number_text;   // a number as written: exact integers beyond 2^53 (safetensors offsets)
  std::string string;        // a string's text, escapes decoded to UTF-8
  std::vector<JsonValue> array;
  // In the document's order. A struct of its own, not std::pair: a pair needs JsonValue complete
  // where JsonValue's own members are defined (clang with libstdc++ refuses it).
  std::vector<JsonMember> object;

  // The member `key` of an object, or nullptr (also for a value that is not an object).
  const JsonValue* find(const std::string& key) const;
  // The member `key`, of the kind named: std::runtime_error naming the key otherwise.
  const JsonValue& at(const std::string& key) const;  // any kind; throws when absent
  double num(const std::string& key) const;
  const std::string& str(const std::string& key) const;
  bool flag(const std::string& key) const;
};

struct JsonMember {
  std::string key;
  JsonValue value;
};

// "an object", "an array", "a string", "a number", "true or false", "null": for messages.
const char* json_kind_name(JsonValue::Kind kind);

struct JsonError : std::runtime_error {
  JsonError(std::size_t at, const std::string& problem)
      : std::runtime_error("at byte " + std::to_string(at) + ": " + problem), offset(at), message(problem) {}
  std::size_t offset;   // where the text stops being JSON
  std::string message;  // what is wrong there, without the offset
};

// Parses a whole document; throws JsonError.
JsonValue parse_json(std::string_view text);

}  // namespace hqc::nn
