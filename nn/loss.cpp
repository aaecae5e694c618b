// loss.cpp — cross-entropy with label smoothing, NLL and MSE.
#include "nn/loss.hpp"

#include <cmath>
#include <vector>

#include "autograd/functions.hpp"
#include "nn/detail.hpp"
#include "tensor/reduce.hpp"

namespace hqc::nn {

namespace {
// Validates (N, C) scores against labels (N) and returns them as a vector.
std::vector<int64_t> check_labels(const char* op, const Variable& scores, const Tensor& labels) {
  if (scores.dim() != 2) throw std::invalid_argument(std::string(op) + ": input must be (N, C), got " + detail::shape_of(scores));
  if (!labels.defined() || labels.dtype() != DType::i64)
    throw std::invalid_argument(std::string(op) + ": labels must be an int64 tensor" +
                                (labels.defined() ? std::string(", got ") + dtype_name(labels.dtype()) : std::string()));
  if (labels.dim() != 1 || labels.size(0) != scores.size(0))
    throw std::invalid_argument(std::string(op) + ": labels " + shape_str(labels.sizes()) + " do not match input " +
                                detail::shape_of(scores));
  if (scores.size(0) == 0) throw std::invalid_argument(std::string(op) + ": empty batch");
  std::vector<int64_t> y = labels.values<int64_t>();
  const int64_t C = scores.size(1);
  for (size_t i = 0; i < y.size(); ++i)
    if (y[i] < 0 || y[i] >= C)
      throw std::invalid_argument(std::string(op) + ": label " + std::to_string(y[i]) + " at position " +
                                  std::to_string(i) + " is outside [0, " + std::to_string(C) + ")");
  return y;
}

// Σ f(i) over the batch: per fixed chunk of samples in sample order, the chunks' partials by the
// fixed tree (tensor/reduce.hpp), so a batch split over processes by whole chunks sums the same;
// under a split (tensor/batch_split.hpp) the whole batch's sum.
template <typename F> double sample_sum(int64_t N, F&& f) {
  std::vector<double> v(size_t(batch_chunks(N)), 0.0);
  for (int64_t k = 0; k < batch_chunks(N); ++k)
    for (int64_t i = batch_chunk_begin(N, k); i < batch_chunk_begin(N, k + 1); ++i) v[k] += f(i);
  double s = tree_sum_values(v.data(), batch_chunks(N));
  combine_batch_sums(&s, 1);
  return s;
}
}  // namespace

Variable cross_entropy(const Variable& logits, const Tensor& labels, double eps) {
  auto y = check_labels("cross_entropy", logits, labels);
  if (!(eps >= 0.0 && eps <= 1.0))
    throw std::invalid_argument("cross_entropy: label_smoothing must be in [0, 1], got " + std::to_string(eps));
  // N: the whole batch's size, also under a split (the mean is over the whole batch).
  const int64_t N = batch_total(logits.size(0)), C = logits.size(1);
  Tensor logp = hqc::log_softmax(logits.data(), 1).contiguous();  // (N, C)
  double total = 0;
  detail::dispatch_float(logp.dtype(), "cross_entropy", [&](auto zero) {
    using T = decltype(zero);
    const T* lp = logp.data<T>();
    total = sample_sum(logp.size(0), [&](int64_t i) {
      double row = 0;
      for (int64_t c = 0; c < C; ++c) row += double(lp[i * C + c]);
      return -(1 - eps) * double(lp[i * C + y[i]]) - eps / double(C) * row;
    });
  });
  Tensor loss = full({}, total / double(N), logits.dtype());
  return make_result(loss, {logits}, "cross_entropy", [=](const Tensor& g) {
    const double scale = g.item() / double(N);
    Tensor grad = hqc::exp(logp);  // softmax (N, C)
    detail::dispatch_float(grad.dtype(), "cross_entropy backward", [&](auto zero) {
      using T = decltype(zero);
      T* d = grad.data<T>();
      for (int64_t i = 0, rows = logp.size(0); i < rows; ++i)
        for (int64_t c = 0; c < C; ++c) {
          const double q = (c == y[i] ? 1 - eps : 0.0) + eps / double(C);
          d[i * C + c] = T((double(d[i * C + c]) - q) * scale);
        }
    });
    return std::vector<Tensor>{grad};
  });
}

Variable nll_loss(const Variable& log_probs, const Tensor& labels) {
  auto y = check_labels("nll_loss", log_probs, labels);
  const int64_t rows = log_probs.size(0), N = batch_total(rows), C = log_probs.size(1);
  Tensor lp = log_probs.data().contiguous();
  double total = 0;
  detail::dispatch_float(lp.dtype(), "nll_loss", [&](auto zero) {
    using T = decltype(zero);
    total = sample_sum(rows, [&](int64_t i) { return -double(lp.data<T>()[i * C + y[i]]); });
  });
  Tensor loss = full({}, total / double(N), log_probs.dtype());
  return make_result(loss, {log_probs}, "nll_loss", [=](const Tensor& g) {
    Tensor grad = zeros({rows, C}, g.dtype());
    const double v = -g.item() / double(N);
    for (int64_t i = 0; i < rows; ++i) grad.set({i, y[i]}, v);
    return std::vector<Tensor>{grad};
  });
}

Variable mse_loss(const Variable& input, const Variable& target) {
  if (input.sizes() != target.sizes())
    throw std::invalid_argument("mse_loss: input " + detail::shape_of(input) + " and target " +
                                detail::shape_of(target) + " must have the same shape");
  Variable d = sub(input, target);
  return mean(mul(d, d));
}

}  // namespace hqc::nn
