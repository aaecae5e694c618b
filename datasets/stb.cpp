// stb.cpp — the one translation unit that compiles stb_image and stb_image_write (Debian's
// libstb-dev headers), with static linkage, behind the functions of image_io.hpp and gzip.hpp.
//
// Compiling stb here rather than linking Debian's libstb.so keeps the decoders inside our sanitizer
// and fuzzer builds, so a fuzzed PNG or gzip exercises instrumented code.
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_STDIO
// Zeroed allocations: a decoder bug that reads state the file never set reads zeros, not old heap.
#define STBI_MALLOC(size) std::calloc(1, size)
#define STBI_REALLOC(p, size) std::realloc(p, size)
#define STBI_FREE(p) std::free(p)
#define STBI_MAX_DIMENSIONS 8192
// PNM is left out: Debian's stb_image reads past its buffer on a 16-bit PGM/PPM converted to fewer
// channels (found by tests/fuzz/fuzz_image: stbi__convert_format treats the 16-bit pixels as 8-bit,
// then stbi__convert_16_to_8 reads twice the allocation).
#define STBI_NO_PNM
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#include <cstdlib>

#include <stb/stb_image.h>
#include <stb/stb_image_write.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "datasets/gzip.hpp"
#include "datasets/image_io.hpp"

static_assert(STBI_MAX_DIMENSIONS == hqc::data::kMaxImageSide);

namespace hqc::data {

namespace {
// Input bytes the finished stream occupied: what stb fetched, less the whole bytes still unused in
// its bit buffer (the unused bits of the last byte are the stream's padding).
std::size_t consumed_bytes(const stbi__zbuf& a, const char* start) {
  return static_cast<std::size_t>(reinterpret_cast<const char*>(a.zbuffer) - start) -
         static_cast<std::size_t>(a.num_bits / 8);
}
}  // namespace

long inflate_raw(std::span<const uint8_t> deflate, std::span<uint8_t> out, std::size_t readable_after,
                 std::size_t* consumed) {
  if (deflate.size() > static_cast<std::size_t>(INT_MAX - 8) || out.size() > static_cast<std::size_t>(INT_MAX))
    return -1;
  // stb's inflate (v2.27, as Debian ships it) gives up on a code that ends in the last two bytes of
  // its input: it expects the Adler-32 that follows the deflate data in PNG and zlib streams. Padding
  // the input with a few zero bytes lets it finish; the decoder stops at the final block either way,
  // and a stream truncated into the padding still fails the CRC32 and size checks.
  // gzip's own 8-byte trailer serves the same purpose without a copy.
  constexpr std::size_t kSlack = 8;
  std::vector<char> padded;
  const char* in = reinterpret_cast<const char*>(deflate.data());
  if (readable_after < kSlack) {
    padded.assign(deflate.size() + kSlack, 0);
    std::memcpy(padded.data(), deflate.data(), deflate.size());
    in = padded.data();
  }
  char dummy = 0;  // stb wants a valid pointer even for an empty output
  char* obuf = out.empty() ? &dummy : reinterpret_cast<char*>(out.data());
  // stbi_zlib_decode_noheader_buffer, keeping the decoder's state to tell where the stream ended.
  stbi__zbuf a;
  a.zbuffer = reinterpret_cast<stbi_uc*>(const_cast<char*>(in));
  a.zbuffer_end = a.zbuffer + deflate.size() + kSlack;
  if (!stbi__do_zlib(&a, obuf, static_cast<int>(out.size()), 0, 0)) return -1;
  if (consumed) *consumed = consumed_bytes(a, in);
  return static_cast<long>(a.zout - a.zout_start);
}

bool inflate_raw_append(std::span<const uint8_t> deflate, Bytes& out, std::size_t& consumed) {
  if (deflate.size() > static_cast<std::size_t>(INT_MAX)) return false;
  const char* in = reinterpret_cast<const char*>(deflate.data());
  const int guess = static_cast<int>(std::min<std::size_t>(std::size_t(4) * deflate.size() + 64, 1 << 26));
  char* buf = static_cast<char*>(STBI_MALLOC(static_cast<std::size_t>(guess)));
  if (!buf) return false;
  stbi__zbuf a;
  a.zbuffer = reinterpret_cast<stbi_uc*>(const_cast<char*>(in));
  a.zbuffer_end = a.zbuffer + deflate.size();
  const bool ok = stbi__do_zlib(&a, buf, guess, /*exp=*/1, /*parse_header=*/0) != 0;
  if (ok) {  // stb grows the buffer with realloc, so the result is wherever a.zout_start now points
    consumed = consumed_bytes(a, in);
    out.insert(out.end(), reinterpret_cast<const uint8_t*>(a.zout_start), reinterpret_cast<const uint8_t*>(a.zout));
  }
  STBI_FREE(a.zout_start);
  return ok;
}

namespace {
// stb sizes its buffer for a PNG's image data from the chunk lengths the file claims, before reading
// them: a 124-byte file whose second IDAT chunk claims 1.1 GB made it ask for 2 GiB (found by
// tests/fuzz/fuzz_image). A chunk cannot be longer than the bytes left in the file, so every
// chunk's length is checked against them first.
void check_png_chunks(std::span<const uint8_t> bytes, const std::string& name) {
  static constexpr uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kSignature, 8) != 0) return;
  std::size_t pos = 8;
  while (bytes.size() - pos >= 8) {
    const uint8_t* c = bytes.data() + pos;
    const uint32_t length = uint32_t(c[0]) << 24 | uint32_t(c[1]) << 16 | uint32_t(c[2]) << 8 | c[3];
    const std::string type(reinterpret_cast<const char*>(c + 4), 4);
    const std::size_t left = bytes.size() - pos - 8;  // after the length and type fields
    if (length > left)
      throw DataError(name + ": corrupt PNG: chunk '" + type + "' at byte " + std::to_string(pos) + " claims " +
                      std::to_string(length) + " bytes, the file has " + std::to_string(left) + " left");
    if (type == "IEND") return;
    pos += 8 + std::size_t(length) + std::min<std::size_t>(4, left - length);  // data and CRC
  }
}

