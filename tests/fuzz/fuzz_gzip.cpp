// fuzz_gzip.cpp — gunzip (header fields, stb's inflate, CRC32 and size checks) on arbitrary bytes.
#include "datasets/gzip.hpp"
#include "fuzz_common.hpp"

HQC_FUZZ_TARGET({
  hqc::data::Bytes out = hqc::data::gunzip(in, "fuzz.gz");
  if (hqc::data::crc32(out) != hqc::data::crc32_bitwise(out)) __builtin_trap();
})
