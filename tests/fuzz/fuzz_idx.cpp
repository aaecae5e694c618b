// fuzz_idx.cpp — IDX images and labels, gunzipped first when the input is gzip.
#include "datasets/gzip.hpp"
#include "datasets/idx.hpp"
#include "fuzz_common.hpp"

HQC_FUZZ_TARGET({
  hqc::data::Bytes plain;
  if (hqc::data::is_gzip(in)) {
    plain = hqc::data::gunzip(in, "fuzz.gz");
    in = plain;
  }
  try {
    hqc::Tensor t = hqc::data::parse_idx_images(in, "fuzz-images");
    if (t.numel() > 0) (void)t.data<uint8_t>()[t.numel() - 1];
  } catch (const hqc::data::DataError&) {
  }
  (void)hqc::data::parse_idx_labels(in, "fuzz-labels", 10);
})
