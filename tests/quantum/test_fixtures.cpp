// The quantum layer against fixtures from an independent dense PyTorch reference with autograd
// (tests/quantum/make_fixtures.py): expectations, weight and input gradients, both templates.
#include "common.hpp"
#include "fixtures.hpp"
#include "quantum/adjoint.hpp"
#include "quantum/layer.hpp"
#include "quantum/measure.hpp"

using namespace hqc;
using namespace hqc::quantum;
using namespace hqc::test;

TEST_CASE("the layer's expectations and adjoint gradients match the PyTorch autograd reference to 1e-12") {
  // One group per case, "case<i>-<template>-<rotation>/<field>"; the shapes give the sizes.
  const Fixtures f("quantum/layer_reference.txt");
  int cases = 0;
  for (const std::string& name : f.names()) {
    const std::size_t slash = name.find('/');
    if (slash == std::string::npos || name.substr(slash) != "/x") continue;
    const std::string prefix = name.substr(0, slash);  // case<i>-<template>-<rotation>
    CAPTURE(prefix);
    const std::size_t d1 = prefix.find('-'), d2 = prefix.find('-', d1 + 1);
    REQUIRE_MESSAGE((d1 != std::string::npos && d2 != std::string::npos), "case name " << prefix);
    const std::string templ = prefix.substr(d1 + 1, d2 - d1 - 1), rotation = prefix.substr(d2 + 1);
    auto get = [&](const char* field) { return f[prefix + "/" + field]; };
    Tensor x = get("x"), w = get("w"), g = get("g");
    const int64_t K = x.size(1);
    const int n = static_cast<int>(g.size(1)), L = static_cast<int>(w.size(0));
    LayerSpec spec{n, L, parse_template(templ), templ == "basic" ? parse_rotation(rotation) : Rotation::X};
    Circuit c = layer_circuit(spec, K);
    Tensor wflat = w.reshape({w.numel()});
    Tensor e = expval(run(c, wflat, x));
    CHECK_CLOSE(e, get("expval"), 0, 1e-12);
    Gradients gr = adjoint_expval_z(c, wflat, x, g);
    CHECK_CLOSE(gr.weights, get("grad_w").reshape({w.numel()}), 0, 1e-12);
    CHECK_CLOSE(gr.inputs, get("grad_x"), 0, 1e-12);
    ++cases;
  }
  CHECK(cases == 10);
}
