// The reader of the PyTorch reference fixtures (tests/fixtures.hpp) against files written here: a
// fixture that does not hold what its shape says must stop the test that reads it, naming the file
// and line, rather than feed it shifted, partial or overwritten numbers.
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "fixtures.hpp"
#include "helpers.hpp"

using namespace hqc;
using hqc::test::Fixtures;

namespace {
// Writes `text` to a fresh file in the temporary folder and returns its path.
std::string write_temp(const std::string& tag, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("hqc-fixtures-" + std::to_string(::getpid()) + "-" + tag + ".txt");
  std::ofstream(path) << text;
  return path.string();
}

void check_refused(const std::string& tag, const std::string& text, const std::string& why) {
  CAPTURE(tag);
  const std::string path = write_temp(tag, text);
  CHECK_THROWS_WITH_AS(Fixtures::from_path(path), doctest::Contains((path + ":2: " + why).c_str()), std::runtime_error);
  std::filesystem::remove(path);
}
}  // namespace

TEST_CASE("the fixture reader reads names in file order, shapes, scalars, nan and inf exactly") {
  const std::string path = write_temp("good", "# comment\nb 2 2 1 0.1 -2.5e-300\ns 0 3\na 1 3 nan inf -inf\n");
  const Fixtures f = Fixtures::from_path(path);
  std::filesystem::remove(path);
  CHECK(f.names() == std::vector<std::string>{"b", "s", "a"});
  CHECK(f["b"].sizes() == Shape{2, 1});
  CHECK(f["b"].values<double>() == std::vector<double>{0.1, -2.5e-300});
  CHECK(f.scalar("s") == 3.0);
  const auto a = f["a"].values<double>();
  CHECK(std::isnan(a[0]));
  CHECK(a[1] == INFINITY);
  CHECK(a[2] == -INFINITY);
  CHECK_THROWS_WITH_AS(f["c"], doctest::Contains(("no entry 'c' in " + path).c_str()), std::runtime_error);
}

TEST_CASE("the fixture reader refuses short, long, duplicate and non-numeric entries, naming file and line") {
  check_refused("short", "#\nx 2 2 2 1 2 3\n", "'x' has 3 values, its shape needs 4");
  check_refused("long", "#\nx 1 2 1 2 3\n", "'x' has more values than its shape (2,) holds");
  check_refused("twice", "x 1 1 1\nx 1 1 2\n", "'x' appears twice");
  check_refused("word", "#\nx 1 2 1 one\n", "'x' has the value 'one', not a number");
  check_refused("glued", "#\nx 1 2 1 2x\n", "'x' has the value '2x', not a number");
  check_refused("no-dims", "#\nx two 1\n", "expected the number of dimensions of 'x'");
  check_refused("negative", "#\nx 1 -1\n", "'x' has a negative size");
}

TEST_CASE("the fixture reader names the missing file and the script that writes it") {
  CHECK_THROWS_WITH_AS(Fixtures("no/such/file.txt"), doctest::Contains("no/such/file.txt (regenerate with the script"),
                       std::runtime_error);
}
