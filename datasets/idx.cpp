// idx.cpp — IDX parsing and the MNIST / Fashion-MNIST file pairs.
#include "datasets/idx.hpp"

#include <cstdio>
#include <cstring>

namespace hqc::data {

namespace {
uint32_t be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

std::string hex8(uint32_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", v & 0xFF);
  return buf;
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
}

// Checks the header of an unsigned-byte IDX file with `ndims` dimensions and returns the sizes and
// the data that follows (exactly their product of bytes).
std::vector<int64_t> parse_header(std::span<const uint8_t> bytes, const std::string& name, int ndims,
                                  const char* what, std::span<const uint8_t>& data) {
  const uint32_t want_magic = 0x00000800u | uint32_t(ndims);
  if (bytes.empty()) throw DataError(name + ": empty file, expected an IDX " + what + " file");
  if (bytes.size() < 4)
    throw DataError(name + ": truncated IDX header (" + std::to_string(bytes.size()) + " bytes)");
  const uint32_t magic = be32(bytes.data());
  if (magic != want_magic) {
    std::string found = "found " + hex32(magic);
    if ((magic >> 16) == 0 && (magic & 0xFF00) != 0x0800)
      found += " (element type " + hex8((magic >> 8) & 0xFF) + ", not 0x08 unsigned byte)";
    else if ((magic >> 8) == 0x08)
      found += " (" + std::to_string(magic & 0xFF) + " dimensions)";
    throw DataError(name + ": wrong IDX magic: expected " + hex32(want_magic) + " (unsigned-byte " + what +
                    ", " + std::to_string(ndims) + " dimension" + (ndims == 1 ? "" : "s") + "), " + found);
  }
  const std::size_t header = 4 + 4 * std::size_t(ndims);
  if (bytes.size() < header)
    throw DataError(name + ": truncated IDX header: expected " + std::to_string(header) + " bytes, file has " +
                    std::to_string(bytes.size()));
  std::vector<int64_t> dims(ndims);
  uint64_t total = 1;
  for (int d = 0; d < ndims; ++d) {
    dims[d] = be32(bytes.data() + 4 + 4 * d);
    total *= uint64_t(dims[d]);  // at most three 32-bit factors, but stop before overflow
    if (total > (uint64_t(1) << 40)) throw DataError(name + ": IDX sizes are implausibly large");
  }
  // A dataset file of no records is not a smaller dataset: evaluating on it would report a meaningless
  // accuracy of 0.
  if (dims[0] == 0) throw DataError(name + ": IDX header declares 0 " + what + ", expected at least 1");
  const uint64_t have = bytes.size() - header;
  if (have != total) {
    std::string sizes;
    for (int d = 0; d < ndims; ++d) sizes += (d ? " x " : "") + std::to_string(dims[d]);
    throw DataError(name + ": " + (have < total ? "truncated" : "trailing data") + ": header says " + sizes +
                    " = " + std::to_string(total) + " bytes of data, file has " + std::to_string(have));
  }
  data = bytes.subspan(header);
  return dims;
}
}  // namespace

Tensor parse_idx_images(const Tensor& file, const std::string& name) {
  std::span<const uint8_t> bytes(file.data<uint8_t>(), static_cast<std::size_t>(file.numel()));
  std::span<const uint8_t> data;
  std::vector<int64_t> d = parse_header(bytes, name, 3, "images", data);
  if (d[1] == 0 || d[2] == 0) throw DataError(name + ": images of size " + std::to_string(d[1]) + " x " + std::to_string(d[2]));
  const Shape shape = {d[0], 1, d[1], d[2]};  // (N, 1, H, W), the pixels right after the header
  return make_view(file, shape, contiguous_strides(shape), file.offset() + (data.data() - bytes.data()));
}

Tensor parse_idx_images(std::span<const uint8_t> bytes, const std::string& name) {
  Tensor file = Tensor::empty({static_cast<int64_t>(bytes.size())}, DType::u8);
  if (!bytes.empty()) std::memcpy(file.data<uint8_t>(), bytes.data(), bytes.size());
  return parse_idx_images(file, name);
}

Tensor parse_idx_labels(std::span<const uint8_t> bytes, const std::string& name, int64_t num_classes) {
  std::span<const uint8_t> data;
  std::vector<int64_t> d = parse_header(bytes, name, 1, "labels", data);
  Tensor out = Tensor::empty({d[0]}, DType::i64);  // (N)
  int64_t* o = out.data<int64_t>();
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data[i] >= num_classes)
      throw DataError(name + ": label " + std::to_string(data[i]) + " of item " + std::to_string(i) +
                      " is out of range, expected 0.." + std::to_string(num_classes - 1));
    o[i] = data[i];
  }
  return out;
}

Dataset load_mnist(const std::filesystem::path& dir, const std::string& split, const std::string& name) {
  const DatasetInfo& info = dataset_info(name);
  if (split != "train" && split != "test")
    throw DataError(name + ": no split '" + split + "', expected train or test");
  const std::string prefix = split == "train" ? "train" : "t10k";
  const std::string img_name = prefix + "-images-idx3-ubyte", lbl_name = prefix + "-labels-idx1-ubyte";
  std::filesystem::path img_path = find_official_file(dir, img_name);
  std::filesystem::path lbl_path = find_official_file(dir, lbl_name);
  for (const auto& [p, n] : {std::pair{img_path, img_name}, std::pair{lbl_path, lbl_name}})
    if (p.empty())
      throw DataError((dir / n).string() + ": no such file (nor " + n + ".gz); " + name + " " + split +
                      " needs it");
  Tensor images = parse_idx_images(read_maybe_gzipped_tensor(img_path), img_path.string());
  Tensor labels = parse_idx_labels(read_maybe_gzipped(lbl_path), lbl_path.string(), 10);
  if (images.size(2) != info.height || images.size(3) != info.width)
    throw DataError(img_path.string() + ": images are " + std::to_string(images.size(2)) + " x " +
                    std::to_string(images.size(3)) + ", " + name + " images are 28 x 28");
  if (images.size(0) != labels.size(0))
    throw DataError(img_path.string() + " holds " + std::to_string(images.size(0)) + " images but " +
                    lbl_path.string() + " holds " + std::to_string(labels.size(0)) + " labels");
  return Dataset(name, split, images, labels, info.classes);
}

}  // namespace hqc::data
