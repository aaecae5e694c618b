// main.cpp — `hqc <subcommand> [flags]`: dispatch, and docs/cli.md's error convention.
//
// Subcommands live in apps/cmd_<name>.cpp and register themselves (cli::Command); the logic they
// run lives in the libraries.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "apps/cli.hpp"
#include "apps/distributed.hpp"
#include "apps/models.hpp"
#include "datasets/dataset.hpp"
#include "nn/memory.hpp"

namespace {
void print_usage(std::ostream& os) {
  auto cmds = hqc::cli::commands();
  std::sort(cmds.begin(), cmds.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  os << "usage: hqc <command> [flags]   (hqc <command> --help for its flags; hqc --version)\n\ncommands:\n";
  for (const auto& c : cmds) os << "  " << c.name << std::string(c.name.size() < 10 ? 10 - c.name.size() : 1, ' ') << c.summary << "\n";
}

// Under mpirun (apps/distributed.hpp) only these commands run, data-parallel; the others are one
// process's work.
bool runs_distributed(const std::string& name) { return name == "train" || name == "compare" || name == "bench"; }

// An error's message and exit status; under mpirun every rank stops (the others may be waiting for
// this one in an exchange) and the message is printed once.
int fail(const std::string& message, int code) {
  if (hqc::app::dist::size() > 1) hqc::app::dist::abort_all(message, code);
  std::cerr << message << "\n";
  return code;
}

int run(int argc, char** argv) {
  // Training frees and reallocates tens of megabytes per step: keep that memory in the process
  // instead of returning it to the kernel and faulting it in again (see nn/memory.hpp).
  hqc::nn::retain_freed_memory();
  // The dataset readers report a file that loads but is not the official one (the library never prints).
  hqc::data::set_warning_handler([](const std::string& m) {
    if (hqc::app::dist::rank() == 0) std::cerr << "hqc: warning: " << m << "\n";
  });
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_usage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") args[0] = "version";  // the spelling most programs answer to
  const std::string name = args[0];
  args.erase(args.begin());
  if (hqc::app::dist::size() > 1 && !runs_distributed(name)) {
    if (hqc::app::dist::rank() == 0)
      std::cerr << "hqc: error: `hqc " << name << "` runs in one process: run it without mpirun (under mpirun: train, compare, bench)\n";
    return 2;
  }
  for (const auto& c : hqc::cli::commands()) {
    if (c.name != name) continue;
    try {
      return c.run(args);
    } catch (const hqc::cli::UsageError& e) {
      return fail(std::string("hqc: error: ") + e.what(), 2);
    } catch (const hqc::app::OptionError& e) {  // a study option the library refused: also a usage error
      return fail(std::string("hqc: error: ") + e.what(), 2);
    } catch (const std::exception& e) {
      return fail(std::string("hqc: error: ") + e.what(), 1);
    }
  }
  std::cerr << "hqc: error: unknown command '" << name << "'\n";
  print_usage(std::cerr);
  return 2;
}
}  // namespace

int main(int argc, char** argv) {
  hqc::app::dist::init(&argc, &argv);
  // Rank 0 alone prints results; the others keep stderr for their own errors.
  if (hqc::app::dist::rank() != 0 && !std::freopen("/dev/null", "w", stdout)) return 1;
  const int code = run(argc, argv);
  // A command that returns an error status (an interrupted run) may leave other ranks waiting.
  if (code != 0 && hqc::app::dist::size() > 1) hqc::app::dist::abort_all("", code);
  hqc::app::dist::finalize();
  return code;
}
