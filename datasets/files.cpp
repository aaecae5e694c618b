// files.cpp — reading, mapping and finding dataset files.
#include "datasets/files.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <fstream>

#include "datasets/gzip.hpp"

namespace hqc::data {

namespace fs = std::filesystem;

namespace {
// Opens path for reading and returns its size, refusing what is not a readable, non-empty file.
int open_checked(const fs::path& path, std::size_t& size) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st))
    throw DataError(path.string() + ": no such file");
  if (fs::is_directory(st))
    throw DataError(path.string() + ": is a directory, expected a data file");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw DataError(path.string() + ": cannot open: " + std::strerror(errno));
  struct stat sb {};
  if (::fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    ::close(fd);
    throw DataError(path.string() + ": not a regular file");
  }
  if (sb.st_size == 0) {
    ::close(fd);
    throw DataError(path.string() + ": empty file (0 bytes)");
  }
  size = static_cast<std::size_t>(sb.st_size);
  return fd;
}
}  // namespace

Bytes read_bytes(const fs::path& path) {
  std::size_t size = 0;
  int fd = open_checked(path, size);
  Bytes out(size);
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, out.data() + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      throw DataError(path.string() + ": read failed after " + std::to_string(done) + " of " +
                      std::to_string(size) + " bytes" + (n < 0 ? std::string(": ") + std::strerror(err) : ""));
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return out;
}

Bytes read_maybe_gzipped(const fs::path& path) {
  // Mapped rather than read: the compressed bytes are only passed through once.
  MappedFile file(path);
  std::span<const uint8_t> raw = file.bytes();
  if (is_gzip(raw)) return gunzip(raw, path.string());
  return Bytes(raw.begin(), raw.end());
}

Tensor read_maybe_gzipped_tensor(const fs::path& path) {
  MappedFile file(path);
  std::span<const uint8_t> raw = file.bytes();
  if (is_gzip(raw)) return gunzip_tensor(raw, path.string());
  Tensor out = Tensor::empty({static_cast<int64_t>(raw.size())}, DType::u8);
  std::copy(raw.begin(), raw.end(), out.data<uint8_t>());
  return out;
}

fs::path find_official_file(const fs::path& dir, const std::string& name) {
  std::error_code ec;
  for (const std::string& candidate : {name, name + ".gz"}) {
    fs::path p = dir / candidate;
    if (fs::exists(p, ec)) return p;
  }
  return {};
}

MappedFile::MappedFile(const fs::path& path) : path_(path) {
  int fd = open_checked(path, size_);
  void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
  int err = errno;
  ::close(fd);
  if (p == MAP_FAILED) throw DataError(path.string() + ": cannot map: " + std::strerror(err));
  data_ = static_cast<const uint8_t*>(p);
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

std::vector<std::string> read_lines(const fs::path& path) {
  Bytes b = read_bytes(path);
  std::vector<std::string> lines;
  std::string cur;
  for (uint8_t c : b) {
    if (c == '\n') {
      lines.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur.push_back(static_cast<char>(c));
    }
  }
  if (!cur.empty()) lines.push_back(cur);
  while (!lines.empty() && lines.back().find_first_not_of(" \t") == std::string::npos) lines.pop_back();
  return lines;
}

}  // namespace hqc::data
