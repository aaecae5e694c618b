// gzip.hpp — gzip (RFC 1952) decoding on top of stb_image's inflate, with every check the format
// offers: the header's magic, method and reserved flags, its optional fields (FEXTRA, FNAME,
// FCOMMENT, FHCRC with its header CRC16), and the trailer's CRC32 and ISIZE.
//
// stb_image already carries a raw-deflate decoder (it needs one for PNG), so gzipped IDX files cost
// no new dependency; the CRC32 is our own, table-driven (slicing-by-8).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "datasets/files.hpp"
#include "tensor/tensor.hpp"

namespace hqc::data {

// CRC-32 of ISO-HDLC / zlib / gzip (reflected polynomial 0xEDB88320). `crc` continues a previous
// call: crc32(b, crc32(a)) == crc32(a ++ b).
uint32_t crc32(std::span<const uint8_t> bytes, uint32_t crc = 0);
// The same by the bit-at-a-time definition: the reference the tables are tested against.
uint32_t crc32_bitwise(std::span<const uint8_t> bytes, uint32_t crc = 0);

bool is_gzip(std::span<const uint8_t> bytes);

// Decodes a gzip stream of one or more members (concatenated gzip files are one valid file, RFC 1952
// 2.2), checking every member's CRC32 and size; bytes after the last member that do not start another
// member are refused. `name` (the file) starts every error message.
Bytes gunzip(std::span<const uint8_t> bytes, const std::string& name);
// The same into a uint8 tensor (size ISIZE) whose storage is not zeroed first: the IDX reader
// returns views of it, so a 47 MB image file is written once and never copied.
Tensor gunzip_tensor(std::span<const uint8_t> bytes, const std::string& name);

// Gzip-compresses with stored (uncompressed) deflate blocks: enough for tests and fuzz seeds to
// produce valid gzip files without a compressor. `fname` (optional) sets the FNAME field.
Bytes gzip_stored(std::span<const uint8_t> bytes, const std::string& fname = "");

// Raw deflate decoding into exactly `out.size()` bytes (stb_image's inflate). Returns the number of
// bytes produced, or -1 on a corrupt stream or one that would produce more than out.size().
// `readable_after`: how many bytes after the span may be read (not decoded), e.g. gzip's 8-byte
// trailer; with fewer than 8 the input is copied and padded (see stb.cpp for why).
// `consumed` (optional) receives how many input bytes the deflate stream occupied (its last byte
// included, however few of its bits were used).
long inflate_raw(std::span<const uint8_t> deflate, std::span<uint8_t> out, std::size_t readable_after = 0,
                 std::size_t* consumed = nullptr);
// Raw deflate decoding of the stream that starts `deflate` (bytes after its end are not decoded),
// appended to `out`, which grows as needed (deflate expands at most 1032:1); false on a corrupt or
// truncated stream. `consumed` as above.
bool inflate_raw_append(std::span<const uint8_t> deflate, Bytes& out, std::size_t& consumed);

}  // namespace hqc::data
