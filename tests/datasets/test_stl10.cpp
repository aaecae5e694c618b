// test_stl10.cpp — STL-10's column-major planes must come back as upright images.
#include <chrono>

#include "datasets/loader.hpp"
#include "datasets/stl10.hpp"
#include "ds_helpers.hpp"

using namespace hqc;
using namespace hqc::data;
using namespace hqc::test;

namespace {
// The value of pixel (row y, col x, channel c) of image n in the test images: the top row is bright
// (255) and the rest distinct and asymmetric, so a transposed read cannot pass.
uint8_t value(int64_t n, int64_t c, int64_t y, int64_t x) {
  if (y == 0) return 255;
  return static_cast<uint8_t>((n * 17 + c * 60 + y * 2 + x * 1) % 250);
}

// Writes images in STL-10's on-disk layout: byte n*27648 + c*9216 + x*96 + y (docs/formats.md).
Bytes stl_images(int64_t count) {
  Bytes out(static_cast<std::size_t>(count * kStl10ImageBytes));
  for (int64_t n = 0; n < count; ++n)
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t y = 0; y < 96; ++y)
        for (int64_t x = 0; x < 96; ++x) out[n * 27648 + c * 9216 + x * 96 + y] = value(n, c, y, x);
  return out;
}

void check_upright(const Tensor& img, int64_t n) {  // (3, 96, 96)
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t x = 0; x < 96; x += 5) CHECK(img.at({c, 0, x}) == 255);  // bright top row
  CHECK(img.at({0, 5, 0}) != 255);                                        // not a bright left column
  CHECK(img.at({1, 3, 70}) == value(n, 1, 3, 70));
  CHECK(img.at({2, 70, 3}) == value(n, 2, 70, 3));
  CHECK(img.at({0, 95, 94}) == value(n, 0, 95, 94));
}
}  // namespace

TEST_CASE("stl10 image with a bright top row comes back with a bright top row") {
  Tensor t = parse_stl10_images(stl_images(2), "train_X.bin");
  REQUIRE(t.sizes() == Shape{2, 3, 96, 96});
  check_upright(t[0], 0);
  check_upright(t[1], 1);
}

TEST_CASE("stl10 train and test splits read images and labels 1..10 as 0..9") {
  TempDir dir;
  write_file(dir / "stl10_binary" / "train_X.bin", stl_images(3));
  write_file(dir / "stl10_binary" / "train_y.bin", {1, 10, 4});
  Dataset ds = load_stl10(dir / "stl10_binary", "train");
  CHECK(ds.size() == 3);
  CHECK(ds.labels().values<int64_t>() == std::vector<int64_t>{0, 9, 3});
  CHECK(ds.classes()[9] == "truck");
  check_upright(ds.image(2), 2);
}

TEST_CASE("stl10 unlabeled split is read on demand, not loaded, and still upright") {
  TempDir dir;
  write_file(dir / "unlabeled_X.bin", stl_images(4));
  Dataset ds = load_stl10(dir.path(), "unlabeled");
  CHECK_FALSE(ds.in_memory());
  CHECK_FALSE(ds.has_labels());
  CHECK(ds.size() == 4);
  CHECK(ds.label(3) == -1);
  check_upright(ds.image(3), 3);
  check_upright(ds.head(2).image(1), 1);
  CHECK_DATA_ERROR([&] { ds.image(4); }, "index 4", "4 images");
}

TEST_CASE("stl10 readers refuse partial images, bad labels, count mismatch and empty files") {
  Bytes img = stl_images(1);
  img.pop_back();
  CHECK_DATA_ERROR([&] { parse_stl10_images(img, "x.bin"); }, "x.bin", "not a whole number", "27648");
  CHECK_DATA_ERROR([&] { parse_stl10_images(Bytes{}, "x.bin"); }, "x.bin", "empty");
  CHECK_DATA_ERROR([&] { parse_stl10_labels(Bytes{1, 0}, "y.bin"); }, "y.bin", "label 0", "image 1", "1..10");
  CHECK_DATA_ERROR([&] { parse_stl10_labels(Bytes{11}, "y.bin"); }, "label 11");
  TempDir dir;
  write_file(dir / "test_X.bin", stl_images(2));
  write_file(dir / "test_y.bin", {1, 2, 3});
  CHECK_DATA_ERROR([&] { load_stl10(dir.path(), "test"); }, "test_X.bin", "2 images", "3 labels");
  CHECK_DATA_ERROR([&] { load_stl10(dir.path(), "unlabeled"); }, "unlabeled_X.bin", "no such file");
  write_file(dir / "unlabeled_X.bin", Bytes(27649, 0));
  CHECK_DATA_ERROR([&] { load_stl10(dir.path(), "unlabeled"); }, "unlabeled_X.bin", "1 bytes left over");
}

