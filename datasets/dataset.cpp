// dataset.cpp — the Dataset container, the table of known datasets, locating them, statistics.
#include "datasets/dataset.hpp"

#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "datasets/cifar.hpp"
#include "datasets/idx.hpp"
#include "datasets/stl10.hpp"
#include "tensor/parallel.hpp"

namespace hqc::data {

namespace fs = std::filesystem;

namespace {
std::vector<std::string> digits() {
  return {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
}

const std::vector<DatasetInfo>& infos() {
  static const std::vector<DatasetInfo> all = {
      {"mnist", 1, 28, 28, digits(), {0.1307f}, {0.3081f}, {"train", "test"}},
      {"fashion-mnist", 1, 28, 28,
       {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"},
       {0.2860f}, {0.3530f}, {"train", "test"}},
      {"cifar10", 3, 32, 32,
       {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"},
       {0.4914f, 0.4822f, 0.4465f}, {0.2470f, 0.2435f, 0.2616f}, {"train", "test"}},
      {"cifar100", 3, 32, 32,
       {"apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
        "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
        "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
        "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
        "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
        "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
        "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
        "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
        "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
        "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm"},
       {0.5071f, 0.4865f, 0.4409f}, {0.2673f, 0.2564f, 0.2762f}, {"train", "test"}},
      {"stl10", 3, 96, 96,
       {"airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey", "ship", "truck"},
       {0.4467f, 0.4398f, 0.4066f}, {0.2603f, 0.2566f, 0.2713f}, {"train", "test", "unlabeled"}},
  };
  return all;
}

// The archive's own subfolder, entered when the user points at the folder it was unpacked into.
std::string archive_subdir(const std::string& name) {
  if (name == "cifar10") return "cifar-10-batches-bin";
  if (name == "cifar100") return "cifar-100-binary";
  if (name == "stl10") return "stl10_binary";
  return "";
}

// Files whose presence says "this folder holds the dataset" (any one is enough; the split's loader
// then names whatever file of its own is missing).
std::vector<std::string> marker_files(const std::string& name) {
  if (name == "mnist" || name == "fashion-mnist")
    return {"train-images-idx3-ubyte", "train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte",
            "t10k-images-idx3-ubyte.gz"};
  if (name == "cifar10") return {"data_batch_1.bin", "test_batch.bin"};
  if (name == "cifar100") return {"train.bin", "test.bin"};
  return {"train_X.bin", "test_X.bin", "unlabeled_X.bin"};
}

// dir itself or its archive subfolder, whichever holds a marker file; empty when neither does.
fs::path holding_dir(const fs::path& dir, const std::string& name) {
  std::error_code ec;
  std::vector<fs::path> candidates = {dir};
  if (!archive_subdir(name).empty()) candidates.push_back(dir / archive_subdir(name));
  for (const fs::path& d : candidates)
    for (const std::string& m : marker_files(name))
      if (fs::is_regular_file(d / m, ec)) return d;
  return {};
}

std::string how_to_get(const std::string& name) {
  std::string s = "get it with `datasets/fetch.sh " + name + "` (downloads into ./data/" + name + ")";
  if (name == "fashion-mnist") s += ", or `apt-get install dataset-fashion-mnist`";
  return s + ", or pass --data DIR pointing at a folder with its files under their official names";
}
}  // namespace

namespace {
std::mutex warning_mutex;
WarningHandler& warning_handler() {
  static WarningHandler handler;
  return handler;
}
}  // namespace

WarningHandler set_warning_handler(WarningHandler handler) {
  std::lock_guard<std::mutex> lock(warning_mutex);
  std::swap(warning_handler(), handler);
  return handler;
}

void warn(const std::string& message) {
  std::lock_guard<std::mutex> lock(warning_mutex);
  if (warning_handler()) warning_handler()(message);
}

void check_official_count(const fs::path& file, const std::string& what, int64_t expected, int64_t found) {
  if (found == expected) return;
  warn(file.string() + ": holds " + std::to_string(found) + " records, the official " + what + " holds " +
       std::to_string(expected) + " (a partial or truncated copy? reading the " + std::to_string(found) + ")");
}

const DatasetInfo& dataset_info(const std::string& name) {
  for (const DatasetInfo& i : infos())
    if (i.name == name) return i;
  std::string known;
  for (const DatasetInfo& i : infos()) known += (known.empty() ? "" : ", ") + i.name;
  throw DataError("unknown dataset '" + name + "', expected one of " + known);
}

const std::vector<std::string>& dataset_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const DatasetInfo& i : infos()) n.push_back(i.name);
    return n;
  }();
  return names;
}

const std::vector<std::string>& cifar100_coarse_classes() {
  static const std::vector<std::string> names = {
      "aquatic_mammals", "fish", "flowers", "food_containers", "fruit_and_vegetables",
      "household_electrical_devices", "household_furniture", "insects", "large_carnivores",
      "large_man-made_outdoor_things", "large_natural_outdoor_scenes", "large_omnivores_and_herbivores",
      "medium_mammals", "non-insect_invertebrates", "people", "reptiles", "small_mammals", "trees",
      "vehicles_1", "vehicles_2"};
  return names;
}

// --- Dataset ---

Dataset::Dataset(std::string name, std::string split, Tensor images, Tensor labels, std::vector<std::string> classes)
    : name_(std::move(name)), split_(std::move(split)), images_(std::move(images)), labels_(std::move(labels)),
      classes_(std::move(classes)) {
  if (!images_.defined() || images_.dtype() != DType::u8 || images_.dim() != 4 || !images_.is_contiguous())
    throw DataError(name_ + ": images must be a contiguous uint8 (N, C, H, W) tensor");
  count_ = images_.size(0);
  shape_ = {images_.size(1), images_.size(2), images_.size(3)};
  if (labels_.defined() && (labels_.dtype() != DType::i64 || labels_.dim() != 1 || labels_.size(0) != count_))
    throw DataError(name_ + ": labels must be int64 (" + std::to_string(count_) + "), got " + shape_str(labels_.sizes()));
}

Dataset::Dataset(std::string name, std::string split, std::shared_ptr<const RecordFile> file, Fetch fetch,
                 int64_t count, Shape shape, Tensor labels, std::vector<std::string> classes)
    : name_(std::move(name)), split_(std::move(split)), labels_(std::move(labels)), file_(std::move(file)),
      fetch_(fetch), count_(count), shape_(std::move(shape)), classes_(std::move(classes)) {}

void Dataset::check_index(int64_t i) const {
  if (i < 0 || i >= count_)
    throw DataError(name_ + " " + split_ + ": image index " + std::to_string(i) + " is out of range, the split has " +
                    std::to_string(count_) + " images");
}

int64_t Dataset::label(int64_t i) const {
  check_index(i);
  return labels_.defined() ? labels_.data<int64_t>()[i] : -1;
}

void Dataset::copy_image(int64_t i, uint8_t* out) const {
  check_index(i);
  if (images_.defined())
    std::memcpy(out, images_.data<uint8_t>() + i * image_numel(), static_cast<std::size_t>(image_numel()));
  else
    fetch_(*file_, i, out);
}

Tensor Dataset::image(int64_t i) const {
  Tensor out = Tensor::empty(shape_, DType::u8);
  copy_image(i, out.data<uint8_t>());
  return out;
}

Dataset Dataset::head(int64_t n) const {
  if (n < 0 || n > count_)
    throw DataError(name_ + " " + split_ + ": asked for the first " + std::to_string(n) + " images, the split has " +
                    std::to_string(count_));
  Dataset d = *this;
  d.count_ = n;
  if (images_.defined()) d.images_ = images_.narrow(0, 0, n);
  if (labels_.defined()) d.labels_ = labels_.narrow(0, 0, n);
  return d;
}

Dataset Dataset::select(const std::vector<int64_t>& indices) const {
  const int64_t n = static_cast<int64_t>(indices.size()), numel = image_numel();
  Shape shape{n};
  shape.insert(shape.end(), shape_.begin(), shape_.end());
  Tensor images = Tensor::empty(shape, DType::u8);
  Tensor labels = labels_.defined() ? Tensor::empty({n}, DType::i64) : Tensor();
  for (int64_t k = 0; k < n; ++k) {
    copy_image(indices[k], images.data<uint8_t>() + k * numel);  // checks the index
    if (labels.defined()) labels.data<int64_t>()[k] = label(indices[k]);
  }
  return Dataset(name_, split_, std::move(images), std::move(labels), classes_);
}

// --- finding and loading ---

fs::path find_dataset(const std::string& name, const std::string& data_dir) {
  dataset_info(name);  // an unknown name fails here, before any file is looked for
  if (!data_dir.empty()) {
    std::error_code ec;
    if (!fs::exists(data_dir, ec)) throw DataError("--data " + data_dir + ": no such directory");
    if (!fs::is_directory(data_dir, ec)) throw DataError("--data " + data_dir + ": is not a directory");
    fs::path d = holding_dir(data_dir, name);
    if (d.empty())
      throw DataError("--data " + data_dir + ": no " + name + " files there (looked for " + marker_files(name)[0] +
                      (archive_subdir(name).empty() ? "" : ", also in " + archive_subdir(name) + "/") + "); " +
                      how_to_get(name));
    return d;
  }
  std::vector<std::string> looked;
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("HQC_DATA"); env && *env) {
    candidates.push_back(fs::path(env) / name);
    looked.push_back("$HQC_DATA/" + name + " (" + (fs::path(env) / name).string() + ")");
  } else {
    looked.push_back("$HQC_DATA/" + name + " (HQC_DATA is not set)");
  }
  candidates.push_back(fs::path("data") / name);
  looked.push_back("./data/" + name);
  if (name == "fashion-mnist") {
    candidates.push_back("/usr/share/datasets/fashion-mnist");
    looked.push_back("/usr/share/datasets/fashion-mnist");
  }
  for (const fs::path& c : candidates)
    if (fs::path d = holding_dir(c, name); !d.empty()) return d;
  std::string where;
  for (const std::string& l : looked) where += (where.empty() ? "" : ", ") + l;
  throw DataError("dataset " + name + " not found; looked in " + where + "; " + how_to_get(name));
}

