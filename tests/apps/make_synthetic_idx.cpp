// make_synthetic_idx.cpp — writes a small, learnable dataset in an official format (MNIST's IDX by
// default, CIFAR-10's, CIFAR-100's or STL-10's binary), so that the command-line tests train, resume,
// evaluate and attack real files on any machine.
//
//   make_synthetic_idx DIR TRAIN_IMAGES TEST_IMAGES [SEED [FORMAT]]     FORMAT: idx | cifar10 | cifar100 | stl10
//
// idx: DIR/train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
// t10k-labels-idx1-ubyte (uncompressed; the readers take plain or gzipped files), 28 x 28 grey.
// cifar10: data_batch_1.bin .. data_batch_5.bin (the training images dealt out in order) and
// test_batch.bin; cifar100: train.bin and test.bin (coarse label = fine label / 5); 32 x 32 RGB.
// stl10: train_X.bin, train_y.bin, test_X.bin, test_y.bin, 96 x 96 RGB, each plane column-major.
// Image i has label i mod the class count, shuffled by a seeded generator; a class is a brighter
// square at one of ten positions (and, past ten classes, a brighter channel) on a heavily noisy
// background: a small model learns it, but not perfectly in the first epoch. Deterministic: the same
// arguments give the same bytes on every machine.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

// SplitMix64: a tiny deterministic generator (no library distribution decides a value).
struct SplitMix64 {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
};

void put_be32(std::vector<uint8_t>& out, uint32_t v) {
  for (int k = 3; k >= 0; --k) out.push_back(static_cast<uint8_t>(v >> (8 * k)));
}

void write(const std::filesystem::path& p, const std::vector<uint8_t>& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out.flush()) {
    std::fprintf(stderr, "make_synthetic_idx: cannot write %s\n", p.c_str());
    std::exit(1);
  }
}

struct Format {
  const char* name;
  uint32_t side, channels, classes;
};
constexpr Format kFormats[] = {{"idx", 28, 1, 10}, {"cifar10", 32, 3, 10}, {"cifar100", 32, 3, 100}, {"stl10", 96, 3, 10}};

// One split: its labels, shuffled, and its images as (n, C, H, W) row-major bytes.
struct Split {
  std::vector<uint8_t> labels, images;
};
Split make_split(const Format& f, uint32_t n, SplitMix64& gen) {
  Split s;
  s.labels.resize(n);
  for (uint32_t i = 0; i < n; ++i) s.labels[i] = static_cast<uint8_t>(i % f.classes);
  for (uint32_t i = n; i > 1; --i) std::swap(s.labels[i - 1], s.labels[gen.next() % i]);  // Fisher-Yates
  const uint32_t cell = f.side * 2 / 7, square = f.side * 2 / 7;  // 8 and 8 at 28 pixels
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t k = s.labels[i];
    const uint32_t top = 2 + (k % 10 / 5) * (f.side * 3 / 7) + static_cast<uint32_t>(gen.next() % 3);  // two rows of five
    const uint32_t left = 1 + (k % 5) * (cell * 5 / 8) + static_cast<uint32_t>(gen.next() % 2);
    const uint32_t lit = k / 10 % f.channels;  // past ten classes, the channel that lights up
    for (uint32_t c = 0; c < f.channels; ++c)
      for (uint32_t y = 0; y < f.side; ++y)
        for (uint32_t x = 0; x < f.side; ++x) {
          const bool on = y >= top && y < top + square && x >= left && x < left + square && x < f.side &&
                          (f.channels == 1 || c == lit || k < 10);
          const uint32_t noise = static_cast<uint32_t>(gen.next() % 160);
          s.images.push_back(static_cast<uint8_t>(on ? 72 + noise : noise));
        }
  }
  return s;
}

// Images (IDX3, n x 28 x 28) and labels (IDX1) of one split.
void write_idx(const std::filesystem::path& dir, const std::string& prefix, const Split& s) {
  const uint32_t n = static_cast<uint32_t>(s.labels.size());
  std::vector<uint8_t> images, label_file;
  put_be32(images, 2051);
  put_be32(images, n);
  put_be32(images, 28);
  put_be32(images, 28);
  images.insert(images.end(), s.images.begin(), s.images.end());
  put_be32(label_file, 2049);
  put_be32(label_file, n);
  label_file.insert(label_file.end(), s.labels.begin(), s.labels.end());
  write(dir / (prefix + "-images-idx3-ubyte"), images);
  write(dir / (prefix + "-labels-idx1-ubyte"), label_file);
}

