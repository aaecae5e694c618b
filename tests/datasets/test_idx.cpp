// test_idx.cpp — IDX images and labels, plain and gzipped, and every malformed file.
#include "datasets/gzip.hpp"
#include "datasets/idx.hpp"
#include "ds_helpers.hpp"

using namespace hqc;
using namespace hqc::data;
using namespace hqc::test;

namespace {
uint8_t pattern(uint32_t i, uint32_t y, uint32_t x) { return static_cast<uint8_t>(i * 50 + y * 3 + x * 7); }

// A complete MNIST-like folder: n images 28 x 28 and labels i % 10, gzipped or not.
void write_mnist(const std::filesystem::path& dir, const std::string& prefix, uint32_t n, bool gz) {
  std::vector<uint8_t> labels;
  for (uint32_t i = 0; i < n; ++i) labels.push_back(static_cast<uint8_t>((i * 3) % 10));
  Bytes img = idx_images(n, 28, 28, pattern), lbl = idx_labels(labels);
  const std::string ext = gz ? ".gz" : "";
  write_file(dir / (prefix + "-images-idx3-ubyte" + ext), gz ? gzip_stored(img) : img);
  write_file(dir / (prefix + "-labels-idx1-ubyte" + ext), gz ? gzip_stored(lbl) : lbl);
}
}  // namespace

TEST_CASE("idx images keep pixel (row, col) where C order puts it") {
  Bytes b = idx_images(2, 5, 7, [](uint32_t i, uint32_t y, uint32_t x) { return uint8_t(i == 1 && y == 2 && x == 6 ? 255 : y * 10 + x); });
  Tensor t = parse_idx_images(b, "mem");
  REQUIRE(t.sizes() == Shape{2, 1, 5, 7});
  CHECK(t.at({1, 0, 2, 6}) == 255);
  CHECK(t.at({0, 0, 2, 6}) == 26);
  CHECK(t.at({0, 0, 4, 0}) == 40);
  CHECK(t.at({1, 0, 3, 1}) == 31);
}

TEST_CASE("load_mnist reads plain and gzipped official file names") {
  for (bool gz : {false, true}) {
    CAPTURE(gz);
    TempDir dir;
    write_mnist(dir.path(), "train", 12, gz);
    write_mnist(dir.path(), "t10k", 3, gz);
    Dataset tr = load_mnist(dir.path(), "train", "mnist");
    Dataset te = load_mnist(dir.path(), "test", "fashion-mnist");
    CHECK(tr.size() == 12);
    CHECK(te.size() == 3);
    CHECK(tr.image_shape() == Shape{1, 28, 28});
    CHECK(te.classes()[9] == "Ankle boot");
    for (int64_t i : {0, 5, 11}) {
      CHECK(tr.label(i) == (i * 3) % 10);
      Tensor im = tr.image(i);
      CHECK(im.at({0, 27, 0}) == pattern(uint32_t(i), 27, 0));
      CHECK(im.at({0, 3, 20}) == pattern(uint32_t(i), 3, 20));
    }
  }
}

TEST_CASE("idx readers refuse wrong magic, type and dimension count, naming the file") {
  Bytes labels_as_images = idx_labels({1, 2, 3});
  CHECK_DATA_ERROR([&] { parse_idx_images(labels_as_images, "a.idx"); }, "a.idx", "magic", "0x00000803", "0x00000801");
  Bytes floats = idx_images(1, 2, 2, pattern);
  floats[2] = 0x0D;
  CHECK_DATA_ERROR([&] { parse_idx_images(floats, "f.idx"); }, "f.idx", "0x0D");
  Bytes two_dims = idx_images(1, 2, 2, pattern);
  two_dims[3] = 2;
  CHECK_DATA_ERROR([&] { parse_idx_images(two_dims, "d.idx"); }, "d.idx", "2 dimensions");
  Bytes not_idx = {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '!'};
  CHECK_DATA_ERROR([&] { parse_idx_labels(not_idx, "t.txt", 10); }, "t.txt", "magic");
}

