// random.cpp — PCG32 and the conversions to floating point.
#include "tensor/random.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

#include "tensor/math.hpp"

namespace hqc {

namespace {
// splitmix64: spreads a user's small seed (0, 1, 2 ...) over the whole state space.
uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
}  // namespace

void Generator::reseed(uint64_t seed, uint64_t stream) {
  seed_ = seed;
  stream_ = stream;
  state_ = 0;
  inc_ = (splitmix64(stream ^ 0x5851f42d4c957f2dULL) << 1) | 1u;
  next_u32();
  state_ += splitmix64(seed);
  next_u32();
  has_spare_ = false;
}

uint32_t Generator::next_u32() {
  uint64_t old = state_;
  state_ = old * 6364136223846793005ULL + inc_;
  uint32_t xorshifted = static_cast<uint32_t>(((old >> 18u) ^ old) >> 27u);
  uint32_t rot = static_cast<uint32_t>(old >> 59u);
  return (xorshifted >> rot) | (xorshifted << ((32 - rot) & 31));
}

float Generator::uniform_float() { return static_cast<float>(next_u32() >> 8) * 0x1.0p-24f; }

double Generator::uniform_double() {
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

uint32_t Generator::below(uint32_t n) {
  if (n == 0) throw std::invalid_argument("Generator::below: n must be positive");
  uint64_t m = uint64_t(next_u32()) * n;
  uint32_t low = static_cast<uint32_t>(m);
  if (low < n) {
    uint32_t threshold = (0u - n) % n;
    while (low < threshold) {
      m = uint64_t(next_u32()) * n;
      low = static_cast<uint32_t>(m);
    }
  }
  return static_cast<uint32_t>(m >> 32);
}

double Generator::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u1 = 0.0;
  while (u1 <= 0.0) u1 = uniform_double();  // log(0) guard
  double u2 = uniform_double();
  double r = std::sqrt(-2.0 * math::log(u1));
  double a = 2.0 * std::numbers::pi * u2;
  spare_ = r * math::sin(a);
  has_spare_ = true;
  return r * math::cos(a);
}

Generator Generator::fork(uint64_t stream) const {
  return Generator(seed_, splitmix64(stream_ * 0x9e3779b97f4a7c15ULL + stream + 1));
}

namespace {
template <typename Fill>
void fill_each(Tensor& t, Fill fill, const char* op) {
  if (!t.is_contiguous()) throw std::invalid_argument(std::string(op) + ": needs a contiguous tensor");
  int64_t n = t.numel();
  if (t.dtype() == DType::f32) {
    float* p = t.data<float>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<float>(fill());
  } else if (t.dtype() == DType::f64) {
    double* p = t.data<double>();
    for (int64_t i = 0; i < n; ++i) p[i] = fill();
  } else {
    throw std::invalid_argument(std::string(op) + ": needs a float32 or float64 tensor, got " +
                                dtype_name(t.dtype()));
  }
}
}  // namespace

void uniform_(Tensor& t, double low, double high, Generator& gen) {
  if (t.dtype() == DType::f32) {
    // Draw in float so that the stream matches the float generator of the same seed.
    float lo = static_cast<float>(low), span = static_cast<float>(high - low);
    fill_each(t, [&] { return double(lo + span * gen.uniform_float()); }, "uniform_");
  } else {
    fill_each(t, [&] { return low + (high - low) * gen.uniform_double(); }, "uniform_");
  }
}

void normal_(Tensor& t, double mean, double stddev, Generator& gen) {
  fill_each(t, [&] { return mean + stddev * gen.normal(); }, "normal_");
}

Tensor rand_uniform(const Shape& shape, double low, double high, Generator& gen, DType dtype) {
  Tensor t = Tensor::empty(shape, dtype);
  uniform_(t, low, high, gen);
  return t;
}

Tensor rand_normal(const Shape& shape, double mean, double stddev, Generator& gen, DType dtype) {
  Tensor t = Tensor::empty(shape, dtype);
  normal_(t, mean, stddev, gen);
  return t;
}

}  // namespace hqc