// CIFAR records of images [from, to): the label byte(s), then the 3 x 32 x 32 planes.
std::vector<uint8_t> cifar_records(const Split& s, uint32_t from, uint32_t to, bool cifar100) {
  constexpr uint32_t kBytes = 3 * 32 * 32;
  std::vector<uint8_t> out;
  for (uint32_t i = from; i < to; ++i) {
    if (cifar100) out.push_back(static_cast<uint8_t>(s.labels[i] / 5));
    out.push_back(s.labels[i]);
    out.insert(out.end(), s.images.begin() + i * kBytes, s.images.begin() + (i + 1) * kBytes);
  }
  return out;
}

// STL-10: the images with each 96 x 96 plane stored column by column, the labels 1..10.
void write_stl10(const std::filesystem::path& dir, const std::string& split, const Split& s) {
  constexpr uint32_t kSide = 96, kPlane = kSide * kSide;
  std::vector<uint8_t> images(s.images.size()), labels;
  for (std::size_t p = 0; p < s.images.size() / kPlane; ++p)
    for (uint32_t y = 0; y < kSide; ++y)
      for (uint32_t x = 0; x < kSide; ++x) images[p * kPlane + x * kSide + y] = s.images[p * kPlane + y * kSide + x];
  for (uint8_t l : s.labels) labels.push_back(static_cast<uint8_t>(l + 1));
  write(dir / (split + "_X.bin"), images);
  write(dir / (split + "_y.bin"), labels);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || argc > 6) {
    std::fprintf(stderr, "usage: make_synthetic_idx DIR TRAIN_IMAGES TEST_IMAGES [SEED [idx|cifar10|cifar100|stl10]]\n");
    return 2;
  }
  const std::string format_name = argc == 6 ? argv[5] : "idx";
  const Format* format = nullptr;
  for (const Format& f : kFormats)
    if (format_name == f.name) format = &f;
  if (!format) {
    std::fprintf(stderr, "make_synthetic_idx: unknown format '%s' (idx, cifar10, cifar100, stl10)\n", format_name.c_str());
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const long train = std::strtol(argv[2], nullptr, 10), test = std::strtol(argv[3], nullptr, 10);
  const unsigned long long seed = argc >= 5 ? std::strtoull(argv[4], nullptr, 10) : 0;
  if (train < 1 || test < 1 || train > 1000000 || test > 1000000) {
    std::fprintf(stderr, "make_synthetic_idx: image counts must be in [1, 1000000]\n");
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "make_synthetic_idx: cannot create %s: %s\n", dir.c_str(), ec.message().c_str());
    return 1;
  }
  SplitMix64 gen{seed * 0x2545f4914f6cdd1dull + 1};
  const Split tr = make_split(*format, static_cast<uint32_t>(train), gen);
  const Split te = make_split(*format, static_cast<uint32_t>(test), gen);
  const std::string f = format->name;
  if (f == "idx") {
    write_idx(dir, "train", tr);
    write_idx(dir, "t10k", te);
  } else if (f == "cifar10") {
    const uint32_t n = static_cast<uint32_t>(train);
    for (uint32_t b = 0; b < 5; ++b)
      write(dir / ("data_batch_" + std::to_string(b + 1) + ".bin"), cifar_records(tr, n * b / 5, n * (b + 1) / 5, false));
    write(dir / "test_batch.bin", cifar_records(te, 0, static_cast<uint32_t>(test), false));
  } else if (f == "cifar100") {
    write(dir / "train.bin", cifar_records(tr, 0, static_cast<uint32_t>(train), true));
    write(dir / "test.bin", cifar_records(te, 0, static_cast<uint32_t>(test), true));
  } else {
    write_stl10(dir, "train", tr);
    write_stl10(dir, "test", te);
  }
  return 0;
}