TEST_CASE("idx readers refuse truncated, overlong and empty files") {
  Bytes img = idx_images(3, 4, 4, pattern);
  Bytes cut(img.begin(), img.end() - 1);
  CHECK_DATA_ERROR([&] { parse_idx_images(cut, "cut"); }, "cut", "truncated", "48 bytes", "47");
  Bytes longer = img;
  longer.push_back(0);
  CHECK_DATA_ERROR([&] { parse_idx_images(longer, "long"); }, "long", "trailing data");
  Bytes header_only(img.begin(), img.begin() + 10);
  CHECK_DATA_ERROR([&] { parse_idx_images(header_only, "h"); }, "h", "truncated IDX header");
  CHECK_DATA_ERROR([&] { parse_idx_images(Bytes{0, 0}, "tiny"); }, "tiny", "truncated");
  CHECK_DATA_ERROR([&] { parse_idx_images(Bytes{}, "e"); }, "e", "empty");
  Bytes huge = idx_images(0, 0, 0, pattern);  // sizes whose product would overflow
  huge[4] = huge[8] = huge[12] = 0xFF;
  CHECK_DATA_ERROR([&] { parse_idx_images(huge, "big"); }, "big");
}

TEST_CASE("an idx file declaring 0 images or 0 labels is refused, naming the file") {
  CHECK_DATA_ERROR([&] { parse_idx_images(idx_images(0, 28, 28, pattern), "t10k-images"); }, "t10k-images",
                   "declares 0 images", "at least 1");
  CHECK_DATA_ERROR([&] { parse_idx_labels(idx_labels({}), "t10k-labels", 10); }, "t10k-labels", "declares 0 labels");
  TempDir dir;  // a test split of 0 images would evaluate to accuracy 0, loss 0
  write_mnist(dir.path(), "t10k", 0, true);
  CHECK_DATA_ERROR([&] { load_mnist(dir.path(), "test", "mnist"); }, (dir / "t10k-images-idx3-ubyte.gz").string(),
                   "declares 0 images");
}

TEST_CASE("idx labels out of range are refused with the item index") {
  CHECK_DATA_ERROR([&] { parse_idx_labels(idx_labels({0, 9, 10}), "l", 10); }, "l", "label 10", "item 2", "0..9");
  CHECK(parse_idx_labels(idx_labels({0, 9, 4}), "l", 10).values<int64_t>() == std::vector<int64_t>{0, 9, 4});
}

TEST_CASE("load_mnist refuses count mismatch, wrong size, missing files and damaged gzip") {
  TempDir dir;
  write_file(dir / "train-images-idx3-ubyte", idx_images(4, 28, 28, pattern));
  write_file(dir / "train-labels-idx1-ubyte", idx_labels({1, 2, 3}));
  CHECK_DATA_ERROR([&] { load_mnist(dir.path(), "train", "mnist"); }, "train-images-idx3-ubyte", "4 images",
                   "3 labels");
  write_file(dir / "train-images-idx3-ubyte", idx_images(3, 32, 32, pattern));
  CHECK_DATA_ERROR([&] { load_mnist(dir.path(), "train", "mnist"); }, "32 x 32", "28 x 28");
  CHECK_DATA_ERROR([&] { load_mnist(dir.path(), "test", "mnist"); }, "t10k-images-idx3-ubyte", "no such file");

  Bytes gz = gzip_stored(idx_images(3, 28, 28, pattern));
  gz[gz.size() / 2] ^= 0xFF;
  std::filesystem::remove(dir / "train-images-idx3-ubyte");
  write_file(dir / "train-images-idx3-ubyte.gz", gz);
  CHECK_DATA_ERROR([&] { load_mnist(dir.path(), "train", "mnist"); }, "train-images-idx3-ubyte.gz", "CRC32");

  std::filesystem::remove(dir / "train-images-idx3-ubyte.gz");
  std::filesystem::create_directories(dir / "train-images-idx3-ubyte");
  CHECK_DATA_ERROR([&] { load_mnist(dir.path(), "train", "mnist"); }, "train-images-idx3-ubyte", "directory");
}
