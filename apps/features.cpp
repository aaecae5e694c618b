// features.cpp — the features entering the head, their principal components, Fisher's LDA separation,
// the silhouette and nearest-centroid regions (features.hpp; checked against numpy by
// tests/apps/make_features_fixture.py).
#include "apps/features.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "apps/training.hpp"
#include "autograd/functions.hpp"
#include "datasets/loader.hpp"

namespace hqc::app {

HeadFeatures head_features(nn::Module& model, const ModelConfig& config, const data::Dataset& ds, int64_t limit,
                           int64_t batch) {
  check_dataset_fits(config, ds);
  const data::Dataset d = limit > 0 && limit < ds.size() ? ds.head(limit) : ds;
  const data::DatasetInfo& info = data::dataset_info(ds.name());
  const int64_t ch = config.input[0];
  Tensor mean = Tensor::empty({1, ch, 1, 1}), stdv = Tensor::empty({1, ch, 1, 1});  // broadcast over (B, C, H, W)
  for (int64_t c = 0; c < ch; ++c) {
    mean.data<float>()[c] = info.mean[c];
    stdv.data<float>()[c] = info.std[c];
  }
  const auto& parts = model.children();
  // Hybrid: features, reducer, quantum | head. Classical: features | classifier, whose last child is
  // the output layer.
  const bool hybrid = config.model == ModelKind::hybrid;
  if (parts.size() != (hybrid ? 4u : 2u)) throw std::runtime_error("head_features: not one of the study's models");
  data::LoaderOptions lo;
  lo.batch_size = batch;
  lo.shuffle = false;
  data::Loader loader(d, {}, data::Pipeline(), lo);  // pixels on [0, 1]
  model.eval();
  NoGradGuard g;
  HeadFeatures out;
  loader.start_epoch(0);
  data::Batch b;
  while (loader.next(b)) {
    check_stop();
    Variable x(div(sub(b.images, mean), stdv));  // (B, C, H, W)
    Variable f = x;
    if (hybrid) {
      for (std::size_t i = 0; i < 3; ++i) f = (*parts[i].second)(f);
    } else {
      f = (*parts[0].second)(f);
      const auto& head = parts[1].second->children();
      for (std::size_t i = 0; i + 1 < head.size(); ++i) f = (*head[i].second)(f);
    }
    const Variable logits = hybrid ? (*parts[3].second)(f) : (*parts[1].second->children().back().second)(f);
    const Tensor t = f.data().contiguous();  // (B, D)
    const int64_t n = t.size(0), dim = t.size(1);
    out.x.cols = dim;
    for (int64_t k = 0; k < n * dim; ++k) out.x.v.push_back(t.data<float>()[k]);
    out.x.rows += n;
    const auto pred = argmax_rows(logits.data());
    out.predicted.insert(out.predicted.end(), pred.begin(), pred.end());
    for (int64_t i = 0; i < n; ++i) out.labels.push_back(b.labels.data<int64_t>()[i]);
  }
  return out;
}

void symmetric_eigen(std::vector<double> a, int64_t n, std::vector<double>& values, std::vector<double>& vectors) {
  std::vector<double> v(static_cast<std::size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i) v[i * n + i] = 1;
  auto A = [&](int64_t i, int64_t j) -> double& { return a[static_cast<std::size_t>(i * n + j)]; };
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0, diag = 0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) (i == j ? diag : off) += A(i, j) * A(i, j);
    if (off <= 1e-30 * std::max(diag, 1e-300)) break;
    for (int64_t p = 0; p < n; ++p)
      for (int64_t q = p + 1; q < n; ++q) {
        const double apq = A(p, q);
        if (apq == 0) continue;
        // The rotation that zeroes a_pq (Golub & Van Loan, Algorithm 8.5.1).
        const double tau = (A(q, q) - A(p, p)) / (2 * apq);
        const double t = (tau >= 0 ? 1 : -1) / (std::abs(tau) + std::sqrt(1 + tau * tau));
        const double c = 1 / std::sqrt(1 + t * t), s = t * c;
        for (int64_t k = 0; k < n; ++k) {  // A <- A J
          const double akp = A(k, p), akq = A(k, q);
          A(k, p) = c * akp - s * akq, A(k, q) = s * akp + c * akq;
        }
        for (int64_t k = 0; k < n; ++k) {  // A <- J^T A
          const double apk = A(p, k), aqk = A(q, k);
          A(p, k) = c * apk - s * aqk, A(q, k) = s * apk + c * aqk;
        }
        for (int64_t k = 0; k < n; ++k) {  // V <- V J
          const double vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq, v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  std::vector<int64_t> order(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return A(x, x) > A(y, y); });
  values.assign(static_cast<std::size_t>(n), 0.0);
  vectors.assign(static_cast<std::size_t>(n * n), 0.0);
  for (int64_t j = 0; j < n; ++j) {
    values[j] = A(order[j], order[j]);
    for (int64_t k = 0; k < n; ++k) vectors[k * n + j] = v[k * n + order[j]];
  }
}

namespace {
std::vector<double> column_means(const FeatureMatrix& x) {
  std::vector<double> m(static_cast<std::size_t>(x.cols), 0.0);
  for (int64_t i = 0; i < x.rows; ++i)
    for (int64_t j = 0; j < x.cols; ++j) m[j] += x.at(i, j);
  for (auto& e : m) e /= static_cast<double>(x.rows);
  return m;
}

// Per class: its rows. At least two classes, else std::invalid_argument naming `what`.
std::map<int64_t, std::vector<int64_t>> by_class(const FeatureMatrix& x, const std::vector<int64_t>& labels, const char* what) {
  if (static_cast<int64_t>(labels.size()) != x.rows) throw std::invalid_argument(std::string(what) + ": one label per row expected");
  std::map<int64_t, std::vector<int64_t>> c;
  for (int64_t i = 0; i < x.rows; ++i) c[labels[i]].push_back(i);
  if (c.size() < 2) throw std::invalid_argument(std::string(what) + ": needs points of at least two classes");
  return c;
}
}  // namespace

Pca pca_2d(const FeatureMatrix& x) {
  if (x.rows < 2 || x.cols < 1) throw std::invalid_argument("pca_2d: needs at least two points");
  const int64_t d = x.cols;
  const std::vector<double> m = column_means(x);
  std::vector<double> cov(static_cast<std::size_t>(d * d), 0.0);  // (D, D)
  for (int64_t i = 0; i < x.rows; ++i)
    for (int64_t a = 0; a < d; ++a) {
      const double xa = x.at(i, a) - m[a];
      for (int64_t b = a; b < d; ++b) cov[a * d + b] += xa * (x.at(i, b) - m[b]);
    }
  for (int64_t a = 0; a < d; ++a)
    for (int64_t b = a; b < d; ++b) cov[b * d + a] = cov[a * d + b] /= static_cast<double>(x.rows - 1);
  std::vector<double> values, vectors;
  symmetric_eigen(cov, d, values, vectors);
  double total = 0;
  for (double e : values) total += std::max(e, 0.0);
  Pca p;
  p.projection.rows = x.rows, p.projection.cols = 2;
  p.projection.v.assign(static_cast<std::size_t>(x.rows * 2), 0.0);
  for (int64_t c = 0; c < 2; ++c) {
    if (c >= d) {  // one feature: the second component is zero
      p.explained_ratio.push_back(0);
      continue;
    }
    int64_t big = 0;
    for (int64_t k = 1; k < d; ++k)
      if (std::abs(vectors[k * d + c]) > std::abs(vectors[big * d + c])) big = k;
    const double sign = vectors[big * d + c] < 0 ? -1 : 1;
    for (int64_t i = 0; i < x.rows; ++i) {
      double s = 0;
      for (int64_t k = 0; k < d; ++k) s += (x.at(i, k) - m[k]) * vectors[k * d + c];
      p.projection.v[i * 2 + c] = sign * s;
    }
    p.explained_ratio.push_back(total > 0 ? std::max(values[c], 0.0) / total : 0);
  }
  return p;
}

double lda_separation(const FeatureMatrix& x, const std::vector<int64_t>& labels) {
  const auto classes = by_class(x, labels, "lda_separation");
  const int64_t d = x.cols;
  const std::vector<double> m = column_means(x);
  std::vector<double> sw(static_cast<std::size_t>(d * d), 0.0), sb(static_cast<std::size_t>(d * d), 0.0);  // (D, D)
  for (const auto& [c, rows] : classes) {
    std::vector<double> mc(static_cast<std::size_t>(d), 0.0);
    for (int64_t i : rows)
      for (int64_t k = 0; k < d; ++k) mc[k] += x.at(i, k);
    for (auto& e : mc) e /= static_cast<double>(rows.size());
    for (int64_t i : rows)
      for (int64_t a = 0; a < d; ++a)
        for (int64_t b = 0; b < d; ++b) sw[a * d + b] += (x.at(i, a) - mc[a]) * (x.at(i, b) - mc[b]);
    for (int64_t a = 0; a < d; ++a)
      for (int64_t b = 0; b < d; ++b) sb[a * d + b] += static_cast<double>(rows.size()) * (mc[a] - m[a]) * (mc[b] - m[b]);
  }
  // trace(S_w^+ S_b) = sum_k (u_k^T S_b u_k) / lambda_k over S_w's eigenpairs kept.
  std::vector<double> values, vectors;
  symmetric_eigen(sw, d, values, vectors);
  const double cut = 1e-10 * std::max(values.empty() ? 0.0 : values[0], 0.0);
  double j = 0;
  for (int64_t k = 0; k < d; ++k) {
    if (!(values[k] > cut) || values[k] <= 0) continue;
    double q = 0;
    for (int64_t a = 0; a < d; ++a)
      for (int64_t b = 0; b < d; ++b) q += vectors[a * d + k] * sb[a * d + b] * vectors[b * d + k];
    j += q / values[k];
  }
  return j;
}

double silhouette(const FeatureMatrix& x, const std::vector<int64_t>& labels) {
  const auto classes = by_class(x, labels, "silhouette");
  const int64_t n = x.rows;
  std::map<int64_t, std::size_t> slot;
  for (const auto& [c, rows] : classes) slot.emplace(c, slot.size());
  std::vector<double> size(classes.size(), 0.0);
  for (const auto& [c, rows] : classes) size[slot[c]] = static_cast<double>(rows.size());
  std::vector<std::size_t> row_slot(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) row_slot[i] = slot[labels[i]];
  double total = 0;
  std::vector<double> sum(classes.size());
  for (int64_t i = 0; i < n; ++i) {
    std::fill(sum.begin(), sum.end(), 0.0);
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t k = 0; k < x.cols; ++k) {
        const double t = x.at(i, k) - x.at(j, k);
        s += t * t;
      }
      sum[row_slot[j]] += std::sqrt(s);
    }
    const std::size_t own = row_slot[i];
    if (size[own] < 2) continue;  // s = 0 for a point alone in its class
    const double a = sum[own] / (size[own] - 1);
    double b = INFINITY;
    for (std::size_t c = 0; c < sum.size(); ++c)
      if (c != own) b = std::min(b, sum[c] / size[c]);
    const double den = std::max(a, b);
    total += den > 0 ? (b - a) / den : 0;
  }
  return total / static_cast<double>(n);
}

