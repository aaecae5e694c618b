// circuit_draw.hpp — the quantum layer's circuit as text, one line per wire, laid out as PennyLane's
// qml.draw lays out a tape (`hqc circuit --draw`, and circuit.txt of `hqc study`).
#pragma once

#include <string>
#include <vector>

#include "quantum/circuit.hpp"
#include "quantum/layer.hpp"

namespace hqc::app {

// The gates of `c` with the angles of weights `w` and inputs `x` (two decimals), the embedding as
// "AmplitudeEmbedding(M0)", each wire ending in "─┤  <Z>".
std::string draw_circuit(const quantum::Circuit& c, const std::vector<double>& w, const std::vector<double>& x);
// A layer's circuit with its weights, on the 2^N inputs the hybrid's reducer gives it.
std::string draw_layer(const quantum::QuantumLayer& layer);

}  // namespace hqc::app
