// transforms.cpp — the transforms, their shapes, and the dataset presets.
#include "datasets/transforms.hpp"

#include <cmath>
#include <numbers>

#include "tensor/math.hpp"

namespace hqc::data {

namespace {
std::string chw(const Shape& s) { return shape_str(s); }

// Bilinear sample of plane p (H, W) at (y, x) in pixel-index coordinates; neighbours outside the
// image count as 0 (the fill), as grid_sample's zero padding does.
inline float sample_zero(const float* p, int64_t H, int64_t W, float y, float x) {
  const float fy = std::floor(y), fx = std::floor(x);
  const int64_t y0 = static_cast<int64_t>(fy), x0 = static_cast<int64_t>(fx);
  const float wy = y - fy, wx = x - fx;
  float acc = 0.f;
  for (int dy = 0; dy < 2; ++dy) {
    const int64_t yy = y0 + dy;
    if (yy < 0 || yy >= H) continue;
    const float ky = dy ? wy : 1.f - wy;
    for (int dx = 0; dx < 2; ++dx) {
      const int64_t xx = x0 + dx;
      if (xx < 0 || xx >= W) continue;
      acc += ky * (dx ? wx : 1.f - wx) * p[yy * W + xx];
    }
  }
  return acc;
}

class Normalize final : public Transform {
 public:
  Normalize(std::vector<float> mean, std::vector<float> std) : mean_(std::move(mean)), std_(std::move(std)) {
    if (mean_.empty() || mean_.size() != std_.size())
      throw DataError("normalize: " + std::to_string(mean_.size()) + " means and " + std::to_string(std_.size()) +
                      " standard deviations, expected one of each per channel");
    for (float s : std_)
      if (!(s > 0.f) || !std::isfinite(s)) throw DataError("normalize: standard deviation " + std::to_string(s) + " is not positive");
    for (float m : mean_)
      if (!std::isfinite(m)) throw DataError("normalize: mean is not finite");
  }
  std::string name() const override { return "normalize(" + std::to_string(mean_.size()) + " channels)"; }
  Shape output_shape(const Shape& in) const override {
    if (in[0] != static_cast<int64_t>(mean_.size()))
      throw DataError(name() + " cannot apply to an image of shape " + chw(in));
    return in;
  }
  void apply(Sample& s, Generator&) const override {
    const int64_t plane = s.h * s.w;
    for (int64_t c = 0; c < s.c; ++c) {
      const float m = mean_[c], inv = 1.f / std_[c];
      float* p = s.px.data() + c * plane;
      for (int64_t i = 0; i < plane; ++i) p[i] = (p[i] - m) * inv;
    }
  }

 private:
  std::vector<float> mean_, std_;
};

class RandomCrop final : public Transform {
 public:
  RandomCrop(int64_t h, int64_t w, int64_t pad) : h_(h), w_(w), pad_(pad) {
    if (h <= 0 || w <= 0 || pad < 0) throw DataError("random_crop: size must be positive and padding >= 0");
  }
  std::string name() const override {
    return "random_crop(" + std::to_string(h_) + "x" + std::to_string(w_) + ", padding " + std::to_string(pad_) + ")";
  }
  Shape output_shape(const Shape& in) const override {
    if (in[1] + 2 * pad_ < h_ || in[2] + 2 * pad_ < w_)
      throw DataError(name() + " is larger than the padded image of shape " + chw(in));
    return {in[0], h_, w_};
  }
  void apply(Sample& s, Generator& gen) const override {
    // Offsets of the crop in the padded image, as torchvision draws them (top, then left).
    const int64_t top = gen.below(static_cast<uint32_t>(s.h + 2 * pad_ - h_ + 1)) - pad_;
    const int64_t left = gen.below(static_cast<uint32_t>(s.w + 2 * pad_ - w_ + 1)) - pad_;
    s.tmp.assign(static_cast<std::size_t>(s.c * h_ * w_), 0.f);
    for (int64_t c = 0; c < s.c; ++c)
      for (int64_t y = 0; y < h_; ++y) {
        const int64_t sy = y + top;
        if (sy < 0 || sy >= s.h) continue;
        for (int64_t x = 0; x < w_; ++x) {
          const int64_t sx = x + left;
          if (sx >= 0 && sx < s.w) s.tmp[(c * h_ + y) * w_ + x] = s.px[(c * s.h + sy) * s.w + sx];
        }
      }
    std::swap(s.px, s.tmp);
    s.h = h_;
    s.w = w_;
  }

