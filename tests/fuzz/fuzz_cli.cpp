// fuzz_cli.cpp — hqc's command-line parser: the input is split at NUL bytes into arguments, parsed
// against a few options, flags and positionals of each kind, then every typed value is read. Only
// cli::UsageError may come out (std::logic_error would mean a flag read that was never declared).
#include "apps/cli.hpp"
#include "fuzz_common.hpp"

namespace {
template <typename F>
void usage_errors_only(F read) {
  try {
    read();
  } catch (const hqc::cli::UsageError&) {
  }
}
}  // namespace

HQC_FUZZ_TARGET_REFUSING(hqc::cli::UsageError, {
  std::vector<std::string> args(1);
  for (uint8_t b : in) {
    if (b == 0)
      args.emplace_back();
    else
      args.back().push_back(static_cast<char>(b));
  }
  hqc::cli::ArgParser p("fuzz", "the command-line parser under fuzzing");
  p.option("epochs", "an integer with a default", "5")
      .option("lr", "a number with a default", "0.01")
      .option("model", "a choice without a default")
      .option("eps", "comma-separated numbers", "0,0.1")
      .flag("json", "a flag");
  if (!args.empty() && args.back().size() % 2 == 1) p.positionals("FILE", "positional arguments");
  if (!p.parse(args)) return 0;
  for (const char* name : {"epochs", "lr", "model", "eps", "json", "help"}) {
    (void)p.has(name);
    (void)p.given(name);
    (void)p.is_set(name);
    (void)p.str(name);
  }
  usage_errors_only([&] { (void)p.integer("epochs", 1, 1000); });
  usage_errors_only([&] { (void)p.integer("lr"); });
  usage_errors_only([&] { (void)p.number("lr"); });
  usage_errors_only([&] { (void)p.number("model"); });
  usage_errors_only([&] { (void)p.numbers("eps"); });
  usage_errors_only([&] { (void)p.strings("eps"); });
  usage_errors_only([&] { (void)p.choice("model", {"hybrid", "classical"}); });
  (void)p.rest();
  (void)p.usage();
})
