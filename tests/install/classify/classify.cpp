// The README's second "use hqc from C++" example: load a checkpoint written by `hqc train` and
// classify image files with it, prepared as `hqc predict` prepares them (the model's channels and
// size, the dataset's normalisation), printing the line `hqc predict` prints.
#include <cstdio>
#include <exception>

#include "apps/training.hpp"
#include "datasets/image_io.hpp"
#include "datasets/transforms.hpp"

int main(int argc, char** argv) try {
  using namespace hqc;
  if (argc < 3) return std::fprintf(stderr, "usage: classify CHECKPOINT IMAGE...\n"), 2;
  app::LoadedModel m = app::load_model(argv[1]);  // the network its configuration names, in eval mode
  const data::DatasetInfo& info = data::dataset_info(m.config.dataset);
  const int64_t c = m.config.input[0], h = m.config.input[1], w = m.config.input[2];
  for (int i = 2; i < argc; ++i) {
    Tensor image = data::read_image(argv[i], static_cast<int>(c));  // uint8 (C, H', W')
    data::Pipeline prepare;
    if (image.size(1) != h || image.size(2) != w) prepare.then(data::resize(h, w));
    prepare.then(data::normalize(info.mean, info.std));
    Generator unused(0);                                             // the two transforms draw nothing
    NoGradGuard no_grad;
    Tensor probs = softmax((*m.model)(Variable(prepare.run(image, unused).unsqueeze(0))).data(), 1);  // (1, K)
    const int64_t k = app::argmax_rows(probs)[0];
    std::printf("%s: %s (class %lld, p = %.3f)\n", argv[i], info.classes.at(k).c_str(), static_cast<long long>(k),
                probs.contiguous().values<float>()[k]);
  }
  return 0;
} catch (const std::exception& e) {  // a missing or damaged file: the message names it
  std::fprintf(stderr, "classify: error: %s\n", e.what());
  return 1;
}
