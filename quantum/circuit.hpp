// circuit.hpp — a circuit as a list of gates whose angles come from constants, shared weights or
// per-sample inputs, optionally preceded by an amplitude embedding of the inputs.
//
// The same Circuit is run on a whole batch: an angle taken from a weight is shared by every
// sample, an angle taken from an input column is per sample (AngleEmbedding), and the amplitude
// embedding reads each sample's input row. Building validates wires and gates (std::invalid_argument
// naming the gate and the wire); running validates weights and inputs (quantum/simulate.hpp).
#pragma once

#include <complex>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "quantum/gates.hpp"

namespace hqc::quantum {

// Where a gate's angle comes from.
struct Param {
  enum class Kind : uint8_t { none, constant, weight, input };
  Kind kind = Kind::none;
  int64_t index = 0;   // weight index, or input column
  double value = 0.0;  // for constants
  static Param constant(double v) { return {Kind::constant, 0, v}; }
  static Param weight(int64_t i) { return {Kind::weight, i, 0.0}; }
  static Param input(int64_t column) { return {Kind::input, column, 0.0}; }
};

struct Op {
  Gate gate;
  int wires[2] = {0, 0};  // (target) or (control, target); SWAP: the two wires
  Param param;
  Mat2 matrix{};          // Gate::Unitary only
};

// AmplitudeEmbedding(features, normalize, pad_with) of PennyLane, plus `absolute`, the study's
// x -> |x| taken before padding (docs/study.md, "The quantum layer"). See quantum/embedding.hpp.
struct AmplitudeSpec {
  int64_t features = 0;                // K: input columns embedded (K <= 2^n)
  bool normalize = false;
  std::optional<double> pad_with;
  bool absolute = false;
};

enum class Rotation : uint8_t { X, Y, Z };
Gate rotation_gate(Rotation r);      // RX, RY or RZ
Rotation parse_rotation(const std::string& s);  // "X"|"Y"|"Z" (also "RX".. ); throws otherwise

class Circuit {
 public:
  explicit Circuit(int n_qubits);  // throws unless 1 <= n <= kMaxQubits

  int num_qubits() const { return n_; }
  int64_t num_weights() const { return num_weights_; }
  int64_t num_inputs() const { return num_inputs_; }  // K: columns of the (B, K) input
  const std::vector<Op>& ops() const { return ops_; }
  const std::optional<AmplitudeSpec>& amplitude_embedding() const { return amplitude_; }

  // Reserves `count` new weights and returns the index of the first.
  int64_t add_weights(int64_t count);
  // Declares that inputs have at least `count` columns (AngleEmbedding uses this).
  void require_inputs(int64_t count);

  // Appends a gate. Parametrised gates need a param; fixed gates must not have one.
  Circuit& add(Gate g, std::initializer_list<int> wires, Param p = {});
  // Rot(a, b, c) = RZ(c) RY(b) RZ(a): appends RZ(a), RY(b), RZ(c) on `wire`.
  Circuit& rot(int wire, Param a, Param b, Param c);
  // An arbitrary single-qubit unitary [[u00, u01], [u10, u11]]; throws unless unitary to 1e-10.
  Circuit& unitary(int wire, std::complex<double> u00, std::complex<double> u01, std::complex<double> u10,
                   std::complex<double> u11);
  // Must come first, once. Throws when features > 2^n, or features != 2^n without pad_with.
  Circuit& embed_amplitudes(const AmplitudeSpec& spec);

 private:
  void check_wire(int w, const char* what) const;
  int n_;
  int64_t num_weights_ = 0, num_inputs_ = 0;
  std::vector<Op> ops_;
  std::optional<AmplitudeSpec> amplitude_;
};

}  // namespace hqc::quantum
