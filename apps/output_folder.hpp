// output_folder.hpp — the guard of a run's output folder (`--out`): one run at a time, and no run
// silently mixing its files with another's.
//
// OutputFolder creates the folder, then locks it (flock on DIR/.lock, opened without following a
// link) for as long as the object lives: a second hqc run into the same folder is refused at once,
// not left to swap checkpoints with the first. Then it looks for hqc's own output files in the
// folder, by name (`owned`, paths relative to the folder):
//   fresh      refuses a folder that already holds any of them (another run's results);
//   overwrite  removes them, and the temporaries a killed writer left of them, and nothing else
//              (a link is removed, never what it points to; a folder of that name is refused);
//   resume     keeps them (the run continues from them).
// Every refusal is a cli::RuntimeError (exit 1) naming the folder and what to do.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace hqc::app {

enum class OutputMode { fresh, overwrite, resume };

// The files a training run writes into its folder.
const std::vector<std::string>& run_output_names();
// What `hqc compare` writes into its folder beside one run folder per model.
const std::vector<std::string>& compare_output_names();

class OutputFolder {
 public:
  OutputFolder(const std::filesystem::path& dir, OutputMode mode,
               const std::vector<std::string>& owned = run_output_names());
  ~OutputFolder();  // releases the lock (DIR/.lock stays: removing it could let two runs in)
  OutputFolder(const OutputFolder&) = delete;
  OutputFolder& operator=(const OutputFolder&) = delete;
  const std::filesystem::path& path() const { return dir_; }
  // What `overwrite` removed, relative to the folder (for the user's information).
  const std::vector<std::string>& removed() const { return removed_; }

 private:
  std::filesystem::path dir_;
  int lock_fd_ = -1;
  std::vector<std::string> removed_;
};

}  // namespace hqc::app
