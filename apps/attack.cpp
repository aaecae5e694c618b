// attack.cpp — FGSM and PGD against a model, in pixel space, with the dataset's normalisation inside.
#include "apps/attack.hpp"

#include "apps/metrics.hpp"
#include "apps/training.hpp"
#include "autograd/functions.hpp"
#include "datasets/loader.hpp"
#include "datasets/transforms.hpp"
#include "nn/loss.hpp"
#include "tensor/random.hpp"

namespace hqc::app {

const char* attack_name(AttackKind kind) { return kind == AttackKind::fgsm ? "fgsm" : "pgd"; }

const char* attack_space_name(AttackSpace space) { return space == AttackSpace::pixel ? "pixel" : "normalised"; }

AttackSpace parse_attack_space(const std::string& name) {
  if (name == "pixel") return AttackSpace::pixel;
  if (name == "normalised") return AttackSpace::normalised;
  throw std::invalid_argument("unknown attack space '" + name + "' (pixel, normalised)");
}

void check_attack_options(const AttackOptions& o) {
  if (!(o.eps >= 0 && o.eps <= 1))
    throw AttackOptionError("eps", o.space == AttackSpace::pixel ? "must be in [0, 1] (pixel units)" : "must be in [0, 1]");
  if (o.kind == AttackKind::pgd && (o.steps < 1 || !(o.alpha > 0)))
    throw AttackOptionError("steps/alpha", "PGD needs steps >= 1 and alpha > 0");
  if (o.batch < 1) throw AttackOptionError("batch", "must be at least 1");
}

AttackResult attack_model(nn::Module& model, const ModelConfig& config, const data::Dataset& ds, int64_t limit,
                          const AttackOptions& o, Progress::Mode mode) {
  check_attack_options(o);
  check_dataset_fits(config, ds);
  const data::Dataset d = limit > 0 && limit < ds.size() ? ds.head(limit) : ds;
  const data::DatasetInfo& info = data::dataset_info(ds.name());
  const int64_t ch = config.input[0];
  // Per-channel constants broadcast over (B, C, H, W).
  Tensor mean = Tensor::empty({1, ch, 1, 1}), stdv = Tensor::empty({1, ch, 1, 1});
  for (int64_t c = 0; c < ch; ++c) {
    mean.data<float>()[c] = info.mean[c];
    stdv.data<float>()[c] = info.std[c];
  }
  // The model's input from the attacked tensor x: x is the image's pixels (pixel space), or already the
  // normalised image (the original's variant, whose eps-ball and clamp are on it).
  const bool pixel = o.space == AttackSpace::pixel;
  auto normalise = [&](const Tensor& x) { return pixel ? div(sub(x, mean), stdv) : x; };
  data::LoaderOptions lo;
  lo.batch_size = o.batch;
  lo.shuffle = false;
  data::Loader loader(d, {}, data::Pipeline(), lo);  // pixels on [0, 1], no normalisation
  model.eval();
  // d loss / d pixel of the true labels' cross-entropy (no smoothing: the attack's own objective).
  auto gradient = [&](const Tensor& x, const Tensor& labels) {
    Variable xn(normalise(x), true);
    Variable loss = nn::cross_entropy(model(xn), labels, 0.0);
    loss.backward();
    return pixel ? div(xn.grad(), stdv) : xn.grad();
  };
  auto predict = [&](const Tensor& x) {
    NoGradGuard g;
    return argmax_rows(model(Variable(normalise(x))).data());
  };
  // The attacked images' predictions and their mean cross-entropy, from one forward pass.
  auto predict_with_loss = [&](const Tensor& x, const Tensor& labels, double& loss) {
    NoGradGuard g;
    const Variable logits = model(Variable(normalise(x)));
    loss = nn::cross_entropy(logits, labels, 0.0).item();
    return argmax_rows(logits.data());
  };
  AttackResult r;
  int64_t clean = 0, robust = 0, k = 0;
  double loss_sum = 0;  // sum over images of the adversarial cross-entropy
  Progress progress(std::string(attack_name(o.kind)) + " eps " + format_number(o.eps), loader.num_batches(), mode);
  progress.loss_name = "adversarial loss";
  progress.accuracy_name = "robust accuracy";
  loader.start_epoch(0);
  data::Batch b;
  while (loader.next(b)) {
    check_stop();
    // (B, C, H, W): pixels on [0, 1], or the normalised image for the original's variant
    const Tensor x0 = pixel ? b.images : div(sub(b.images, mean), stdv);
    const int64_t n = x0.size(0);
    const int64_t* y = b.labels.data<int64_t>();
    const auto p0 = predict(x0);
    Tensor x = x0;
    if (o.kind == AttackKind::fgsm) {
      x = clamp(add(x0, mul(sign(gradient(x0, b.labels)), o.eps)), 0.0, 1.0);
    } else {
      if (o.random_start) {
        Generator gen = Generator(o.seed, o.stream).fork(static_cast<uint64_t>(k));
        x = clamp(add(x0, rand_uniform(x0.sizes(), -o.eps, o.eps, gen)), 0.0, 1.0);
      }
      const Tensor lo_b = sub(x0, o.eps), hi_b = add(x0, o.eps);
      for (int s = 0; s < o.steps; ++s) {
        check_stop();
        x = add(x, mul(sign(gradient(x, b.labels)), o.alpha));
        x = clamp(minimum(maximum(x, lo_b), hi_b), 0.0, 1.0);
      }
    }
    double batch_loss = 0;
    const auto p1 = predict_with_loss(x, b.labels, batch_loss);
    for (int64_t i = 0; i < n; ++i) {
      clean += p0[i] == y[i];
      robust += p1[i] == y[i];
    }
    r.count += n;
    loss_sum += batch_loss * static_cast<double>(n);
    progress.update(++k, r.count, loss_sum / static_cast<double>(r.count), static_cast<double>(robust) / r.count);
  }
  progress.finish();
  r.mean_loss = r.count ? loss_sum / static_cast<double>(r.count) : 0;
  r.clean_accuracy = r.count ? static_cast<double>(clean) / r.count : 0;
  r.robust_accuracy = r.count ? static_cast<double>(robust) / r.count : 0;
  return r;
}

}  // namespace hqc::app
