// test_json_dump.cpp — what cli::Json::dump writes, nn::parse_json reads back: objects in order, every
// double to its last bit, strings with every escape dump writes.
#include <doctest/doctest.h>

#include "apps/cli.hpp"
#include "nn/json.hpp"

using namespace hqc;
using namespace hqc::nn;

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
