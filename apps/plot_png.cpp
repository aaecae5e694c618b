// plot_png.cpp — writing a Canvas as PNG through the datasets library's stb_image_write unit (stb is
// compiled once, in datasets/stb.cpp, so its symbols exist exactly once in the program).
#include "apps/plot.hpp"
#include "datasets/image_io.hpp"

namespace hqc::app {

void save_png(const Canvas& canvas, const std::filesystem::path& path) { data::write_png(path, canvas.to_tensor()); }

}  // namespace hqc::app
