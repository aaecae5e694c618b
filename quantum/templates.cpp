// templates.cpp — the two layer templates.
#include "quantum/templates.hpp"

#include <stdexcept>
#include <string>

namespace hqc::quantum {

namespace {
int resolve_wires(const Circuit& c, int wires, const char* name) {
  if (wires == 0) return c.num_qubits();
  if (wires < 0 || wires > c.num_qubits()) {
    throw std::invalid_argument(std::string(name) + ": " + std::to_string(wires) + " wires requested on a " +
                                std::to_string(c.num_qubits()) + "-qubit circuit");
  }
  return wires;
}
void check_layers(int layers, const char* name) {
  if (layers < 1) throw std::invalid_argument(std::string(name) + ": needs at least 1 layer, got " + std::to_string(layers));
}
}  // namespace

int64_t rotation_layers(Circuit& c, int layers, Rotation rotation, int wires) {
  check_layers(layers, "rotation layers");
  const int M = resolve_wires(c, wires, "rotation layers");
  const int64_t w0 = c.add_weights(int64_t{layers} * M);
  const Gate rot = rotation_gate(rotation);
  for (int l = 0; l < layers; ++l)
    for (int i = 0; i < M; ++i) c.add(rot, {i}, Param::weight(w0 + int64_t{l} * M + i));
  return w0;
}

int64_t basic_entangler_layers(Circuit& c, int layers, Rotation rotation, int wires) {
  check_layers(layers, "BasicEntanglerLayers");
  const int M = resolve_wires(c, wires, "BasicEntanglerLayers");
  const int64_t w0 = c.add_weights(int64_t{layers} * M);
  const Gate rot = rotation_gate(rotation);
  for (int l = 0; l < layers; ++l) {
    for (int i = 0; i < M; ++i) c.add(rot, {i}, Param::weight(w0 + int64_t{l} * M + i));
    if (M == 2) {
      c.add(Gate::CNOT, {0, 1});
    } else if (M > 2) {
      for (int i = 0; i < M; ++i) c.add(Gate::CNOT, {i, (i + 1) % M});
    }
  }
  return w0;
}

std::vector<int> default_ranges(int layers, int wires) {
  std::vector<int> r(layers, 0);
  if (wires > 1)
    for (int l = 0; l < layers; ++l) r[l] = (l % (wires - 1)) + 1;
  return r;
}

int64_t strongly_entangling_layers(Circuit& c, int layers, std::vector<int> ranges, int wires) {
  check_layers(layers, "StronglyEntanglingLayers");
  const int M = resolve_wires(c, wires, "StronglyEntanglingLayers");
  if (ranges.empty()) ranges = default_ranges(layers, M);
  if (static_cast<int>(ranges.size()) != layers) {
    throw std::invalid_argument("StronglyEntanglingLayers: range sequence length " + std::to_string(ranges.size()) +
                                " does not match the number of layers " + std::to_string(layers));
  }
  if (M > 1) {
    for (int r : ranges) {
      if (r < 0 || r % M == 0) {
        throw std::invalid_argument("StronglyEntanglingLayers: range " + std::to_string(r) +
                                    " must be positive and not divisible by the number of wires " + std::to_string(M));
      }
    }
  }
  const int64_t w0 = c.add_weights(int64_t{layers} * M * 3);
  for (int l = 0; l < layers; ++l) {
    for (int i = 0; i < M; ++i) {
      const int64_t k = w0 + (int64_t{l} * M + i) * 3;
      c.rot(i, Param::weight(k), Param::weight(k + 1), Param::weight(k + 2));
    }
    if (M > 1)
      for (int i = 0; i < M; ++i) c.add(Gate::CNOT, {i, (i + ranges[l]) % M});
  }
  return w0;
}

}  // namespace hqc::quantum
