// test_json_read.cpp — apps/json_read.cpp reads back what cli::Json::dump writes, and refuses broken text.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "apps/cli.hpp"
#include "apps/json_read.hpp"

using namespace hqc;
using namespace hqc::app;

TEST_CASE("parse_json reads back Json::dump: objects in order, arrays, numbers to the last bit, strings with escapes") {
  cli::Json j = cli::Json::object();
  const double third = 1.0 / 3.0, tiny = 4.9e-324, big = 1.7976931348623157e308;
  j.set("name", "hybrid, Linear(16,4) \"quoted\" \\ tab\t line\n").set("seed", 3).set("third", third);
  j.set("tiny", tiny).set("big", big).set("neg", -2.5e-7).set("yes", true).set("no", false).set("none", nullptr);
  cli::Json a = cli::Json::array();
  a.push(1).push(cli::Json::object().set("k", "v")).push(cli::Json::array());
  j.set("list", a);
  const JsonValue v = parse_json(j.dump());
  REQUIRE(v.kind == JsonValue::Kind::object);
  CHECK(v.object.front().key == "name");
  CHECK(v.str("name") == "hybrid, Linear(16,4) \"quoted\" \\ tab\t line\n");
  CHECK(v.num("seed") == 3);
  CHECK(v.num("third") == third);  // bit for bit: the shortest round-trip text
  CHECK(v.num("tiny") == tiny);
  CHECK(v.num("big") == big);
  CHECK(v.num("neg") == -2.5e-7);
  CHECK(v.flag("yes"));
  CHECK_FALSE(v.flag("no"));
  CHECK(v.at("none").kind == JsonValue::Kind::null);
  const JsonValue& l = v.at("list");
  REQUIRE(l.array.size() == 3u);
  CHECK(l.array[1].str("k") == "v");
  CHECK(l.array[2].array.empty());
  CHECK(v.find("absent") == nullptr);
  CHECK(parse_json("\"\\u00e9\\u4e2d\"").string == "\xc3\xa9\xe4\xb8\xad");  // UTF-8 of U+00E9, U+4E2D
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
    CHECK(std::string(e.what()).find("expected a value at byte 6") != std::string::npos);
  }
  const JsonValue v = parse_json("{\"n\": \"7\", \"s\": 7}");
  CHECK_THROWS_WITH_AS(v.num("n"), "\"n\": expected a number", std::runtime_error);
  CHECK_THROWS_WITH_AS(v.str("s"), "\"s\": expected a string", std::runtime_error);
  CHECK_THROWS_WITH_AS(v.at("x"), "expected the key \"x\"", std::runtime_error);
  std::string deep(300, '[');
  CHECK_THROWS_AS(parse_json(deep), std::runtime_error);
}
