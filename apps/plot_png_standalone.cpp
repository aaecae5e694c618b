// plot_png_standalone.cpp — PNG writing when the datasets library is not part of the build: a
// private (static) copy of stb_image_write. With datasets present, plot_png.cpp uses its copy instead.
#include "apps/plot.hpp"

#include <cstring>
#include <stdexcept>

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

namespace hqc::app {

void save_png(const Canvas& canvas, const std::filesystem::path& path) {
  if (!stbi_write_png(path.c_str(), canvas.width(), canvas.height(), 3, canvas.pixels().data(), canvas.width() * 3))
    throw std::runtime_error(path.string() + ": cannot write PNG: " + std::strerror(errno));
}

}  // namespace hqc::app
