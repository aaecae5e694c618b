// fuzz_image.cpp — stb_image decoding of any format it knows (PNG, JPEG, BMP, GIF, ...).
#include "datasets/image_io.hpp"
#include "fuzz_common.hpp"

HQC_FUZZ_TARGET({
  if (in.empty()) return 0;
  const int channels = in[0] % 3 == 0 ? 0 : in[0] % 3 == 1 ? 1 : 3;
  hqc::Tensor t = hqc::data::decode_image(in.subspan(1), "fuzz.img", channels);
  if (t.numel() > 0) (void)t.data<uint8_t>()[t.numel() - 1];
})
