// test_loader.cpp — split, shuffle, batching, and prefetching that cannot change the batches.
#include <algorithm>
#include <set>

#include "datasets/loader.hpp"
#include "ds_helpers.hpp"

using namespace hqc;
using namespace hqc::data;

namespace {
// n images 1 x 6 x 6 whose pixels encode the index, labels i % 10.
Dataset toy(int64_t n) {
  Tensor img = Tensor::empty({n, 1, 6, 6}, DType::u8), lbl = Tensor::empty({n}, DType::i64);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t k = 0; k < 36; ++k) img.data<uint8_t>()[i * 36 + k] = static_cast<uint8_t>((i + k) % 256);
    lbl.data<int64_t>()[i] = i % 10;
  }
  return Dataset("toy", "train", img, lbl, {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
}

std::vector<float> all_batches(Loader& l, int64_t epoch, std::vector<int64_t>* order = nullptr) {
  std::vector<float> out;
  Batch b;
  l.start_epoch(epoch);
  while (l.next(b)) {
    auto v = b.images.values<float>();
    out.insert(out.end(), v.begin(), v.end());
    if (order) order->insert(order->end(), b.indices.begin(), b.indices.end());
  }
  return out;
}
}  // namespace

TEST_CASE("train/validation split is 80/20 by default, disjoint, complete and seeded") {
  Split s = train_val_split(1003);
  CHECK(s.val.size() == 201);
  CHECK(s.train.size() == 802);
  std::vector<int64_t> all = s.train;
  all.insert(all.end(), s.val.begin(), s.val.end());
  std::sort(all.begin(), all.end());
  for (int64_t i = 0; i < 1003; ++i) REQUIRE(all[i] == i);
  CHECK(train_val_split(1003).val == s.val);
  CHECK(train_val_split(1003, 0.2, 1).val != s.val);
  CHECK(train_val_split(10, 0.0).val.empty());
  CHECK_DATA_ERROR([] { train_val_split(10, 1.0); }, "validation fraction");
}

TEST_CASE("loader batches cover the split once per epoch, drop_last drops the short one") {
  Dataset ds = toy(50);
  Split sp = train_val_split(50, 0.2, 3);
  Loader l(ds, sp.train, Pipeline(), {.batch_size = 16, .seed = 5});
  CHECK(l.num_batches() == 3);
  std::vector<int64_t> order;
  all_batches(l, 0, &order);
  std::vector<int64_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == sp.train);
  CHECK(order != sp.train);  // shuffled
  std::vector<int64_t> order1;
  all_batches(l, 1, &order1);
  CHECK(order1 != order);  // a new order each epoch
  Loader dl(ds, sp.train, Pipeline(), {.batch_size = 16, .drop_last = true});
  CHECK(dl.num_batches() == 2);
  Loader plain(ds, {}, Pipeline(), {.batch_size = 7, .shuffle = false});
  std::vector<int64_t> in_order;
  all_batches(plain, 0, &in_order);
  CHECK(in_order.size() == 50);
  CHECK(std::is_sorted(in_order.begin(), in_order.end()));
}

TEST_CASE("loader batch holds normalised float images and the matching labels") {
  Dataset ds = toy(20);
  Loader l(ds, {}, Pipeline({normalize({0.5f}, {0.25f})}), {.batch_size = 8, .seed = 1});
  Batch b = l.batch(0, 1);
  REQUIRE(b.images.sizes() == Shape{8, 1, 6, 6});
  REQUIRE(b.labels.sizes() == Shape{8});
  for (int64_t j = 0; j < 8; ++j) {
    const int64_t i = b.indices[j];
    CHECK(b.labels.at({j}) == i % 10);
    CHECK(b.images.at({j, 0, 2, 3}) == doctest::Approx(((i + 15) % 256 / 255.0 - 0.5) / 0.25));
  }
}

TEST_CASE("prefetching gives bit-identical batches to the synchronous loader, augmentation included") {
  Dataset ds = toy(70);
  Pipeline aug({random_affine(5.0, 0.1), random_horizontal_flip(), random_crop(6, 6, 2), normalize({0.3f}, {0.2f})});
  Loader pre(ds, {}, aug, {.batch_size = 9, .seed = 11, .prefetch = true});
  Loader syn(ds, {}, aug, {.batch_size = 9, .seed = 11, .prefetch = false});
  for (int64_t epoch : {0, 1, 0}) CHECK(all_batches(pre, epoch) == all_batches(syn, epoch));
  CHECK(pre.batch(1, 3).images.values<float>() == syn.batch(1, 3).images.values<float>());
  Loader other(ds, {}, aug, {.batch_size = 9, .seed = 12});
  CHECK(all_batches(other, 0) != all_batches(syn, 0));
  // The augmentation of an image depends on (seed, epoch, image), not on the batch size.
  Loader big(ds, {}, aug, {.batch_size = 70, .shuffle = false, .seed = 11});
  Loader small(ds, {}, aug, {.batch_size = 1, .shuffle = false, .seed = 11});
  CHECK(all_batches(big, 2) == all_batches(small, 2));
}

TEST_CASE("loader restarts an epoch mid-way and refuses bad arguments") {
  Dataset ds = toy(30);
  Loader l(ds, {}, Pipeline({random_horizontal_flip()}), {.batch_size = 4});
  Batch b;
  l.start_epoch(0);
  l.next(b);
  l.next(b);
  l.start_epoch(0);  // abandons the prefetched batch
  std::vector<float> first = (l.next(b), b.images.values<float>());
  CHECK(first == l.batch(0, 0).images.values<float>());
  CHECK_DATA_ERROR([&] { Loader bad(ds, {0, 30}, Pipeline()); }, "index 30", "30 images");
  CHECK_DATA_ERROR([&] { Loader bad(ds, {}, Pipeline(), {.batch_size = 0}); }, "batch size");
  CHECK_DATA_ERROR([&] { Loader bad(ds, {}, Pipeline({normalize({0.f, 0.f, 0.f}, {1.f, 1.f, 1.f})})); }, "normalize");
  Loader fresh(ds, {}, Pipeline());
  CHECK_DATA_ERROR([&] { fresh.next(b); }, "start_epoch");
  CHECK_DATA_ERROR([&] { fresh.batch(0, 8); }, "batch 8");
}

TEST_CASE("Dataset::select copies images and labels in the order given, from memory or after head()") {
  const Dataset ds = toy(10);
  const Dataset picked = ds.select({7, 2, 7});
  REQUIRE(picked.size() == 3);
  CHECK(picked.in_memory());
  CHECK(picked.image_shape() == ds.image_shape());
  CHECK(picked.classes() == ds.classes());
  const int64_t expect[] = {7, 2, 7};
  for (int64_t k = 0; k < 3; ++k) {
    CHECK(picked.label(k) == ds.label(expect[k]));
    const Tensor a = picked.image(k), b = ds.image(expect[k]);
    CHECK(std::equal(a.data<uint8_t>(), a.data<uint8_t>() + a.numel(), b.data<uint8_t>()));
  }
  CHECK(ds.select({}).size() == 0);
  CHECK(ds.head(4).select({3}).label(0) == ds.label(3));
  CHECK_THROWS_AS(ds.head(4).select({4}), DataError);
  CHECK_THROWS_AS(ds.select({-1}), DataError);
}