int64_t Centroids::nearest(double x, double y) const {
  int64_t best = 0;
  double bd = INFINITY;
  for (std::size_t c = 0; c < classes.size(); ++c) {
    const double dx = x - xy[2 * c], dy = y - xy[2 * c + 1], d = dx * dx + dy * dy;
    if (d < bd) bd = d, best = static_cast<int64_t>(c);
  }
  return classes.empty() ? -1 : classes[best];
}

Centroids centroids_2d(const FeatureMatrix& xy, const std::vector<int64_t>& labels) {
  if (xy.cols != 2 || static_cast<int64_t>(labels.size()) != xy.rows) throw std::invalid_argument("centroids_2d: expected (N, 2) and N labels");
  std::map<int64_t, std::vector<double>> acc;  // class -> sum x, sum y, count
  for (int64_t i = 0; i < xy.rows; ++i) {
    auto& a = acc[labels[i]];
    a.resize(3, 0.0);
    a[0] += xy.at(i, 0), a[1] += xy.at(i, 1), a[2] += 1;
  }
  Centroids c;
  for (const auto& [k, a] : acc) {
    c.classes.push_back(k);
    c.xy.push_back(a[0] / a[2]);
    c.xy.push_back(a[1] / a[2]);
  }
  return c;
}

double centroid_accuracy(const Centroids& c, const FeatureMatrix& xy, const std::vector<int64_t>& labels) {
  int64_t hit = 0;
  for (int64_t i = 0; i < xy.rows; ++i) hit += c.nearest(xy.at(i, 0), xy.at(i, 1)) == labels[i];
  return xy.rows ? static_cast<double>(hit) / static_cast<double>(xy.rows) : 0;
}

}  // namespace hqc::app
