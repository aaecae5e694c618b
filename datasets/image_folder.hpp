// image_folder.hpp — a user's own pictures as a dataset: root/<class name>/<image file>.
//
// Classes are the subfolders of root in name order (label = position); images are every non-hidden
// file in a class folder, in name order, decoded with stb_image (PNG, JPEG, BMP, ...). A file that is
// not a readable image is an error naming it, not a silent skip.
#pragma once

#include <filesystem>

#include "datasets/dataset.hpp"

namespace hqc::data {

struct ImageFolderOptions {
  int channels = 0;    // 1 or 3; 0 = 3 if any image has colour, else 1
  int64_t height = 0;  // with width: resize every image (bilinear); 0 = all must share one size
  int64_t width = 0;
};

Dataset load_image_folder(const std::filesystem::path& root, const ImageFolderOptions& options = {});

}  // namespace hqc::data
