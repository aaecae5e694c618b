// fuzz_classnames.cpp — class-name files (CIFAR's batches.meta.txt, *_label_names.txt, STL-10's
// class_names.txt) through read_class_names; the first byte is the number of names expected.
#include "datasets/cifar.hpp"
#include "fuzz_common.hpp"

HQC_FUZZ_TARGET({
  if (in.empty()) return 0;
  const int64_t count = in[0] % 101;
  const std::filesystem::path file = hqc::fuzz::fresh_scratch_dir() / "class_names.txt";
  hqc::fuzz::write_file(file, in.subspan(1));
  std::vector<std::string> names = hqc::data::read_class_names(file, count);
  if (static_cast<int64_t>(names.size()) != count) __builtin_trap();
  for (const std::string& n : names)
    if (n.empty()) __builtin_trap();
})