// stb (v2.27, as Debian ships it) decodes a JPEG scan with whatever Huffman tables the scan names,
// whether or not the file defined them; an undefined table is uninitialised memory, and a 180-byte
// file whose scan names the never-defined AC table 0 made it read at a wild address (found by
// tests/fuzz/fuzz_image). So the markers are walked first: every table a scan decodes with must
// have been defined (DHT) before it, and every component it names declared in the frame (SOF).
// Anything else malformed is left to stb's own checks, which refuse it cleanly.
void check_jpeg_tables(std::span<const uint8_t> b, const std::string& name) {
  if (b.size() < 4 || b[0] != 0xff || b[1] != 0xd8) return;
  auto fail = [&](std::size_t at, const std::string& what) {
    throw DataError(name + ": corrupt JPEG: " + what + " (marker at byte " + std::to_string(at) + ")");
  };
  bool dc_defined[4] = {}, ac_defined[4] = {};
  std::vector<int> frame_ids;  // the component ids the frame header declares
  bool progressive = false;
  std::size_t pos = 2;
  while (pos + 4 <= b.size()) {
    if (b[pos] != 0xff) {  // entropy-coded data of the last scan: skip to the next marker
      ++pos;
      continue;
    }
    const uint8_t m = b[pos + 1];
    if (m == 0xff || m == 0x00 || (m >= 0xd0 && m <= 0xd7) || m == 0x01) {  // fill, stuffed 0, RSTn, TEM
      pos += m == 0xff ? 1 : 2;
      continue;
    }
    if (m == 0xd9) return;  // EOI
    const std::size_t at = pos, len = std::size_t(b[pos + 2]) << 8 | b[pos + 3];
    if (len < 2 || pos + 2 + len > b.size()) return;  // truncated: stb reports it
    const uint8_t* seg = b.data() + pos + 4;
    const std::size_t n = len - 2;
    if (m == 0xc4) {  // DHT: one or more tables, each class/id, 16 code counts, the values
      std::size_t i = 0;
      while (i + 17 <= n) {
        const int tc = seg[i] >> 4, th = seg[i] & 15;
        std::size_t values = 0;
        for (int k = 1; k <= 16; ++k) values += seg[i + k];
        if (tc <= 1 && th <= 3) (tc == 0 ? dc_defined : ac_defined)[th] = true;
        i += 17 + values;
      }
    } else if (m == 0xc0 || m == 0xc1 || m == 0xc2) {  // SOF0/1/2: baseline, extended, progressive
      progressive = m == 0xc2;
      frame_ids.clear();
      if (n >= 6)
        for (std::size_t c = 0; c < seg[5] && 6 + 3 * c + 3 <= n; ++c) frame_ids.push_back(seg[6 + 3 * c]);
    } else if (m == 0xda) {  // SOS: components with their DC/AC tables, then the spectral selection
      const std::size_t count = n >= 1 ? seg[0] : 0;
      if (n < 1 + 2 * count + 3) return;
      const int ss = seg[1 + 2 * count], ah = seg[3 + 2 * count] >> 4;
      // Baseline scans decode both tables; a progressive DC scan its DC table (not when refining),
      // a progressive AC scan its AC table.
      const bool uses_dc = !progressive || (ss == 0 && ah == 0), uses_ac = !progressive || ss != 0;
      for (std::size_t c = 0; c < count; ++c) {
        const int id = seg[1 + 2 * c], td = seg[2 + 2 * c] >> 4, ta = seg[2 + 2 * c] & 15;
        if (std::find(frame_ids.begin(), frame_ids.end(), id) == frame_ids.end())
          fail(at, "scan names component " + std::to_string(id) + " that no frame header declares");
        if (uses_dc && (td > 3 || !dc_defined[td]))
          fail(at, "scan decodes with DC Huffman table " + std::to_string(td) + ", which the file never defines");
        if (uses_ac && (ta > 3 || !ac_defined[ta]))
          fail(at, "scan decodes with AC Huffman table " + std::to_string(ta) + ", which the file never defines");
      }
    }
    pos += 2 + len;
  }
}
}  // namespace

