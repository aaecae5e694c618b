// progress.cpp — the progress line: redrawn in place on a terminal, plain lines elsewhere.
#include "apps/progress.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace hqc::app {

bool stderr_is_terminal() {
  if (!isatty(STDERR_FILENO)) return false;
  const char* term = std::getenv("TERM");
  return !(term && std::strcmp(term, "dumb") == 0);
}

namespace {
double steady_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}
}  // namespace

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  auto s = static_cast<int64_t>(std::llround(seconds));
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  return buf;
}

Progress::Progress(std::string label, int64_t total, Mode mode)
    : Progress(std::move(label), total, mode, std::cerr, steady_seconds) {}

Progress::Progress(std::string label, int64_t total, Mode mode, std::ostream& out, Clock clock)
    : label_(std::move(label)), total_(total < 0 ? 0 : total), mode_(mode), out_(&out), clock_(std::move(clock)) {
  if (mode_ == Mode::automatic) mode_ = stderr_is_terminal() ? Mode::terminal : Mode::plain;
  start_ = clock_();
}

Progress::~Progress() {
  if (!finished_) finish();
}

std::string Progress::status(bool with_bar) const {
  const double elapsed = clock_() - start_;
  const double rate = elapsed > 0 ? static_cast<double>(images_) / elapsed : 0.0;
  const double eta = batch_ > 0 ? elapsed * static_cast<double>(total_ - batch_) / static_cast<double>(batch_) : NAN;
  std::string s = label_ + " ";
  if (with_bar) {
    const int width = 24;
    const int filled = total_ > 0 ? static_cast<int>(width * batch_ / total_) : 0;
    s += "[" + std::string(filled, '=') + (filled < width ? ">" : "") +
         std::string(filled < width ? width - filled - 1 : 0, ' ') + "] ";
  }
  char buf[256];
  std::snprintf(buf, sizeof buf, "%lld/%lld %s %.4f %s %.2f%% %.0f img/s %s %s",
                static_cast<long long>(batch_), static_cast<long long>(total_), loss_name.c_str(), loss_,
                accuracy_name.c_str(), 100.0 * accuracy_, rate,
                batch_ >= total_ ? "took" : "ETA", format_duration(batch_ >= total_ ? elapsed : eta).c_str());
  return s + buf;
}

void Progress::update(int64_t batch, int64_t images, double loss, double accuracy) {
  batch_ = batch;
  images_ = images;
  loss_ = loss;
  accuracy_ = accuracy;
  const double now = clock_();
  if (mode_ == Mode::terminal && now - last_draw_ >= 0.1) {
    draw(false);
    last_draw_ = now;
  } else if (mode_ == Mode::plain && batch_ < total_ && now - start_ >= plain_interval &&
             now - last_draw_ >= plain_interval) {
    draw(false);
    last_draw_ = now;
  }
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (mode_ != Mode::silent) draw(true);
}

void Progress::draw(bool final_line) {
  if (mode_ == Mode::terminal) {
    std::string line = status(true);
    std::string pad = line.size() < last_width_ ? std::string(last_width_ - line.size(), ' ') : "";
    last_width_ = line.size();
    *out_ << "\r" << line << pad << (final_line ? "\n" : "") << std::flush;
  } else if (mode_ == Mode::plain) {
    *out_ << status(false) << "\n" << std::flush;
  }
}

}  // namespace hqc::app
