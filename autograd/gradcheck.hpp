// gradcheck.hpp — compares autograd's gradients with central finite differences in float64.
//
// The function under test is run on float64 copies of the inputs, so that a step of 1e-6 gives
// differences accurate to ~1e-9 and a wrong formula cannot hide behind float32 rounding. It must
// return a Variable; the check differentiates sum(output * w) for a fixed random weight w, which
// tests every output element's gradient at once (as torch.autograd.gradcheck does column by column).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "autograd/variable.hpp"

namespace hqc {

struct GradcheckResult {
  bool ok = true;
  double max_abs_error = 0;  // worst |analytic - numeric| over every input element
  std::string message;       // which input and element was worst, with both values
};

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-6;
  double rtol = 1e-5;
  uint64_t seed = 0;  // for the output weights w
};

using GradcheckFn = std::function<Variable(const std::vector<Variable>&)>;

// inputs: the values to check at (any float type; converted to float64). Every input is
// differentiated; pass constants through the closure instead.
GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs, GradcheckOptions opts = {});

}  // namespace hqc
