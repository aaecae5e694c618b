// gzip.cpp — RFC 1952 header and trailer parsing, CRC-32, and a stored-block gzip writer.
#include "datasets/gzip.hpp"

#include <algorithm>
#include <array>
#include <climits>
#include <functional>

namespace hqc::data {

namespace {
constexpr uint32_t kPoly = 0xEDB88320u;

// table[k][b]: the CRC contribution of byte b followed by k zero bytes (slicing-by-8).
struct CrcTables {
  std::array<std::array<uint32_t, 256>, 8> t{};
  CrcTables() {
    for (uint32_t b = 0; b < 256; ++b) {
      uint32_t c = b;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
      t[0][b] = c;
    }
    for (uint32_t b = 0; b < 256; ++b)
      for (int k = 1; k < 8; ++k) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFF];
  }
};
const CrcTables& tables() {
  static const CrcTables tab;
  return tab;
}

uint32_t le32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

// Deflate cannot expand data by more than 1032:1; a trailer claiming more is corrupt, and refusing
// it bounds the allocation a hostile file can ask for.
constexpr uint64_t kMaxDeflateRatio = 1032;
}  // namespace

uint32_t crc32(std::span<const uint8_t> bytes, uint32_t crc) {
  const auto& t = tables().t;
  uint32_t c = ~crc;
  const uint8_t* p = bytes.data();
  std::size_t n = bytes.size();
  while (n >= 8) {
    uint32_t lo = c ^ le32(p);
    uint32_t hi = le32(p + 4);
    c = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24] ^
        t[3][hi & 0xFF] ^ t[2][(hi >> 8) & 0xFF] ^ t[1][(hi >> 16) & 0xFF] ^ t[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n--) c = (c >> 8) ^ t[0][(c ^ *p++) & 0xFF];
  return ~c;
}

uint32_t crc32_bitwise(std::span<const uint8_t> bytes, uint32_t crc) {
  uint32_t c = ~crc;
  for (uint8_t b : bytes) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
  }
  return ~c;
}

