// main.cpp — `hqc <subcommand> [flags]`: dispatch, and docs/cli.md's error convention.
//
// Subcommands live in apps/cmd_<name>.cpp and register themselves (cli::Command); the logic they
// run lives in the libraries.
#include <algorithm>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "apps/cli.hpp"
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
}  // namespace

int main(int argc, char** argv) {
  // Training frees and reallocates tens of megabytes per step: keep that memory in the process
  // instead of returning it to the kernel and faulting it in again (see nn/memory.hpp).
  hqc::nn::retain_freed_memory();
  // The dataset readers report a file that loads but is not the official one (the library never prints).
  hqc::data::set_warning_handler([](const std::string& m) { std::cerr << "hqc: warning: " << m << "\n"; });
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_usage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") args[0] = "version";  // the spelling most programs answer to
  const std::string name = args[0];
  args.erase(args.begin());
  for (const auto& c : hqc::cli::commands()) {
    if (c.name != name) continue;
    try {
      return c.run(args);
    } catch (const hqc::cli::UsageError& e) {
      std::cerr << "hqc: error: " << e.what() << "\n";
      return 2;
    } catch (const hqc::app::OptionError& e) {  // a study option the library refused: also a usage error
      std::cerr << "hqc: error: " << e.what() << "\n";
      return 2;
    } catch (const std::exception& e) {
      std::cerr << "hqc: error: " << e.what() << "\n";
      return 1;
    }
  }
  std::cerr << "hqc: error: unknown command '" << name << "'\n";
  print_usage(std::cerr);
  return 2;
}
