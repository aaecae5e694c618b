// test_gzip.cpp — CRC-32 against its definition, and gunzip on valid, real and damaged streams.
#include <cstring>

#include "datasets/gzip.hpp"
#include "ds_helpers.hpp"

using namespace hqc;
using namespace hqc::data;
using hqc::test::TempDir;

namespace {
Bytes fixture(const std::string& name) { return read_bytes(std::string(HQC_FIXTURES_DIR) + "/datasets/" + name); }

// The IDX label file make_fixtures.py compressed.
Bytes expected_labels_file() {
  Bytes out;
  hqc::test::put_be32(out, 2049);
  hqc::test::put_be32(out, 10000);
  for (uint32_t i = 0; i < 10000; ++i) out.push_back(static_cast<uint8_t>(((i * 2654435761u) >> 13) % 10));
  return out;
}

// A gzip member around a raw deflate body, with the optional header fields asked for.
Bytes wrap(const Bytes& deflate, const Bytes& content, uint8_t flags, bool good_hcrc = true) {
  Bytes g = {0x1f, 0x8b, 8, flags, 1, 2, 3, 4, 0, 255};
  if (flags & 0x04) {
    g.insert(g.end(), {5, 0, 'a', 'b', 'c', 'd', 'e'});
  }
  if (flags & 0x08) g.insert(g.end(), {'f', '.', 'i', 'd', 'x', 0});
  if (flags & 0x10) g.insert(g.end(), {'h', 'i', 0});
  if (flags & 0x02) {
    uint32_t c = crc32(g) & 0xFFFF;
    if (!good_hcrc) c ^= 1;
    g.push_back(uint8_t(c));
    g.push_back(uint8_t(c >> 8));
  }
  g.insert(g.end(), deflate.begin(), deflate.end());
  uint32_t crc = crc32(content), size = static_cast<uint32_t>(content.size());
  for (uint32_t v : {crc, size})
    for (int k = 0; k < 4; ++k) g.push_back(uint8_t(v >> (8 * k)));
  return g;
}
}  // namespace

TEST_CASE("crc32 of the standard check string is 0xCBF43926") {
  const char* s = "123456789";
  std::span<const uint8_t> b(reinterpret_cast<const uint8_t*>(s), 9);
  CHECK(crc32(b) == 0xCBF43926u);
  CHECK(crc32_bitwise(b) == 0xCBF43926u);
  CHECK(crc32({}) == 0u);
}

TEST_CASE("crc32 slicing-by-8 agrees with the bitwise definition on every length and split") {
  Generator g(7);
  Bytes data(300);
  for (auto& b : data) b = static_cast<uint8_t>(g.next_u32());
  for (std::size_t n = 0; n <= data.size(); n += (n < 40 ? 1 : 13)) {
    std::span<const uint8_t> s(data.data(), n);
    REQUIRE(crc32(s) == crc32_bitwise(s));
    const std::size_t cut = n / 3;
    CHECK(crc32(s.subspan(cut), crc32(s.subspan(0, cut))) == crc32(s));
  }
}

TEST_CASE("gunzip decodes a Python-gzipped file and a raw deflate body under every header option") {
  const Bytes want = expected_labels_file();
  CHECK(gunzip(fixture("labels-idx1-ubyte.gz"), "labels.gz") == want);
  const Bytes body = fixture("labels.deflate");
  for (uint8_t flags : {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1E, 0x1F}) {
    CAPTURE(int(flags));
    CHECK(gunzip(wrap(body, want, flags), "x.gz") == want);
  }
}

TEST_CASE("gzip_stored round-trips empty, small and multi-block inputs") {
  Generator g(3);
  for (std::size_t n : {0, 1, 100, 65535, 65536, 200001}) {
    Bytes data(n);
    for (auto& b : data) b = static_cast<uint8_t>(g.next_u32());
    CHECK(gunzip(gzip_stored(data, n % 2 ? "name" : ""), "s.gz") == data);
  }
}

TEST_CASE("gunzip refuses every kind of damage with the file name in the message") {
  const Bytes want = expected_labels_file();
  const Bytes good = wrap(fixture("labels.deflate"), want, 0x08);
  REQUIRE(gunzip(good, "ok.gz") == want);

  Bytes bad_crc = good;
  bad_crc[bad_crc.size() - 8] ^= 0x40;
  CHECK_DATA_ERROR([&] { gunzip(bad_crc, "crc.gz"); }, "crc.gz", "CRC32");

  Bytes bad_size = good;
  bad_size[bad_size.size() - 4] ^= 0x01;
  CHECK_DATA_ERROR([&] { gunzip(bad_size, "size.gz"); }, "size.gz");

  Bytes damaged = good;  // a flipped bit in the compressed body
  damaged[40] ^= 0x10;
  CHECK_DATA_ERROR([&] { gunzip(damaged, "body.gz"); }, "body.gz", "corrupt gzip");

  for (std::size_t keep : {std::size_t(0), std::size_t(5), std::size_t(17), good.size() / 2, good.size() - 1}) {
    CAPTURE(keep);
    Bytes cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(keep));
    CHECK_DATA_ERROR([&] { gunzip(cut, "cut.gz"); }, "cut.gz");
  }

  Bytes magic = good;
  magic[1] = 0x8c;
  CHECK_DATA_ERROR([&] { gunzip(magic, "m.gz"); }, "m.gz", "magic");
  Bytes method = good;
  method[2] = 7;
  CHECK_DATA_ERROR([&] { gunzip(method, "meth.gz"); }, "meth.gz", "method 7");
  Bytes reserved = good;
  reserved[3] |= 0x80;
  CHECK_DATA_ERROR([&] { gunzip(reserved, "r.gz"); }, "r.gz", "reserved");
  CHECK_DATA_ERROR([&] { gunzip(wrap(fixture("labels.deflate"), want, 0x02, false), "h.gz"); }, "h.gz", "header CRC16");

  Bytes unterminated = {0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3};
  unterminated.insert(unterminated.end(), 30, 'a');  // a file name that never ends
  CHECK_DATA_ERROR([&] { gunzip(unterminated, "n.gz"); }, "n.gz", "file name");

  Bytes huge = gzip_stored(Bytes(10, 1));  // a trailer claiming more than deflate can produce
  huge[huge.size() - 1] = 0x7f;
  CHECK_DATA_ERROR([&] { gunzip(huge, "bomb.gz"); }, "bomb.gz", "impossible");

  Bytes longer = gzip_stored(Bytes(100, 1));  // the stream holds more than the trailer says
  longer[longer.size() - 4] = 50;
  CHECK_DATA_ERROR([&] { gunzip(longer, "long.gz"); }, "long.gz");

  Bytes btype3 = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x07, 0, 0, 0, 0, 0, 0, 0, 0, 0};  // block type 3
  CHECK_DATA_ERROR([&] { gunzip(btype3, "t3.gz"); }, "t3.gz");
}