Dataset load_dataset(const std::string& name, const std::string& split, const std::string& data_dir, bool coarse) {
  const DatasetInfo& info = dataset_info(name);
  bool known_split = false;
  for (const std::string& s : info.splits) known_split |= s == split;
  if (!known_split) {
    std::string list;
    for (const std::string& s : info.splits) list += (list.empty() ? "" : ", ") + s;
    throw DataError(name + ": no split '" + split + "', expected " + list);
  }
  fs::path dir = find_dataset(name, data_dir);
  if (name == "mnist" || name == "fashion-mnist") return load_mnist(dir, split, name);
  if (name == "cifar10") return load_cifar10(dir, split);
  if (name == "cifar100") return load_cifar100(dir, split, coarse);
  return load_stl10(dir, split);
}

DatasetStats compute_stats(const Dataset& ds) {
  DatasetStats st;
  const int64_t C = ds.channels(), plane = ds.height() * ds.width(), n = ds.size();
  if (ds.has_labels()) {
    st.label_counts.assign(ds.num_classes(), 0);
    const int64_t* l = ds.labels().data<int64_t>();
    for (int64_t i = 0; i < n; ++i)
      if (l[i] >= 0 && l[i] < ds.num_classes()) ++st.label_counts[l[i]];
  }
  // Per-chunk histograms of every channel, summed in chunk order: exact, and independent of timing.
  const int64_t chunks = parallel_chunks(n, 64);
  std::vector<std::vector<std::array<uint64_t, 256>>> hist(chunks, std::vector<std::array<uint64_t, 256>>(C));
  parallel_for_chunks(n, 64, [&](int64_t chunk, int64_t b, int64_t e) {
    std::vector<uint8_t> img(static_cast<std::size_t>(ds.image_numel()));
    auto& h = hist[chunk];
    for (auto& a : h) a.fill(0);
    for (int64_t i = b; i < e; ++i) {
      const uint8_t* p;
      if (ds.in_memory()) {
        p = ds.images().data<uint8_t>() + i * ds.image_numel();
      } else {
        ds.copy_image(i, img.data());
        p = img.data();
      }
      for (int64_t c = 0; c < C; ++c)
        for (int64_t k = 0; k < plane; ++k) ++h[c][p[c * plane + k]];
    }
  });
  for (int64_t c = 0; c < C; ++c) {
    double sum = 0, sq = 0, count = 0;
    for (int v = 0; v < 256; ++v) {
      uint64_t k = 0;
      for (const auto& h : hist) k += h[c][v];
      const double x = v / 255.0;
      sum += x * double(k);
      sq += x * x * double(k);
      count += double(k);
    }
    const double mean = count > 0 ? sum / count : 0.0;
    st.mean.push_back(mean);
    st.std.push_back(count > 0 ? std::sqrt(std::max(0.0, sq / count - mean * mean)) : 0.0);
  }
  return st;
}

}  // namespace hqc::data
