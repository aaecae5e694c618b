// plot_png.cpp — encoding a Canvas as PNG through the datasets library's stb_image_write unit (stb is
// compiled once, in datasets/stb.cpp, so its symbols exist exactly once in the program).
#include "apps/plot.hpp"
#include "datasets/image_io.hpp"

namespace hqc::app {

std::string encode_png(const Canvas& canvas) {
  const auto bytes = data::encode_png(canvas.to_tensor());
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace hqc::app
