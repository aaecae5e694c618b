// dataset.hpp — a labelled image set kept as uint8, and how a dataset is found on disk.
//
// A Dataset is what every reader returns: N images of one shape (C, H, W), uint8 exactly as stored
// (converted to float one batch at a time by the loader), int64 labels in [0, classes) or none (the
// STL-10 unlabeled split), and the class names. Images live either in a uint8 tensor (N, C, H, W) or,
// for STL-10's 2.8 GB unlabeled split, in a file read one image at a time. Copying a
// Dataset shares its images.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "datasets/files.hpp"
#include "tensor/tensor.hpp"

namespace hqc::data {

// Warnings: a file that loads but is not what the official distribution holds (a CIFAR or STL-10 file
// with a record count other than the official one: a partial copy, or one cut at a record boundary).
// The library never prints: each warning goes to the handler installed here (hqc's main prints
// `hqc: warning: ...` on stderr); without one, warnings are dropped. Returns the previous handler.
using WarningHandler = std::function<void(const std::string& message)>;
WarningHandler set_warning_handler(WarningHandler handler);
void warn(const std::string& message);

// Warns (naming the file) when `found` records are not the official `expected` of `what`.
void check_official_count(const std::filesystem::path& file, const std::string& what, int64_t expected,
                          int64_t found);

// What the project knows about each named dataset (docs/formats.md).
struct DatasetInfo {
  std::string name;                  // mnist, fashion-mnist, cifar10, cifar100, stl10
  int64_t channels, height, width;
  std::vector<std::string> classes;  // defaults; files may supply them (CIFAR, STL-10)
  std::vector<float> mean, std;      // per channel, on the [0, 1] scale
  std::vector<std::string> splits;   // train, test (and unlabeled for STL-10)
};
const DatasetInfo& dataset_info(const std::string& name);  // throws DataError for an unknown name
const std::vector<std::string>& dataset_names();

class Dataset {
 public:
  Dataset() = default;
  // In-memory images: uint8 (N, C, H, W); labels int64 (N) or undefined when unlabeled.
  Dataset(std::string name, std::string split, Tensor images, Tensor labels, std::vector<std::string> classes);
  // Images read on demand from a file by `fetch(file, index, out)`, which writes one (C, H, W)
  // image; `count` images of `shape` (C, H, W).
  using Fetch = void (*)(const RecordFile& file, int64_t index, uint8_t* out);
  Dataset(std::string name, std::string split, std::shared_ptr<const RecordFile> file, Fetch fetch,
          int64_t count, Shape shape, Tensor labels, std::vector<std::string> classes);

  const std::string& name() const { return name_; }
  const std::string& split() const { return split_; }
  int64_t size() const { return count_; }
  const Shape& image_shape() const { return shape_; }  // (C, H, W)
  int64_t channels() const { return shape_[0]; }
  int64_t height() const { return shape_[1]; }
  int64_t width() const { return shape_[2]; }
  int64_t image_numel() const { return shape_[0] * shape_[1] * shape_[2]; }
  const std::vector<std::string>& classes() const { return classes_; }
  int64_t num_classes() const { return static_cast<int64_t>(classes_.size()); }
  bool has_labels() const { return labels_.defined(); }
  const Tensor& labels() const { return labels_; }  // int64 (N), undefined when unlabeled
  int64_t label(int64_t i) const;                   // -1 when unlabeled
  bool in_memory() const { return images_.defined(); }
  const Tensor& images() const { return images_; }  // uint8 (N, C, H, W) when in_memory()

  // Image i as stored, row-major (C, H, W), correctly oriented.
  void copy_image(int64_t i, uint8_t* out) const;
  Tensor image(int64_t i) const;  // uint8 (C, H, W)

  // The first n images (shares the data); n larger than size() is an error.
  Dataset head(int64_t n) const;
  // Images `indices` in that order, copied into memory (the validation split of a training set); an
  // index out of range is an error.
  Dataset select(const std::vector<int64_t>& indices) const;

 private:
  void check_index(int64_t i) const;
  std::string name_, split_;
  Tensor images_, labels_;
  std::shared_ptr<const RecordFile> file_;
  Fetch fetch_ = nullptr;
  int64_t count_ = 0;
  Shape shape_{0, 0, 0};
  std::vector<std::string> classes_;
};

// Finds the folder holding `name`'s files (docs/cli.md): `data_dir` when given, else $HQC_DATA/<name>,
// then ./data/<name>, then (fashion-mnist) /usr/share/datasets/fashion-mnist. The archive's own
// subfolder (cifar-10-batches-bin, cifar-100-binary, stl10_binary) is entered when present. Throws
// DataError saying where it looked and how to get the dataset.
std::filesystem::path find_dataset(const std::string& name, const std::string& data_dir = "");

// Loads one split of a named dataset from the folder find_dataset() picks. For cifar100, the labels
// are the fine ones unless coarse is set.
Dataset load_dataset(const std::string& name, const std::string& split, const std::string& data_dir = "",
                     bool coarse = false);

// Pixel statistics on the [0, 1] scale (population std, exact: from per-channel histograms) and the
// number of images per class.
struct DatasetStats {
  std::vector<int64_t> label_counts;  // empty when unlabeled
  std::vector<double> mean, std;      // per channel
};
DatasetStats compute_stats(const Dataset& ds);

}  // namespace hqc::data
