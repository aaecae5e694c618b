// test_json.cpp — nn/json.cpp: RFC 8259 documents written by hand read as they should, and each kind of
// broken or non-strict text is refused with the byte where it stops being JSON.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "nn/json.hpp"

using namespace hqc::nn;

namespace {
// The refusal of `text`: its offset and message (FAIL when it parses).
JsonError refusal(const std::string& text) {
  try {
    parse_json(text);
  } catch (const JsonError& e) {
    return e;
  }
  FAIL("no error for: " << text);
  return JsonError(0, "");
}
}  // namespace

TEST_CASE("parse_json reads hand-written documents: kinds, numbers as written, escapes, surrogate pairs") {
  const JsonValue v = parse_json(" {\"a\": [1, -0.5, 2E+3, 1e-400, 18446744073709551615], \"b\": {\"c\": null},"
                                 " \"t\": true, \"f\": false, \"s\": \"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\ud83d\\ude00\"} \n");
  REQUIRE(v.kind == JsonValue::Kind::object);
  REQUIRE(v.object.size() == 5u);
  CHECK(v.object[0].key == "a");
  const JsonValue& a = v.at("a");
  REQUIRE(a.array.size() == 5u);
  CHECK(a.array[0].number == 1);
  CHECK(a.array[1].number == -0.5);
  CHECK(a.array[2].number == 2000);
  CHECK(a.array[3].number == 0);  // below the smallest double: zero, not an error
  CHECK(a.array[4].number_text == "18446744073709551615");  // exact as written, beyond 2^53
  CHECK(a.array[2].number_text == "2E+3");
  CHECK(v.at("b").at("c").kind == JsonValue::Kind::null);
  CHECK(v.flag("t"));
  CHECK_FALSE(v.flag("f"));
  CHECK(v.str("s") == "\"\\/\b\f\n\r\tA\xF0\x9F\x98\x80");  // U+1F600 from its surrogate pair
  CHECK(parse_json("\"\\u00e9\\u4e2d\"").string == "\xc3\xa9\xe4\xb8\xad");
  CHECK(parse_json("[]").array.empty());
  CHECK(parse_json("{}").object.empty());
  CHECK(parse_json("0").number == 0);
  CHECK(std::string(json_kind_name(JsonValue::Kind::array)) == "an array");
}

TEST_CASE("parse_json refuses broken documents with the byte offset, and wrong kinds name the key") {
  for (const char* bad : {"", "{", "{\"a\" 1}", "{\"a\": 1,}", "[1 2]", "\"open", "tru", "{\"a\": 1} x", "[\"\\q\"]", "-"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_json(bad), std::runtime_error);
  }
  try {
    parse_json("[1, 2,, 3]");  // the second comma, byte 6
    FAIL("no error");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("at byte 6: unexpected ','") != std::string::npos);
  }
  const JsonValue v = parse_json("{\"n\": \"7\", \"s\": 7}");
  CHECK_THROWS_WITH_AS(v.num("n"), "\"n\": expected a number", std::runtime_error);
  CHECK_THROWS_WITH_AS(v.str("s"), "\"s\": expected a string", std::runtime_error);
  CHECK_THROWS_WITH_AS(v.at("x"), "expected the key \"x\"", std::runtime_error);
  std::string deep(300, '[');
  CHECK_THROWS_AS(parse_json(deep), std::runtime_error);
}

TEST_CASE("parse_json is strict: what RFC 8259 does not allow is refused where it starts") {
  struct Case {
    const char* text;
    std::size_t at;
    const char* says;
  };
  const Case cases[] = {
      {"{\"a\": 1, \"a\": 2}", 12, "\"a\" appears twice"},  // just after the second name
      {"[01]", 1, "leading zero"},
      {"[+1]", 1, "where a value should start"},
      {"[.5]", 1, "where a value should start"},
      {"[1.]", 3, "after its decimal point"},
      {"[1e]", 3, "in its exponent"},
      {"[-]", 2, "without digits"},
      {"[1e999]", 1, "beyond the range of a double"},
      {"\"\\u12G4\"", 5, "not a hex digit"},
      {"\"\\u12\"", 3, "4 hex digits"},
      {"\"\\ud83d\\u0041\"", 7, "high surrogate not followed by a low one"},
      {"\"tab\there\"", 4, "control character"},
      {"\"\\x\"", 2, "unknown escape"},
      {"\"open", 5, "ends inside a string"},
      {"[1 2]", 3, "expected ',' or ']'"},
      {"{\"a\" 1}", 5, "expected ':'"},
      {"{\"a\": 1,}", 8, "member name"},
      {"{1: 2}", 1, "member name"},
      {"nul", 0, "where a value should start"},
      {"[1] [2]", 4, "after the JSON value"},
      {"", 0, "ends inside a value"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    const JsonError e = refusal(c.text);
    CHECK(e.offset == c.at);
    CHECK(e.message.find(c.says) != std::string::npos);
    CHECK(std::string(e.what()) == "at byte " + std::to_string(c.at) + ": " + e.message);
  }
  // Nesting: kMaxJsonDepth levels read, one more refused (not a stack overflow).
  CHECK_NOTHROW(parse_json(std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']')));
  CHECK(refusal(std::string(kMaxJsonDepth + 1, '[')).message.find("nested deeper") != std::string::npos);
}
