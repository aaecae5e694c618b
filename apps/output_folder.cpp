// output_folder.cpp — OutputFolder (what it guarantees is in output_folder.hpp).
#include "apps/output_folder.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "apps/cli.hpp"
#include "nn/atomic_file.hpp"

namespace hqc::app {

namespace fs = std::filesystem;

const std::vector<std::string>& run_output_names() {
  static const std::vector<std::string> names = {"checkpoint.hqc", "last.hqc",      "metrics.csv",
                                                 "curves.png",     "curves.svg",    "confusion.png",
                                                 "confusion.svg",  "attack.hqc"};
  return names;
}

const std::vector<std::string>& compare_output_names() {
  static const std::vector<std::string> names = {"report.md", "comparison.png", "comparison.svg", "compare-state.hqc"};
  return names;
}

namespace {

[[noreturn]] void refuse(const std::string& message) { throw cli::RuntimeError(message); }

std::string join(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace

OutputFolder::OutputFolder(const fs::path& dir, OutputMode mode, const std::vector<std::string>& owned) : dir_(dir) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_))
    refuse(dir_.string() + ": cannot create the output folder: " +
           (ec ? ec.message() : std::string("a file of that name is in the way")));

  const fs::path lock = dir_ / ".lock";
  lock_fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (lock_fd_ < 0) {
    const int err = errno;
    refuse(lock.string() + ": cannot open the output folder's lock file: " + std::strerror(err) +
           (err == ELOOP ? " (it is a symbolic link; remove it)" : ""));
  }
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char pid[32] = {0};
    const ssize_t n = ::pread(lock_fd_, pid, sizeof pid - 1, 0);
    ::close(lock_fd_);
    lock_fd_ = -1;
    if (err != EWOULDBLOCK) refuse(lock.string() + ": cannot lock the output folder: " + std::strerror(err));
    std::string who = "another hqc run";
    if (n > 0 && pid[0] >= '1' && pid[0] <= '9') who += " (process " + std::string(pid, std::strcspn(pid, "\n")) + ")";
    refuse(dir_.string() + ": the output folder is in use by " + who +
           "; wait for it to finish or choose another --out");
  }
  // The holder's process id, for the message a refused second run prints (the flock alone excludes).
  const std::string me = std::to_string(::getpid()) + "\n";
  const bool noted = ::ftruncate(lock_fd_, 0) == 0 && ::pwrite(lock_fd_, me.data(), me.size(), 0) > 0;
  (void)noted;

  try {
    if (mode == OutputMode::resume) return;
    std::vector<std::string> present;
    for (const auto& name : owned)
      if (fs::exists(fs::symlink_status(dir_ / name, ec))) present.push_back(name);
    if (mode == OutputMode::fresh) {
      if (!present.empty()) {
        // A run that was stopped before its end is more likely to be continued than replaced.
        bool resumable = false;
        for (const auto& name : present)
          resumable |= fs::path(name).filename() == "last.hqc" || name == "compare-state.hqc";
        refuse(dir_.string() + ": the output folder already holds another run's files (" + join(present) + "); " +
               (resumable ? "continue that run with --resume " + dir_.string() + ", or " : std::string()) +
               "give --overwrite to replace them, or choose another --out");
      }
      return;
    }
    for (const auto& name : present) {
      const fs::path p = dir_ / name;
      if (fs::is_directory(fs::symlink_status(p, ec)))
        refuse(p.string() + ": a folder where hqc writes a file; not removed (move it away, or choose another --out)");
      if (!fs::remove(p, ec) && ec) refuse(p.string() + ": cannot remove it for --overwrite: " + ec.message());
      removed_.push_back(name);
    }
    // Temporaries of owned files that a killed writer could not remove.
    for (const auto& name : owned) {
      const fs::path rel(name);
      const fs::path folder = dir_ / rel.parent_path();
      if (!fs::is_directory(fs::symlink_status(folder, ec))) continue;
      for (const auto& entry : fs::directory_iterator(folder, ec)) {
        const std::string e = entry.path().filename().string();
        if (!nn::is_temporary_of(e, rel.filename().string()) || !entry.is_regular_file(ec)) continue;
        if (fs::remove(entry.path(), ec)) removed_.push_back((rel.parent_path() / e).string());
      }
    }
  } catch (...) {
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw;
  }
}

OutputFolder::~OutputFolder() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // closing the last descriptor releases the flock
}

}  // namespace hqc::app
