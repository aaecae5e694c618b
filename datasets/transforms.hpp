// transforms.hpp — per-image preprocessing and augmentation, all randomness from a Generator.
//
// A Pipeline turns one stored uint8 image (C, H, W) into float32 (C', H', W'): first to float on
// [0, 1] (pixel / 255), then each Transform in order. Geometric transforms run on the [0, 1] image and
// fill with 0 (black), as torchvision's do on PIL images before ToTensor; Normalize usually comes
// last. A random transform draws only from the generator it is handed, so the loader can give every
// (seed, epoch, image) its own stream and the result never depends on which thread ran it or when.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "datasets/dataset.hpp"
#include "tensor/random.hpp"

namespace hqc::data {

// One image being transformed: float planes (C, H, W), row-major.
struct Sample {
  int64_t c = 0, h = 0, w = 0;
  std::vector<float> px;   // (C, H, W)
  std::vector<float> tmp;  // scratch for transforms that cannot work in place
};

class Transform {
 public:
  virtual ~Transform() = default;
  virtual std::string name() const = 0;
  // The shape (C, H, W) this transform produces from `in`; throws DataError when it cannot apply.
  virtual Shape output_shape(const Shape& in) const { return in; }
  virtual void apply(Sample& s, Generator& gen) const = 0;
};
using TransformPtr = std::shared_ptr<const Transform>;

TransformPtr normalize(std::vector<float> mean, std::vector<float> std);  // per channel: (x - mean) / std
TransformPtr random_crop(int64_t height, int64_t width, int64_t padding);  // zero padding on every side
TransformPtr random_horizontal_flip(double p = 0.5);
// Rotation by an angle uniform in [-degrees, degrees] (positive = counter-clockwise) about the centre,
// then a shift by whole pixels uniform in [-translate * W, translate * W] (and H); bilinear, fill 0.
TransformPtr random_affine(double degrees, double translate);
// A fixed rotation and shift (what random_affine draws), exposed for tests and for predict-time use.
TransformPtr affine(double degrees, double shift_x, double shift_y);
// Bilinear, half-pixel centres (PyTorch's interpolate(mode="bilinear", align_corners=False), no antialias).
TransformPtr resize(int64_t height, int64_t width);
TransformPtr to_grayscale();  // 3 -> 1 channel: 0.2989 R + 0.587 G + 0.114 B (1 channel passes through)
TransformPtr to_rgb();        // 1 -> 3 channels by copying (3 channels pass through)

class Pipeline {
 public:
  Pipeline() = default;
  explicit Pipeline(std::vector<TransformPtr> steps) : steps_(std::move(steps)) {}
  Pipeline& then(TransformPtr t) {
    steps_.push_back(std::move(t));
    return *this;
  }
  const std::vector<TransformPtr>& steps() const { return steps_; }
  Shape output_shape(const Shape& in) const;  // (C, H, W); throws naming the transform that does not fit
  std::string describe() const;               // "resize(32x32) -> normalize(3)"

  // image: uint8 (shape); out: float32 (output_shape(shape)). s is reused scratch.
  void run(const uint8_t* image, const Shape& shape, Generator& gen, Sample& s, float* out) const;
  // The same on a uint8 (C, H, W) tensor, returning float32.
  Tensor run(const Tensor& image, Generator& gen) const;

 private:
  std::vector<TransformPtr> steps_;
};

// The study's preprocessing (docs/study.md): normalisation with the dataset's constants, plus with
// augment: MNIST-like RandomAffine(5 degrees, 0.1); CIFAR flip + RandomCrop(32, 4); STL-10 flip +
// RandomCrop(96, 8).
Pipeline standard_pipeline(const std::string& dataset, bool augment);
// The original code's training transform (docs/study.md, "Data handling"): for 1-channel datasets
// Normalize first and RandomAffine after it, so that the pixels the affine map uncovers are filled
// with 0 in normalised units, the mean grey; for the others the same as standard_pipeline(.., true).
Pipeline original_pipeline(const std::string& dataset);

// The generator for image `index` in `epoch`: a pure function of the three numbers.
Generator sample_generator(uint64_t seed, int64_t epoch, int64_t index);

}  // namespace hqc::data
