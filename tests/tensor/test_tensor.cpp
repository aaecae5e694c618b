// Tests of Tensor's layout: views share storage, strides are right, copies happen only when needed.
#include "helpers.hpp"

using namespace hqc;

TEST_CASE("storage is 64-byte aligned") {
  for (int64_t n : {1, 3, 17, 1000}) {
    Tensor t = Tensor::empty({n});
    CHECK(reinterpret_cast<uintptr_t>(t.data<float>()) % 64 == 0);
  }
}

TEST_CASE("storage blocks: size classes, and a freed block is reused by the next tensor of its class") {
  CHECK(storage_block_bytes(0) == 64);
  CHECK(storage_block_bytes(1) == 64);
  CHECK(storage_block_bytes(4096) == 4096);
  CHECK(storage_block_bytes(4097) == 4096 + 512);  // eight classes per doubling past 4 KiB
  CHECK(storage_block_bytes(5000) == 5120);
  CHECK(storage_block_bytes(std::size_t{1} << 20) == std::size_t{1} << 20);
  CHECK(storage_block_bytes((std::size_t{1} << 20) + 1) == (std::size_t{1} << 20) + 64);  // not cached
  for (std::size_t n = 1; n <= (std::size_t{3} << 20); n = n * 5 / 4 + 7) {
    const std::size_t b = storage_block_bytes(n);
    CHECK(b >= n);
    CHECK(b % 64 == 0);
    CHECK(b - n < std::max<std::size_t>(64, n / 8 + 64));
  }
  if (!storage_block_cache_enabled()) return;  // AddressSanitizer builds: every block goes back to malloc
  Tensor a = Tensor::empty({100});             // 400 bytes: the 448-byte class
  const void* p = a.raw_data();
  a = Tensor();
  Tensor b = Tensor::empty({97});  // 388 bytes: the same class
  CHECK(b.raw_data() == p);
  Tensor c = Tensor::empty({100});  // the class is empty again: a new block
  CHECK(c.raw_data() != p);
}

TEST_CASE("contiguous strides are row-major") {
  Tensor t = zeros({2, 3, 4});
  CHECK(t.strides() == Shape{12, 4, 1});
  CHECK(t.is_contiguous());
  CHECK(t.numel() == 24);
}

TEST_CASE("view and reshape share storage; -1 is inferred") {
  Tensor t = arange(0, 12);
  Tensor v = t.view({3, -1});
  CHECK(v.sizes() == Shape{3, 4});
  CHECK(v.shares_storage(t));
  v.set({1, 2}, 100);
  CHECK(t.at({6}) == 100);
  CHECK_THROWS_WITH_AS(t.view({5, -1}), doctest::Contains("view"), std::invalid_argument);
}

TEST_CASE("transpose and permute are views with swapped strides") {
  Tensor t = arange(0, 6).view({2, 3});
  Tensor tt = t.t();
  CHECK(tt.sizes() == Shape{3, 2});
  CHECK(tt.strides() == Shape{1, 3});
  CHECK(!tt.is_contiguous());
  CHECK(tt.at({2, 1}) == 5);
  CHECK(tt.shares_storage(t));
  Tensor c = tt.contiguous();
  CHECK(!c.shares_storage(t));
  CHECK(c.to_vector() == std::vector<double>{0, 3, 1, 4, 2, 5});
  Tensor p = arange(0, 24).view({2, 3, 4}).permute({2, 0, 1});
  CHECK(p.sizes() == Shape{4, 2, 3});
  CHECK(p.at({3, 1, 2}) == 1 * 12 + 2 * 4 + 3);
  CHECK_THROWS_AS(p.permute({0, 0, 1}), std::invalid_argument);
}

TEST_CASE("contiguous() on a contiguous tensor returns the same storage") {
  Tensor t = ones({4, 4});
  CHECK(t.contiguous().shares_storage(t));
}

