// test_atomic_file.cpp — write_file_atomically and the checkpoint writer on it: a symbolic link at
// the final (or an old fixed temporary) name is replaced, not written through; a write that fails
// (file size limit, as on a full disk) keeps the old file, leaves no temporary and names the final
// file and the cause; concurrent writers of one name leave one complete file.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "nn/atomic_file.hpp"
#include "nn/nn.hpp"
#include "write_checks.hpp"

using namespace hqc;
using namespace hqc::nn;
using namespace hqc::test;  // write_checks.hpp
namespace fs = std::filesystem;

namespace {

// Forks one child per writer; child i runs body(i) and exits 0 unless it threw. Returns the codes.
std::vector<int> run_concurrently(int writers, const std::function<void(int)>& body) {
  std::vector<pid_t> pids;
  for (int i = 0; i < writers; ++i) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      int code = 0;
      try {
        body(i);
      } catch (...) {
        code = 1;
      }
      ::_exit(code);
    }
    pids.push_back(pid);
  }
  std::vector<int> codes;
  for (pid_t pid : pids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    codes.push_back(WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  }
  return codes;
}

Checkpoint checkpoint_of(float value, int64_t n) {
  Tensor t = full({n}, value);
  return Checkpoint{"{\"writer\": " + std::to_string(value) + "}", {{"w", t}}};
}

}  // namespace

TEST_CASE("write_file_atomically writes the bytes and leaves nothing else in the folder") {
  ScratchDir dir("atomic_basic");
  write_file_atomically(dir / "a.txt", "hello\n");
  write_file_atomically(dir / "empty", "");
  CHECK(read_file(dir / "a.txt") == "hello\n");
  CHECK(fs::is_regular_file(dir / "empty"));
  CHECK(fs::file_size(dir / "empty") == 0);
  CHECK(folder_entries(dir.path()) == std::vector<std::string>{"a.txt", "empty"});
}

TEST_CASE("write_file_atomically replaces a symbolic link at the final name and leaves its target untouched") {
  ScratchDir dir("atomic_link");
  write_plain(dir / "victim", "precious");
  fs::create_symlink(dir / "victim", dir / "out.csv");
  write_file_atomically(dir / "out.csv", "new contents");
  CHECK_FALSE(fs::is_symlink(dir / "out.csv"));
  CHECK(read_file(dir / "out.csv") == "new contents");
  CHECK(read_file(dir / "victim") == "precious");
  // A dangling link is replaced too, and nothing is created where it pointed.
  fs::create_symlink(dir / "nowhere", dir / "dangling");
  write_file_atomically(dir / "dangling", "x");
  CHECK_FALSE(fs::exists(dir / "nowhere"));
  CHECK(read_file(dir / "dangling") == "x");
}

TEST_CASE("write_file_atomically that fails keeps the old file, leaves no temporary and names the file and cause") {
  ScratchDir dir("atomic_fail");
  write_plain(dir / "metrics.csv", "old table\n");
  const std::string big(64 * 1024, 'z');
  const auto r = run_in_child([&] { write_file_atomically(dir / "metrics.csv", big); }, 4096);
  CHECK(r.threw);
  CHECK(r.message.find((dir / "metrics.csv").string()) != std::string::npos);
  CHECK(r.message.find(std::strerror(EFBIG)) != std::string::npos);
  CHECK(r.message.find(".tmp") == std::string::npos);
  CHECK(read_file(dir / "metrics.csv") == "old table\n");
  CHECK(folder_entries(dir.path()) == std::vector<std::string>{"metrics.csv"});
}

TEST_CASE("write_file_atomically into a missing folder names the file and the cause") {
  ScratchDir dir("atomic_nofolder");
  const std::string want = (dir / "no" / "f.txt").string() + ": cannot open the folder";
  CHECK_THROWS_WITH_AS(write_file_atomically(dir / "no" / "f.txt", "x"), doctest::Contains(want.c_str()), FileWriteError);
  CHECK_THROWS_WITH_AS(write_file_atomically(dir / "no" / "f.txt", "x"), doctest::Contains(std::strerror(ENOENT)),
                       FileWriteError);
}

TEST_CASE("concurrent writers of one name leave one complete file and no temporary") {
  ScratchDir dir("atomic_race");
  const std::size_t size = 512 * 1024;
  const auto codes = run_concurrently(4, [&](int i) {
    const std::string mine(size, char('a' + i));
    for (int k = 0; k < 20; ++k) write_file_atomically(dir / "shared.bin", mine);
  });
  CHECK(codes == std::vector<int>(4, 0));
  const std::string got = read_file(dir / "shared.bin");
  REQUIRE(got.size() == size);
  CHECK(got.find_first_not_of(got[0]) == std::string::npos);
  CHECK(folder_entries(dir.path()) == std::vector<std::string>{"shared.bin"});
}

