// fuzz_cifar.cpp — CIFAR-10 / CIFAR-100 records; the first byte picks the label layout.
#include "datasets/cifar.hpp"
#include "fuzz_common.hpp"

HQC_FUZZ_TARGET({
  if (in.empty()) return 0;
  const auto kind = static_cast<hqc::data::CifarLabels>(in[0] % 3);
  hqc::data::CifarRecords r = hqc::data::parse_cifar(in.subspan(1), "fuzz.bin", kind);
  if (r.labels.numel() > 0) (void)r.labels.data<int64_t>()[r.labels.numel() - 1];
})
