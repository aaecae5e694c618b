// noise.hpp — single-qubit noise channels (Kraus operators in PennyLane's conventions) and the
// noise model that places them in a circuit (docs/quantum.md, "Noise and shots").
//
// A channel maps rho -> sum_k K_k rho K_k^dagger with sum_k K_k^dagger K_k = I. The noise model is
// a list of channels applied after every gate of a circuit (not after the amplitude embedding, which
// is state preparation): for each wire the gate acts on (CNOT: control, then target), each listed
// channel in the order listed — PennyLane's qml.transforms.insert(f, position="all") with f applying
// the listed channels to one wire.
#pragma once

#include <string>
#include <vector>

#include "quantum/gates.hpp"

namespace hqc::quantum {

enum class Channel : uint8_t { depolarizing, amplitude_damping, phase_damping, bit_flip, phase_flip };

const char* channel_name(Channel c);  // "depolarizing", "amplitude_damping", ...

struct NoiseChannel {
  Channel kind = Channel::depolarizing;
  double p = 0.0;  // the probability p, or the damping rate gamma; in [0, 1]
};

// The Kraus operators of one channel:
//   depolarizing(p):      sqrt(1-p) I, sqrt(p/3) X, sqrt(p/3) Y, sqrt(p/3) Z
//   amplitude_damping(g): [[1, 0], [0, sqrt(1-g)]], [[0, sqrt(g)], [0, 0]]
//   phase_damping(g):     [[1, 0], [0, sqrt(1-g)]], [[0, 0], [0, sqrt(g)]]
//   bit_flip(p):          sqrt(1-p) I, sqrt(p) X
//   phase_flip(p):        sqrt(1-p) I, sqrt(p) Z
// Throws std::invalid_argument naming the channel when p is outside [0, 1] or not finite.
std::vector<Mat2> kraus_operators(const NoiseChannel& c);

struct NoiseModel {
  std::vector<NoiseChannel> channels;  // applied in this order on each wire a gate touches
  bool empty() const { return channels.empty(); }
  // "depolarizing=0.01,amplitude_damping=0.02"; "" for no noise. parse_noise_model(to_string())
  // gives the same model back (each value in the fewest of 15-17 significant digits that
  // read back as the same double).
  std::string to_string() const;
};

// Parses "name=value[,name=value...]" (an empty string or "none": no noise). Throws
// std::invalid_argument naming the item: an unknown channel (the message lists the known ones), a
// value that is not a number, outside [0, 1], an item without '=', or an empty item.
NoiseModel parse_noise_model(const std::string& text);

}  // namespace hqc::quantum
