// progress.hpp — the progress line of training and evaluation, on stderr.
//
// On a terminal it redraws one line in place (at most ten times a second): what runs, a bar,
// batch i/n, running loss and accuracy, images per second and the time left. When stderr is not a
// terminal (a log file, a pipe, CI) nothing is redrawn: it writes plain lines instead — one when the
// pass ends, and one every `plain_interval` seconds for long passes — so logs stay readable.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>

namespace hqc::app {

// Whether fd 2 is a terminal (and TERM is not "dumb").
bool stderr_is_terminal();

class Progress {
 public:
  enum class Mode { automatic, terminal, plain, silent };
  using Clock = std::function<double()>;  // seconds; injectable for tests

  // `label` e.g. "epoch 3/10 train"; `total` batches in the pass.
  Progress(std::string label, int64_t total, Mode mode = Mode::automatic);
  Progress(std::string label, int64_t total, Mode mode, std::ostream& out, Clock clock);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // After each batch: `images` seen so far in the pass, the running mean loss and accuracy (fraction).
  void update(int64_t batch, int64_t images, double loss, double accuracy);
  // Ends the pass (draws the final state and a newline); called by the destructor if not before.
  void finish();

  // The text of one status line for the current state (no control characters); for tests.
  std::string status(bool with_bar) const;
  double plain_interval = 30.0;
  // What the two numbers are called on the line: an attack shows "adversarial loss" and "robust accuracy".
  std::string loss_name = "loss", accuracy_name = "acc";

 private:
  void draw(bool final_line);
  std::string label_;
  int64_t total_, batch_ = 0, images_ = 0;
  double loss_ = 0, accuracy_ = 0;
  Mode mode_;
  std::ostream* out_;
  Clock clock_;
  double start_, last_draw_ = -1e9;
  bool finished_ = false;
  std::size_t last_width_ = 0;
};

// "1:02:03" / "2:03" / "0:07"
std::string format_duration(double seconds);

}  // namespace hqc::app
