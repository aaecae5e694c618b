// print_logits.cpp — a checkpoint's logits on image files, for the safetensors checks against PyTorch
// (`hqc predict` prints probabilities only).
//
//   print_logits CHECKPOINT IMAGE...
//
// One line per image: the logits, space-separated, each with 9 significant digits (enough to read
// back the same float). Images are prepared as `hqc predict` prepares them: converted to the model's
// channels and normalised with its dataset's constants (no resizing: they must have the input size).
#include <cstdio>
#include <exception>

#include "apps/training.hpp"
#include "datasets/image_io.hpp"
#include "datasets/transforms.hpp"

int main(int argc, char** argv) {
  using namespace hqc;
  if (argc < 3) {
    std::fprintf(stderr, "usage: print_logits CHECKPOINT IMAGE...\n");
    return 2;
  }
  try {
    app::LoadedModel m = app::load_model(argv[1]);
    const data::DatasetInfo& info = data::dataset_info(m.config.dataset);
    for (int i = 2; i < argc; ++i) {
      data::Pipeline pipe;
      pipe.then(data::normalize(info.mean, info.std));
      Generator unused(0);
      const Tensor x = pipe.run(data::read_image(argv[i], static_cast<int>(m.config.input[0])), unused).unsqueeze(0);
      NoGradGuard g;
      const std::vector<float> logits = m.model->operator()(Variable(x)).data().values<float>();
      for (std::size_t k = 0; k < logits.size(); ++k) std::printf(k ? " %.9g" : "%.9g", logits[k]);
      std::printf("\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "print_logits: %s\n", e.what());
    return 1;
  }
  return 0;
}
