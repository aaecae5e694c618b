// resume.cpp — the training state file, --resume's flags, and the stop signals (see resume.hpp).
#include "apps/resume.hpp"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "nn/checkpoint.hpp"

namespace hqc::app {

namespace {
constexpr const char* kStateHeader = "hqc-run-state 1";
constexpr int kEpochColumns = 10;    // epoch, 5 metrics, seconds, CPU seconds, peak memory (MB), val F1
constexpr int kOldEpochColumns = 7;  // last.hqc before CPU time and memory were kept: read as 0
constexpr int kCheckColumns = 6;     // epoch, images, clean and robust accuracy, adversarial loss, seconds

std::string flags_text(const std::string& kind, const FlagList& flags, const std::string& command) {
  std::string s = std::string(kStateHeader) + "\nkind " + kind + "\n";
  for (const auto& [name, value] : flags) {
    if (value.find('\n') != std::string::npos || name.find(' ') != std::string::npos)
      throw std::runtime_error("--" + name + ": a value with a line break cannot be saved for --resume");
    s += "flag " + name + " " + value + "\n";
  }
  if (!command.empty()) s += "command " + command + "\n";
  return s;
}

FlagList parse_flags_text(const std::string& text, const std::string& kind, const std::string& path,
                          std::string* command) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != kStateHeader)
    throw std::runtime_error(path + ": not an hqc run state (expected '" + kStateHeader + "', found '" + line + "')");
  if (!std::getline(in, line) || line != "kind " + kind)
    throw std::runtime_error(path + ": expected the state of a '" + kind + "' run, found '" + line + "'");
  FlagList flags;
  while (std::getline(in, line)) {
    if (line.rfind("flag ", 0) == 0) {
      const std::size_t sp = line.find(' ', 5);
      if (sp == std::string::npos) throw std::runtime_error(path + ": malformed flag line '" + line + "'");
      flags.emplace_back(line.substr(5, sp - 5), line.substr(sp + 1));
    } else if (line.rfind("command ", 0) == 0) {
      if (command) *command = line.substr(8);
    } else {
      throw std::runtime_error(path + ": unexpected line '" + line + "' in the run state");
    }
  }
  return flags;
}

Tensor f64_tensor(const std::vector<double>& v, const Shape& shape) { return from_data(std::span<const double>(v), shape); }

// Moves the tensors named "<prefix>/<name>" into `out` as "<name>".
NamedTensors take(const NamedTensors& all, const std::string& prefix) {
  NamedTensors out;
  for (const auto& [n, t] : all)
    if (n.rfind(prefix + "/", 0) == 0) out.emplace_back(n.substr(prefix.size() + 1), t);
  return out;
}

const Tensor& need(const NamedTensors& all, const std::string& name, DType dtype, const std::string& path) {
  for (const auto& [n, t] : all)
    if (n == name) {
      if (t.dtype() != dtype)
        throw std::runtime_error(path + ": \"" + name + "\" should be " + dtype_name(dtype) + ", found " + dtype_name(t.dtype()));
      return t;
    }
  throw std::runtime_error(path + ": the run state has no \"" + name + "\"");
}
}  // namespace

void write_run_state(const std::filesystem::path& path, const RunState& s) {
  nn::Checkpoint ck;
  ck.config = flags_text("train", s.flags, "");
  auto add = [&](const std::string& prefix, const NamedTensors& ts) {
    for (const auto& [n, t] : ts) ck.tensors.emplace_back(prefix + "/" + n, t);
  };
  add("model", s.model);
  add("best", s.best);
  add("optim", s.optimizer);
  add("sched", s.schedule);
  for (const auto& [n, calls] : s.dropout) {
    const int64_t c = static_cast<int64_t>(calls);
    ck.tensors.emplace_back("dropout/" + n, from_data(std::span<const int64_t>(&c, 1), {1}));
  }
  std::vector<double> rows;
  for (const auto& e : s.epochs)
    rows.insert(rows.end(), {double(e.epoch), e.train_loss, e.train_accuracy, e.val_loss, e.val_accuracy,
                             e.learning_rate, e.seconds, e.cpu_seconds, e.peak_rss_mb, e.val_f1});
  rows.resize(rows.size() + kEpochColumns);  // one spare row: the container keeps no empty tensors
  ck.tensors.emplace_back("epochs", f64_tensor(rows, {static_cast<int64_t>(s.epochs.size()) + 1, kEpochColumns}));
  ck.tensors.emplace_back("best", f64_tensor({double(s.best_epoch), s.best_val_accuracy}, {2}));
  if (!s.robustness.empty()) {  // a run without checks writes what it always wrote
    std::vector<double> checks;
    for (const auto& c : s.robustness)
      checks.insert(checks.end(), {double(c.epoch), double(c.count), c.clean_accuracy, c.robust_accuracy,
                                   c.adversarial_loss, c.seconds});
    ck.tensors.emplace_back("robustness",
                            f64_tensor(checks, {static_cast<int64_t>(s.robustness.size()), kCheckColumns}));
  }
  if (s.finished) {
    ck.tensors.emplace_back("test_loss", f64_tensor({s.test_loss}, {1}));
    const int64_t k = static_cast<int64_t>(s.test_confusion.size());
    std::vector<int64_t> cm;
    for (const auto& row : s.test_confusion) cm.insert(cm.end(), row.begin(), row.end());
    ck.tensors.emplace_back("test_confusion", from_data(std::span<const int64_t>(cm), {k, k}));
  }
  nn::write_checkpoint(path.string(), ck);
}

