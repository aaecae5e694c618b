// json_read.hpp — reads back the JSON documents hqc writes (summary.json), for `hqc study-report`.
// RFC 8259 values; numbers as doubles; strings with the escapes Json::dump writes and \uXXXX.
#pragma once

#include <string>
#include <vector>

namespace hqc::app {

struct JsonMember;

struct JsonValue {
  enum class Kind { null, boolean, number, string, array, object } kind = Kind::null;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<JsonValue> array;
  // In the document's order. A struct of its own, not std::pair: a pair needs JsonValue complete
  // where JsonValue's own members are defined (clang with libstdc++ refuses it).
  std::vector<JsonMember> object;

  // The member `key` of an object, or nullptr (also for a value that is not an object).
  const JsonValue* find(const std::string& key) const;
  // The member `key`, which must be a number (or a string, bool): std::runtime_error naming the key otherwise.
  double num(const std::string& key) const;
  const std::string& str(const std::string& key) const;
  bool flag(const std::string& key) const;
  const JsonValue& at(const std::string& key) const;  // any kind; throws when absent
};

struct JsonMember {
  std::string key;
  JsonValue value;
};

// Parses a whole document; throws std::runtime_error with the byte offset of the first error.
JsonValue parse_json(const std::string& text);

}  // namespace hqc::app
