// cmd_version.cpp — `hqc version`: the build's version, SIMD level and thread count.
#include "apps/cli.hpp"
#include "tensor/parallel.hpp"
#include "tensor/simd.hpp"

#include <iostream>

namespace {
hqc::cli::Command version_cmd("version", "print the version, the SIMD level in use and the thread count",
                               [](const std::vector<std::string>& args) {
  hqc::cli::ArgParser p("version", "Prints the version of hqc and how it runs on this machine.");
  p.flag("json", "print one JSON document");
  if (!p.parse(args)) return 0;
  hqc::cli::Json j = hqc::cli::Json::object();
  j.set("version", "0.1.0").set("simd", hqc::simd_name(hqc::simd_level())).set("threads", hqc::num_threads());
  if (p.is_set("json")) {
    std::cout << j.dump() << "\n";
  } else {
    std::cout << "hqc 0.1.0 (simd " << hqc::simd_name(hqc::simd_level()) << ", " << hqc::num_threads()
              << " threads)\n";
  }
  return 0;
});
}  // namespace
