// fuzz_common.hpp — what every fuzz target shares: a reader may refuse its input only with a
// DataError; anything else (a crash, an out-of-bounds read ASan sees, another exception) is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "datasets/files.hpp"

#define HQC_FUZZ_TARGET(body)                                                      \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {   \
    std::span<const uint8_t> in(data, size);                                       \
    try {                                                                          \
      body;                                                                        \
    } catch (const hqc::data::DataError&) {                                        \
    }                                                                              \
    return 0;                                                                      \
  }
