// stl10.cpp — STL-10 images, labels, folds and the unlabeled split read on demand.
#include "datasets/stl10.hpp"

#include <utility>

#include "datasets/cifar.hpp"

namespace hqc::data {

namespace {
constexpr int64_t kPlane = kStl10Side * kStl10Side;

void check_image_bytes(std::size_t size, const std::string& name) {
  if (size == 0) throw DataError(name + ": empty file, expected STL-10 images of 27648 bytes");
  if (size % kStl10ImageBytes != 0)
    throw DataError(name + ": size " + std::to_string(size) + " bytes is not a whole number of STL-10 images of " +
                    std::to_string(kStl10ImageBytes) + " bytes (" + std::to_string(size / kStl10ImageBytes) +
                    " images and " + std::to_string(size % kStl10ImageBytes) + " bytes left over)");
}

// Reads image `index` straight into out and transposes its square planes in place (no second buffer:
// the bytes stay in cache for the transforms that follow).
void fetch_column_major(const RecordFile& file, int64_t index, uint8_t* out) {
  file.read(static_cast<std::size_t>(index * kStl10ImageBytes), std::span<uint8_t>(out, kStl10ImageBytes));
  for (int64_t c = 0; c < 3; ++c) {
    uint8_t* p = out + c * kPlane;  // p[x * 96 + y] -> p[y * 96 + x]
    for (int64_t y = 0; y < kStl10Side; ++y)
      for (int64_t x = y + 1; x < kStl10Side; ++x) std::swap(p[y * kStl10Side + x], p[x * kStl10Side + y]);
  }
}

std::vector<std::string> class_names(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir / "class_names.txt", ec)) return read_class_names(dir / "class_names.txt", 10);
  return dataset_info("stl10").classes;
}
}  // namespace

void stl10_to_row_major(const uint8_t* src, uint8_t* dst) {
  for (int64_t c = 0; c < 3; ++c) {
    const uint8_t* s = src + c * kPlane;  // s[x * 96 + y]
    uint8_t* d = dst + c * kPlane;        // d[y * 96 + x]
    for (int64_t y = 0; y < kStl10Side; ++y)
      for (int64_t x = 0; x < kStl10Side; ++x) d[y * kStl10Side + x] = s[x * kStl10Side + y];
  }
}

Tensor parse_stl10_images(std::span<const uint8_t> bytes, const std::string& name) {
  check_image_bytes(bytes.size(), name);
  const int64_t n = static_cast<int64_t>(bytes.size()) / kStl10ImageBytes;
  Tensor out = Tensor::empty({n, 3, kStl10Side, kStl10Side}, DType::u8);  // (N, 3, 96, 96)
  uint8_t* o = out.data<uint8_t>();
  for (int64_t i = 0; i < n; ++i) stl10_to_row_major(bytes.data() + i * kStl10ImageBytes, o + i * kStl10ImageBytes);
  return out;
}

Tensor parse_stl10_labels(std::span<const uint8_t> bytes, const std::string& name) {
  if (bytes.empty()) throw DataError(name + ": empty file, expected STL-10 labels (one byte 1..10 per image)");
  Tensor out = Tensor::empty({static_cast<int64_t>(bytes.size())}, DType::i64);  // (N)
  int64_t* o = out.data<int64_t>();
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] < 1 || bytes[i] > 10)
      throw DataError(name + ": label " + std::to_string(bytes[i]) + " of image " + std::to_string(i) +
                      " is out of range, expected 1..10");
    o[i] = bytes[i] - 1;
  }
  return out;
}

std::vector<std::vector<int64_t>> parse_stl10_folds(std::span<const uint8_t> text, const std::string& name,
                                                    int64_t train_count) {
  std::vector<std::vector<int64_t>> folds;
  std::vector<int64_t> cur;
  int64_t line = 1, value = -1;
  auto end_number = [&] {
    if (value >= 0) cur.push_back(value);
    value = -1;
  };
  for (std::size_t i = 0; i <= text.size(); ++i) {
    const int ch = i < text.size() ? text[i] : '\n';
    if (ch >= '0' && ch <= '9') {
      value = (value < 0 ? 0 : value) * 10 + (ch - '0');
      if (value >= train_count)
        throw DataError(name + ": line " + std::to_string(line) + ": index " + std::to_string(value) +
                        (value >= 1000000 ? "..." : "") + " is out of range, the training set has " +
                        std::to_string(train_count) + " images");
    } else if (ch == ' ' || ch == '\t' || ch == '\r') {
      end_number();
    } else if (ch == '\n') {
      end_number();
      if (!cur.empty()) folds.push_back(std::move(cur));
      cur.clear();
      ++line;
    } else {
      throw DataError(name + ": line " + std::to_string(line) + ": unexpected character " +
                      (ch >= 32 && ch < 127 ? "'" + std::string(1, char(ch)) + "'" : "byte " + std::to_string(ch)) +
                      ", expected space-separated indices");
    }
  }
  if (folds.size() != 10)
    throw DataError(name + ": expected 10 lines of fold indices, found " + std::to_string(folds.size()));
  return folds;
}

Dataset load_stl10(const std::filesystem::path& dir, const std::string& split) {
  std::vector<std::string> classes = class_names(dir);
  if (split == "unlabeled") {
    const std::filesystem::path x = dir / "unlabeled_X.bin";
    auto file = std::make_shared<const RecordFile>(x);
    check_image_bytes(file->size(), x.string());
    const int64_t n = static_cast<int64_t>(file->size()) / kStl10ImageBytes;
    check_official_count(x, "STL-10 unlabeled_X.bin", 100000, n);
    return Dataset("stl10", split, file, fetch_column_major, n, {3, kStl10Side, kStl10Side}, Tensor(), classes);
  }
  if (split != "train" && split != "test")
    throw DataError("stl10: no split '" + split + "', expected train, test or unlabeled");
  const std::filesystem::path x = dir / (split + "_X.bin"), y = dir / (split + "_y.bin");
  Tensor images = parse_stl10_images(read_bytes(x), x.string());
  Tensor labels = parse_stl10_labels(read_bytes(y), y.string());
  if (images.size(0) != labels.size(0))
    throw DataError(x.string() + " holds " + std::to_string(images.size(0)) + " images but " + y.string() +
                    " holds " + std::to_string(labels.size(0)) + " labels");
  check_official_count(x, "STL-10 " + split + "_X.bin", split == "train" ? 5000 : 8000, images.size(0));
  return Dataset("stl10", split, images, labels, classes);
}

std::vector<std::vector<int64_t>> load_stl10_folds(const std::filesystem::path& dir, int64_t train_count) {
  const std::filesystem::path p = dir / "fold_indices.txt";
  return parse_stl10_folds(read_bytes(p), p.string(), train_count);
}

}  // namespace hqc::data
