// quantum.cpp — the quantum-layer section of `hqc bench` (see quantum.hpp).
#include "apps/bench/quantum.hpp"

#include <cmath>

#include "autograd/variable.hpp"
#include "quantum/layer.hpp"
#include "tensor/random.hpp"

namespace hqc::bench {

QuantumResult bench_quantum(const Protocol& proto, uint64_t seed) {
  QuantumResult r;
  quantum::LayerSpec spec;
  spec.qubits = r.qubits;
  spec.layers = r.layers;
  Generator gen = Generator(seed).fork(11);
  // Softmax outputs, as the reducer feeds the layer: positive rows summing to 1.
  Tensor x = rand_normal({r.batch, 16}, 0.0, 1.0, gen);
  float* px = x.data<float>();
  for (int64_t b = 0; b < r.batch; ++b) {
    double s = 0;
    for (int i = 0; i < 16; ++i) s += std::exp(static_cast<double>(px[b * 16 + i]));
    for (int i = 0; i < 16; ++i) px[b * 16 + i] = static_cast<float>(std::exp(static_cast<double>(px[b * 16 + i])) / s);
  }
  Variable input(x, true);
  Variable weights(rand_uniform(quantum::layer_weight_shape(spec), 0.0, 2 * M_PI, gen), true);
  Tensor upstream = rand_normal({r.batch, r.qubits}, 0.0, 1.0, gen);

  const auto fb = proto.run([&] {
    input.zero_grad();
    weights.zero_grad();
    Variable out = quantum::quantum_layer(input, weights, spec);
    out.backward(upstream);
  });
  const auto f = proto.run([&] {
    NoGradGuard no_grad;
    Variable out = quantum::quantum_layer(input, weights, spec);
    (void)out;
  });
  r.fwd_bwd_us = stat_of(fb, [](double s) { return s * 1e6; });
  r.fwd_us = stat_of(f, [](double s) { return s * 1e6; });
  return r;
}

cli::Json to_json(const QuantumResult& r) {
  cli::Json j = cli::Json::object();
  j.set("batch", r.batch)
      .set("qubits", r.qubits)
      .set("layers", r.layers)
      .set("fwd_bwd_us", to_json(r.fwd_bwd_us))
      .set("fwd_us", to_json(r.fwd_us));
  return j;
}

}  // namespace hqc::bench
