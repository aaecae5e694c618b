// files.hpp — getting a dataset file's bytes into memory safely, with errors that name the file.
//
// Every reader works on a byte span, so the same parser serves a file read from disk, a gunzipped
// buffer, a record read on demand and a fuzzer's input. read_bytes() refuses a missing file, a
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

// A file read piece by piece with pread: STL-10's 2.8 GB unlabeled split is read this way, so only
// the images a batch needs are loaded. It is not memory-mapped: a mapped file that shrinks while in
// use kills the process with SIGBUS on the next access, and one rewritten in place changes under the
// reader. Every read checks that the file still has the size and modification time it had when it
// was opened, so a changed file is an error naming it. Same checks at opening as read_bytes; reads
// from several threads at once are safe.
class RecordFile {
 public:
  explicit RecordFile(const std::filesystem::path& path);
  ~RecordFile();
  RecordFile(const RecordFile&) = delete;
  RecordFile& operator=(const RecordFile&) = delete;
  std::size_t size() const { return size_; }
  const std::filesystem::path& path() const { return path_; }
  // Bytes [offset, offset + out.size()) of the file; throws DataError when they lie outside the file
  // as opened, when the read comes up short, or when the file changed since it was opened.
  void read(std::size_t offset, std::span<uint8_t> out) const;

 private:
  void check_unchanged(const char* when) const;
  std::filesystem::path path_;
  int fd_ = -1;
  std::size_t size_ = 0;
  int64_t mtime_ns_ = 0;
};

// Lines of a small text file (class names, fold indices), without trailing '\r' and with empty
// trailing lines dropped.
std::vector<std::string> read_lines(const std::filesystem::path& path);

}  // namespace hqc::data
