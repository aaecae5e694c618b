// gradcheck.cpp — central finite differences against the backward pass, in float64.
#include "autograd/gradcheck.hpp"

#include <cmath>
#include <sstream>

#include "tensor/random.hpp"

namespace hqc {

namespace {
// L(inputs) = sum(f(inputs) * w), evaluated without recording a graph.
double weighted_output(const GradcheckFn& f, const std::vector<Tensor>& values, const Tensor& w) {
  NoGradGuard no_grad;
  std::vector<Variable> vars;
  for (const Tensor& t : values) vars.emplace_back(t, false);
  Tensor out = f(vars).data();
  return sum(mul(out.to(DType::f64), w)).item();
}
}  // namespace

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs, GradcheckOptions opts) {
  std::vector<Tensor> values;
  for (const Tensor& t : inputs) values.push_back(t.to(DType::f64).clone());

  // Analytic gradients.
  std::vector<Variable> vars;
  for (const Tensor& t : values) vars.emplace_back(t, true);
  Variable out = f(vars);
  if (out.dtype() != DType::f64) {
    return {false, 0, "gradcheck: the function returned " + std::string(dtype_name(out.dtype())) +
                          "; it must keep float64 inputs in float64"};
  }
  Generator gen(opts.seed, 0x6772616463686bULL);
  Tensor w = rand_uniform(out.sizes(), -1, 1, gen, DType::f64);
  if (out.requires_grad()) out.backward(w);

  GradcheckResult result;
  for (std::size_t k = 0; k < values.size(); ++k) {
    Tensor analytic = vars[k].grad().defined() ? vars[k].grad().contiguous() : zeros(values[k].sizes(), DType::f64);
    double* x = values[k].data<double>();
    for (int64_t i = 0; i < values[k].numel(); ++i) {
      double saved = x[i];
      x[i] = saved + opts.eps;
      double plus = weighted_output(f, values, w);
      x[i] = saved - opts.eps;
      double minus = weighted_output(f, values, w);
      x[i] = saved;
      double numeric = (plus - minus) / (2 * opts.eps);
      double a = analytic.data<double>()[i];
      double err = std::abs(a - numeric);
      if (!(err <= result.max_abs_error)) {
        result.max_abs_error = err;  // also records NaN
      }
      if (!(err <= opts.atol + opts.rtol * std::abs(numeric)) && result.ok) {
        result.ok = false;
        std::ostringstream os;
        os << "input " << k << " " << shape_str(values[k].sizes()) << " element " << i << ": analytic " << a
           << ", numeric " << numeric << " (|diff| " << err << ")";
        result.message = os.str();
      }
    }
  }
  return result;
}

}  // namespace hqc
