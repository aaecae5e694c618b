// test_output_files.cpp — the files a run writes (metrics.csv, the PNG figures) go through
// nn::write_file_atomically: a link planted at their name is replaced and its target untouched; a
// write that fails (file size limit, as on a full disk) keeps the previous file whole, leaves no
// temporary or partial file, and names the file and the cause.
#include <doctest/doctest.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "apps/metrics.hpp"
#include "apps/plot.hpp"
#include "write_checks.hpp"

using namespace hqc::app;
using namespace hqc::test;  // write_checks.hpp
namespace fs = std::filesystem;

namespace {
std::vector<EpochRecord> epochs(int n) {
  std::vector<EpochRecord> e;
  for (int i = 1; i <= n; ++i) e.push_back({i, 1.0 / i, 0.5, 0.75, 0.625, 0.001, 1.0});
  return e;
}
}  // namespace

TEST_CASE("metrics.csv replaces a link planted at its name and leaves the link's target untouched") {
  ScratchDir dir("metrics_link");
  write_plain(dir / "victim", "precious");
  fs::create_symlink(dir / "victim", dir / "metrics.csv");
  write_metrics_csv(dir / "metrics.csv", epochs(2));
  CHECK(read_file(dir / "victim") == "precious");
  CHECK_FALSE(fs::is_symlink(dir / "metrics.csv"));
  CHECK(read_file(dir / "metrics.csv") == metrics_csv(epochs(2)));
}

TEST_CASE("a metrics.csv rewrite that fails keeps the previous table whole and names the file and cause") {
  ScratchDir dir("metrics_fail");
  write_metrics_csv(dir / "metrics.csv", epochs(3));
  const std::string before = read_file(dir / "metrics.csv");
  const auto many = epochs(2000);  // ~70 KB, past the child's limit
  const auto r = run_in_child([&] { write_metrics_csv(dir / "metrics.csv", many); }, 16 * 1024);
  CHECK(r.threw);
  CHECK(r.message.find((dir / "metrics.csv").string()) != std::string::npos);
  CHECK(r.message.find(std::strerror(EFBIG)) != std::string::npos);
  CHECK(read_file(dir / "metrics.csv") == before);
  CHECK(folder_entries(dir.path()) == std::vector<std::string>{"metrics.csv"});
}

TEST_CASE("save_png replaces a link planted at its name and leaves the link's target untouched") {
  ScratchDir dir("png_link");
  write_plain(dir / "victim", "precious");
  fs::create_symlink(dir / "victim", dir / "curves.png");
  const Canvas cv(16, 8, colors::orange);
  save_png(cv, dir / "curves.png");
  CHECK(read_file(dir / "victim") == "precious");
  CHECK_FALSE(fs::is_symlink(dir / "curves.png"));
  CHECK(read_file(dir / "curves.png") == encode_png(cv));
  CHECK(encode_png(cv).compare(1, 3, "PNG") == 0);
}

TEST_CASE("a PNG write that fails leaves no partial file and names the file and cause") {
  ScratchDir dir("png_fail");
  Canvas cv(300, 200, colors::white);
  for (int y = 0; y < 200; ++y)  // noise-like content, so the PNG does not compress below the limit
    for (int x = 0; x < 300; ++x) cv.set(x, y, Rgb{uint8_t(x * 7 + y * 13), uint8_t(x * y), uint8_t(x ^ y)});
  REQUIRE(encode_png(cv).size() > 16 * 1024);
  const auto r = run_in_child([&] { save_png(cv, dir / "curves.png"); }, 8 * 1024);
  CHECK(r.threw);
  CHECK(r.message.find((dir / "curves.png").string()) != std::string::npos);
  CHECK(r.message.find(std::strerror(EFBIG)) != std::string::npos);
  CHECK(folder_entries(dir.path()).empty());
}
