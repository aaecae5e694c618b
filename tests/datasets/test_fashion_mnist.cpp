// test_fashion_mnist.cpp — the real Fashion-MNIST from Debian's dataset-fashion-mnist package, when
// it is installed (CI installs it): counts, balance, pixel mean, and the time to read it.
#include <chrono>

#include "datasets/dataset.hpp"
#include "datasets/idx.hpp"
#include "ds_helpers.hpp"

using namespace hqc;
using namespace hqc::data;

namespace {
const char* kDebianDir = "/usr/share/datasets/fashion-mnist";
bool installed() {
  std::error_code ec;
  return std::filesystem::exists(std::string(kDebianDir) + "/train-images-idx3-ubyte.gz", ec);
}
}  // namespace

TEST_CASE("fashion-mnist from the Debian package: 60000/10000 images, 6000 per class, mean 0.2860") {
  if (!installed()) HQC_SKIP("dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist)");
  auto t0 = std::chrono::steady_clock::now();
  Dataset train = load_mnist(kDebianDir, "train", "fashion-mnist");
  Dataset test = load_mnist(kDebianDir, "test", "fashion-mnist");
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  MESSAGE("read all of Fashion-MNIST (.gz) in " << s << " s");
  CHECK(train.size() == 60000);
  CHECK(test.size() == 10000);
  DatasetStats st = compute_stats(train);
  CHECK(st.label_counts == std::vector<int64_t>(10, 6000));
  CHECK(st.mean[0] == doctest::Approx(0.2860).epsilon(5e-4));
  CHECK(st.std[0] == doctest::Approx(0.3530).epsilon(5e-4));
  CHECK(compute_stats(test).label_counts == std::vector<int64_t>(10, 1000));
  // Image 0 of the training set is an ankle boot (label 9), as in every Fashion-MNIST viewer.
  CHECK(train.label(0) == 9);
}
