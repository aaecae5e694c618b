// test_cifar.cpp — CIFAR-10 and CIFAR-100 records written byte by byte, read back pixel by pixel.
#include "datasets/cifar.hpp"
#include "ds_helpers.hpp"

using namespace hqc;
using namespace hqc::data;
using namespace hqc::test;

namespace {
uint8_t px(int64_t i, int64_t c, int64_t y, int64_t x) { return static_cast<uint8_t>(i * 31 + c * 80 + y * 5 + x); }

// n records; labels given per record (one byte for CIFAR-10, coarse then fine for CIFAR-100).
Bytes records(const std::vector<std::vector<uint8_t>>& labels) {
  Bytes out;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    out.insert(out.end(), labels[i].begin(), labels[i].end());
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x) out.push_back(px(int64_t(i), c, y, x));
  }
  return out;
}
}  // namespace

TEST_CASE("cifar10 records: label byte, then R, G, B planes row-major") {
  CifarRecords r = parse_cifar(records({{3}, {9}, {0}}), "b.bin", CifarLabels::cifar10);
  REQUIRE(r.images.sizes() == Shape{3, 3, 32, 32});
  CHECK(r.labels.values<int64_t>() == std::vector<int64_t>{3, 9, 0});
  for (auto [i, c, y, x] : std::vector<std::array<int64_t, 4>>{{0, 0, 0, 0}, {1, 2, 31, 0}, {2, 1, 4, 29}, {1, 0, 0, 31}})
    CHECK(r.images.at({i, c, y, x}) == px(i, c, y, x));
}

TEST_CASE("cifar100 records give fine or coarse labels") {
  Bytes b = records({{19, 99}, {4, 7}});
  CHECK(parse_cifar(b, "t", CifarLabels::cifar100_fine).labels.values<int64_t>() == std::vector<int64_t>{99, 7});
  CHECK(parse_cifar(b, "t", CifarLabels::cifar100_coarse).labels.values<int64_t>() == std::vector<int64_t>{19, 4});
  CHECK(parse_cifar(b, "t", CifarLabels::cifar100_fine).images.at({1, 2, 10, 11}) == px(1, 2, 10, 11));
}

TEST_CASE("cifar readers refuse partial records, bad labels and empty files") {
  Bytes b = records({{1}, {2}});
  Bytes cut(b.begin(), b.end() - 5);
  CHECK_DATA_ERROR([&] { parse_cifar(cut, "d.bin", CifarLabels::cifar10); }, "d.bin", "not a whole number",
                   "3073", "1 records and 3068 bytes");
  CHECK_DATA_ERROR([&] { parse_cifar(records({{1}, {10}}), "l.bin", CifarLabels::cifar10); }, "l.bin", "record 1",
                   "label 10", "0..9");
  CHECK_DATA_ERROR([&] { parse_cifar(records({{20, 5}}), "c.bin", CifarLabels::cifar100_fine); }, "coarse label 20");
  CHECK_DATA_ERROR([&] { parse_cifar(records({{2, 100}}), "f.bin", CifarLabels::cifar100_coarse); }, "fine label 100");
  CHECK_DATA_ERROR([&] { parse_cifar(Bytes{}, "e.bin", CifarLabels::cifar10); }, "e.bin", "empty");
  // A CIFAR-10 file read as CIFAR-100: 3073-byte records are not a whole number of 3074-byte ones.
  CHECK_DATA_ERROR([&] { parse_cifar(records({{1}, {2}, {3}}), "x.bin", CifarLabels::cifar100_fine); }, "3074");
}