bool is_gzip(std::span<const uint8_t> bytes) {
  return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

namespace {
using Fail = std::function<DataError(const std::string&)>;

// Checks a member's header starting at `pos` and returns where its deflate data starts; the header
// must end before `limit`.
std::size_t parse_member_header(std::span<const uint8_t> bytes, std::size_t pos, std::size_t limit, const Fail& fail) {
  const std::size_t start = pos;
  if (limit < pos + 10) throw fail("truncated in the header");
  if (bytes[pos] != 0x1f || bytes[pos + 1] != 0x8b) throw fail("missing the magic bytes 1f 8b");
  if (bytes[pos + 2] != 8) throw fail("compression method " + std::to_string(bytes[pos + 2]) + ", expected 8 (deflate)");
  const uint8_t flags = bytes[pos + 3];
  if (flags & 0xE0) throw fail("reserved header flag bits set");
  pos += 10;
  if (flags & 0x04) {  // FEXTRA: a 2-byte length, then that many bytes
    if (pos + 2 > limit) throw fail("truncated in the FEXTRA field");
    std::size_t xlen = bytes[pos] | std::size_t(bytes[pos + 1]) << 8;
    pos += 2;
    if (xlen > limit - pos) throw fail("truncated in the FEXTRA field");
    pos += xlen;
  }
  for (uint8_t field : {uint8_t(0x08), uint8_t(0x10)}) {  // FNAME, FCOMMENT: zero-terminated
    if (!(flags & field)) continue;
    while (pos < limit && bytes[pos] != 0) ++pos;
    if (pos >= limit) throw fail(field == 0x08 ? "unterminated file name field" : "unterminated comment field");
    ++pos;
  }
  if (flags & 0x02) {  // FHCRC: the low 16 bits of the CRC-32 of the header so far
    if (pos + 2 > limit) throw fail("truncated in the header CRC");
    uint32_t want = bytes[pos] | uint32_t(bytes[pos + 1]) << 8;
    uint32_t got = crc32(bytes.subspan(start, pos - start)) & 0xFFFF;
    if (want != got) throw fail("header CRC16 mismatch");
    pos += 2;
  }
  if (pos >= limit) throw fail("no compressed data after the header");
  return pos;
}

// Every member of a multi-member stream (RFC 1952 2.2: `cat a.gz b.gz` is one valid gzip file), each
// checked against its own trailer. Member sizes are only known at their ends, so the output grows.
Bytes gunzip_members(std::span<const uint8_t> bytes, const Fail& fail) {
  Bytes out;
  std::size_t pos = 0;
  for (int member = 1; pos < bytes.size(); ++member) {
    const std::string which =
        member == 1 ? "" : "member " + std::to_string(member) + " (at byte " + std::to_string(pos) + "): ";
    if (member > 1 && !is_gzip(bytes.subspan(pos)))
      throw fail(std::to_string(bytes.size() - pos) + " bytes after the end of gzip member " +
                 std::to_string(member - 1) + " (at byte " + std::to_string(pos) +
                 ") are not another gzip member (garbage after the data)");
    const Fail fail_member = [&](const std::string& what) { return fail(which + what); };
    const std::size_t data = parse_member_header(bytes, pos, bytes.size(), fail_member);
    std::size_t consumed = 0;
    const std::size_t before = out.size();
    if (!inflate_raw_append(bytes.subspan(data), out, consumed))
      throw fail_member("deflate data is invalid, or truncated");
    const std::size_t trailer = data + consumed;
    if (bytes.size() - trailer < 8)
      throw fail_member("truncated: " + std::to_string(bytes.size() - trailer) +
                        " bytes after the deflate data, the trailer has 8");
    const std::span<const uint8_t> produced(out.data() + before, out.size() - before);
    const uint32_t isize = le32(&bytes[trailer + 4]);
    if (isize > kMaxDeflateRatio * consumed + 64)
      throw fail_member("trailer size " + std::to_string(isize) + " is impossible for " + std::to_string(consumed) +
                        " compressed bytes");
    if (static_cast<uint32_t>(produced.size()) != isize)
      throw fail_member("decompressed to " + std::to_string(produced.size()) + " bytes, the trailer says " +
                        std::to_string(isize));
    if (out.size() > static_cast<std::size_t>(INT_MAX)) throw fail("larger than 2 GiB, which this reader does not handle");
    if (crc32(produced) != le32(&bytes[trailer])) throw fail_member("CRC32 mismatch (data damaged)");
    pos = trailer + 8;
  }
  return out;
}

// A single-member stream (the usual case) is inflated straight into the buffer alloc(ISIZE) returns,
// ISIZE read from the file's last 4 bytes. When the deflate data does not end exactly at that trailer,
// the stream has several members (or damage): it is decoded member by member and copied in.
template <typename Alloc>
void gunzip_into(std::span<const uint8_t> bytes, const std::string& name, Alloc alloc) {
  const Fail fail = [&](const std::string& what) { return DataError(name + ": corrupt gzip stream: " + what); };
  const std::size_t n = bytes.size();
  if (n < 18)
    throw fail("only " + std::to_string(n) + " bytes, a gzip file has at least 18 (header and trailer)");
  if (!is_gzip(bytes)) throw fail("missing the magic bytes 1f 8b");
  const std::size_t trailer = n - 8;  // the header and the deflate data must end before it
  const std::size_t pos = parse_member_header(bytes, 0, trailer, fail);
  const uint32_t want_crc = le32(&bytes[trailer]);
  const uint64_t isize = le32(&bytes[trailer + 4]);
  const std::size_t clen = trailer - pos;
  if (clen > static_cast<std::size_t>(INT_MAX)) throw fail("larger than 2 GiB, which this reader does not handle");
  // The last 8 bytes are this member's trailer only if the file holds one member; a size no single
  // member of clen bytes can have sends the file to the member-by-member path, which says what is wrong.
  if (isize <= static_cast<uint64_t>(INT_MAX) && isize <= kMaxDeflateRatio * clen + 64) {
    std::span<uint8_t> out = alloc(static_cast<std::size_t>(isize));
    std::size_t consumed = 0;
    long got = inflate_raw(bytes.subspan(pos, clen), out, /*readable_after=*/8, &consumed);  // the trailer follows
    if (got >= 0 && consumed == clen) {  // one member
      if (static_cast<uint64_t>(got) != isize)
        throw fail("decompressed to " + std::to_string(got) + " bytes, the trailer says " + std::to_string(isize) +
                   " (truncated?)");
      if (crc32(out) != want_crc) throw fail("CRC32 mismatch (data damaged)");
      return;
    }
  }
  Bytes all = gunzip_members(bytes, fail);
  std::span<uint8_t> out = alloc(all.size());
  std::copy(all.begin(), all.end(), out.begin());
}
}  // namespace

Bytes gunzip(std::span<const uint8_t> bytes, const std::string& name) {
  Bytes out;
  gunzip_into(bytes, name, [&](std::size_t n) {
    out.resize(n);
    return std::span<uint8_t>(out);
  });
  return out;
}

Tensor gunzip_tensor(std::span<const uint8_t> bytes, const std::string& name) {
  Tensor out;
  gunzip_into(bytes, name, [&](std::size_t n) {
    out = Tensor::empty({static_cast<int64_t>(n)}, DType::u8);
    return std::span<uint8_t>(out.data<uint8_t>(), n);
  });
  return out;
}

Bytes gzip_stored(std::span<const uint8_t> bytes, const std::string& fname) {
  Bytes out = {0x1f, 0x8b, 8, uint8_t(fname.empty() ? 0 : 0x08), 0, 0, 0, 0, 0, 3};
  if (!fname.empty()) {
    // Byte by byte: GCC 12 reports a false -Warray-bounds on insert() of the string here.
    for (char c : fname) out.push_back(static_cast<uint8_t>(c));
    out.push_back(0);
  }
  std::size_t pos = 0;
  do {  // stored blocks hold at most 65535 bytes each; an empty input still needs one final block
    std::size_t len = std::min<std::size_t>(65535, bytes.size() - pos);
    bool final = pos + len == bytes.size();
    out.push_back(final ? 1 : 0);
    out.push_back(uint8_t(len & 0xFF));
    out.push_back(uint8_t(len >> 8));
    out.push_back(uint8_t(~len & 0xFF));
    out.push_back(uint8_t((~len >> 8) & 0xFF));
    out.insert(out.end(), bytes.begin() + pos, bytes.begin() + pos + len);
    pos += len;
  } while (pos < bytes.size());
  uint32_t crc = crc32(bytes);
  uint32_t size = static_cast<uint32_t>(bytes.size());
  for (uint32_t v : {crc, size})
    for (int k = 0; k < 4; ++k) out.push_back(uint8_t(v >> (8 * k)));
  return out;
}

}  // namespace hqc::data
