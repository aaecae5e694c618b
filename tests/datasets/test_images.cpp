// test_images.cpp — image files through stb (PNG out and in, JPEG in), and folder-per-class datasets.
#include <algorithm>
#include <cmath>

#include "datasets/image_folder.hpp"
#include "datasets/image_io.hpp"
#include "ds_helpers.hpp"
#include "fixtures.hpp"

using namespace hqc;
using namespace hqc::data;
using namespace hqc::test;

namespace {
Tensor pattern_image(int64_t c, int64_t h, int64_t w, int seed = 0) {  // uint8 (C, H, W)
  Tensor t = Tensor::empty({c, h, w}, DType::u8);
  uint8_t* p = t.data<uint8_t>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<uint8_t>((i * 37 + seed * 11) % 256);
  return t;
}
void write_png_in(const std::filesystem::path& p, const Tensor& img) {
  std::filesystem::create_directories(p.parent_path());
  write_png(p, img);
}
bool same(const Tensor& a, const Tensor& b) { return a.sizes() == b.sizes() && a.values<uint8_t>() == b.values<uint8_t>(); }
Bytes from_base64(const std::string& text) {
  auto value = [](char ch) -> int {
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    return ch == '+' ? 62 : ch == '/' ? 63 : -1;
  };
  Bytes out;
  int bits = 0, acc = 0;
  for (char ch : text) {
    const int v = value(ch);
    if (v < 0) break;
    acc = acc << 6 | v, bits += 6;
    if (bits >= 8) out.push_back(static_cast<uint8_t>(acc >> (bits -= 8) & 0xff));
  }
  return out;
}
Bytes jpeg_fixture(const std::string& name) { return read_bytes(std::string(HQC_FIXTURES_DIR) + "/datasets/jpeg/" + name); }
// The offset of the first byte after the marker 0xff m (its length field).
std::size_t after_marker(const Bytes& b, uint8_t m) {
  for (std::size_t i = 0; i + 1 < b.size(); ++i)
    if (b[i] == 0xff && b[i + 1] == m) return i + 2;
  FAIL("marker not found");
  return 0;
}
}  // namespace

TEST_CASE("png written and read back keeps every pixel, gray and RGB") {
  for (int64_t c : {1, 3}) {
    Tensor img = pattern_image(c, 5, 9);
    CHECK(same(decode_image(encode_png(img), "mem.png"), img));
    TempDir dir;
    write_png(dir / "a.png", img);
    CHECK(same(read_image(dir / "a.png"), img));
  }
}

TEST_CASE("image channel conversion on decode: gray to RGB copies, RGB to gray weighs") {
  Tensor gray = pattern_image(1, 4, 4);
  Tensor rgb = decode_image(encode_png(gray), "g.png", 3);
  REQUIRE(rgb.sizes() == Shape{3, 4, 4});
  CHECK(rgb.at({2, 3, 1}) == gray.at({0, 3, 1}));
  Tensor red = Tensor::empty({3, 1, 1}, DType::u8);
  red.set({0, 0, 0}, 200);
  red.set({1, 0, 0}, 0);
  red.set({2, 0, 0}, 0);
  Tensor g = decode_image(encode_png(red), "r.png", 1);
  CHECK(std::abs(g.at({0, 0, 0}) - 200 * 0.299) <= 1.5);  // stb's luma weights
}

TEST_CASE("unreadable images are refused with the file name") {
  TempDir dir;
  write_text(dir / "notes.png", "this is not a picture at all");
  CHECK_DATA_ERROR([&] { read_image(dir / "notes.png"); }, "notes.png", "not a readable image");
  Bytes png = encode_png(pattern_image(3, 8, 8));
  png.resize(png.size() / 2);
  write_file(dir / "half.png", png);
  CHECK_DATA_ERROR([&] { read_image(dir / "half.png"); }, "half.png");
  write_file(dir / "empty.png", {});
  CHECK_DATA_ERROR([&] { read_image(dir / "empty.png"); }, "empty.png", "empty");
  std::filesystem::create_directories(dir / "dir.png");
  CHECK_DATA_ERROR([&] { read_image(dir / "dir.png"); }, "dir.png", "directory");
  CHECK_DATA_ERROR([&] { encode_png(Tensor::empty({2, 3, 3}, DType::u8)); }, "C = 1 or 3");
}