TEST_CASE("gunzip reads every member of a concatenated gzip file, as gzip -t accepts it") {
  const Bytes labels = expected_labels_file();
  const Bytes deflated = wrap(fixture("labels.deflate"), labels, 0x08);  // compressed, 10,008 bytes
  const Bytes small = {7, 8, 9};
  auto cat = [](std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
  };
  // The first member larger than the last, smaller, an empty member, three members.
  for (const auto& [members, want] : std::vector<std::pair<Bytes, Bytes>>{
           {cat({deflated, gzip_stored(small)}), cat({labels, small})},
           {cat({gzip_stored(small, "a"), deflated}), cat({small, labels})},
           {cat({gzip_stored(Bytes{}), gzip_stored(small)}), small},
           {cat({gzip_stored(small), deflated, gzip_stored(small)}), cat({small, labels, small})}}) {
    CHECK(gunzip(members, "multi.gz") == want);
    const Tensor t = gunzip_tensor(members, "multi.gz");
    REQUIRE(t.numel() == static_cast<int64_t>(want.size()));
    CHECK(std::memcmp(t.data<uint8_t>(), want.data(), want.size()) == 0);
  }
  TempDir dir;
  hqc::test::write_file(dir / "cat.gz", cat({gzip_stored(small), gzip_stored(small)}));
  CHECK(read_maybe_gzipped(dir / "cat.gz") == cat({small, small}));
}

TEST_CASE("gunzip refuses what follows a member unless it is another whole, intact member") {
  const Bytes one = gzip_stored(Bytes{1, 2, 3, 4});
  auto plus = [&](const Bytes& tail) {
    Bytes out = one;
    out.insert(out.end(), tail.begin(), tail.end());
    return out;
  };
  CHECK_DATA_ERROR([&] { gunzip(plus({'j', 'u', 'n', 'k', '!', '!', '!', '!', '!'}), "junk.gz"); }, "junk.gz",
                   "9 bytes after the end of gzip member 1", "not another gzip member");
  CHECK_DATA_ERROR([&] { gunzip_tensor(plus(Bytes(8, 0)), "zeros.gz"); }, "zeros.gz", "not another gzip member");
  Bytes second = gzip_stored(Bytes{5, 6, 7});
  Bytes bad_crc = second;
  bad_crc[bad_crc.size() - 8] ^= 1;
  CHECK_DATA_ERROR([&] { gunzip(plus(bad_crc), "crc2.gz"); }, "crc2.gz", "member 2", "CRC32 mismatch");
  Bytes bad_size = second;
  bad_size[bad_size.size() - 4] ^= 1;
  CHECK_DATA_ERROR([&] { gunzip(plus(bad_size), "size2.gz"); }, "size2.gz", "member 2", "the trailer says");
  for (std::size_t keep : {std::size_t(2), std::size_t(9), second.size() - 1}) {
    CAPTURE(keep);
    CHECK_DATA_ERROR([&] { gunzip(plus(Bytes(second.begin(), second.begin() + std::ptrdiff_t(keep))), "cut2.gz"); },
                     "cut2.gz", "member 2");
  }
}

TEST_CASE("read_maybe_gzipped recognises gzip by content, not by name") {
  TempDir dir;
  const Bytes data = {1, 2, 3, 4, 5};
  hqc::test::write_file(dir / "plain.gz", data);
  hqc::test::write_file(dir / "packed.bin", gzip_stored(data));
  CHECK(read_maybe_gzipped(dir / "plain.gz") == data);
  CHECK(read_maybe_gzipped(dir / "packed.bin") == data);
}

TEST_CASE("read_bytes refuses a missing file, a directory and an empty file, naming the path") {
  TempDir dir;
  hqc::test::write_file(dir / "empty", {});
  std::filesystem::create_directories(dir / "sub");
  CHECK_DATA_ERROR([&] { read_bytes(dir / "nope"); }, (dir / "nope").string(), "no such file");
  CHECK_DATA_ERROR([&] { read_bytes(dir / "sub"); }, (dir / "sub").string(), "directory");
  CHECK_DATA_ERROR([&] { read_bytes(dir / "empty"); }, (dir / "empty").string(), "empty");
  CHECK_DATA_ERROR([&] { RecordFile m(dir / "empty"); }, "empty");
  CHECK_DATA_ERROR([&] { RecordFile m(dir / "sub"); }, "directory");
}
