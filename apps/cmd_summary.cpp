// cmd_summary.cpp — `hqc summary`: the layer table of a model (output shapes, parameters).
#include <iostream>

#include "apps/cli.hpp"
#include "apps/models.hpp"
#include "apps/study_flags.hpp"

namespace {
hqc::cli::Command summary_cmd("summary", "layer table and parameter count of a model", [](const std::vector<std::string>& args) {
  using namespace hqc;
  cli::ArgParser p("summary", "Prints the layers of a model of the study: output shape and parameters of each.");
  app::add_model_flags(p);
  p.flag("json", "print one JSON document");
  if (!p.parse(args)) return 0;
  const app::ModelConfig c = app::model_config_from(p);
  auto model = app::build_model(c, 0);
  const auto layers = nn::summarize(*model, c.input);
  if (p.is_set("json")) {
    cli::Json j = cli::Json::object();
    j.set("model", app::model_name(c.model)).set("dataset", c.dataset).set("parameters", model->num_parameters());
    cli::Json ls = cli::Json::array();
    for (const auto& l : layers) {
      cli::Json o = cli::Json::object();
      o.set("name", l.name).set("type", l.type).set("output_shape", cli::Json::array_of(l.output_shape.vec())).set("parameters", l.parameters);
      ls.push(o);
    }
    j.set("layers", ls);
    std::cout << j.dump() << "\n";
  } else {
    std::cout << c.display_name() << " model for " << c.dataset << " (input " << shape_str(c.input) << ", " << c.classes
              << " classes)\n"
              << nn::format_summary(layers, model->num_parameters());
  }
  return 0;
});
}  // namespace
