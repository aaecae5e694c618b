// checkpoint.cpp — writing and validating checkpoint files (format in checkpoint.hpp).
#include "nn/checkpoint.hpp"

#include "nn/atomic_file.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <unordered_set>

namespace hqc::nn {

namespace {

constexpr char kMagic[8] = {'H', 'Q', 'C', 'C', 'K', 'P', 'T', '\0'};
constexpr std::size_t kHeader = 8 + 4 + 4 + 8;

uint64_t fnv1a(const unsigned char* p, std::size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (std::size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

template <typename T> void put(std::string& out, T v) {
  unsigned char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  if constexpr (std::endian::native == std::endian::big) std::reverse(b, b + sizeof(T));
  out.append(reinterpret_cast<const char*>(b), sizeof(T));
}

uint8_t dtype_code(DType t) {
  switch (t) {
    case DType::f32: return 0;
    case DType::f64: return 1;
    case DType::i64: return 2;
    case DType::u8: return 3;
  }
  return 255;
}

// Bounds-checked reading of the payload.
class Reader {
 public:
  Reader(const std::string& path, const unsigned char* p, std::size_t n) : path_(path), p_(p), n_(n) {}
  template <typename T> T get(const char* what) {
    need(sizeof(T), what);
    unsigned char b[sizeof(T)];
    std::memcpy(b, p_ + pos_, sizeof(T));
    if constexpr (std::endian::native == std::endian::big) std::reverse(b, b + sizeof(T));
    pos_ += sizeof(T);
    T v;
    std::memcpy(&v, b, sizeof(T));
    return v;
  }
  const unsigned char* take(std::size_t n, const char* what) {
    need(n, what);
    const unsigned char* r = p_ + pos_;
    pos_ += n;
    return r;
  }
  std::size_t left() const { return n_ - pos_; }

 private:
  void need(std::size_t k, const char* what) const {
    if (k > n_ - pos_) {
      std::ostringstream os;
      os << "checkpoint " << path_ << ": malformed payload: " << what << " needs " << k << " bytes at payload offset "
         << pos_ << " but only " << (n_ - pos_) << " remain";
      throw CheckpointError(os.str());
    }
  }
  const std::string& path_;
  const unsigned char* p_;
  std::size_t n_, pos_ = 0;
};

std::string fail(const std::string& path, const std::string& why) { return "checkpoint " + path + ": " + why; }

// Weights that hold NaN or infinity give a model that still runs and answers nonsense; refuse them.
template <typename T> void check_finite_as(const std::string& path, const std::string& name, const Tensor& t) {
  const T* v = t.data<T>();
  for (int64_t i = 0; i < t.numel(); ++i)
    if (!std::isfinite(v[i])) {
      std::ostringstream os;
      os << "tensor '" << name << "' holds " << v[i] << " at element " << i
         << ": a checkpoint's values must be finite (was it saved from a diverged run?)";
      throw CheckpointError(fail(path, os.str()));
    }
}
void check_finite(const std::string& path, const std::string& name, const Tensor& t) {
  if (t.dtype() == DType::f32) check_finite_as<float>(path, name, t);
  if (t.dtype() == DType::f64) check_finite_as<double>(path, name, t);
}

}  // namespace

void write_checkpoint(const std::string& path, const Checkpoint& ck) {
  std::string payload;
  if (ck.config.size() > UINT32_MAX) throw CheckpointError(fail(path, "configuration string too long"));
  put<uint32_t>(payload, uint32_t(ck.config.size()));
  payload += ck.config;
  put<uint32_t>(payload, uint32_t(ck.tensors.size()));
  std::unordered_set<std::string> names;
  for (const auto& [name, t] : ck.tensors) {
    if (name.empty() || name.size() > UINT16_MAX || !names.insert(name).second)
      throw CheckpointError(fail(path, "tensor name '" + name + "' is empty, too long or repeated"));
    if (!t.defined() || t.dim() > 255) throw CheckpointError(fail(path, "tensor '" + name + "' cannot be stored"));
    put<uint16_t>(payload, uint16_t(name.size()));
    payload += name;
    put<uint8_t>(payload, dtype_code(t.dtype()));
    put<uint8_t>(payload, uint8_t(t.dim()));
    for (int64_t s : t.sizes()) put<int64_t>(payload, s);
    Tensor c = t.contiguous();
    const std::size_t es = dtype_size(t.dtype());
    const auto* bytes = static_cast<const unsigned char*>(c.raw_data());
    if constexpr (std::endian::native == std::endian::little) {
      payload.append(reinterpret_cast<const char*>(bytes), es * std::size_t(c.numel()));
    } else {
      for (int64_t i = 0; i < c.numel(); ++i) {
        std::string e(reinterpret_cast<const char*>(bytes + i * es), es);
        std::reverse(e.begin(), e.end());
        payload += e;
      }
    }
  }
  std::string file(kMagic, kMagic + 8);
  put<uint32_t>(file, kCheckpointVersion);
  put<uint32_t>(file, 0);
  put<uint64_t>(file, uint64_t(payload.size()));
  file += payload;
  put<uint64_t>(file, fnv1a(reinterpret_cast<const unsigned char*>(payload.data()), payload.size()));

  try {
    write_file_atomically(path, file);
  } catch (const FileWriteError& e) {
    throw CheckpointError(std::string("checkpoint ") + e.what());
  }
}

void save_checkpoint(const std::string& path, const Module& model, const std::string& config) {
  write_checkpoint(path, Checkpoint{config, model.state()});
}

Checkpoint read_checkpoint(const std::string& path) {
  // A directory opens as a stream on Linux and fails only when read, with the library's message.
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (std::filesystem::is_directory(st))
    throw CheckpointError(fail(path, "is a directory, expected a checkpoint file (such as " +
                                         (std::filesystem::path(path) / "checkpoint.hqc").string() + ")"));
  if (std::filesystem::exists(st) && !std::filesystem::is_regular_file(st))
    throw CheckpointError(fail(path, "is not a regular file, expected a checkpoint file"));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CheckpointError(fail(path, std::string("cannot open: ") + std::strerror(errno)));
  std::string file;
  try {
    file.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } catch (const std::exception& e) {
    throw CheckpointError(fail(path, std::string("cannot read: ") + e.what()));
  }
  if (in.bad()) throw CheckpointError(fail(path, "cannot read: input/output error"));
  const auto* p = reinterpret_cast<const unsigned char*>(file.data());
  if (file.size() < 8 || std::memcmp(p, kMagic, 8) != 0) {
    if (file.size() < 8 && std::string(kMagic, file.size()) == file)
      throw CheckpointError(fail(path, "truncated: " + std::to_string(file.size()) +
                                           " bytes, shorter than the 8-byte magic number"));
    throw CheckpointError(fail(path, "not an hqc checkpoint (the file does not start with the magic \"HQCCKPT\")"));
  }
  if (file.size() < kHeader + 8)
    throw CheckpointError(fail(path, "truncated: " + std::to_string(file.size()) + " bytes, a header and checksum need " +
                                         std::to_string(kHeader + 8)));
  Reader head(path, p + 8, kHeader - 8);
  const uint32_t version = head.get<uint32_t>("version");
  const uint32_t flags = head.get<uint32_t>("flags");
  const uint64_t size = head.get<uint64_t>("payload size");
  if (version != kCheckpointVersion)
    throw CheckpointError(fail(path, "format version " + std::to_string(version) + " is not supported (this build reads version " +
                                         std::to_string(kCheckpointVersion) + ")"));
  if (flags != 0) throw CheckpointError(fail(path, "unknown flags " + std::to_string(flags) + " (expected 0)"));
  const uint64_t have = file.size() - kHeader - 8;
  if (size != have) {
    if (size > have)
      throw CheckpointError(fail(path, "truncated: the header promises " + std::to_string(size) +
                                           " payload bytes but the file holds " + std::to_string(have)));
    throw CheckpointError(fail(path, "has " + std::to_string(have - size) + " unexpected bytes after the payload"));
  }
  const unsigned char* payload = p + kHeader;
  Reader tail(path, payload + size, 8);
  const uint64_t stored = tail.get<uint64_t>("checksum");
  const uint64_t computed = fnv1a(payload, size);
  if (stored != computed) {
    std::ostringstream os;
    os << "checksum mismatch (stored " << std::hex << stored << ", computed " << computed
       << "): the file is corrupt";
    throw CheckpointError(fail(path, os.str()));
  }
  Reader r(path, payload, size);
  Checkpoint ck;
  const uint32_t clen = r.get<uint32_t>("config length");
  const unsigned char* c = r.take(clen, "config");
  ck.config.assign(reinterpret_cast<const char*>(c), clen);
  const uint32_t count = r.get<uint32_t>("tensor count");
  std::unordered_set<std::string> names;
  for (uint32_t k = 0; k < count; ++k) {
    const uint16_t nlen = r.get<uint16_t>("tensor name length");
    const unsigned char* nm = r.take(nlen, "tensor name");
    std::string name(reinterpret_cast<const char*>(nm), nlen);
    if (name.empty() || !names.insert(name).second)
      throw CheckpointError(fail(path, "malformed payload: tensor name '" + name + "' is empty or repeated"));
    const uint8_t code = r.get<uint8_t>("dtype");
    if (code > 3) throw CheckpointError(fail(path, "malformed payload: tensor '" + name + "' has unknown dtype code " +
                                                       std::to_string(code)));
    const DType dt = code == 0 ? DType::f32 : code == 1 ? DType::f64 : code == 2 ? DType::i64 : DType::u8;
    const uint8_t nd = r.get<uint8_t>("ndim");
    Shape shape;
    uint64_t numel = 1;
    for (uint8_t d = 0; d < nd; ++d) {
      const int64_t s = r.get<int64_t>("tensor size");
      if (s < 0 || (s > 0 && numel > (uint64_t(1) << 40) / uint64_t(s)))
        throw CheckpointError(fail(path, "malformed payload: tensor '" + name + "' has an impossible size " +
                                             std::to_string(s)));
      numel *= uint64_t(s);
      shape.push_back(s);
    }
    const std::size_t es = dtype_size(dt);
    const unsigned char* data = r.take(std::size_t(numel) * es, "tensor data");
    Tensor t = Tensor::empty(shape, dt);
    auto* dst = static_cast<unsigned char*>(t.raw_data());
    std::memcpy(dst, data, std::size_t(numel) * es);
    if constexpr (std::endian::native == std::endian::big)
      for (uint64_t i = 0; i < numel; ++i) std::reverse(dst + i * es, dst + (i + 1) * es);
    check_finite(path, name, t);
    ck.tensors.emplace_back(std::move(name), std::move(t));
  }
  if (r.left() != 0)
    throw CheckpointError(fail(path, "malformed payload: " + std::to_string(r.left()) + " bytes left after the last tensor"));
  return ck;
}

std::string load_checkpoint(const std::string& path, Module& model) {
  Checkpoint ck = read_checkpoint(path);
  try {
    model.load_state(ck.tensors);
  } catch (const std::invalid_argument& e) {
    std::string why = e.what();
    if (why.rfind("load_state: ", 0) == 0) why = why.substr(12);
    throw CheckpointError(fail(path, "does not match the model: " + why));
  }
  return ck.config;
}

}  // namespace hqc::nn
