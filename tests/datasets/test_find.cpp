// test_find.cpp — where datasets are looked for, and what the user is told when they are not there.
#include <cstdlib>

#include "datasets/dataset.hpp"
#include "datasets/gzip.hpp"
#include "ds_helpers.hpp"

using namespace hqc;
using namespace hqc::data;
using namespace hqc::test;

namespace {
// Sets (or unsets) HQC_DATA for one test and restores it afterwards.
class EnvGuard {
 public:
  explicit EnvGuard(const char* value) {
    if (const char* v = std::getenv("HQC_DATA")) saved_ = v, had_ = true;
    if (value) ::setenv("HQC_DATA", value, 1); else ::unsetenv("HQC_DATA");
  }
  ~EnvGuard() {
    if (had_) ::setenv("HQC_DATA", saved_.c_str(), 1); else ::unsetenv("HQC_DATA");
  }

 private:
  std::string saved_;
  bool had_ = false;
};
}  // namespace

TEST_CASE("find_dataset uses --data, entering the archive's own subfolder") {
  TempDir dir;
  write_file(dir / "cifar-10-batches-bin" / "test_batch.bin", Bytes(3073, 0));
  CHECK(find_dataset("cifar10", dir.path().string()) == dir / "cifar-10-batches-bin");
  CHECK(find_dataset("cifar10", (dir / "cifar-10-batches-bin").string()) == dir / "cifar-10-batches-bin");
  CHECK(load_dataset("cifar10", "test", dir.path().string()).size() == 1);
  CHECK_DATA_ERROR([&] { find_dataset("stl10", dir.path().string()); }, "--data", dir.path().string(), "no stl10 files",
                   "fetch.sh stl10");
  CHECK_DATA_ERROR([&] { find_dataset("mnist", (dir / "missing").string()); }, "missing", "no such directory");
}

TEST_CASE("find_dataset looks in $HQC_DATA/<name> before ./data/<name>") {
  TempDir dir;
  write_file(dir / "mnist" / "t10k-images-idx3-ubyte.gz", gzip_stored(Bytes{1}));
  EnvGuard env(dir.path().c_str());
  CHECK(find_dataset("mnist") == dir / "mnist");
}

TEST_CASE("a dataset not found gets an error saying where it looked and how to get it") {
  TempDir dir;
  EnvGuard env(dir.path().c_str());
  CHECK_DATA_ERROR([] { find_dataset("cifar100"); }, "dataset cifar100 not found", "$HQC_DATA/cifar100",
                   "./data/cifar100", "datasets/fetch.sh cifar100", "--data");
  EnvGuard unset(nullptr);
  CHECK_DATA_ERROR([] { find_dataset("mnist"); }, "HQC_DATA is not set", "./data/mnist");
  CHECK_DATA_ERROR([] { find_dataset("imagenet"); }, "unknown dataset 'imagenet'", "fashion-mnist");
  CHECK_DATA_ERROR([] { load_dataset("mnist", "unlabeled"); }, "no split 'unlabeled'");
}

TEST_CASE("dataset table: class counts and constants as docs/formats.md gives them") {
  CHECK(dataset_info("cifar100").classes.size() == 100);
  CHECK(dataset_info("cifar100").classes[99] == "worm");
  CHECK(dataset_info("fashion-mnist").mean[0] == 0.2860f);
  CHECK(dataset_info("stl10").std[2] == 0.2713f);
  for (const std::string& n : dataset_names()) {
    const DatasetInfo& i = dataset_info(n);
    CHECK(i.mean.size() == std::size_t(i.channels));
    CHECK(i.std.size() == std::size_t(i.channels));
  }
}
