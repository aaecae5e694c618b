// checkpoint.hpp — one versioned binary file holding a model's configuration and named tensors.
//
// Layout (all integers little-endian):
//   magic    8 bytes  "HQCCKPT\0"
//   version  u32      1
//   flags    u32      0 (reserved)
//   size     u64      number of payload bytes that follow
//   payload:
//     u32 config length, config bytes (free text: the apps store JSON naming model and dataset)
//     u32 tensor count, then per tensor: u16 name length, name, u8 dtype (0 f32, 1 f64, 2 i64, 3 u8),
//     u8 ndim, ndim × i64 sizes, the elements row-major
//   checksum u64      FNV-1a 64 of the payload bytes
// Reading checks, in order: that the path is a regular file that opens, the header is complete, the
// magic, the version, that the file holds exactly the promised bytes, the checksum, the payload's own
// structure, and that every floating-point value is finite. Loading
// into a model then checks that the names, shapes and types match the model's state exactly. Any
// failure throws CheckpointError saying which file and what was expected and found; nothing of the
// model changes unless everything matched.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "nn/module.hpp"

namespace hqc::nn {

class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr uint32_t kCheckpointVersion = 1;

struct Checkpoint {
  std::string config;
  std::vector<std::pair<std::string, Tensor>> tensors;
};

// Writes to path whole or not at all, never through a link (nn/atomic_file.hpp); throws
// CheckpointError naming the file and the system's reason.
void write_checkpoint(const std::string& path, const Checkpoint& checkpoint);
// The model's state (parameters and buffers by name) with a configuration string.
void save_checkpoint(const std::string& path, const Module& model, const std::string& config);
// Reads and validates a file; throws CheckpointError.
Checkpoint read_checkpoint(const std::string& path);
// Reads `path` and loads it into `model` (all-or-nothing); returns the configuration string.
std::string load_checkpoint(const std::string& path, Module& model);

}  // namespace hqc::nn
