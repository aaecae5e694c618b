// ds_helpers.hpp — what the datasets tests share: a scratch folder, byte writers for each format,
// and a check that an error message names what it should.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "datasets/files.hpp"
#include "helpers.hpp"

namespace hqc::test {

// A fresh folder under the system temp dir, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("hqc_datasets_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::filesystem::path& p, const std::vector<uint8_t>& bytes) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}
inline void write_text(const std::filesystem::path& p, const std::string& s) {
  write_file(p, std::vector<uint8_t>(s.begin(), s.end()));
}

inline void put_be32(std::vector<uint8_t>& out, uint32_t v) {
  for (int k = 3; k >= 0; --k) out.push_back(static_cast<uint8_t>(v >> (8 * k)));
}

// An IDX image file of n images rows x cols; pixel (i, y, x) = f(i, y, x).
inline std::vector<uint8_t> idx_images(uint32_t n, uint32_t rows, uint32_t cols,
                                       const std::function<uint8_t(uint32_t, uint32_t, uint32_t)>& f) {
  std::vector<uint8_t> out;
  put_be32(out, 2051);
  put_be32(out, n);
  put_be32(out, rows);
  put_be32(out, cols);
  for (uint32_t i = 0; i < n; ++i)
    for (uint32_t y = 0; y < rows; ++y)
      for (uint32_t x = 0; x < cols; ++x) out.push_back(f(i, y, x));
  return out;
}
inline std::vector<uint8_t> idx_labels(const std::vector<uint8_t>& labels) {
  std::vector<uint8_t> out;
  put_be32(out, 2049);
  put_be32(out, static_cast<uint32_t>(labels.size()));
  out.insert(out.end(), labels.begin(), labels.end());
  return out;
}

// The message of the DataError fn throws ("" when it throws nothing; other exceptions fail the test).
inline std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const data::DataError& e) {
    return e.what();
  }
  return "";
}
inline bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// CHECK that fn throws a DataError whose message contains every one of the given parts.
#define CHECK_DATA_ERROR(fn, ...)                                                   \
  do {                                                                              \
    const std::string msg_ = ::hqc::test::error_of(fn);                             \
    CHECK_MESSAGE(!msg_.empty(), "expected a DataError");                          \
    for (const std::string& part_ : std::vector<std::string>{__VA_ARGS__})          \
      CHECK_MESSAGE(::hqc::test::contains(msg_, part_), "message: " << msg_ << "\nmissing: " << part_); \
  } while (0)

}  // namespace hqc::test
