// write_checks.hpp — what the tests of safe file writing share: a scratch folder, running code in a
// child process (with a file size limit, to make write() fail as on a full disk: the tests run as
// root, so permission bits would not stop a write), and listing what a folder holds.
#pragma once

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

namespace hqc::test {

// A fresh folder under the system's temporary folder, removed with everything in it at scope exit.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name) {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("hqc_test_" + name + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void write_plain(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The names in a folder (not recursive), sorted.
inline std::vector<std::string> folder_entries(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

struct ChildOutcome {
  int exit_code = -1;   // the child's exit status; -1 when it died of a signal
  bool threw = false;   // the body threw
  std::string message;  // what() of the exception the body threw
};

// Runs `body` in a forked child and reports whether it threw and with what message. With
// `file_size_limit` > 0 the child may not write past that many bytes into any file, and write()
// fails with EFBIG instead of raising SIGXFSZ. The body must not start threads.
inline ChildOutcome run_in_child(const std::function<void()>& body, long file_size_limit = 0) {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    if (file_size_limit > 0) {
      ::signal(SIGXFSZ, SIG_IGN);
      struct rlimit lim {};
      lim.rlim_cur = lim.rlim_max = static_cast<rlim_t>(file_size_limit);
      if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) ::_exit(3);
    }
    int code = 0;
    std::string message;
    try {
      body();
    } catch (const std::exception& e) {
      code = 1;
      message = e.what();
    } catch (...) {
      code = 2;
    }
    // The message goes back before the limit could stop it: a pipe is not a file.
    if (!message.empty() && ::write(fds[1], message.data(), message.size()) < 0) code = 4;
    ::close(fds[1]);
    ::_exit(code);
  }
  ::close(fds[1]);
  ChildOutcome out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.message.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  out.threw = out.exit_code == 1 || out.exit_code == 2;
  return out;
}

}  // namespace hqc::test
