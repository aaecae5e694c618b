// image_io.hpp — image files in and out (stb_image, stb_image_write), as uint8 (C, H, W) tensors.
//
// Decoding goes through our own read_bytes() so a missing file, a directory or an empty file gets the
// same message as every other reader, and stb only ever sees a memory buffer. stb is compiled once,
// in stb.cpp, with static linkage, so no other part of the program can clash with its symbols.
#pragma once

#include <filesystem>
#include <span>
#include <string>

#include "datasets/files.hpp"
#include "tensor/tensor.hpp"

namespace hqc::data {

// Largest width or height accepted (a bound on what a hostile header can make us allocate).
constexpr int kMaxImageSide = 8192;

// Decodes PNG, JPEG, BMP, GIF (first frame), TGA, PSD, HDR (tone-mapped), PIC (not PNM) into a uint8
// (C, H, W) tensor. channels: 1 (grayscale), 3 (RGB), or 0 = as stored (gray stays 1 channel,
// colour becomes 3; an alpha channel is dropped). `name` starts every error message.
Tensor decode_image(std::span<const uint8_t> bytes, const std::string& name, int channels = 0);
Tensor read_image(const std::filesystem::path& path, int channels = 0);

// Writes a uint8 (C, H, W) tensor with C = 1 or 3 as PNG; throws DataError naming the path.
void write_png(const std::filesystem::path& path, const Tensor& image);
// The same into memory (for tests and fuzz seeds).
Bytes encode_png(const Tensor& image);

}  // namespace hqc::data
