// idx.hpp — the IDX format of MNIST and Fashion-MNIST (plain or gzipped).
//
// An IDX file is a big-endian magic 0x00 0x00 <type> <ndims>, ndims big-endian uint32 sizes, then the
// data in C order. MNIST images are type 0x08 (unsigned byte) with 3 dims (N, 28, 28), labels type
// 0x08 with 1 dim (N). Anything else — other magic, type, dimension count, a short or long data
// section — is refused with the file name, what was expected and what was found.
#pragma once

#include <filesystem>
#include <span>
#include <string>

#include "datasets/dataset.hpp"

namespace hqc::data {

// uint8 images (N, 1, rows, cols) from an unsigned-byte IDX file with 3 dimensions.
Tensor parse_idx_images(std::span<const uint8_t> bytes, const std::string& name);
// The same on a whole file held in a uint8 tensor (N): the result is a view of its storage (no copy).
Tensor parse_idx_images(const Tensor& file, const std::string& name);
// int64 labels (N) from an unsigned-byte IDX file with 1 dimension, each checked < num_classes.
Tensor parse_idx_labels(std::span<const uint8_t> bytes, const std::string& name, int64_t num_classes);

// The official MNIST / Fashion-MNIST files of `split` (train or t10k, each plain or .gz) in dir;
// `name` is mnist or fashion-mnist (28 x 28 images, 10 classes, matching counts required).
Dataset load_mnist(const std::filesystem::path& dir, const std::string& split, const std::string& name);

}  // namespace hqc::data