TEST_CASE("write_checkpoint does not write through a link planted at the name of a temporary") {
  ScratchDir dir("ckpt_link");
  const fs::path path = dir / "checkpoint.hqc";
  write_plain(dir / "victim", "precious");
  // The names a writer might use for its temporary: the checkpoint's own with a suffix.
  fs::create_symlink(dir / "victim", dir / "checkpoint.hqc.tmp");
  fs::create_symlink(dir / "victim", dir / ".checkpoint.hqc.tmp");
  write_checkpoint(path.string(), checkpoint_of(1.5f, 8));
  CHECK(read_file(dir / "victim") == "precious");
  CHECK(read_checkpoint(path.string()).config == checkpoint_of(1.5f, 8).config);
  // ... nor through a link at the checkpoint's own name.
  fs::remove(path);
  fs::create_symlink(dir / "victim", path);
  write_checkpoint(path.string(), checkpoint_of(2.5f, 8));
  CHECK(read_file(dir / "victim") == "precious");
  CHECK_FALSE(fs::is_symlink(path));
  CHECK(read_checkpoint(path.string()).tensors[0].second.to_vector()[0] == 2.5);
}

TEST_CASE("write_checkpoint that fails keeps the previous checkpoint, leaves no temporary and names the cause") {
  ScratchDir dir("ckpt_fail");
  const fs::path path = dir / "checkpoint.hqc";
  write_checkpoint(path.string(), checkpoint_of(1.0f, 4));
  const std::string before = read_file(path);
  const Checkpoint big = checkpoint_of(2.0f, 1 << 16);  // 256 KiB of weights
  const auto r = run_in_child([&] { write_checkpoint(path.string(), big); }, 16 * 1024);
  CHECK(r.threw);
  CHECK(r.message.find("checkpoint " + path.string()) == 0);
  CHECK(r.message.find(std::strerror(EFBIG)) != std::string::npos);
  CHECK(read_file(path) == before);
  CHECK(folder_entries(dir.path()) == std::vector<std::string>{"checkpoint.hqc"});
}

TEST_CASE("two processes writing checkpoints to one path never fail and leave a valid checkpoint") {
  ScratchDir dir("ckpt_race");
  const fs::path path = dir / "checkpoint.hqc";
  const Checkpoint mine[2] = {checkpoint_of(1.0f, 1 << 17), checkpoint_of(2.0f, 1 << 17)};
  const auto codes = run_concurrently(2, [&](int i) {
    for (int k = 0; k < 25; ++k) write_checkpoint(path.string(), mine[i]);
  });
  CHECK(codes == std::vector<int>(2, 0));
  const Checkpoint got = read_checkpoint(path.string());  // throws on a mixed or truncated file
  CHECK((got.config == mine[0].config || got.config == mine[1].config));
  CHECK(folder_entries(dir.path()) == std::vector<std::string>{"checkpoint.hqc"});
}

TEST_CASE("a writer killed at any moment leaves the old file or the new one, whole, and only its temporary as debris") {
  ScratchDir dir("atomic_kill");
  const std::string a(4 << 20, 'a'), b(4 << 20, 'b');
  write_file_atomically(dir / "metrics.csv", a);
  for (int trial = 0; trial < 5; ++trial) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      for (int k = 0;; ++k) {
        try {
          write_file_atomically(dir / "metrics.csv", k % 2 ? a : b);
        } catch (...) {
          ::_exit(1);
        }
      }
    }
    ::usleep(useconds_t(5000 + 7000 * trial));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status));
    const std::string got = read_file(dir / "metrics.csv");
    CHECK((got == a || got == b));
    for (const auto& name : folder_entries(dir.path()))
      if (name != "metrics.csv") {
        CHECK(is_temporary_of(name, "metrics.csv"));
        fs::remove(dir / name);
      }
  }
}

TEST_CASE("is_temporary_of recognises the temporaries of a name and nothing else") {
  CHECK(is_temporary_of(".metrics.csv.a1B2c3.tmp", "metrics.csv"));
  CHECK_FALSE(is_temporary_of(".metrics.csv.tmp", "metrics.csv"));
  CHECK_FALSE(is_temporary_of(".metrics.csv.a1B2c3.tmp", "curves.png"));
  CHECK_FALSE(is_temporary_of("metrics.csv.a1B2c3.tmp", "metrics.csv"));
  CHECK_FALSE(is_temporary_of(".metrics.csv.a1B2c3d.tmp", "metrics.csv"));
  const std::string long_name(250, 'n');  // the temporary of a long name still fits NAME_MAX
  ScratchDir dir("atomic_long");
  write_file_atomically(dir / long_name, "x");
  CHECK(read_file(dir / long_name) == "x");
}
