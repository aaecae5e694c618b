// stl10.hpp — the binary version of STL-10, turned into correctly oriented images.
//
// Images are 3 x 96 x 96 uint8 with no header, 27,648 bytes each, planes R, G, B, and each plane is
// stored COLUMN-major: pixel (row y, col x, channel c) of image n is byte n*27648 + c*9216 + x*96 + y.
// Reading it row-major silently transposes every image, so every path here goes through
// stl10_to_row_major(). Labels are one byte per image, 1..10 on disk, 0..9 here. The unlabeled split
// (100,000 images, 2.8 GB) is read and converted one image at a time, when a batch needs it.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "datasets/dataset.hpp"

namespace hqc::data {

constexpr int64_t kStl10Side = 96;
constexpr int64_t kStl10ImageBytes = 3 * kStl10Side * kStl10Side;

// One image: column-major planes (as on disk) -> row-major (C, H, W).
void stl10_to_row_major(const uint8_t* src, uint8_t* dst);

// uint8 (N, 3, 96, 96), row-major, from an X file; refuses a size that is not a whole number of images.
Tensor parse_stl10_images(std::span<const uint8_t> bytes, const std::string& name);
// int64 (N) labels in 0..9 from a y file (bytes 1..10).
Tensor parse_stl10_labels(std::span<const uint8_t> bytes, const std::string& name);
// fold_indices.txt: 10 lines of space-separated 0-based indices into the training set, each < train_count.
std::vector<std::vector<int64_t>> parse_stl10_folds(std::span<const uint8_t> text, const std::string& name,
                                                    int64_t train_count);

// train and test are read into memory; unlabeled is read on demand (and has no labels).
Dataset load_stl10(const std::filesystem::path& dir, const std::string& split);
std::vector<std::vector<int64_t>> load_stl10_folds(const std::filesystem::path& dir, int64_t train_count = 5000);

}  // namespace hqc::data
