// make_synthetic_idx.cpp — writes a small, learnable MNIST-shaped dataset in the official IDX format,
// so that the command-line tests train, resume, evaluate and attack real files on any machine.
//
//   make_synthetic_idx DIR TRAIN_IMAGES TEST_IMAGES [SEED]
//
// Writes DIR/train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
// t10k-labels-idx1-ubyte (uncompressed; the readers take plain or gzipped files). Image i has label
// i mod 10, shuffled by a seeded generator; class k is a brighter 8x8 square at one of ten positions on a
// heavily noisy background: a small model learns it, but not perfectly in the first epoch. Deterministic: the same
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

// Images (IDX3, n x 28 x 28) and labels (IDX1) of one split.
void write_split(const std::filesystem::path& dir, const std::string& prefix, uint32_t n, SplitMix64& gen) {
  constexpr uint32_t kSide = 28, kClasses = 10;
  std::vector<uint8_t> labels(n);
  for (uint32_t i = 0; i < n; ++i) labels[i] = static_cast<uint8_t>(i % kClasses);
  for (uint32_t i = n; i > 1; --i) std::swap(labels[i - 1], labels[gen.next() % i]);  // Fisher-Yates
  std::vector<uint8_t> images, label_file;
  put_be32(images, 2051);
  put_be32(images, n);
  put_be32(images, kSide);
  put_be32(images, kSide);
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t k = labels[i];
    const uint32_t top = 2 + (k / 5) * 12 + static_cast<uint32_t>(gen.next() % 3);  // two rows of five
    const uint32_t left = 1 + (k % 5) * 5 + static_cast<uint32_t>(gen.next() % 2);
    for (uint32_t y = 0; y < kSide; ++y)
      for (uint32_t x = 0; x < kSide; ++x) {
        const bool on = y >= top && y < top + 8 && x >= left && x < left + 8 && x < kSide;
        const uint32_t noise = static_cast<uint32_t>(gen.next() % 160);
        images.push_back(static_cast<uint8_t>(on ? 72 + noise : noise));
      }
  }
  put_be32(label_file, 2049);
  put_be32(label_file, n);
  label_file.insert(label_file.end(), labels.begin(), labels.end());
  write(dir / (prefix + "-images-idx3-ubyte"), images);
  write(dir / (prefix + "-labels-idx1-ubyte"), label_file);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || argc > 5) {
    std::fprintf(stderr, "usage: make_synthetic_idx DIR TRAIN_IMAGES TEST_IMAGES [SEED]\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const long train = std::strtol(argv[2], nullptr, 10), test = std::strtol(argv[3], nullptr, 10);
  const unsigned long long seed = argc == 5 ? std::strtoull(argv[4], nullptr, 10) : 0;
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
  write_split(dir, "train", static_cast<uint32_t>(train), gen);
  write_split(dir, "t10k", static_cast<uint32_t>(test), gen);
  return 0;
}
