// cmd_data.cpp — `hqc data`: how a user looks at a dataset: counts, classes, pixel statistics, and
// one image written out exactly as stored. `--bench` times reading and the augmenting loader.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <iostream>

#include "apps/cli.hpp"
#include "datasets/dataset.hpp"
#include "datasets/image_folder.hpp"
#include "datasets/image_io.hpp"
#include "datasets/loader.hpp"
#include "nn/atomic_file.hpp"
#include "tensor/parallel.hpp"

namespace {
using hqc::cli::Json;
namespace hd = hqc::data;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// CPU time of the whole process: reading runs on one thread, so this is the reader's own cost,
// which wall time on a shared machine is not.
double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

Json shape_json(const hqc::Shape& s) { return Json::array_of(s.vec()); }

// Each pixel of a uint8 (C, H, W) image as a k x k block: (C, k H, k W). Nearest neighbour, so the
// pixels are the stored ones, only larger; a 28 x 28 digit is hard to see at its own size.
hqc::Tensor upscale_nearest(const hqc::Tensor& img, int64_t k) {
  const hqc::Tensor src = img.contiguous();
  const int64_t c = src.size(0), h = src.size(1), w = src.size(2);
  hqc::Tensor out = hqc::Tensor::empty({c, h * k, w * k}, hqc::DType::u8);  // (C, kH, kW)
  const uint8_t* in = src.data<uint8_t>();
  uint8_t* o = out.data<uint8_t>();
  for (int64_t ch = 0; ch < c; ++ch)
    for (int64_t y = 0; y < h * k; ++y)
      for (int64_t x = 0; x < w * k; ++x) o[(ch * h * k + y) * w * k + x] = in[(ch * h + y / k) * w + x / k];
  return out;
}

// Reading time, and the loader's throughput with the study's augmentation (one epoch, or the first
// `batches` batches of it), with and without the prefetch thread.
Json bench(const std::string& dataset, const std::string& split, const std::string& dir, int64_t batches) {
  auto t0 = std::chrono::steady_clock::now();
  const double c0 = cpu_seconds();
  hd::Dataset ds = hd::load_dataset(dataset, split, dir);
  const double read_cpu = cpu_seconds() - c0, read_s = seconds_since(t0);
  Json j = Json::object();
  j.set("dataset", dataset).set("split", split).set("count", ds.size()).set("read_seconds", read_s);
  j.set("read_cpu_seconds", read_cpu);
  for (bool augment : {false, true}) {
    hd::Loader loader(ds, {}, hd::standard_pipeline(dataset, augment), {.batch_size = 64, .prefetch = false});
    const int64_t nb = std::min(batches, loader.num_batches());
    hd::Batch b;
    auto t1 = std::chrono::steady_clock::now();
    loader.start_epoch(0);
    int64_t images = 0;
    for (int64_t k = 0; k < nb && loader.next(b); ++k) images += b.images.size(0);
    const double s = seconds_since(t1);
    j.set(augment ? "augmented_batch_ms" : "plain_batch_ms", 1e3 * s / static_cast<double>(std::max<int64_t>(nb, 1)));
    j.set(augment ? "augmented_images_per_second" : "plain_images_per_second", static_cast<double>(images) / s);
  }
  return j;
}
}  // namespace