RunState read_run_state(const std::filesystem::path& path) {
  const std::string p = path.string();
  nn::Checkpoint ck = nn::read_checkpoint(p);
  RunState s;
  s.flags = parse_flags_text(ck.config, "train", p, nullptr);
  s.model = take(ck.tensors, "model");
  s.best = take(ck.tensors, "best");
  s.optimizer = take(ck.tensors, "optim");
  s.schedule = take(ck.tensors, "sched");
  for (const auto& [n, t] : take(ck.tensors, "dropout")) {
    if (t.dtype() != DType::i64 || t.numel() != 1 || t.data<int64_t>()[0] < 0)
      throw std::runtime_error(p + ": \"dropout/" + n + "\" should be one non-negative i64 count");
    s.dropout.emplace_back(n, static_cast<uint64_t>(t.data<int64_t>()[0]));
  }
  const Tensor& ep = need(ck.tensors, "epochs", DType::f64, p);
  if (ep.dim() != 2 || (ep.size(1) != kEpochColumns && ep.size(1) != kOldEpochColumns) || ep.size(0) < 1)
    throw std::runtime_error(p + ": \"epochs\" should be (E + 1, 10), found " + shape_str(ep.sizes()));
  const int64_t columns = ep.size(1);
  const double* r = ep.data<double>();
  for (int64_t i = 0; i + 1 < ep.size(0); ++i, r += columns) {
    EpochRecord e;
    e.epoch = static_cast<int>(r[0]);
    e.train_loss = r[1], e.train_accuracy = r[2], e.val_loss = r[3], e.val_accuracy = r[4];
    e.learning_rate = r[5], e.seconds = r[6];
    if (columns == kEpochColumns) e.cpu_seconds = r[7], e.peak_rss_mb = r[8], e.val_f1 = r[9];
    if (e.epoch != i + 1) throw std::runtime_error(p + ": epoch record " + std::to_string(i + 1) + " says epoch " + std::to_string(e.epoch));
    s.epochs.push_back(e);
  }
  const Tensor& best = need(ck.tensors, "best", DType::f64, p);
  if (best.numel() != 2) throw std::runtime_error(p + ": \"best\" should hold 2 numbers, found " + std::to_string(best.numel()));
  s.best_epoch = static_cast<int>(best.data<double>()[0]);
  s.best_val_accuracy = best.data<double>()[1];
  if (s.best_epoch < 0 || s.best_epoch > static_cast<int>(s.epochs.size()) || (s.best_epoch > 0) == s.best.empty())
    throw std::runtime_error(p + ": best epoch " + std::to_string(s.best_epoch) + " does not fit its " +
                             std::to_string(s.epochs.size()) + " finished epochs and saved weights");
  for (const auto& [n, t] : ck.tensors) {
    if (n != "robustness") continue;
    if (t.dtype() != DType::f64 || t.dim() != 2 || t.size(1) != kCheckColumns)
      throw std::runtime_error(p + ": \"robustness\" should be f64 (checks, " + std::to_string(kCheckColumns) +
                               "), found " + dtype_name(t.dtype()) + " " + shape_str(t.sizes()));
    const double* c = t.data<double>();
    for (int64_t i = 0; i < t.size(0); ++i, c += kCheckColumns) {
      RobustnessRecord r;
      r.epoch = static_cast<int>(c[0]), r.count = static_cast<int64_t>(c[1]);
      r.clean_accuracy = c[2], r.robust_accuracy = c[3], r.adversarial_loss = c[4], r.seconds = c[5];
      const int previous = s.robustness.empty() ? 0 : s.robustness.back().epoch;
      if (r.epoch <= previous || r.epoch > static_cast<int>(s.epochs.size()))
        throw std::runtime_error(p + ": robustness check " + std::to_string(i + 1) + " says epoch " +
                                 std::to_string(r.epoch) + ", which does not follow epoch " + std::to_string(previous) +
                                 " within the " + std::to_string(s.epochs.size()) + " finished epochs");
      s.robustness.push_back(r);
    }
  }
  for (const auto& [n, t] : ck.tensors) {
    if (n != "test_confusion") continue;
    if (t.dtype() != DType::i64 || t.dim() != 2 || t.size(0) != t.size(1))
      throw std::runtime_error(p + ": \"test_confusion\" should be a square i64 matrix");
    s.finished = true;
    s.test_loss = need(ck.tensors, "test_loss", DType::f64, p).data<double>()[0];
    const int64_t k = t.size(0);
    s.test_confusion.assign(k, std::vector<int64_t>(k));
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < k; ++j) s.test_confusion[i][j] = t.data<int64_t>()[i * k + j];
  }
  return s;
}

