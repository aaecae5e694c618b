// noise.cpp — Kraus operators and the noise-model parser.
#include "quantum/noise.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace hqc::quantum {

namespace {
struct Named {
  const char* name;
  Channel kind;
};
constexpr Named kChannels[] = {{"depolarizing", Channel::depolarizing},
                               {"amplitude_damping", Channel::amplitude_damping},
                               {"phase_damping", Channel::phase_damping},
                               {"bit_flip", Channel::bit_flip},
                               {"phase_flip", Channel::phase_flip}};

std::string known_channels() {
  std::string s;
  for (const Named& c : kChannels) s += (s.empty() ? "" : ", ") + std::string(c.name);
  return s;
}

Mat2 scaled(Mat2 m, double s) {
  for (double& v : m) v *= s;
  return m;
}
}  // namespace

const char* channel_name(Channel c) {
  for (const Named& n : kChannels)
    if (n.kind == c) return n.name;
  return "?";
}

std::vector<Mat2> kraus_operators(const NoiseChannel& c) {
  const double p = c.p;
  if (!std::isfinite(p) || p < 0.0 || p > 1.0) {
    throw std::invalid_argument(std::string(channel_name(c.kind)) + ": probability must be in [0, 1], got " +
                                std::to_string(p));
  }
  const Mat2 I = {1, 0, 0, 0, 0, 0, 1, 0};
  const Mat2 X = gate_matrix(Gate::X, 0.0), Y = gate_matrix(Gate::Y, 0.0), Z = gate_matrix(Gate::Z, 0.0);
  switch (c.kind) {
    case Channel::depolarizing: {
      const double s = std::sqrt(p / 3);
      return {scaled(I, std::sqrt(1 - p)), scaled(X, s), scaled(Y, s), scaled(Z, s)};
    }
    case Channel::amplitude_damping:
      return {Mat2{1, 0, 0, 0, 0, 0, std::sqrt(1 - p), 0}, Mat2{0, 0, std::sqrt(p), 0, 0, 0, 0, 0}};
    case Channel::phase_damping:
      return {Mat2{1, 0, 0, 0, 0, 0, std::sqrt(1 - p), 0}, Mat2{0, 0, 0, 0, 0, 0, std::sqrt(p), 0}};
    case Channel::bit_flip: return {scaled(I, std::sqrt(1 - p)), scaled(X, std::sqrt(p))};
    case Channel::phase_flip: return {scaled(I, std::sqrt(1 - p)), scaled(Z, std::sqrt(p))};
  }
  throw std::invalid_argument("unknown noise channel");
}

std::string NoiseModel::to_string() const {
  std::string s;
  char buf[64];
  for (const NoiseChannel& c : channels) {
    // The shortest of 15 to 17 significant digits that reads back as the same double.
    for (int digits = 15; digits <= 17; ++digits) {
      std::snprintf(buf, sizeof buf, "%.*g", digits, c.p);
      if (std::strtod(buf, nullptr) == c.p) break;
    }
    s += (s.empty() ? "" : ",") + std::string(channel_name(c.kind)) + "=" + buf;
  }
  return s;
}

NoiseModel parse_noise_model(const std::string& text) {
  NoiseModel m;
  if (text.empty() || text == "none") return m;
  size_t start = 0;
  for (int item = 1;; ++item) {
    const size_t comma = text.find(',', start);
    const std::string s = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const std::string where = "noise item " + std::to_string(item) + " '" + s + "'";
    if (s.empty()) throw std::invalid_argument(where + ": empty item (expected name=probability)");
    const size_t eq = s.find('=');
    if (eq == std::string::npos) {
      throw std::invalid_argument(where + ": expected name=probability, found no '='");
    }
    const std::string name = s.substr(0, eq), value = s.substr(eq + 1);
    const Named* found = nullptr;
    for (const Named& c : kChannels)
      if (name == c.name) found = &c;
    if (!found) {
      throw std::invalid_argument(where + ": unknown channel '" + name + "' (known: " + known_channels() + ")");
    }
    char* end = nullptr;
    errno = 0;
    const double p = value.empty() ? 0.0 : std::strtod(value.c_str(), &end);
    if (value.empty() || end != value.c_str() + value.size() || errno == ERANGE || !std::isfinite(p)) {
      throw std::invalid_argument(where + ": probability '" + value + "' is not a number");
    }
    if (p < 0.0 || p > 1.0) throw std::invalid_argument(where + ": probability must be in [0, 1], got " + value);
    m.channels.push_back({found->kind, p});
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return m;
}

}  // namespace hqc::quantum
