// files.cpp — reading and finding dataset files.
#include "datasets/files.hpp"

#include <fcntl.h>
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
  Bytes raw = read_bytes(path);
  if (is_gzip(raw)) return gunzip(raw, path.string());
  return raw;
}

Tensor read_maybe_gzipped_tensor(const fs::path& path) {
  RecordFile file(path);
  uint8_t magic[2] = {0, 0};
  file.read(0, std::span<uint8_t>(magic, std::min<std::size_t>(2, file.size())));
  if (file.size() >= 2 && is_gzip(magic)) {
    Bytes raw(file.size());
    file.read(0, raw);
    return gunzip_tensor(raw, path.string());
  }
  Tensor out = Tensor::empty({static_cast<int64_t>(file.size())}, DType::u8);  // read straight into place
  file.read(0, std::span<uint8_t>(out.data<uint8_t>(), file.size()));
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

namespace {
int64_t mtime_ns(const struct stat& sb) { return int64_t(sb.st_mtim.tv_sec) * 1000000000 + sb.st_mtim.tv_nsec; }
}  // namespace

RecordFile::RecordFile(const fs::path& path) : path_(path) {
  fd_ = open_checked(path, size_);
  struct stat sb {};
  ::fstat(fd_, &sb);  // open_checked just succeeded on the same call
  mtime_ns_ = mtime_ns(sb);
}

RecordFile::~RecordFile() {
  if (fd_ >= 0) ::close(fd_);
}

void RecordFile::check_unchanged(const char* when) const {
  struct stat sb {};
  if (::fstat(fd_, &sb) != 0)
    throw DataError(path_.string() + ": cannot check the file " + when + ": " + std::strerror(errno));
  if (static_cast<std::size_t>(sb.st_size) != size_ || mtime_ns(sb) != mtime_ns_)
    throw DataError(path_.string() + ": the file changed while in use (" + std::to_string(size_) +
                    " bytes when opened, now " + std::to_string(sb.st_size) + (mtime_ns(sb) != mtime_ns_ ? ", modified" : "") +
                    "); restart once it is complete");
}

void RecordFile::read(std::size_t offset, std::span<uint8_t> out) const {
  if (offset > size_ || out.size() > size_ - offset)
    throw DataError(path_.string() + ": bytes " + std::to_string(offset) + ".." + std::to_string(offset + out.size()) +
                    " are past the end of the file (" + std::to_string(size_) + " bytes)");
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw DataError(path_.string() + ": read failed at byte " + std::to_string(offset + done) + ": " + std::strerror(errno));
    if (n == 0) {
      check_unchanged("after a short read");
      throw DataError(path_.string() + ": read stopped at byte " + std::to_string(offset + done) + " of " +
                      std::to_string(size_));
    }
    done += static_cast<std::size_t>(n);
  }
  check_unchanged("after reading");  // after, so that bytes read from a file being rewritten are refused
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