Tensor decode_image(std::span<const uint8_t> bytes, const std::string& name, int channels) {
  if (channels != 0 && channels != 1 && channels != 3)
    throw DataError(name + ": asked for " + std::to_string(channels) + " channels, expected 1 or 3");
  if (bytes.empty()) throw DataError(name + ": empty file (0 bytes)");
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) throw DataError(name + ": image file larger than 2 GiB");
  check_png_chunks(bytes, name);
  check_jpeg_tables(bytes, name);
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int len = static_cast<int>(bytes.size());
  int w = 0, h = 0, stored = 0;
  if (!stbi_info_from_memory(data, len, &w, &h, &stored))
    throw DataError(name + ": not a readable image (" + stbi_failure_reason() +
                    "); expected PNG, JPEG, BMP, GIF, TGA, PSD, HDR or PIC");
  int want = channels != 0 ? channels : (stored <= 2 ? 1 : 3);
  std::unique_ptr<stbi_uc, void (*)(void*)> px(stbi_load_from_memory(data, len, &w, &h, &stored, want),
                                               stbi_image_free);
  if (!px) throw DataError(name + ": cannot decode image: " + stbi_failure_reason());
  // stb accepts a BMP whose header says 0 pixels wide (it returns an empty image).
  if (w <= 0 || h <= 0)
    throw DataError(name + ": image of " + std::to_string(w) + " x " + std::to_string(h) + " pixels, expected at least 1 x 1");
  Tensor out = Tensor::empty({want, h, w}, DType::u8);  // (C, H, W) from stb's interleaved (H, W, C)
  uint8_t* o = out.data<uint8_t>();
  const std::size_t plane = static_cast<std::size_t>(h) * w;
  for (std::size_t i = 0; i < plane; ++i)
    for (int c = 0; c < want; ++c) o[c * plane + i] = px.get()[i * want + c];
  return out;
}

Tensor read_image(const std::filesystem::path& path, int channels) {
  return decode_image(read_bytes(path), path.string(), channels);
}

namespace {
void append_bytes(void* ctx, void* data, int size) {
  auto* out = static_cast<Bytes*>(ctx);
  const auto* p = static_cast<const uint8_t*>(data);
  out->insert(out->end(), p, p + size);
}
}  // namespace

Bytes encode_png(const Tensor& image) {
  if (!image.defined() || image.dtype() != DType::u8 || image.dim() != 3 ||
      (image.size(0) != 1 && image.size(0) != 3))
    throw DataError("write_png: expected a uint8 (C, H, W) image with C = 1 or 3, got " +
                    (image.defined() ? std::string(dtype_name(image.dtype())) + " " + shape_str(image.sizes())
                                     : std::string("an undefined tensor")));
  const int c = static_cast<int>(image.size(0)), h = static_cast<int>(image.size(1)),
            w = static_cast<int>(image.size(2));
  Tensor hwc = image.permute({1, 2, 0}).contiguous();  // stb writes interleaved (H, W, C)
  Bytes out;
  if (!stbi_write_png_to_func(append_bytes, &out, w, h, c, hwc.data<uint8_t>(), w * c))
    throw DataError("write_png: PNG encoding failed");
  return out;
}

void write_png(const std::filesystem::path& path, const Tensor& image) {
  Bytes png = encode_png(image);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw DataError(path.string() + ": cannot open for writing: " + std::strerror(errno));
  bool ok = std::fwrite(png.data(), 1, png.size(), f) == png.size();
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) throw DataError(path.string() + ": write failed");
}

}  // namespace hqc::data