 private:
  int64_t h_, w_, pad_;
};

class RandomFlip final : public Transform {
 public:
  explicit RandomFlip(double p) : p_(p) {
    if (!(p >= 0.0 && p <= 1.0)) throw DataError("random_horizontal_flip: probability must be in [0, 1]");
  }
  std::string name() const override { return "random_horizontal_flip(" + std::to_string(p_) + ")"; }
  void apply(Sample& s, Generator& gen) const override {
    if (!(gen.uniform_double() < p_)) return;
    for (int64_t r = 0; r < s.c * s.h; ++r) {
      float* row = s.px.data() + r * s.w;
      for (int64_t a = 0, b = s.w - 1; a < b; ++a, --b) std::swap(row[a], row[b]);
    }
  }

 private:
  double p_;
};

// Inverse-maps every output pixel: src = R(-angle) (dst - centre - shift) + centre.
void affine_apply(Sample& s, double degrees, double tx, double ty) {
  const double a = degrees * std::numbers::pi / 180.0;
  const float ca = static_cast<float>(math::cos(a)), sa = static_cast<float>(math::sin(a));
  const float cy = 0.5f * static_cast<float>(s.h - 1), cx = 0.5f * static_cast<float>(s.w - 1);
  s.tmp.assign(s.px.size(), 0.f);
  const int64_t plane = s.h * s.w;
  for (int64_t y = 0; y < s.h; ++y)
    for (int64_t x = 0; x < s.w; ++x) {
      // Counter-clockwise on screen (y pointing down): forward x' = x cos + y sin, y' = -x sin + y cos.
      const float dx = static_cast<float>(x) - cx - static_cast<float>(tx);
      const float dy = static_cast<float>(y) - cy - static_cast<float>(ty);
      const float sx = dx * ca - dy * sa + cx, sy = dx * sa + dy * ca + cy;
      for (int64_t c = 0; c < s.c; ++c) s.tmp[c * plane + y * s.w + x] = sample_zero(s.px.data() + c * plane, s.h, s.w, sy, sx);
    }
  std::swap(s.px, s.tmp);
}

class Affine final : public Transform {
 public:
  Affine(double deg, double tx, double ty) : deg_(deg), tx_(tx), ty_(ty) {}
  std::string name() const override { return "affine(" + std::to_string(deg_) + " degrees)"; }
  void apply(Sample& s, Generator&) const override { affine_apply(s, deg_, tx_, ty_); }

 private:
  double deg_, tx_, ty_;
};

class RandomAffine final : public Transform {
 public:
  RandomAffine(double deg, double tr) : deg_(deg), tr_(tr) {
    if (!(deg >= 0.0 && deg <= 180.0)) throw DataError("random_affine: degrees must be in [0, 180]");
    if (!(tr >= 0.0 && tr <= 1.0)) throw DataError("random_affine: translate must be in [0, 1]");
  }
  std::string name() const override {
    return "random_affine(" + std::to_string(deg_) + " degrees, translate " + std::to_string(tr_) + ")";
  }
  void apply(Sample& s, Generator& gen) const override {
    // Drawn as torchvision draws them: the angle, then whole-pixel shifts in x and y.
    const double angle = deg_ * (2.0 * gen.uniform_double() - 1.0);
    const double mx = tr_ * static_cast<double>(s.w), my = tr_ * static_cast<double>(s.h);
    const double tx = std::round(mx * (2.0 * gen.uniform_double() - 1.0));
    const double ty = std::round(my * (2.0 * gen.uniform_double() - 1.0));
    affine_apply(s, angle, tx, ty);
  }

