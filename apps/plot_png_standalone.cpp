// plot_png_standalone.cpp — PNG encoding when the datasets library is not part of the build: a
// private (static) copy of stb_image_write. With datasets present, plot_png.cpp uses its copy instead.
#include "apps/plot.hpp"

#include <stdexcept>
#include <string>

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

namespace hqc::app {

namespace {
void append_bytes(void* ctx, void* data, int size) {
  static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), static_cast<std::size_t>(size));
}
}  // namespace

std::string encode_png(const Canvas& canvas) {
  std::string out;
  if (!stbi_write_png_to_func(append_bytes, &out, canvas.width(), canvas.height(), 3, canvas.pixels().data(),
                              canvas.width() * 3))
    throw std::runtime_error("PNG encoding of a " + std::to_string(canvas.width()) + "x" +
                             std::to_string(canvas.height()) + " canvas failed");
  return out;
}

}  // namespace hqc::app