TEST_CASE("stl10 unlabeled file that shrinks or changes while in use is an error naming it, not a crash") {
  TempDir dir;
  const auto x = dir / "unlabeled_X.bin";
  write_file(x, stl_images(4));
  Dataset ds = load_stl10(dir.path(), "unlabeled");
  check_upright(ds.image(3), 3);
  std::filesystem::resize_file(x, 2 * kStl10ImageBytes);  // a download restarted, a disk full
  CHECK_DATA_ERROR([&] { ds.image(3); }, x.string(), "changed while in use", "110592 bytes when opened, now 55296");
  CHECK_DATA_ERROR([&] { ds.image(0); }, x.string(), "changed while in use");  // its bytes are still there
  Loader loader(ds, {}, Pipeline(), {.batch_size = 2});  // the prefetch thread reports it as well
  loader.start_epoch(0);
  Batch b;
  CHECK_DATA_ERROR([&] { loader.next(b); }, x.string(), "changed while in use");

  write_file(x, stl_images(4));  // the same size again, but rewritten: not the file that was opened
  Dataset again = load_stl10(dir.path(), "unlabeled");
  std::filesystem::last_write_time(x, std::filesystem::last_write_time(x) + std::chrono::seconds(1));
  CHECK_DATA_ERROR([&] { again.image(1); }, x.string(), "changed while in use", "modified");
}

TEST_CASE("stl10 splits with other than the official image count load with a warning naming the file") {
  std::vector<std::string> warnings;
  const WarningHandler previous = set_warning_handler([&](const std::string& m) { warnings.push_back(m); });
  TempDir dir;
  write_file(dir / "train_X.bin", stl_images(3));
  write_file(dir / "train_y.bin", {1, 10, 4});
  write_file(dir / "test_X.bin", stl_images(1));
  write_file(dir / "test_y.bin", {2});
  write_file(dir / "unlabeled_X.bin", stl_images(2));
  CHECK(load_stl10(dir.path(), "train").size() == 3);
  CHECK(load_stl10(dir.path(), "test").size() == 1);
  CHECK(load_stl10(dir.path(), "unlabeled").size() == 2);
  set_warning_handler(previous);
  REQUIRE(warnings.size() == 3);
  CHECK_MESSAGE((contains(warnings[0], (dir / "train_X.bin").string()) && contains(warnings[0], "holds 3 records") &&
                    contains(warnings[0], "holds 5000")), warnings[0]);
  CHECK_MESSAGE((contains(warnings[1], "test_X.bin") && contains(warnings[1], "holds 8000")), warnings[1]);
  CHECK_MESSAGE((contains(warnings[2], "unlabeled_X.bin") && contains(warnings[2], "holds 2 records") &&
                    contains(warnings[2], "holds 100000")), warnings[2]);
}

TEST_CASE("stl10 files of 0 images are refused by the loader, naming the file") {
  TempDir dir;
  write_file(dir / "test_X.bin", {});
  write_file(dir / "test_y.bin", {});
  CHECK_DATA_ERROR([&] { load_stl10(dir.path(), "test"); }, (dir / "test_X.bin").string(), "empty");
  write_file(dir / "unlabeled_X.bin", {});
  CHECK_DATA_ERROR([&] { load_stl10(dir.path(), "unlabeled"); }, (dir / "unlabeled_X.bin").string(), "empty");
}

TEST_CASE("stl10 fold indices: ten lines of any length, indices checked") {
  std::string text;
  for (int f = 0; f < 10; ++f) {
    for (int k = 0; k <= f; ++k) text += std::to_string(f * 100 + k) + (k == f ? "" : " ");
    text += f % 2 ? "\r\n" : " \n";
  }
  auto folds = parse_stl10_folds(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()), "f", 5000);
  REQUIRE(folds.size() == 10);
  CHECK(folds[0] == std::vector<int64_t>{0});
  CHECK(folds[9].size() == 10);
  CHECK(folds[9][9] == 909);
  auto parse = [](const std::string& s) {
    return parse_stl10_folds(std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size()), "fold_indices.txt", 5000);
  };
  CHECK_DATA_ERROR([&] { parse("1 2\n3\n"); }, "fold_indices.txt", "10 lines", "found 2");
  CHECK_DATA_ERROR([&] { parse("1 5000\n"); }, "fold_indices.txt", "line 1", "5000", "out of range");
  CHECK_DATA_ERROR([&] { parse("1\n2\n-3\n"); }, "line 3", "unexpected character '-'");
  CHECK_DATA_ERROR([&] { parse(std::string("1\n\0", 3)); }, "line 2", "byte 0");
  CHECK_DATA_ERROR([&] { parse("99999999999999999999999\n"); }, "out of range");
}