TEST_CASE("load_cifar10 joins the five training batches in order and reads batches.meta.txt") {
  TempDir dir;
  const auto sub = dir / "cifar-10-batches-bin";
  for (int k = 1; k <= 5; ++k) write_file(sub / ("data_batch_" + std::to_string(k) + ".bin"), records({{uint8_t(k)}, {uint8_t(k + 4)}}));
  write_file(sub / "test_batch.bin", records({{7}}));
  write_text(sub / "batches.meta.txt", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n");
  Dataset tr = load_cifar10(sub, "train");
  CHECK(tr.size() == 10);
  CHECK(tr.labels().values<int64_t>() == std::vector<int64_t>{1, 5, 2, 6, 3, 7, 4, 8, 5, 9});
  CHECK(tr.classes()[9] == "j");
  CHECK(tr.image(3).at({2, 5, 6}) == px(1, 2, 5, 6));  // second record of data_batch_2
  CHECK(load_cifar10(sub, "test").size() == 1);
  std::filesystem::remove(sub / "data_batch_4.bin");
  CHECK_DATA_ERROR([&] { load_cifar10(sub, "train"); }, "data_batch_4.bin", "no such file");
}

TEST_CASE("load_cifar100 takes class names from the label files and checks their count") {
  TempDir dir;
  write_file(dir / "train.bin", records({{3, 40}}));
  Dataset fine = load_cifar100(dir.path(), "train", false);
  CHECK(fine.classes().size() == 100);
  CHECK(fine.classes()[40] == "lamp");  // built-in list when fine_label_names.txt is absent
  CHECK(load_cifar100(dir.path(), "train", true).classes()[3] == "food_containers");
  std::string names;
  for (int i = 0; i < 20; ++i) names += "super" + std::to_string(i) + "\n";
  write_text(dir / "coarse_label_names.txt", names);
  Dataset coarse = load_cifar100(dir.path(), "train", true);
  CHECK(coarse.label(0) == 3);
  CHECK(coarse.classes()[3] == "super3");
  write_text(dir / "fine_label_names.txt", "only\nthree\nnames\n");
  CHECK_DATA_ERROR([&] { load_cifar100(dir.path(), "train", false); }, "fine_label_names.txt", "100 class names", "found 3");
}

TEST_CASE("cifar files cut at a record boundary load with a warning naming the file, the official and the found count") {
  std::vector<std::string> warnings;
  const WarningHandler previous = set_warning_handler([&](const std::string& m) { warnings.push_back(m); });
  TempDir dir;
  for (int k = 1; k <= 5; ++k) write_file(dir / ("data_batch_" + std::to_string(k) + ".bin"), records({{1}, {2}}));
  Bytes official;  // the official test_batch.bin count: 10,000 records, no warning
  const Bytes one = records({{4}});
  for (int i = 0; i < 10000; ++i) official.insert(official.end(), one.begin(), one.end());
  write_file(dir / "test_batch.bin", official);
  CHECK(load_cifar10(dir.path(), "test").size() == 10000);
  CHECK(warnings.empty());
  CHECK(load_cifar10(dir.path(), "train").size() == 10);  // still read: small files in the official format
  REQUIRE(warnings.size() == 5);
  for (const std::string& part : {(dir / "data_batch_1.bin").string(), std::string("holds 2 records"),
                                  std::string("CIFAR-10 data_batch_1.bin holds 10000")})
    CHECK_MESSAGE(contains(warnings[0], part), warnings[0]);
  CHECK(contains(warnings[4], "data_batch_5.bin"));
  warnings.clear();
  write_file(dir / "train.bin", records({{3, 40}, {1, 2}, {0, 0}}));
  write_file(dir / "test.bin", records({{3, 40}}));
  CHECK(load_cifar100(dir.path(), "train", false).size() == 3);
  CHECK(load_cifar100(dir.path(), "test", true).size() == 1);
  REQUIRE(warnings.size() == 2);
  CHECK_MESSAGE((contains(warnings[0], (dir / "train.bin").string()) && contains(warnings[0], "holds 3 records") &&
                    contains(warnings[0], "holds 50000")), warnings[0]);
  CHECK_MESSAGE((contains(warnings[1], "test.bin") && contains(warnings[1], "holds 10000")), warnings[1]);
  set_warning_handler(previous);
}

TEST_CASE("a cifar file of 0 records is refused by the loaders, naming the file") {
  TempDir dir;
  write_file(dir / "test_batch.bin", {});
  CHECK_DATA_ERROR([&] { load_cifar10(dir.path(), "test"); }, (dir / "test_batch.bin").string(), "empty");
  write_file(dir / "test.bin", {});
  CHECK_DATA_ERROR([&] { load_cifar100(dir.path(), "test", false); }, (dir / "test.bin").string(), "empty");
}
