// random.hpp — a seedable generator whose streams are identical on every platform.
//
// PCG32 (O'Neill, "PCG: A family of simple fast space-efficient statistically good algorithms for
// random number generation", 2014): 64-bit state, 32-bit output, and a stream selector so that
// independent streams (data shuffling, dropout, weight init) can come from one seed. Every
// conversion below is written out so that no standard-library distribution (whose algorithms differ
// between implementations) decides a number.
#pragma once

#include <cstdint>

#include "tensor/tensor.hpp"

namespace hqc {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0, uint64_t stream = 0) { reseed(seed, stream); }
  void reseed(uint64_t seed, uint64_t stream = 0);

  uint32_t next_u32();
  uint64_t next_u64() { return (uint64_t(next_u32()) << 32) | next_u32(); }
  // Uniform on [0, 1) with 24 (float) or 53 (double) random bits.
  float uniform_float();
  double uniform_double();
  // Uniform integer in [0, n) without modulo bias (Lemire's rejection).
  uint32_t below(uint32_t n);
  // Standard normal by the Box-Muller transform in double precision (one value per call; the
  // second of each pair is kept for the next call).
  double normal();

  // A new generator on a stream derived from this one's seed: fork(k) is the same for the same
  // seed and k whatever has been drawn from this one.
  Generator fork(uint64_t stream) const;
  uint64_t seed() const { return seed_; }

 private:
  uint64_t state_ = 0, inc_ = 1, seed_ = 0, stream_ = 0;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

// Tensors filled from a generator (float32 or float64).
Tensor rand_uniform(const Shape& shape, double low, double high, Generator& gen,
                    DType dtype = DType::f32);
Tensor rand_normal(const Shape& shape, double mean, double stddev, Generator& gen,
                   DType dtype = DType::f32);
void uniform_(Tensor& t, double low, double high, Generator& gen);
void normal_(Tensor& t, double mean, double stddev, Generator& gen);

}  // namespace hqc
