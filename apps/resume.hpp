// resume.hpp — what lets a training run survive an interruption: the whole training state after the
// last finished epoch (DIR/last.hqc), the flags a resumed run takes from it, and the stop signals.
//
// last.hqc is an nn checkpoint container. Its configuration text names the run's flags, one per line
// ("flag epochs 4"); its tensors hold the rest, numbers as f64/i64 so that they come back bit for bit:
//   model/<name>     the model's parameters and buffers (BatchNorm's running statistics included)
//   best/<name>      the weights of the best epoch so far (absent before the first epoch)
//   optim/<name>     the optimiser's state (nn::Optimizer::state: lr, β1, step counts, moments)
//   sched/<name>     the schedule's position (nn::LRScheduler::state)
//   dropout/<name>   each Dropout's call count (its position in its random stream), and the
//                    quantum layer's when it draws shots (its position in its shot stream)
//   epochs           (E, 10) f64: epoch, train loss, train accuracy, val loss, val accuracy, lr, seconds,
//                    CPU seconds, peak memory in MB, validation macro F1 ((E, 7) without the last
//                    three, as written before they were kept, is read with them 0)
//   best             (2) f64: best epoch, its validation accuracy
//   test_loss, test_confusion   the test pass of the best epoch, once the run has finished
// The data loader needs nothing: an epoch's order and augmentation are functions of (seed, epoch).
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "apps/cli.hpp"
#include "apps/metrics.hpp"
#include "tensor/tensor.hpp"

namespace hqc::app {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
// A run's flags by name, spelled as on the command line ({"epochs", "4"}).
using FlagList = std::vector<std::pair<std::string, std::string>>;

struct RunState {
  FlagList flags;
  std::vector<EpochRecord> epochs;  // the finished epochs
  std::vector<RobustnessRecord> robustness;  // their robustness checks (--val-attack-every)
  int best_epoch = 0;               // 0: none yet
  double best_val_accuracy = 0;
  NamedTensors model, best, optimizer, schedule;
  std::vector<std::pair<std::string, uint64_t>> dropout;  // Dropout module name, calls so far
  bool finished = false;  // the test pass is done and below
  double test_loss = 0;
  Matrix64 test_confusion;
};
void write_run_state(const std::filesystem::path& path, const RunState& state);
// Throws std::runtime_error naming the file and what is wrong.
RunState read_run_state(const std::filesystem::path& path);

// A small file of flags (and a command line) for runs made of several trainings (`hqc compare`).
void write_flags_file(const std::filesystem::path& path, const std::string& kind, const FlagList& flags,
                      const std::string& command);
FlagList read_flags_file(const std::filesystem::path& path, const std::string& kind, std::string* command = nullptr);

// The value of `name` in `flags`, or nullptr.
const std::string* find_flag(const FlagList& flags, const std::string& name);

// For `--resume DIR`: refuses (cli::UsageError, exit 2) every flag given on the command line with a
// value other than the saved one, and every flag the saved run does not list, except --threads (a
// warning: the bits depend on it) and the value-less flags in `free` (output style: --json); --out
// must name DIR. Returns the arguments to parse
// instead: the saved flags, the given --threads (else the saved one) and the free flags given.
std::vector<std::string> resume_args(const cli::ArgParser& given, const FlagList& saved, const std::string& dir,
                                     const std::vector<std::string>& free, const std::string& saved_in);

// SIGINT and SIGTERM ask the running loops to stop at the next batch; a second signal of the same
// kind takes its default action (kills at once). Only commands that train install them.
void install_stop_handlers();
int stop_signal();  // the signal received, or 0
struct Interrupted : std::runtime_error {
  explicit Interrupted(int sig);
  int signal;
  // Filled in by train_model: the state file and the epochs it holds (-1: nothing saved).
  std::string saved_in;
  int epochs_saved = -1, epochs_total = 0;
};
// Throws Interrupted when a stop signal arrived; the loops call it between batches.
void check_stop();
// Prints what was kept and how to continue (`resume_command`, e.g. "hqc train --resume DIR"; empty
// when nothing can be resumed); returns the exit code, 128 + the signal (130 for SIGINT, 143 for SIGTERM).
int report_interrupted(const Interrupted& e, const std::string& resume_command);

}  // namespace hqc::app
