// atomic_file.cpp — write_file_atomically (the guarantee is in atomic_file.hpp), on POSIX calls:
// the C++ streams cannot create a file exclusively, refuse a link, or fsync.
#include "nn/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

namespace hqc::nn {

namespace {

// Closes a descriptor on every path out of a scope.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what, int err) {
  throw FileWriteError(path.string() + ": " + what + ": " + std::strerror(err));
}

constexpr std::size_t kRandomChars = 6;

// Six letters that differ between processes, threads and calls; O_EXCL makes a collision harmless.
std::string unique_suffix() {
  static std::atomic<uint64_t> counter{0};
  uint64_t z = uint64_t(::getpid()) * 0x9e3779b97f4a7c15ull ^
               uint64_t(std::chrono::steady_clock::now().time_since_epoch().count()) ^
               (counter.fetch_add(1) + 1) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string s(kRandomChars, 'x');
  for (char& c : s) {
    c = kAlphabet[z % 62];
    z /= 62;
  }
  return s;
}

// The temporary's name up to its random part; the final name is cut so that the whole stays within
// NAME_MAX (255) whatever the final name's length.
std::string temporary_head(std::string_view final_name) {
  return "." + std::string(final_name.substr(0, 200)) + ".";
}
}  // namespace

bool is_temporary_of(std::string_view entry, std::string_view final_name) {
  const std::string head = temporary_head(final_name);
  return entry.size() == head.size() + kRandomChars + 4 && entry.substr(0, head.size()) == head &&
         entry.substr(entry.size() - 4) == ".tmp";
}

void write_file_atomically(const std::filesystem::path& path, std::string_view bytes) {
  const std::filesystem::path folder = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const std::string name = path.filename().string();
  if (name.empty() || name == "." || name == "..") fail(path, "not a file name", EISDIR);
  Fd dir;
  dir.fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  const int open_err = errno;
  if (dir.fd < 0) fail(path, "cannot open the folder " + folder.string(), open_err);

  const std::string stem = temporary_head(name);
  std::string tmp;
  Fd file;
  for (int attempt = 0; attempt < 100 && file.fd < 0; ++attempt) {
    tmp = stem + unique_suffix() + ".tmp";
    file.fd = ::openat(dir.fd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    const int err = errno;
    if (file.fd < 0 && err != EEXIST) fail(path, "cannot create a temporary file in " + folder.string(), err);
  }
  if (file.fd < 0) fail(path, "cannot create a temporary file in " + folder.string(), EEXIST);

  // From here on, any failure removes the temporary before reporting.
  auto abandon = [&](const std::string& what, int err) {
    ::close(file.fd);
    file.fd = -1;
    ::unlinkat(dir.fd, tmp.c_str(), 0);
    fail(path, what, err);
  };
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(file.fd, p, left);
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      abandon("write failed after " + std::to_string(bytes.size() - left) + " of " + std::to_string(bytes.size()) +
                  " bytes",
              err);
    }
    if (n == 0) abandon("write made no progress", EIO);
    p += n;
    left -= std::size_t(n);
  }
  int rc;
  do rc = ::fsync(file.fd);
  while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const int err = errno;
    abandon("cannot flush the file to disk", err);
  }
  const int fd = file.fd;
  file.fd = -1;
  // Linux releases the descriptor even when close reports EINTR; any other error means lost data.
  if (::close(fd) != 0 && errno != EINTR) {
    const int err = errno;
    ::unlinkat(dir.fd, tmp.c_str(), 0);
    fail(path, "cannot close the file", err);
  }
  if (::renameat(dir.fd, tmp.c_str(), dir.fd, name.c_str()) != 0) {
    const int err = errno;
    ::unlinkat(dir.fd, tmp.c_str(), 0);
    fail(path, "cannot move the new file into place", err);
  }
  // The rename is durable only once the folder's entry is on disk. Some file systems cannot fsync a
  // folder (EINVAL); the file itself is complete there either way.
  do rc = ::fsync(dir.fd);
  while (rc != 0 && errno == EINTR);
  const int sync_err = errno;
  if (rc != 0 && sync_err != EINVAL) fail(path, "cannot flush the folder " + folder.string() + " to disk", sync_err);
}

}  // namespace hqc::nn
