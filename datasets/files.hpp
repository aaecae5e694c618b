// files.hpp — getting a dataset file's bytes into memory safely, with errors that name the file.
//
// Every reader works on a byte span, so the same parser serves a file read from disk, a gunzipped
// buffer, a memory-mapped file and a fuzzer's input. read_bytes() refuses a missing file, a
// directory, an unreadable or empty file with a message naming the path; read_maybe_gzipped()
// recognises gzip by its magic bytes (1f 8b), not by the file name, and inflates it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "tensor/tensor.hpp"

namespace hqc::data {

// Every reader error: the message starts with the file (or buffer) name.
struct DataError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using Bytes = std::vector<uint8_t>;

// The whole file; throws DataError for a missing path, a directory, an unreadable or empty file.
Bytes read_bytes(const std::filesystem::path& path);

// The file's contents, gunzipped when it starts with the gzip magic.
Bytes read_maybe_gzipped(const std::filesystem::path& path);

// The same as a uint8 tensor (N) (readers return views of it instead of copying).
Tensor read_maybe_gzipped_tensor(const std::filesystem::path& path);

// Finds `name` or `name.gz` in dir (the plain file first); empty path when neither exists.
std::filesystem::path find_official_file(const std::filesystem::path& dir, const std::string& name);

// A read-only memory map of a whole file (STL-10's 2.8 GB unlabeled split is read this way, so only
// the pages a batch touches are loaded). Same checks as read_bytes.
class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  const uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// Lines of a small text file (class names, fold indices), without trailing '\r' and with empty
// trailing lines dropped.
std::vector<std::string> read_lines(const std::filesystem::path& path);

}  // namespace hqc::data
