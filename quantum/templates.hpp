// templates.hpp — BasicEntanglerLayers and StronglyEntanglingLayers, gate for gate as PennyLane
// expands them (docs/quantum.md, "Embeddings and templates"), on wires 0..M-1 of the circuit.
#pragma once

#include <cstdint>
#include <vector>

#include "quantum/circuit.hpp"

namespace hqc::quantum {

// Per layer l: rotation(w[l][i]) on wire i for every i, then CNOT(0,1) for M = 2, or the ring
// CNOT(i, (i+1) mod M) for M > 2 (none for M = 1). Reserves L*M weights, row-major (l, i), and
// returns the index of the first. M = 0 means every wire of the circuit.
int64_t basic_entangler_layers(Circuit& c, int layers, Rotation rotation = Rotation::X, int wires = 0);

// BasicEntanglerLayers without its CNOTs: per layer, rotation(w[l][i]) on every wire and nothing
// else, so no two wires are ever entangled (the study's ablation "rotations without entanglers").
// Reserves L*M weights row-major and returns the first index.
int64_t rotation_layers(Circuit& c, int layers, Rotation rotation = Rotation::X, int wires = 0);

// The default ranges r_l = (l mod (M-1)) + 1 (all 0 for M = 1).
std::vector<int> default_ranges(int layers, int wires);

// Per layer l: Rot(w[l][i][0], w[l][i][1], w[l][i][2]) on every wire i, then, for M > 1,
// CNOT(i, (i + r_l) mod M) for i = 0..M-1. Reserves L*M*3 weights row-major (l, i, k) and returns
// the first index. Empty ranges means default_ranges. A range that makes a CNOT act twice on one
// wire (r_l mod M == 0, M > 1) is refused, as PennyLane refuses it.
int64_t strongly_entangling_layers(Circuit& c, int layers, std::vector<int> ranges = {}, int wires = 0);

}  // namespace hqc::quantum
