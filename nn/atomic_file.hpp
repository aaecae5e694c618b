// atomic_file.hpp — the one way hqc writes a file: whole or not at all, never through a link.
//
// write_file_atomically(path, bytes) guarantees, when it returns, that `path` is a regular file
// holding exactly `bytes`, on disk (file and folder entry fsynced). It writes a temporary file with
// a unique name in the same folder (".NAME.XXXXXX.tmp", created exclusively and without following
// links), fsyncs it and renames it onto `path`. Hence:
//   - a reader, a crash or a kill sees either the old file or the new one, never a part of either;
//   - a symbolic link at `path` is itself replaced; whatever it pointed to is left untouched;
//   - two writers of one name each write their own temporary: the result is one of them, complete;
//   - on any failure (a full disk, a file size limit, a missing folder) the temporary is removed,
//     the old file is left as it was, and FileWriteError names `path` and the system's reason;
//     only a writer killed outright (SIGKILL, power loss) can leave its temporary behind.
// The folder is not created: callers own their folders (apps/output_folder.hpp for a run's).
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string_view>

namespace hqc::nn {

class FileWriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

// Whether `entry` (a name in the same folder) is a temporary of `final_name` as written above: what a
// writer killed before its rename leaves behind (removing it is how such debris is cleaned up).
bool is_temporary_of(std::string_view entry, std::string_view final_name);

}  // namespace hqc::nn
