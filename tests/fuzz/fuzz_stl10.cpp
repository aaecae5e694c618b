// fuzz_stl10.cpp — STL-10 images, labels and fold_indices.txt; the first byte picks the parser.
#include "datasets/stl10.hpp"
#include "fuzz_common.hpp"

HQC_FUZZ_TARGET({
  if (in.empty()) return 0;
  const int which = in[0] % 3;
  in = in.subspan(1);
  if (which == 0) (void)hqc::data::parse_stl10_images(in, "fuzz_X.bin");
  if (which == 1) (void)hqc::data::parse_stl10_labels(in, "fuzz_y.bin");
  if (which == 2) (void)hqc::data::parse_stl10_folds(in, "fold_indices.txt", 5000);
})
