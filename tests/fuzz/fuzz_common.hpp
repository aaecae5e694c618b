// fuzz_common.hpp — what every fuzz target shares: a parser may refuse its input only with its own
// error type (the readers' DataError, the command line's UsageError, ...); anything else (a crash, an
// out-of-bounds read ASan sees, another exception) is a finding. Targets whose parser reads a file
// write the input into a scratch folder of their own process first.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>

#include "datasets/files.hpp"

// The body is variadic so that commas outside parentheses (braced lists, structured bindings) are
// part of it.
#define HQC_FUZZ_TARGET_REFUSING(Refusal, ...)                                     \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {   \
    std::span<const uint8_t> in(data, size);                                       \
    try {                                                                          \
      __VA_ARGS__;                                                                 \
    } catch (const Refusal&) {                                                     \
    }                                                                              \
    return 0;                                                                      \
  }
#define HQC_FUZZ_TARGET(...) HQC_FUZZ_TARGET_REFUSING(hqc::data::DataError, __VA_ARGS__)

namespace hqc::fuzz {

// A folder for this process's scratch files, emptied on every call.
inline std::filesystem::path fresh_scratch_dir() {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("hqc_fuzz_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline void write_file(const std::filesystem::path& path, std::span<const uint8_t> bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace hqc::fuzz
