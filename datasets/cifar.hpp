// cifar.hpp — the binary versions of CIFAR-10 and CIFAR-100.
//
// No header: a file is a sequence of fixed-size records. CIFAR-10: 1 label byte (0-9) + 3072 pixel
// bytes (1024 red, 1024 green, 1024 blue, each plane row-major 32 x 32) = 3073 bytes. CIFAR-100:
// coarse label (0-19), fine label (0-99), 3072 pixel bytes = 3074 bytes. A file that is not a whole
// number of records is refused (it is damaged, not a shorter dataset).
#pragma once

#include <filesystem>
#include <span>
#include <string>

#include "datasets/dataset.hpp"

namespace hqc::data {

enum class CifarLabels { cifar10, cifar100_fine, cifar100_coarse };

struct CifarRecords {
  Tensor images;  // uint8 (N, 3, 32, 32)
  Tensor labels;  // int64 (N)
};
CifarRecords parse_cifar(std::span<const uint8_t> bytes, const std::string& name, CifarLabels kind);

// CIFAR-10: train = data_batch_1..5.bin, test = test_batch.bin; class names from batches.meta.txt
// when present. CIFAR-100: train.bin / test.bin; fine (100) or coarse (20) labels, names from
// fine_label_names.txt / coarse_label_names.txt when present.
Dataset load_cifar10(const std::filesystem::path& dir, const std::string& split);
Dataset load_cifar100(const std::filesystem::path& dir, const std::string& split, bool coarse);

// CIFAR-100's 20 superclass names, in label order (the fine ones are dataset_info("cifar100").classes).
const std::vector<std::string>& cifar100_coarse_classes();

// Class names from a label-names file: one per line, exactly `count` non-empty lines.
std::vector<std::string> read_class_names(const std::filesystem::path& path, int64_t count);

}  // namespace hqc::data