 private:
  double deg_, tr_;
};

class Resize final : public Transform {
 public:
  Resize(int64_t h, int64_t w) : h_(h), w_(w) {
    if (h <= 0 || w <= 0) throw DataError("resize: size must be positive");
  }
  std::string name() const override { return "resize(" + std::to_string(h_) + "x" + std::to_string(w_) + ")"; }
  Shape output_shape(const Shape& in) const override { return {in[0], h_, w_}; }
  void apply(Sample& s, Generator&) const override {
    if (s.h == h_ && s.w == w_) return;
    // Source coordinate of each output row/column: (i + 0.5) * in / out - 0.5, clamped below at 0.
    auto axis = [](int64_t in, int64_t out, std::vector<int64_t>& i0, std::vector<int64_t>& i1, std::vector<float>& f) {
      const double scale = static_cast<double>(in) / static_cast<double>(out);
      for (int64_t o = 0; o < out; ++o) {
        double src = std::max(0.0, (static_cast<double>(o) + 0.5) * scale - 0.5);
        int64_t a = std::min<int64_t>(static_cast<int64_t>(src), in - 1);
        i0.push_back(a);
        i1.push_back(std::min<int64_t>(a + 1, in - 1));
        f.push_back(static_cast<float>(src - static_cast<double>(a)));
      }
    };
    std::vector<int64_t> y0, y1, x0, x1;
    std::vector<float> fy, fx;
    axis(s.h, h_, y0, y1, fy);
    axis(s.w, w_, x0, x1, fx);
    s.tmp.assign(static_cast<std::size_t>(s.c * h_ * w_), 0.f);
    for (int64_t c = 0; c < s.c; ++c) {
      const float* p = s.px.data() + c * s.h * s.w;
      for (int64_t y = 0; y < h_; ++y) {
        const float* r0 = p + y0[y] * s.w;
        const float* r1 = p + y1[y] * s.w;
        for (int64_t x = 0; x < w_; ++x) {
          const float top = r0[x0[x]] + fx[x] * (r0[x1[x]] - r0[x0[x]]);
          const float bot = r1[x0[x]] + fx[x] * (r1[x1[x]] - r1[x0[x]]);
          s.tmp[(c * h_ + y) * w_ + x] = top + fy[y] * (bot - top);
        }
      }
    }
    std::swap(s.px, s.tmp);
    s.h = h_;
    s.w = w_;
  }

