// fuzz_checkpoint.cpp — nn's checkpoint reader and the model configuration a checkpoint carries.
// The first byte picks what the rest is: 0, the whole file; 1, the payload, wrapped in a valid header
// and checksum so the fuzzer reaches the tensor records; 2, the configuration text, which is written
// into a valid checkpoint, read back, and parsed by ModelConfig::from_json (the model is not built).
// Refusals: nn::CheckpointError from the reader, std::runtime_error from from_json.
#include "apps/models.hpp"
#include "fuzz_common.hpp"
#include "nn/checkpoint.hpp"

namespace {
template <typename T>
void put(std::vector<uint8_t>& out, T v) {
  for (std::size_t k = 0; k < sizeof(T); ++k) out.push_back(static_cast<uint8_t>(uint64_t(v) >> (8 * k)));
}

uint64_t fnv1a(std::span<const uint8_t> bytes) {  // the checksum of checkpoint.hpp's layout
  uint64_t h = 0xcbf29ce484222325ULL;
  for (uint8_t b : bytes) h = (h ^ b) * 0x100000001b3ULL;
  return h;
}
}  // namespace

HQC_FUZZ_TARGET_REFUSING(hqc::nn::CheckpointError, {
  if (in.empty()) return 0;
  const int mode = in[0] % 3;
  in = in.subspan(1);
  const std::string file = (hqc::fuzz::fresh_scratch_dir() / "model.ckpt").string();
  if (mode == 0) {
    hqc::fuzz::write_file(file, in);
  } else if (mode == 1) {
    std::vector<uint8_t> bytes = {'H', 'Q', 'C', 'C', 'K', 'P', 'T', 0};
    put<uint32_t>(bytes, hqc::nn::kCheckpointVersion);
    put<uint32_t>(bytes, 0);
    put<uint64_t>(bytes, in.size());
    bytes.insert(bytes.end(), in.begin(), in.end());
    put<uint64_t>(bytes, fnv1a(in));
    hqc::fuzz::write_file(file, bytes);
  } else {
    hqc::nn::write_checkpoint(file, {std::string(in.begin(), in.end()), {}});
  }
  hqc::nn::Checkpoint ck = hqc::nn::read_checkpoint(file);
  for (const auto& [name, t] : ck.tensors)
    if (t.numel() > 0) (void)static_cast<const uint8_t*>(t.raw_data())[hqc::dtype_size(t.dtype()) * t.numel() - 1];
  if (mode == 2 && ck.config != std::string(in.begin(), in.end())) __builtin_trap();
  try {
    hqc::app::ModelConfig c = hqc::app::ModelConfig::from_json(ck.config);
    (void)c.to_json();
  } catch (const std::runtime_error&) {
  }
})
