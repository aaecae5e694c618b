// fuzz_folder.cpp — load_image_folder on a folder tree the input describes: the options (channels,
// a resize), then up to 3 class folders of up to 3 files each, every file's bytes taken from the
// input (any format stb knows, or garbage).
#include <fuzzer/FuzzedDataProvider.h>

#include "datasets/image_folder.hpp"
#include "fuzz_common.hpp"

HQC_FUZZ_TARGET({
  FuzzedDataProvider fdp(in.data(), in.size());
  hqc::data::ImageFolderOptions opt;
  opt.channels = fdp.PickValueInArray({0, 1, 3, 2});
  if (fdp.ConsumeBool()) {  // a resize (0 or a negative side must be refused)
    opt.height = fdp.ConsumeIntegralInRange<int64_t>(-1, 40);
    opt.width = fdp.ConsumeIntegralInRange<int64_t>(-1, 40);
  }
  const std::filesystem::path root = hqc::fuzz::fresh_scratch_dir() / "root";
  std::filesystem::create_directories(root);
  const int classes = fdp.ConsumeIntegralInRange(0, 3);
  for (int c = 0; c < classes; ++c) {
    const std::filesystem::path dir = root / ("class" + std::to_string(c));
    std::filesystem::create_directories(dir);
    const int files = fdp.ConsumeIntegralInRange(0, 3);
    for (int f = 0; f < files; ++f) {
      const std::string bytes = fdp.ConsumeRandomLengthString(4096);
      hqc::fuzz::write_file(dir / ("img" + std::to_string(f)),
                            {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
    }
  }
  hqc::data::Dataset ds = hqc::data::load_image_folder(root, opt);
  if (ds.size() <= 0 || ds.num_classes() != classes) __builtin_trap();
  const hqc::Tensor last = ds.image(ds.size() - 1);
  (void)last.data<uint8_t>()[last.numel() - 1];
})