TEST_CASE("reshape of a non-contiguous tensor copies") {
  Tensor t = arange(0, 6).view({2, 3}).t();
  Tensor r = t.reshape({6});
  CHECK(!r.shares_storage(t));
  CHECK(r.to_vector() == std::vector<double>{0, 3, 1, 4, 2, 5});
  CHECK_THROWS_AS(t.view({6}), std::invalid_argument);
}

TEST_CASE("narrow and select are offset views") {
  Tensor t = arange(0, 20).view({4, 5});
  Tensor n = t.narrow(1, 1, 3);
  CHECK(n.sizes() == Shape{4, 3});
  CHECK(n.at({2, 0}) == 11);
  Tensor s = t.select(0, 2);
  CHECK(s.to_vector() == std::vector<double>{10, 11, 12, 13, 14});
  CHECK(t[3].at({4}) == 19);
  CHECK_THROWS_AS(t.narrow(1, 3, 3), std::out_of_range);
  CHECK_THROWS_AS(t.select(0, 4), std::out_of_range);
  CHECK_THROWS_AS(t.select(2, 0), std::out_of_range);
}

TEST_CASE("expand broadcasts size-1 dims with stride 0") {
  Tensor t = tensor({1, 2, 3}, {3, 1});
  Tensor e = t.expand({2, 3, 4});
  CHECK(e.sizes() == Shape{2, 3, 4});
  CHECK(e.strides() == Shape{0, 1, 0});
  CHECK(e.at({1, 2, 3}) == 3);
  CHECK_THROWS_WITH_AS(t.expand({2, 4}), doctest::Contains("(3, 1)"), std::invalid_argument);
}

TEST_CASE("unsqueeze, squeeze and flatten") {
  Tensor t = zeros({2, 3});
  CHECK(t.unsqueeze(0).sizes() == Shape{1, 2, 3});
  CHECK(t.unsqueeze(-1).sizes() == Shape{2, 3, 1});
  CHECK(t.unsqueeze(1).squeeze(1).sizes() == Shape{2, 3});
  CHECK(zeros({2, 3, 4, 5}).flatten(1).sizes() == Shape{2, 60});
}

TEST_CASE("copy_ converts types and broadcasts") {
  Tensor d = zeros({2, 3}, DType::f64);
  d.copy_(tensor({1.5f, 2.5f, 3.5f}));
  CHECK(d.to_vector() == std::vector<double>{1.5, 2.5, 3.5, 1.5, 2.5, 3.5});
  Tensor u = from_data(std::vector<uint8_t>{0, 128, 255}, {3});
  CHECK(u.to(DType::f32).to_vector() == std::vector<double>{0, 128, 255});
  CHECK_THROWS_AS(d.copy_(zeros({4})), std::invalid_argument);
}

TEST_CASE("copy_ between overlapping views of one storage is correct") {
  Tensor t = arange(0, 5);
  Tensor dst = t.narrow(0, 1, 4), src = t.narrow(0, 0, 4);
  dst.copy_(src);
  CHECK(t.to_vector() == std::vector<double>{0, 0, 1, 2, 3});
}

TEST_CASE("factories") {
  CHECK(full({2}, 7).to_vector() == std::vector<double>{7, 7});
  CHECK(arange(1, 2, 0.25).to_vector() == std::vector<double>{1, 1.25, 1.5, 1.75});
  CHECK(arange(0, 0).numel() == 0);
  CHECK_THROWS_AS(from_data(std::vector<float>{1, 2, 3}, {2, 2}), std::invalid_argument);
  CHECK_THROWS_AS(Tensor::empty({2, -1}), std::invalid_argument);
}

TEST_CASE("data<T> checks the element type") {
  Tensor t = zeros({2});
  CHECK_THROWS_WITH_AS(t.data<double>(), doctest::Contains("float32"), std::invalid_argument);
}

TEST_CASE("printing shows values, shape and type") {
  std::string s = tensor({1, 2, 3, 4}, {2, 2}).str();
  CHECK(s == "tensor([[1, 2], [3, 4]], shape=(2, 2), dtype=float32)");
  std::string long_row = arange(0, 100).str();
  CHECK(long_row.find("...") != std::string::npos);
}