TEST_CASE("a PNG chunk longer than the file is refused before anything is allocated for it") {
  // The fuzzer's find (tests/fuzz/fuzz_image, its first byte chose the channels): a 126-byte PNG
  // whose second IDAT claims 1,145,651,780 bytes; stb would have asked for 2 GiB before reading it.
  const std::string b64 =
      "iVBORw0KGgoAAAANSUhEUgAAAAYAAAADCAIAAAA/Y+msAAAARElEQVR4nAE5AMb/AAABAigpKlBRUnh5eqChosjJygAJAolQTkcNChoKAAAAAG"
      "PprAAAAAAAAAAAAAAGAAAAAwgCAAAAP/////5jVUFESUJESURBVHicCg==";
  const Bytes png = from_base64(b64);
  REQUIRE(png.size() == 124);
  CHECK_DATA_ERROR([&] { decode_image(png, "fuzzed.png", 3); }, "fuzzed.png", "chunk 'IDAT' at byte 113 claims 1145651780 bytes");
  // A well-formed PNG still reads, and one cut inside a chunk names that chunk.
  Bytes good = encode_png(pattern_image(3, 4, 4));
  CHECK(decode_image(good, "good.png").sizes() == Shape{3, 4, 4});
  good.resize(45);  // inside the IDAT chunk
  CHECK_DATA_ERROR([&] { decode_image(good, "cut.png"); }, "cut.png", "claims");
}

TEST_CASE("an image with no pixels is refused: a BMP 0 pixels wide") {
  // The fuzzer's find (tests/fuzz/fuzz_folder): a 78-byte 24-bit BMP whose header says 0 x 121;
  // stb decodes it to an empty image, and a resize of it read before its (empty) rows.
  const Bytes bmp = from_base64(
      "Qk1OAAAAAC4AADYAAAAoAAAAAAAAAHkAAAABABgAAAAAABgAAAATCwAAEwsAAAAAAAAAAAAAAB48WniWtNLwAAAAAR89W3mXtdPxAAAA");
  REQUIRE(bmp.size() == 78);
  for (int channels : {0, 1, 3})
    CHECK_DATA_ERROR([&] { decode_image(bmp, "wide0.bmp", channels); }, "wide0.bmp", "0 x 121 pixels");
  TempDir dir;
  write_file(dir / "root" / "a" / "wide0.bmp", bmp);
  ImageFolderOptions opt;
  opt.height = 8, opt.width = 8;
  CHECK_DATA_ERROR([&] { load_image_folder(dir / "root", opt); }, "wide0.bmp", "0 x 121 pixels");
}

TEST_CASE("JPEG: baseline, progressive and gray decode to libjpeg's pixels") {
  // Fixtures written and decoded by Pillow's libjpeg (tests/datasets/make_jpeg_fixtures.py). On these
  // smooth images stb's decoding equals libjpeg's exactly; in general the two decoders' IDCTs and
  // chroma upsampling may round a level apart.
  const hqc::test::Fixtures f("datasets/jpeg.txt");
  for (const std::string name : {"rgb_baseline", "rgb_progressive", "gray_baseline"}) {
    CAPTURE(name);
    std::string file = name;
    std::replace(file.begin(), file.end(), '_', '-');
    const Tensor got = read_image(std::string(HQC_FIXTURES_DIR) + "/datasets/jpeg/" + file + ".jpg");
    const Tensor want = f[name];
    REQUIRE(got.sizes() == want.sizes());
    const std::vector<uint8_t> g = got.values<uint8_t>();
    const std::vector<double> w = want.values<double>();
    std::size_t differ = 0;
    for (std::size_t i = 0; i < g.size(); ++i) differ += g[i] != w[i];
    CHECK(differ == 0);
  }
}

