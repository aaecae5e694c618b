// quantum.hpp — the quantum-layer section of `hqc bench`: the study's layer alone at batch 64
// (4 qubits, 2 BasicEntanglerLayers of RX + CNOT ring, amplitude-embedded |x|), forward and backward
// to both the weights and the input, and forward alone without a graph.
#pragma once

#include <cstdint>

#include "apps/bench/bench.hpp"

namespace hqc::bench {

struct QuantumResult {
  int64_t batch = 64;
  int qubits = 4, layers = 2;
  Stat fwd_bwd_us, fwd_us;
};
QuantumResult bench_quantum(const Protocol& proto, uint64_t seed);
cli::Json to_json(const QuantumResult& r);

}  // namespace hqc::bench