 private:
  int64_t h_, w_;
};

class Grayscale final : public Transform {
 public:
  std::string name() const override { return "to_grayscale"; }
  Shape output_shape(const Shape& in) const override {
    if (in[0] != 1 && in[0] != 3) throw DataError("to_grayscale needs 1 or 3 channels, got shape " + chw(in));
    return {1, in[1], in[2]};
  }
  void apply(Sample& s, Generator&) const override {
    if (s.c == 1) return;
    const int64_t plane = s.h * s.w;
    for (int64_t i = 0; i < plane; ++i)
      s.px[i] = 0.2989f * s.px[i] + 0.587f * s.px[plane + i] + 0.114f * s.px[2 * plane + i];
    s.px.resize(static_cast<std::size_t>(plane));
    s.c = 1;
  }
};

class Rgb final : public Transform {
 public:
  std::string name() const override { return "to_rgb"; }
  Shape output_shape(const Shape& in) const override {
    if (in[0] != 1 && in[0] != 3) throw DataError("to_rgb needs 1 or 3 channels, got shape " + chw(in));
    return {3, in[1], in[2]};
  }
  void apply(Sample& s, Generator&) const override {
    if (s.c == 3) return;
    const std::size_t plane = static_cast<std::size_t>(s.h * s.w);
    s.px.resize(3 * plane);
    std::copy(s.px.begin(), s.px.begin() + plane, s.px.begin() + plane);
    std::copy(s.px.begin(), s.px.begin() + plane, s.px.begin() + 2 * plane);
    s.c = 3;
  }
};
}  // namespace

TransformPtr normalize(std::vector<float> mean, std::vector<float> std) {
  return std::make_shared<Normalize>(std::move(mean), std::move(std));
}
TransformPtr random_crop(int64_t h, int64_t w, int64_t padding) { return std::make_shared<RandomCrop>(h, w, padding); }
TransformPtr random_horizontal_flip(double p) { return std::make_shared<RandomFlip>(p); }
TransformPtr random_affine(double degrees, double translate) { return std::make_shared<RandomAffine>(degrees, translate); }
TransformPtr affine(double degrees, double sx, double sy) { return std::make_shared<Affine>(degrees, sx, sy); }
TransformPtr resize(int64_t h, int64_t w) { return std::make_shared<Resize>(h, w); }
TransformPtr to_grayscale() { return std::make_shared<Grayscale>(); }
TransformPtr to_rgb() { return std::make_shared<Rgb>(); }

Shape Pipeline::output_shape(const Shape& in) const {
  if (in.size() != 3 || in[0] <= 0 || in[1] <= 0 || in[2] <= 0)
    throw DataError("pipeline: expected an image shape (C, H, W), got " + chw(in));
  Shape s = in;
  for (const TransformPtr& t : steps_) s = t->output_shape(s);
  return s;
}

std::string Pipeline::describe() const {
  std::string d = "to_float";
  for (const TransformPtr& t : steps_) d += " -> " + t->name();
  return d;
}

void Pipeline::run(const uint8_t* image, const Shape& shape, Generator& gen, Sample& s, float* out) const {
  if (shape.size() != 3 || shape[0] <= 0 || shape[1] <= 0 || shape[2] <= 0)
    throw DataError("pipeline: expected an image shape (C, H, W), got " + chw(shape));
  s.c = shape[0];
  s.h = shape[1];
  s.w = shape[2];
  s.px.resize(static_cast<std::size_t>(s.c * s.h * s.w));
  for (std::size_t i = 0; i < s.px.size(); ++i) s.px[i] = static_cast<float>(image[i]) * (1.0f / 255.0f);
  for (const TransformPtr& t : steps_) t->apply(s, gen);
  std::copy(s.px.begin(), s.px.end(), out);
}

Tensor Pipeline::run(const Tensor& image, Generator& gen) const {
  if (!image.defined() || image.dtype() != DType::u8 || image.dim() != 3)
    throw DataError("pipeline: expected a uint8 (C, H, W) image");
  Tensor in = image.contiguous();
  Tensor out = Tensor::empty(output_shape(in.sizes()), DType::f32);
  Sample s;
  run(in.data<uint8_t>(), in.sizes(), gen, s, out.data<float>());
  return out;
}

Pipeline standard_pipeline(const std::string& dataset, bool augment) {
  const DatasetInfo& info = dataset_info(dataset);
  Pipeline p;
  if (augment) {
    if (info.channels == 1) {
      p.then(random_affine(5.0, 0.1));
    } else {
      p.then(random_horizontal_flip(0.5));
      p.then(random_crop(info.height, info.width, info.height == 96 ? 8 : 4));
    }
  }
  p.then(normalize(info.mean, info.std));
  return p;
}

Pipeline original_pipeline(const std::string& dataset) {
  const DatasetInfo& info = dataset_info(dataset);
  if (info.channels != 1) return standard_pipeline(dataset, true);
  Pipeline p;
  p.then(normalize(info.mean, info.std));
  p.then(random_affine(5.0, 0.1));
  return p;
}

Generator sample_generator(uint64_t seed, int64_t epoch, int64_t index) {
  constexpr uint64_t kAugmentStream = 0x6175676d656e74ULL;  // "augment"
  return Generator(seed, kAugmentStream).fork(static_cast<uint64_t>(epoch)).fork(static_cast<uint64_t>(index));
}

}  // namespace hqc::data
