// safetensors.hpp — reading and writing the safetensors format (Hugging Face's), so that weights move
// between hqc and PyTorch (apps: `hqc export`, `hqc import`; docs/formats.md).
//
// Layout (integers little-endian):
//   u64 N                        the header's length in bytes
//   N bytes of JSON              {"NAME": {"dtype": "F32", "shape": [d0, ...], "data_offsets": [begin, end]},
//                                 ..., "__metadata__": {"key": "value", ...}}   (metadata optional),
//                                padded with spaces; the writer pads N to a multiple of 8
//   the data                     each tensor's elements row-major, little-endian, at [begin, end)
//                                counted from the first byte after the header
// Reading checks everything before converting anything: that the header fits in the file, that it is
// one JSON object of tensor entries (each with a known dtype, a shape of non-negative integers and two
// offsets) and string metadata, that every tensor's byte count is shape x dtype size, and that the
// tensors cover the data exactly (no overlap, no hole, nothing past the end or after the last one).
// Any failure throws SafetensorsError naming the file (or `what`) and what was expected and found.
//
// Element types: F32, F64, F16 and BF16 are read as float32 (F64 rounded to nearest); I64 as int64.
// The other safetensors types (BOOL, U8, I8, I16, U16, I32, U32, U64, F8_*) are recognised and refused
// by name. The writer writes f32 tensors as F32 and i64 tensors as I64.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tensor/tensor.hpp"

namespace hqc::nn {

class SafetensorsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SafetensorsEntry {
  std::string name;
  std::string dtype;  // as stored: "F32", "BF16", "I64", ...
  Tensor tensor;      // f32 for the floating types, i64 for I64
};

struct Safetensors {
  std::vector<SafetensorsEntry> tensors;                     // in the order of their data
  std::vector<std::pair<std::string, std::string>> metadata;  // "__metadata__", in the header's order
};

// The file's bytes. Tensors are written in the order given, contiguous from offset 0; each must be
// f32 or i64 (else SafetensorsError naming it). Names must be unique and not "__metadata__".
std::string encode_safetensors(const std::vector<std::pair<std::string, Tensor>>& tensors,
                               const std::vector<std::pair<std::string, std::string>>& metadata);
// encode_safetensors written through nn::write_file_atomically (whole or not at all); a failed
// write throws FileWriteError (nn/atomic_file.hpp).
void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const std::vector<std::pair<std::string, std::string>>& metadata);

// Parses and validates a file's bytes; `what` names the source in error messages.
Safetensors parse_safetensors(std::string_view bytes, const std::string& what);
// Reads `path` (a regular file) and parses it.
Safetensors read_safetensors(const std::string& path);

// IEEE half and bfloat16 bit patterns to float (exact: every such value is a float).
float half_to_float(uint16_t bits);
float bfloat16_to_float(uint16_t bits);

}  // namespace hqc::nn
