// cmd_predict.cpp — `hqc predict`: classify the user's own images (PNG, JPEG, BMP, ... via stb_image).
#include <cmath>
#include <iostream>
#include <stdexcept>

#include "apps/cli.hpp"
#include "apps/study_flags.hpp"
#include "apps/training.hpp"
#include "datasets/image_io.hpp"
#include "datasets/transforms.hpp"

namespace {
hqc::cli::Command predict_cmd("predict", "classify image files with a checkpoint", [](const std::vector<std::string>& args) {
  using namespace hqc;
  cli::ArgParser p("predict",
                   "Classifies image files (PNG, JPEG, BMP, GIF, TGA, PNM) with a checkpoint; each image is converted "
                   "to the model's channels and resized to its input size.");
  p.option("checkpoint", "checkpoint file (from hqc train)").required();
  p.positionals("IMAGE...", "image files");
  p.option("threads", "worker threads (default: all cores)");
  p.flag("json", "print one JSON document");
  if (!p.parse(args)) return 0;
  if (!p.given("checkpoint")) throw cli::UsageError("--checkpoint: required");
  if (p.rest().empty()) throw cli::UsageError("no image files given (hqc predict --checkpoint FILE IMAGE...)");
  app::apply_threads(p);
  app::LoadedModel m = app::load_model(p.str("checkpoint"));
  const data::DatasetInfo& info = data::dataset_info(m.config.dataset);
  const int64_t c = m.config.input[0], h = m.config.input[1], w = m.config.input[2];
  cli::Json out = cli::Json::array();
  for (const std::string& file : p.rest()) {
    Tensor img = data::read_image(file, static_cast<int>(c));  // uint8 (C, H', W')
    data::Pipeline pipe;
    if (img.size(1) != h || img.size(2) != w) pipe.then(data::resize(h, w));
    pipe.then(data::normalize(info.mean, info.std));
    Generator unused(0);
    Tensor x = pipe.run(img, unused).unsqueeze(0);  // (1, C, H, W)
    NoGradGuard g;
    const Tensor probs = softmax(m.model->operator()(Variable(x)).data(), 1).contiguous();  // (1, classes)
    if (probs.dim() != 2 || probs.size(0) != 1 || probs.size(1) != m.config.classes)
      throw std::runtime_error(file + ": the model gave " + shape_str(probs.sizes()) + " outputs, expected (1, " +
                               std::to_string(m.config.classes) + ")");
    const std::vector<float> pf = probs.values<float>();  // one vector: its begin and end must belong together
    std::vector<double> pv(pf.begin(), pf.end());
    for (double v : pv)
      if (!std::isfinite(v))
        throw std::runtime_error(file + ": the model's probabilities are not finite (" + std::to_string(v) + ")");
    const auto cls = app::argmax_rows(probs)[0];
    const std::string label = cls < static_cast<int64_t>(info.classes.size()) ? info.classes[cls] : std::to_string(cls);
    if (p.is_set("json")) {
      cli::Json o = cli::Json::object();
      o.set("file", file).set("class", cls).set("label", label).set("probabilities", cli::Json::array_of(pv));
      out.push(o);
    } else {
      std::printf("%s: %s (class %lld, p = %.3f)\n", file.c_str(), label.c_str(), static_cast<long long>(cls), pv[cls]);
    }
  }
  if (p.is_set("json")) std::cout << out.dump() << "\n";
  return 0;
});
}  // namespace
