// fuzz_safetensors.cpp — nn's safetensors reader (what `hqc import` reads). The first byte picks what
// the rest is: 0, the whole file; 1, the header's JSON text, given a correct size field and 64 bytes of
// data, so the fuzzer reaches the tensor entries and offsets without having to find the size. A file
// that parses must hold what its header promised: each tensor is read to its last element, and
// writing the tensors again and reading that back gives the same names, shapes and bits.
// Refusal: nn::SafetensorsError.
#include <cstring>

#include "fuzz_common.hpp"
#include "nn/safetensors.hpp"

HQC_FUZZ_TARGET_REFUSING(hqc::nn::SafetensorsError, {
  if (in.empty()) return 0;
  const int mode = in[0] % 2;
  in = in.subspan(1);
  std::string bytes;
  if (mode == 0) {
    bytes.assign(in.begin(), in.end());
  } else {
    const uint64_t n = in.size();
    for (int k = 0; k < 8; ++k) bytes.push_back(static_cast<char>((n >> (8 * k)) & 0xFF));
    bytes.append(in.begin(), in.end());
    bytes.append(64, '\x01');
  }
  const hqc::nn::Safetensors s = hqc::nn::parse_safetensors(bytes, "fuzz.safetensors");
  std::vector<std::pair<std::string, hqc::Tensor>> tensors;
  for (const auto& e : s.tensors) {
    if (e.tensor.numel() > 0)
      (void)static_cast<const uint8_t*>(e.tensor.raw_data())[hqc::dtype_size(e.tensor.dtype()) * e.tensor.numel() - 1];
    if (e.name != "__metadata__" && !e.name.empty()) tensors.emplace_back(e.name, e.tensor);
  }
  if (tensors.size() != s.tensors.size()) return 0;  // an empty name: parsed, but not what the writer accepts
  const hqc::nn::Safetensors back = hqc::nn::parse_safetensors(hqc::nn::encode_safetensors(tensors, s.metadata), "again");
  if (back.tensors.size() != s.tensors.size() || back.metadata != s.metadata) __builtin_trap();
  for (std::size_t i = 0; i < back.tensors.size(); ++i) {
    const hqc::Tensor& a = s.tensors[i].tensor;
    const hqc::Tensor& b = back.tensors[i].tensor;
    if (back.tensors[i].name != s.tensors[i].name || a.sizes() != b.sizes() || a.dtype() != b.dtype() ||
        std::memcmp(a.raw_data(), b.raw_data(), hqc::dtype_size(a.dtype()) * a.numel()) != 0)
      __builtin_trap();
  }
})