void write_flags_file(const std::filesystem::path& path, const std::string& kind, const FlagList& flags,
                      const std::string& command) {
  nn::Checkpoint ck;
  ck.config = flags_text(kind, flags, command);
  nn::write_checkpoint(path.string(), ck);
}

FlagList read_flags_file(const std::filesystem::path& path, const std::string& kind, std::string* command) {
  return parse_flags_text(nn::read_checkpoint(path.string()).config, kind, path.string(), command);
}

const std::string* find_flag(const FlagList& flags, const std::string& name) {
  for (const auto& [n, v] : flags)
    if (n == name) return &v;
  return nullptr;
}

namespace {
// Same text, or the same number written differently ("0.20" and "0.2").
bool same_value(const std::string& a, const std::string& b) {
  if (a == b) return true;
  char *ea = nullptr, *eb = nullptr;
  const double x = std::strtod(a.c_str(), &ea), y = std::strtod(b.c_str(), &eb);
  return !a.empty() && !b.empty() && *ea == 0 && *eb == 0 && x == y;
}
}  // namespace

std::vector<std::string> resume_args(const cli::ArgParser& given, const FlagList& saved, const std::string& dir,
                                     const std::vector<std::string>& free, const std::string& saved_in) {
  std::vector<std::string> args;
  for (const auto& [name, value] : saved) {
    if (name == "threads") {  // free: the bits do not depend on the thread count (nn/README.md)
      args.insert(args.end(), {"--threads", given.given("threads") ? given.str("threads") : value});
      continue;
    }
    if (given.given(name) && !same_value(given.str(name), value))
      throw cli::UsageError("--" + name + ": the run in " + dir + " was started with --" + name + " " +
                            (value.empty() ? "(not given)" : value) + "; --resume takes every flag from " + saved_in +
                            " (leave out --" + name + " " + given.str(name) + ", or start a new run in another folder)");
    if (!value.empty()) args.insert(args.end(), {"--" + name, value});
  }
  // A flag the run was started without (a recipe flag, say) would otherwise be dropped in silence.
  for (const auto& name : given.given_names()) {
    if (name == "resume" || name == "out" || name == "threads" || find_flag(saved, name)) continue;
    if (std::find(free.begin(), free.end(), name) != free.end()) continue;
    throw cli::UsageError("--" + name + ": the run in " + dir + " was started without --" + name + "; --resume takes every flag from " +
                          saved_in + " (leave out --" + name + ", or start a new run in another folder)");
  }
  if (given.given("out")) {
    std::error_code e1, e2;
    const auto a = std::filesystem::weakly_canonical(given.str("out"), e1), b = std::filesystem::weakly_canonical(dir, e2);
    if (e1 || e2 || a != b)
      throw cli::UsageError("--out: " + given.str("out") + " is not the folder being resumed (" + dir +
                            "); a resumed run writes where it started");
  }
  args.insert(args.end(), {"--out", dir});
  for (const auto& name : free)
    if (given.is_set(name)) args.push_back("--" + name);
  return args;
}

namespace {
std::atomic<int> g_stop{0};
extern "C" void on_stop_signal(int sig) { g_stop.store(sig); }
}  // namespace

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;  // the second signal takes the default action: an impatient Ctrl-C kills
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

int stop_signal() { return g_stop.load(); }

Interrupted::Interrupted(int sig)
    : std::runtime_error(std::string("interrupted by ") + (sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal")),
      signal(sig) {}

void check_stop() {
  if (const int s = g_stop.load()) throw Interrupted(s);
}

int report_interrupted(const Interrupted& e, const std::string& resume_command) {
  std::cerr << "\nhqc: " << e.what();
  if (e.epochs_saved > 0)
    std::cerr << "; " << e.saved_in << " holds the state after epoch " << e.epochs_saved << " of " << e.epochs_total;
  else if (e.epochs_saved == 0)
    std::cerr << " before the first epoch finished; " << e.saved_in << " holds the start";
  if (resume_command.empty())
    std::cerr << "\nhqc: nothing was saved yet: run the same command again\n";
  else
    std::cerr << "\nhqc: continue with: " << resume_command << "\n";
  return 128 + e.signal;
}

}  // namespace hqc::app