TEST_CASE("a JPEG scan that decodes with an undefined Huffman table is refused before stb reads it") {
  // The fuzzer's find (tests/fuzz/fuzz_image, its first byte chose the channels): the scan names AC
  // table 0, which no DHT segment defines (stb read the uninitialised table at a wild address).
  const Bytes fuzzed = from_base64(
      "Av/Y/9sAQwABAQEBASEBAQEBAYlQTkcNChqKAQEBAAAAAgAAAAG6urq6urq6urq6ugABAQEBAQEBAQEBAQEB+QABAQEBAQEBAQEBAQEBAQFB"
      "AQG6AfkAAQEBAQEBAQEBAQEBAQEBQQEBugH/wAARCAAIAAgDAREAAhEAAxEA/8QAHwAAAQUBAQEBAQEAAAAAAAAADQAAAAAAAAAAAAAA/9oA"
      "DAMBAAIAAwAAAAAAADUAAAAoAA==");
  REQUIRE(fuzzed.size() == 181);
  const Bytes jpeg(fuzzed.begin() + 1, fuzzed.end());
  CHECK_DATA_ERROR([&] { decode_image(jpeg, "fuzzed.jpg", 3); }, "fuzzed.jpg",
                   "corrupt JPEG: scan decodes with AC Huffman table 0, which the file never defines");
  // A good file edited the same two ways: a scan table selector pointing at table 3, and a scan
  // component the frame does not declare.
  const Bytes good = jpeg_fixture("rgb-baseline.jpg");
  CHECK(decode_image(good, "good.jpg").sizes() == Shape{3, 12, 16});
  Bytes bad_table = good;
  bad_table[after_marker(good, 0xda) + 4] = 0x03;  // length (2), count (1), component id (1), tables
  CHECK_DATA_ERROR([&] { decode_image(bad_table, "t.jpg"); }, "t.jpg", "AC Huffman table 3, which the file never defines");
  Bytes bad_id = good;
  bad_id[after_marker(good, 0xda) + 3] = 9;
  CHECK_DATA_ERROR([&] { decode_image(bad_id, "c.jpg"); }, "c.jpg", "scan names component 9 that no frame header declares");
}

TEST_CASE("image folder: classes from subfolder names in order, images in name order") {
  TempDir dir;
  write_png_in(dir / "dog" / "b.png", pattern_image(3, 6, 7, 1));
  write_png_in(dir / "dog" / "a.png", pattern_image(3, 6, 7, 2));
  write_png_in(dir / "cat" / "z.png", pattern_image(3, 6, 7, 3));
  write_text(dir / "dog" / ".hidden", "ignored");
  Dataset ds = load_image_folder(dir.path());
  CHECK(ds.classes() == std::vector<std::string>{"cat", "dog"});
  CHECK(ds.labels().values<int64_t>() == std::vector<int64_t>{0, 1, 1});
  CHECK(ds.image_shape() == Shape{3, 6, 7});
  CHECK(same(ds.image(1), pattern_image(3, 6, 7, 2)));  // dog/a.png before dog/b.png
}

TEST_CASE("image folder: mixed gray and colour become RGB, resize gives one size") {
  TempDir dir;
  write_png_in(dir / "a" / "1.png", pattern_image(1, 4, 4));
  write_png_in(dir / "b" / "2.png", pattern_image(3, 8, 6));
  CHECK_DATA_ERROR([&] { load_image_folder(dir.path()); }, "2.png", "6 x 8", "4 x 4");
  Dataset ds = load_image_folder(dir.path(), {.channels = 0, .height = 4, .width = 4});
  CHECK(ds.image_shape() == Shape{3, 4, 4});
  Tensor first = ds.image(0);
  CHECK(first.at({0, 2, 3}) == pattern_image(1, 4, 4).at({0, 2, 3}));
  CHECK(first.at({2, 2, 3}) == first.at({0, 2, 3}));
  Dataset gray = load_image_folder(dir.path(), {.channels = 1, .height = 2, .width = 3});
  CHECK(gray.image_shape() == Shape{1, 2, 3});
}

TEST_CASE("image folder refuses a missing root, no classes, an empty class and a bad image") {
  TempDir dir;
  CHECK_DATA_ERROR([&] { load_image_folder(dir / "nope"); }, "nope", "no such folder");
  CHECK_DATA_ERROR([&] { load_image_folder(dir.path()); }, "no class folders");
  std::filesystem::create_directories(dir / "empty");
  CHECK_DATA_ERROR([&] { load_image_folder(dir.path()); }, "empty", "no image files");
  write_text(dir / "empty" / "readme.txt", "hello");
  CHECK_DATA_ERROR([&] { load_image_folder(dir.path()); }, "readme.txt", "not a readable image");
}
