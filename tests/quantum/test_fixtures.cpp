// The quantum layer against fixtures from an independent dense PyTorch reference with autograd
// (tests/quantum/make_fixtures.py): expectations, weight and input gradients, both templates.
#include <fstream>
#include <sstream>

#include "common.hpp"
#include "quantum/adjoint.hpp"
#include "quantum/layer.hpp"
#include "quantum/measure.hpp"

using namespace hqc;
using namespace hqc::quantum;
using namespace hqc::test;

TEST_CASE("the layer's expectations and adjoint gradients match the PyTorch autograd reference to 1e-12") {
  const std::string path = std::string(HQC_FIXTURES_DIR) + "/quantum/layer_reference.txt";
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "missing fixture " << path << " (run tests/quantum/make_fixtures.py)");
  std::string line;
  int cases = 0;
  while (std::getline(in, line)) {
    if (line.rfind("case ", 0) != 0) continue;
    std::istringstream head(line.substr(5));
    std::string templ, rotation;
    int n, L;
    int64_t B, K;
    head >> templ >> rotation >> n >> L >> B >> K;
    std::map<std::string, std::vector<double>> v;
    for (int k = 0; k < 6; ++k) {
      REQUIRE(std::getline(in, line));
      std::istringstream s(line);
      std::string key;
      s >> key;
      double d;
      while (s >> d) v[key].push_back(d);
    }
    CAPTURE(line);
    LayerSpec spec{n, L, parse_template(templ), templ == "basic" ? parse_rotation(rotation) : Rotation::X};
    Circuit c = layer_circuit(spec, K);
    Tensor x = mat64(v["x"], B, K), w = vec64(v["w"]), g = mat64(v["g"], B, n);
    Tensor e = expval(run(c, w, x));
    CHECK_CLOSE(e, mat64(v["expval"], B, n), 0, 1e-12);
    Gradients gr = adjoint_expval_z(c, w, x, g);
    CHECK_CLOSE(gr.weights, vec64(v["grad_w"]), 0, 1e-12);
    CHECK_CLOSE(gr.inputs, mat64(v["grad_x"], B, K), 0, 1e-12);
    ++cases;
  }
  CHECK(cases == 10);
}
