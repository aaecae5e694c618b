// image_folder.cpp — folder-per-class datasets.
#include "datasets/image_folder.hpp"

#include <algorithm>
#include <cmath>

#include "datasets/image_io.hpp"
#include "datasets/transforms.hpp"

namespace hqc::data {

namespace fs = std::filesystem;

namespace {
std::vector<fs::path> sorted_entries(const fs::path& dir, bool want_dirs) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    if (e.is_directory(ec) == want_dirs) out.push_back(e.path());
  }
  if (ec) throw DataError(dir.string() + ": cannot list the folder: " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

Dataset load_image_folder(const fs::path& root, const ImageFolderOptions& opt) {
  std::error_code ec;
  if (!fs::exists(root, ec)) throw DataError(root.string() + ": no such folder");
  if (!fs::is_directory(root, ec)) throw DataError(root.string() + ": is a file, expected a folder of class folders");
  if (opt.channels != 0 && opt.channels != 1 && opt.channels != 3)
    throw DataError("image folder: channels must be 1 or 3, got " + std::to_string(opt.channels));
  if ((opt.height == 0) != (opt.width == 0) || opt.height < 0 || opt.width < 0)
    throw DataError("image folder: give both height and width (positive) to resize, or neither");
  std::vector<fs::path> class_dirs = sorted_entries(root, true);
  if (class_dirs.empty())
    throw DataError(root.string() + ": no class folders; expected root/<class name>/<image files>");

  std::vector<std::string> classes;
  std::vector<Tensor> images;  // uint8 (C, H, W) each
  std::vector<int64_t> labels;
  std::vector<fs::path> paths;
  for (const fs::path& d : class_dirs) {
    std::vector<fs::path> files = sorted_entries(d, false);
    if (files.empty()) throw DataError(d.string() + ": class folder holds no image files");
    for (const fs::path& f : files) {
      images.push_back(read_image(f, opt.channels));
      labels.push_back(static_cast<int64_t>(classes.size()));
      paths.push_back(f);
    }
    classes.push_back(d.filename().string());
  }

  int64_t C = opt.channels;
  if (C == 0)
    for (const Tensor& t : images) C = std::max(C, t.size(0));
  int64_t H = opt.height, W = opt.width;
  if (H == 0) {
    H = images[0].size(1);
    W = images[0].size(2);
  }
  Pipeline fit;  // channel conversion and resizing, done on [0, 1] floats, rounded back to uint8
  fit.then(C == 1 ? to_grayscale() : to_rgb());
  if (opt.height != 0) fit.then(resize(H, W));

  const int64_t n = static_cast<int64_t>(images.size());
  Tensor all = Tensor::empty({n, C, H, W}, DType::u8);  // (N, C, H, W)
  uint8_t* o = all.data<uint8_t>();
  Generator unused(0);
  Sample s;
  std::vector<float> tmp(static_cast<std::size_t>(C * H * W));
  for (int64_t i = 0; i < n; ++i) {
    const Tensor& t = images[i];
    if (opt.height == 0 && (t.size(1) != H || t.size(2) != W))
      throw DataError(paths[i].string() + ": image is " + std::to_string(t.size(2)) + " x " + std::to_string(t.size(1)) +
                      " pixels but " + paths[0].string() + " is " + std::to_string(W) + " x " + std::to_string(H) +
                      "; resize them to one size (or ask the loader to resize)");
    if (t.size(0) == C && opt.height == 0) {
      std::copy(t.data<uint8_t>(), t.data<uint8_t>() + C * H * W, o + i * C * H * W);
      continue;
    }
    fit.run(t.data<uint8_t>(), t.sizes(), unused, s, tmp.data());
    for (int64_t k = 0; k < C * H * W; ++k)
      o[i * C * H * W + k] = static_cast<uint8_t>(std::clamp(std::lround(tmp[k] * 255.0f), 0L, 255L));
  }
  Tensor lbl = Tensor::empty({n}, DType::i64);
  std::copy(labels.begin(), labels.end(), lbl.data<int64_t>());
  return Dataset(root.filename().string().empty() ? root.parent_path().filename().string() : root.filename().string(),
                 "train", all, lbl, classes);
}

}  // namespace hqc::data
