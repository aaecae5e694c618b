// test_output_folder.cpp — the output folder's guard: it creates the folder, one run holds it at a
// time (a second process, or a second open in one process, is refused), a folder holding another
// run's files is refused unless --overwrite, which removes hqc's own files (and their temporaries)
// and nothing else, never what a link points to; resume keeps them.
#include <doctest/doctest.h>

#include <filesystem>

#include "apps/output_folder.hpp"
#include "write_checks.hpp"

using namespace hqc::app;
using namespace hqc::test;  // write_checks.hpp
namespace fs = std::filesystem;

TEST_CASE("the output folder guard creates the folder with its parents and a lock file") {
  ScratchDir dir("guard_create");
  const OutputFolder f(dir / "a/b/run", OutputMode::fresh);
  CHECK(f.path() == dir / "a/b/run");
  CHECK(folder_entries(dir / "a/b/run") == std::vector<std::string>{".lock"});
}

TEST_CASE("a folder in use by a run is refused to a second process, and free again when the run ends") {
  ScratchDir dir("guard_lock");
  const fs::path run = dir / "run";
  {
    const OutputFolder held(run, OutputMode::fresh);
    const auto r = run_in_child([&] { OutputFolder second(run, OutputMode::resume); });
    CHECK(r.threw);
    CHECK(r.message.find(run.string() + ": the output folder is in use by another hqc run (process ") == 0);
    CHECK(r.message.find("choose another --out") != std::string::npos);
    // A second open in the same process is refused as well.
    CHECK_THROWS_WITH(OutputFolder(run, OutputMode::resume), doctest::Contains("in use"));
  }
  const auto r = run_in_child([&] { OutputFolder again(run, OutputMode::fresh); });
  CHECK_FALSE(r.threw);
  CHECK(r.exit_code == 0);
}

TEST_CASE("a folder holding another run's files is refused without overwrite, and nothing is removed") {
  ScratchDir dir("guard_fresh");
  write_plain(dir / "metrics.csv", "old");
  write_plain(dir / "checkpoint.hqc", "old");
  write_plain(dir / "notes.txt", "mine");
  CHECK_THROWS_WITH(OutputFolder(dir.path(), OutputMode::fresh),
                    doctest::Contains("already holds another run's files (checkpoint.hqc, metrics.csv); give --overwrite"));
  CHECK(folder_entries(dir.path()) == std::vector<std::string>{".lock", "checkpoint.hqc", "metrics.csv", "notes.txt"});
  // The refused guard let go of the lock: the folder can be taken now.
  CHECK_NOTHROW(OutputFolder(dir.path(), OutputMode::resume));
}

TEST_CASE("a folder holding an interrupted run's state is refused with a hint at --resume") {
  ScratchDir dir("guard_resumable");
  write_plain(dir / "last.hqc", "old");
  const std::string hint = "(last.hqc); continue that run with --resume " + dir.path().string() + ", or give --overwrite";
  CHECK_THROWS_WITH(OutputFolder(dir.path(), OutputMode::fresh), doctest::Contains(hint.c_str()));
}

TEST_CASE("overwrite removes hqc's own files and their temporaries only, and never what a link points to") {
  ScratchDir dir("guard_overwrite");
  const fs::path run = dir / "run";
  fs::create_directories(run / "data");
  write_plain(dir / "victim", "precious");
  for (const char* n : {"checkpoint.hqc", "last.hqc", "metrics.csv", "confusion.png"}) write_plain(run / n, "old");
  fs::create_symlink(dir / "victim", run / "curves.png");
  write_plain(run / ".metrics.csv.a1B2c3.tmp", "debris of a killed write");
  write_plain(run / ".metrics.csv.tmp", "not hqc's name pattern");
  write_plain(run / "notes.txt", "mine");
  write_plain(run / "data" / "metrics.csv", "mine too");
  const OutputFolder f(run, OutputMode::overwrite);
  CHECK(folder_entries(run) == std::vector<std::string>{".lock", ".metrics.csv.tmp", "data", "notes.txt"});
  CHECK(read_file(run / "data" / "metrics.csv") == "mine too");
  CHECK(read_file(dir / "victim") == "precious");
  CHECK(f.removed().size() == 6);
}

TEST_CASE("overwrite refuses a folder standing where hqc writes a file") {
  ScratchDir dir("guard_dir_in_way");
  fs::create_directories(dir / "metrics.csv");
  write_plain(dir / "metrics.csv" / "keep", "x");
  CHECK_THROWS_WITH(OutputFolder(dir.path(), OutputMode::overwrite), doctest::Contains("metrics.csv: a folder where hqc"));
  CHECK(read_file(dir / "metrics.csv" / "keep") == "x");
}

TEST_CASE("resume keeps the previous run's files") {
  ScratchDir dir("guard_resume");
  write_plain(dir / "last.hqc", "state");
  const OutputFolder f(dir.path(), OutputMode::resume);
  CHECK(read_file(dir / "last.hqc") == "state");
  CHECK(f.removed().empty());
}

TEST_CASE("owned names may lie in sub-folders (compare's run folders)") {
  ScratchDir dir("guard_compare");
  fs::create_directories(dir / "hybrid");
  write_plain(dir / "hybrid" / "metrics.csv", "old");
  write_plain(dir / "hybrid" / "mine.txt", "mine");
  const std::vector<std::string> owned = {"report.md", "hybrid/metrics.csv", "classical/metrics.csv"};
  CHECK_THROWS_WITH(OutputFolder(dir.path(), OutputMode::fresh, owned), doctest::Contains("hybrid/metrics.csv"));
  { const OutputFolder f(dir.path(), OutputMode::overwrite, owned); }
  CHECK(folder_entries(dir / "hybrid") == std::vector<std::string>{"mine.txt"});
}

TEST_CASE("a link planted as the lock file is refused, and its target untouched") {
  ScratchDir dir("guard_lock_link");
  write_plain(dir / "victim", "precious");
  fs::create_directories(dir / "run");
  fs::create_symlink(dir / "victim", dir / "run" / ".lock");
  CHECK_THROWS_WITH(OutputFolder(dir / "run", OutputMode::fresh), doctest::Contains("symbolic link"));
  CHECK(read_file(dir / "victim") == "precious");
}

TEST_CASE("a file where the output folder should be is refused with its name") {
  ScratchDir dir("guard_file");
  write_plain(dir / "run", "a file");
  const std::string name = (dir / "run").string();
  CHECK_THROWS_WITH(OutputFolder(dir / "run", OutputMode::fresh), doctest::Contains(name.c_str()));
  CHECK(read_file(dir / "run") == "a file");
}
