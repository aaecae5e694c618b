// cifar.cpp — CIFAR-10 / CIFAR-100 record parsing and their file sets.
#include "datasets/cifar.hpp"

#include <cstring>

namespace hqc::data {

namespace {
constexpr int64_t kPixels = 3 * 32 * 32;

std::vector<std::string> class_names_or(const std::filesystem::path& path, const std::vector<std::string>& fallback,
                                        int64_t count) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return fallback;
  return read_class_names(path, count);
}

}  // namespace

CifarRecords parse_cifar(std::span<const uint8_t> bytes, const std::string& name, CifarLabels kind) {
  const int64_t label_bytes = kind == CifarLabels::cifar10 ? 1 : 2;
  const int64_t record = label_bytes + kPixels;
  const int64_t which = kind == CifarLabels::cifar100_fine ? 1 : 0;  // CIFAR-100: coarse byte, then fine
  const char* format = kind == CifarLabels::cifar10 ? "CIFAR-10" : "CIFAR-100";
  const int64_t size = static_cast<int64_t>(bytes.size());
  if (size == 0) throw DataError(name + ": empty file, expected " + format + " records of " + std::to_string(record) + " bytes");
  if (size % record != 0)
    throw DataError(name + ": size " + std::to_string(size) + " bytes is not a whole number of " + format + " records of " +
                    std::to_string(record) + " bytes (" + std::to_string(size / record) + " records and " +
                    std::to_string(size % record) + " bytes left over)");
  const int64_t n = size / record;
  CifarRecords out{Tensor::empty({n, 3, 32, 32}, DType::u8), Tensor::empty({n}, DType::i64)};
  uint8_t* img = out.images.data<uint8_t>();  // (N, 3, 32, 32)
  int64_t* lbl = out.labels.data<int64_t>();  // (N)
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* r = bytes.data() + i * record;
    for (int64_t b = 0; b < label_bytes; ++b) {  // both CIFAR-100 labels are checked, whichever is used
      const int64_t limit = label_bytes == 1 ? 10 : (b == 0 ? 20 : 100);
      if (r[b] >= limit)
        throw DataError(name + ": record " + std::to_string(i) + " has " +
                        (label_bytes == 1 ? "label " : b == 0 ? "coarse label " : "fine label ") +
                        std::to_string(r[b]) + ", expected 0.." + std::to_string(limit - 1));
    }
    lbl[i] = r[which];
    std::memcpy(img + i * kPixels, r + label_bytes, kPixels);  // planes R, G, B, row-major: as stored
  }
  return out;
}

std::vector<std::string> read_class_names(const std::filesystem::path& path, int64_t count) {
  std::vector<std::string> lines = read_lines(path), names;
  for (std::string& l : lines) {
    std::size_t a = l.find_first_not_of(" \t"), b = l.find_last_not_of(" \t");
    if (a != std::string::npos) names.push_back(l.substr(a, b - a + 1));
  }
  if (static_cast<int64_t>(names.size()) != count)
    throw DataError(path.string() + ": expected " + std::to_string(count) + " class names, found " +
                    std::to_string(names.size()));
  return names;
}

Dataset load_cifar10(const std::filesystem::path& dir, const std::string& split) {
  std::vector<std::string> files;
  if (split == "train")
    for (int k = 1; k <= 5; ++k) files.push_back("data_batch_" + std::to_string(k) + ".bin");
  else if (split == "test")
    files.push_back("test_batch.bin");
  else
    throw DataError("cifar10: no split '" + split + "', expected train or test");
  std::vector<CifarRecords> parts;
  int64_t total = 0;
  for (const std::string& f : files) {
    parts.push_back(parse_cifar(read_bytes(dir / f), (dir / f).string(), CifarLabels::cifar10));
    total += parts.back().labels.size(0);
    check_official_count(dir / f, "CIFAR-10 " + f, 10000, parts.back().labels.size(0));
  }
  Tensor images = Tensor::empty({total, 3, 32, 32}, DType::u8), labels = Tensor::empty({total}, DType::i64);
  int64_t at = 0;
  for (const CifarRecords& p : parts) {
    const int64_t n = p.labels.size(0);
    images.narrow(0, at, n).copy_(p.images);
    labels.narrow(0, at, n).copy_(p.labels);
    at += n;
  }
  return Dataset("cifar10", split, images, labels,
                 class_names_or(dir / "batches.meta.txt", dataset_info("cifar10").classes, 10));
}

Dataset load_cifar100(const std::filesystem::path& dir, const std::string& split, bool coarse) {
  if (split != "train" && split != "test") throw DataError("cifar100: no split '" + split + "', expected train or test");
  const std::filesystem::path file = dir / (split + ".bin");
  CifarRecords r = parse_cifar(read_bytes(file), file.string(),
                               coarse ? CifarLabels::cifar100_coarse : CifarLabels::cifar100_fine);
  check_official_count(file, "CIFAR-100 " + split + ".bin", split == "train" ? 50000 : 10000, r.labels.size(0));
  std::vector<std::string> classes =
      coarse ? class_names_or(dir / "coarse_label_names.txt", cifar100_coarse_classes(), 20)
             : class_names_or(dir / "fine_label_names.txt", dataset_info("cifar100").classes, 100);
  return Dataset("cifar100", split, r.images, r.labels, classes);
}

}  // namespace hqc::data