namespace {
hqc::cli::Command data_cmd("data", "dataset statistics, and one image written out as PNG",
                           [](const std::vector<std::string>& args) {
  hqc::cli::ArgParser p("data",
                        "Reads a dataset split and prints its count, shape, classes, images per class and per-channel "
                        "pixel mean/std on the [0, 1] scale. With --show I --out FILE.png writes image I as stored.");
  p.option("dataset", "mnist|fashion-mnist|cifar10|cifar100|stl10, or folder (--data DIR holds DIR/<class>/<image>)")
      .required()
      .option("data", "folder holding the dataset's files (default: $HQC_DATA/<dataset>, ./data/<dataset>, ...)")
      .option("split", "train|test|unlabeled (unlabeled: stl10 only)", "train")
      .option("show", "index of an image to write with --out")
      .option("out", "PNG file for --show")
      .option("scale", "with --show: each pixel as a K x K block (1..16, nearest neighbour)", "1")
      .flag("coarse", "cifar100: the 20 coarse labels instead of the 100 fine ones")
      .flag("bench", "time reading the split and preparing batches with and without augmentation")
      .option("bench-batches", "batches the loader benchmark prepares", "200")
      .option("threads", "threads for the statistics (default: all cores)")
      .flag("json", "print one JSON document");
  if (!p.parse(args)) return 0;
  if (!p.given("dataset")) throw hqc::cli::UsageError("flag --dataset is required");
  std::vector<std::string> names = hd::dataset_names();
  names.push_back("folder");
  const std::string dataset = p.choice("dataset", names);
  const std::string split = p.choice("split", {"train", "test", "unlabeled"});
  if (dataset != "folder") {
    const auto& splits = hd::dataset_info(dataset).splits;
    if (std::find(splits.begin(), splits.end(), split) == splits.end())
      throw hqc::cli::UsageError("flag --split: " + dataset + " has no " + split + " split");
  }
  if (p.given("threads")) hqc::set_num_threads(static_cast<int>(p.integer("threads", 1, hqc::kMaxThreads)));
  if (p.given("show") != p.given("out")) throw hqc::cli::UsageError("flags --show and --out go together");
  const int64_t scale = p.integer("scale", 1, 16);
  if (p.given("scale") && !p.given("show")) throw hqc::cli::UsageError("flag --scale goes with --show I --out FILE.png");
  if (dataset == "folder" && !p.given("data")) throw hqc::cli::UsageError("flag --data is required with --dataset folder");
  if (p.is_set("bench")) {
    if (dataset == "folder") throw hqc::cli::UsageError("flag --bench needs a named dataset");
    Json j = bench(dataset, split, p.str("data"), p.integer("bench-batches", 1));
    std::cout << j.dump() << "\n";
    return 0;
  }

  hd::Dataset ds = dataset == "folder" ? hd::load_image_folder(p.str("data"))
                                       : hd::load_dataset(dataset, split, p.str("data"), p.is_set("coarse"));
  int64_t show = -1;
  if (p.given("show")) {
    show = p.integer("show", 0);
    if (show >= ds.size())
      throw hqc::cli::UsageError("flag --show must be below the split's " + std::to_string(ds.size()) + " images, got " +
                                 std::to_string(show));
    const hd::Bytes png = hd::encode_png(scale == 1 ? ds.image(show) : upscale_nearest(ds.image(show), scale));
    hqc::nn::write_file_atomically(p.str("out"), std::string_view(reinterpret_cast<const char*>(png.data()), png.size()));
  }
  hd::DatasetStats st = hd::compute_stats(ds);
  Json j = Json::object();
  j.set("dataset", dataset == "folder" ? ds.name() : dataset)
      .set("split", ds.split())
      .set("count", ds.size())
      .set("shape", shape_json(ds.image_shape()))
      .set("classes", Json::array_of(ds.classes()))
      .set("label_counts", Json::array_of(st.label_counts))
      .set("mean", Json::array_of(st.mean))
      .set("std", Json::array_of(st.std));
  if (show >= 0) j.set("label", ds.has_labels() ? Json(ds.label(show)) : Json(nullptr));
  if (p.is_set("json")) {
    std::cout << j.dump() << "\n";
    return 0;
  }
  std::cout << ds.name() << " " << ds.split() << ": " << ds.size() << " images of " << hqc::shape_str(ds.image_shape())
            << ", " << ds.num_classes() << " classes\n";
  for (std::size_t c = 0; c < st.label_counts.size(); ++c)
    std::cout << "  " << c << " " << ds.classes()[c] << ": " << st.label_counts[c] << "\n";
  for (std::size_t c = 0; c < st.mean.size(); ++c)
    std::cout << "  channel " << c << ": mean " << st.mean[c] << ", std " << st.std[c] << "\n";
  if (show >= 0)
    std::cout << "wrote image " << show << " (label "
              << (ds.has_labels() ? ds.classes()[ds.label(show)] : std::string("none")) << ") to " << p.str("out")
              << "\n";
  return 0;
});
}  // namespace
