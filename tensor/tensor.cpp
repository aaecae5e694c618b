// tensor.cpp — storage, layout, views, copies and factories.
#include "tensor/tensor.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>
#include <stdexcept>

#include "tensor/strided.hpp"

namespace hqc {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::f32: return "float32";
    case DType::f64: return "float64";
    case DType::i64: return "int64";
    case DType::u8: return "uint8";
  }
  return "?";
}

std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::f32: return 4;
    case DType::f64: return 8;
    case DType::i64: return 8;
    case DType::u8: return 1;
  }
  return 0;
}

std::string shape_str(const Shape& s) {
  std::string out = "(";
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(s[i]);
  }
  if (s.size() == 1) out += ",";
  return out + ")";
}

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

Shape contiguous_strides(const Shape& sizes) {
  Shape st(sizes.size());
  int64_t acc = 1;
  for (int64_t i = static_cast<int64_t>(sizes.size()) - 1; i >= 0; --i) {
    st[i] = acc;
    acc *= std::max<int64_t>(sizes[i], 1);
  }
  return st;
}

int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  int64_t d = dim < 0 ? dim + ndim : dim;
  if (d < 0 || d >= ndim) {
    throw std::out_of_range(std::string(op) + ": dim " + std::to_string(dim) +
                            " out of range for a tensor with " + std::to_string(ndim) + " dims");
  }
  return d;
}

// --- storage blocks ---------------------------------------------------------------------------
// Freed blocks of up to 1 MiB are kept per thread, by size class, for the next tensor of that class:
// an op makes and drops its small tensors every call (MNIST batch-1 inference: ~60 per image), and
// glibc's malloc/free with its consolidation of freed chunks took ~15 % of that latency's perf
// samples; the cache took ~7 % off the latency. Classes are
// 64-byte steps up to 4 KiB, then eight per doubling (a block is at most 1/8 larger than asked for).
// A thread keeps at most kCacheDepth blocks of a class and kCacheBytes in all; a block freed by another
// thread than the one that made it joins the freeing thread's cache. Under AddressSanitizer nothing
// is cached, so that a use after free still reaches the sanitizer.
namespace {

#if defined(__SANITIZE_ADDRESS__)
#define HQC_BLOCK_CACHE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HQC_BLOCK_CACHE 0
#endif
#endif
#ifndef HQC_BLOCK_CACHE
#define HQC_BLOCK_CACHE 1
#endif

constexpr std::size_t kSmallStep = 64, kSmallMax = 4096, kCachedMax = std::size_t{1} << 20;
constexpr int kSmallClasses = int(kSmallMax / kSmallStep), kClasses = kSmallClasses + 8 * 8;
constexpr int kCacheDepth = 8;
constexpr std::size_t kCacheBytes = std::size_t{16} << 20;

struct SizeClass {
  int index;          // -1: not cached
  std::size_t bytes;  // what is allocated
};

SizeClass size_class(std::size_t nbytes) {
  const std::size_t r = (std::max<std::size_t>(nbytes, 1) + kSmallStep - 1) / kSmallStep * kSmallStep;
  if (r <= kSmallMax) return {int(r / kSmallStep) - 1, r};
  if (r > kCachedMax) return {-1, r};
  int e = 12;  // r in (2^e, 2^(e+1)]
  while ((std::size_t{2} << e) < r) ++e;
  const std::size_t base = std::size_t{1} << e, step = base / 8;
  const std::size_t k = (r - base + step - 1) / step;  // 1 .. 8
  return {kSmallClasses + (e - 12) * 8 + int(k) - 1, base + k * step};
}

#if HQC_BLOCK_CACHE
// Trivially destructible, so that it can be used until the thread's storage goes: tensors held in
// static objects are freed after the thread's destructors have run (and then bypass the cache).
struct BlockCache {
  void* blocks[kClasses][kCacheDepth];
  uint8_t count[kClasses];
  std::size_t bytes;
  bool closed;
};
thread_local BlockCache cache;

struct BlockCacheCloser {
  ~BlockCacheCloser() {
    for (int c = 0; c < kClasses; ++c)
      for (int i = 0; i < cache.count[c]; ++i) std::free(cache.blocks[c][i]);
    cache = {};
    cache.closed = true;
  }
};
thread_local BlockCacheCloser closer;
#endif

void* take_block(std::size_t nbytes) {
  const SizeClass sc = size_class(nbytes);
#if HQC_BLOCK_CACHE
  if (sc.index >= 0 && cache.count[sc.index] > 0) {
    cache.bytes -= sc.bytes;
    return cache.blocks[sc.index][--cache.count[sc.index]];
  }
#endif
  void* p = std::aligned_alloc(64, sc.bytes);
  if (!p) throw std::bad_alloc();
  return p;
}

void give_block(void* p, std::size_t nbytes) {
#if HQC_BLOCK_CACHE
  const SizeClass sc = size_class(nbytes);
  if (sc.index >= 0 && !cache.closed && cache.count[sc.index] < kCacheDepth && cache.bytes + sc.bytes <= kCacheBytes) {
    (void)&closer;  // registers this thread's release of its cache at thread exit
    cache.blocks[sc.index][cache.count[sc.index]++] = p;
    cache.bytes += sc.bytes;
    return;
  }
#else
  (void)nbytes;
#endif
  std::free(p);
}

}  // namespace

bool storage_block_cache_enabled() { return HQC_BLOCK_CACHE != 0; }

std::size_t storage_block_bytes(std::size_t nbytes) { return size_class(nbytes).bytes; }

Storage::Storage(std::size_t nbytes) : data_(take_block(nbytes)), nbytes_(nbytes) {}

Storage::~Storage() { give_block(data_, nbytes_); }

// ---------------------------------------------------------------------------------------------
Tensor make_view(const Tensor& base, Shape sizes, Shape strides, int64_t offset) {
  Tensor t;
  t.storage_ = base.storage_;
  t.dtype_ = base.dtype_;
  t.sizes_ = std::move(sizes);
  t.strides_ = std::move(strides);
  t.offset_ = offset;
  return t;
}

Tensor Tensor::empty(const Shape& shape, DType dtype) {
  for (int64_t d : shape) {
    if (d < 0) throw std::invalid_argument("empty: negative size in shape " + shape_str(shape));
  }
  Tensor t;
  t.storage_ = std::make_shared<Storage>(static_cast<std::size_t>(shape_numel(shape)) * dtype_size(dtype));
  t.dtype_ = dtype;
  t.sizes_ = shape;
  t.strides_ = contiguous_strides(shape);
  return t;
}

int64_t Tensor::size(int64_t d) const { return sizes_[wrap_dim(d, dim(), "size")]; }
int64_t Tensor::stride(int64_t d) const { return strides_[wrap_dim(d, dim(), "stride")]; }

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (int64_t i = dim() - 1; i >= 0; --i) {
    if (sizes_[i] == 1) continue;  // the stride of a size-1 dim never matters
    if (strides_[i] != expected) return false;
    expected *= sizes_[i];
  }
  return true;
}

void* Tensor::raw_data() const {
  if (!defined()) throw std::logic_error("raw_data: undefined tensor");
  return static_cast<char*>(storage_->data()) + offset_ * dtype_size(dtype_);
}

void Tensor::check_dtype(DType want, const char* op) const {
  if (!defined()) throw std::logic_error(std::string(op) + ": undefined tensor");
  if (dtype_ != want) {
    throw std::invalid_argument(std::string(op) + ": tensor holds " + dtype_name(dtype_) +
                                ", asked for " + dtype_name(want));
  }
}

// --- views ----------------------------------------------------------------------------------
namespace {
Shape infer_shape(const Shape& shape, int64_t numel, const char* op, const Shape& from) {
  Shape out = shape;
  int64_t known = 1, infer = -1;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      if (infer >= 0) throw std::invalid_argument(std::string(op) + ": more than one -1 in " + shape_str(shape));
      infer = static_cast<int64_t>(i);
    } else if (out[i] < 0) {
      throw std::invalid_argument(std::string(op) + ": negative size in " + shape_str(shape));
    } else {
      known *= out[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || numel % known != 0) {
      throw std::invalid_argument(std::string(op) + ": cannot view " + shape_str(from) + " as " + shape_str(shape));
    }
    out[infer] = numel / known;
  }
  if (shape_numel(out) != numel) {
    throw std::invalid_argument(std::string(op) + ": cannot view " + shape_str(from) + " (" +
                                std::to_string(numel) + " elements) as " + shape_str(shape));
  }
  return out;
}
}  // namespace

Tensor Tensor::view(const Shape& shape) const {
  Shape out = infer_shape(shape, numel(), "view", sizes_);
  if (!is_contiguous()) {
    throw std::invalid_argument("view: needs a contiguous tensor, got shape " + shape_str(sizes_) +
                                " with strides " + shape_str(strides_) + "; use reshape()");
  }
  return make_view(*this, out, contiguous_strides(out), offset_);
}

Tensor Tensor::reshape(const Shape& shape) const {
  return is_contiguous() ? view(shape) : contiguous().view(shape);
}

Tensor Tensor::flatten(int64_t start, int64_t end) const {
  if (dim() == 0) return reshape({1});
  start = wrap_dim(start, dim(), "flatten");
  end = wrap_dim(end, dim(), "flatten");
  if (start > end) throw std::invalid_argument("flatten: start dim after end dim");
  Shape out(sizes_.begin(), sizes_.begin() + start);
  int64_t m = 1;
  for (int64_t i = start; i <= end; ++i) m *= sizes_[i];
  out.push_back(m);
  out.insert(out.end(), sizes_.begin() + end + 1, sizes_.end());
  return reshape(out);
}

Tensor Tensor::permute(const std::vector<int64_t>& order) const {
  if (static_cast<int64_t>(order.size()) != dim()) {
    throw std::invalid_argument("permute: order " + shape_str(order) + " does not match a tensor of shape " +
                                shape_str(sizes_));
  }
  Shape sz(dim()), st(dim());
  std::vector<bool> seen(dim(), false);
  for (int64_t i = 0; i < dim(); ++i) {
    int64_t d = wrap_dim(order[i], dim(), "permute");
    if (seen[d]) throw std::invalid_argument("permute: repeated dim in " + shape_str(order));
    seen[d] = true;
    sz[i] = sizes_[d];
    st[i] = strides_[d];
  }
  return make_view(*this, sz, st, offset_);
}

Tensor Tensor::transpose(int64_t a, int64_t b) const {
  a = wrap_dim(a, dim(), "transpose");
  b = wrap_dim(b, dim(), "transpose");
  Shape sz = sizes_, st = strides_;
  std::swap(sz[a], sz[b]);
  std::swap(st[a], st[b]);
  return make_view(*this, sz, st, offset_);
}

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const {
  d = wrap_dim(d, dim(), "narrow");
  if (start < 0) start += sizes_[d];
  if (start < 0 || length < 0 || start + length > sizes_[d]) {
    throw std::out_of_range("narrow: [" + std::to_string(start) + ", " + std::to_string(start + length) +
                            ") out of range for dim " + std::to_string(d) + " of shape " + shape_str(sizes_));
  }
  Shape sz = sizes_;
  sz[d] = length;
  return make_view(*this, sz, strides_, offset_ + start * strides_[d]);
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  d = wrap_dim(d, dim(), "select");
  if (index < 0) index += sizes_[d];
  if (index < 0 || index >= sizes_[d]) {
    throw std::out_of_range("select: index " + std::to_string(index) + " out of range for dim " +
                            std::to_string(d) + " of shape " + shape_str(sizes_));
  }
  Shape sz = sizes_, st = strides_;
  int64_t off = offset_ + index * strides_[d];
  sz.erase(sz.begin() + d);
  st.erase(st.begin() + d);
  return make_view(*this, sz, st, off);
}

Tensor Tensor::unsqueeze(int64_t d) const {
  d = wrap_dim(d, dim() + 1, "unsqueeze");
  Shape sz = sizes_, st = strides_;
  int64_t stride = d < dim() ? sizes_[d] * strides_[d] : 1;
  sz.insert(sz.begin() + d, 1);
  st.insert(st.begin() + d, stride);
  return make_view(*this, sz, st, offset_);
}

Tensor Tensor::squeeze(int64_t d) const {
  d = wrap_dim(d, dim(), "squeeze");
  if (sizes_[d] != 1) return *this;
  Shape sz = sizes_, st = strides_;
  sz.erase(sz.begin() + d);
  st.erase(st.begin() + d);
  return make_view(*this, sz, st, offset_);
}

Tensor Tensor::expand(const Shape& shape) const {
  if (static_cast<int64_t>(shape.size()) < dim()) {
    throw std::invalid_argument("expand: cannot expand " + shape_str(sizes_) + " to fewer dims " + shape_str(shape));
  }
  int64_t lead = static_cast<int64_t>(shape.size()) - dim();
  Shape sz(shape.size()), st(shape.size());
  for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i) {
    int64_t target = shape[i];
    if (i < lead) {
      if (target < 0) throw std::invalid_argument("expand: -1 not allowed in new leading dims");
      sz[i] = target;
      st[i] = 0;
      continue;
    }
    int64_t have = sizes_[i - lead];
    if (target == -1) target = have;
    if (have == target) {
      sz[i] = have;
      st[i] = strides_[i - lead];
    } else if (have == 1) {
      sz[i] = target;
      st[i] = 0;
    } else {
      throw std::invalid_argument("expand: cannot expand " + shape_str(sizes_) + " to " + shape_str(shape));
    }
  }
  return make_view(*this, sz, st, offset_);
}

// --- copies -----------------------------------------------------------------------------------
Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  Tensor out = Tensor::empty(sizes_, dtype_);
  out.copy_(*this);
  return out;
}

Tensor Tensor::to(DType dtype) const {
  if (dtype == dtype_) return *this;
  Tensor out = Tensor::empty(sizes_, dtype);
  out.copy_(*this);
  return out;
}

namespace {
template <typename Dst, typename Src>
void copy_typed(const Tensor& dst, const Tensor& src) {
  Dst* d = static_cast<Dst*>(dst.storage()->data());
  const Src* s = static_cast<const Src*>(src.storage()->data());
  if (dst.is_contiguous() && src.is_contiguous() && src.sizes() == dst.sizes()) {
    d += dst.offset();
    s += src.offset();
    int64_t n = dst.numel();
    if constexpr (std::is_same_v<Dst, Src>) {
      std::memmove(d, s, static_cast<std::size_t>(n) * sizeof(Dst));
    } else {
      for (int64_t i = 0; i < n; ++i) d[i] = static_cast<Dst>(s[i]);
    }
    return;
  }
  for_each_offset2(dst.sizes(), dst.strides(), dst.offset(), src.strides(), src.offset(),
                   [&](int64_t od, int64_t os) { d[od] = static_cast<Dst>(s[os]); });
}

template <typename F>
void dispatch_all(DType t, F&& f) {
  switch (t) {
    case DType::f32: f(float{}); return;
    case DType::f64: f(double{}); return;
    case DType::i64: f(int64_t{}); return;
    case DType::u8: f(uint8_t{}); return;
  }
}
}  // namespace

void Tensor::copy_(const Tensor& src) {
  if (!defined() || !src.defined()) throw std::logic_error("copy_: undefined tensor");
  Tensor s = src.expand(sizes_);  // throws with both shapes if src does not broadcast to this
  if (shares_storage(src) && !(s.offset() == offset_ && s.strides() == strides_)) {
    s = src.clone().expand(sizes_);  // overlapping views: copy through a temporary
  }
  dispatch_all(dtype_, [&](auto dst_zero) {
    using D = decltype(dst_zero);
    dispatch_all(s.dtype(), [&](auto src_zero) { copy_typed<D, decltype(src_zero)>(*this, s); });
  });
}

void Tensor::fill_(double value) {
  dispatch_all(dtype_, [&](auto zero) {
    using T = decltype(zero);
    T v = static_cast<T>(value);
    T* d = static_cast<T*>(storage_->data());
    if (is_contiguous()) {
      std::fill(d + offset_, d + offset_ + numel(), v);
    } else {
      for_each_offset(sizes_, strides_, offset_, [&](int64_t o) { d[o] = v; });
    }
  });
}

// --- element access -------------------------------------------------------------------------
namespace {
int64_t element_offset(const Tensor& t, std::initializer_list<int64_t> index, const char* op) {
  if (static_cast<int64_t>(index.size()) != t.dim()) {
    throw std::invalid_argument(std::string(op) + ": " + std::to_string(index.size()) +
                                " indices for a tensor of shape " + shape_str(t.sizes()));
  }
  int64_t off = t.offset(), d = 0;
  for (int64_t i : index) {
    if (i < 0 || i >= t.sizes()[d]) {
      throw std::out_of_range(std::string(op) + ": index " + std::to_string(i) + " out of range for dim " +
                              std::to_string(d) + " of shape " + shape_str(t.sizes()));
    }
    off += i * t.strides()[d++];
  }
  return off;
}
}  // namespace

double Tensor::at(std::initializer_list<int64_t> index) const {
  int64_t off = element_offset(*this, index, "at");
  double v = 0;
  dispatch_all(dtype_, [&](auto zero) {
    v = static_cast<double>(static_cast<const decltype(zero)*>(storage_->data())[off]);
  });
  return v;
}

void Tensor::set(std::initializer_list<int64_t> index, double value) {
  int64_t off = element_offset(*this, index, "set");
  dispatch_all(dtype_, [&](auto zero) {
    using T = decltype(zero);
    static_cast<T*>(storage_->data())[off] = static_cast<T>(value);
  });
}

double Tensor::item() const {
  if (numel() != 1) throw std::invalid_argument("item: tensor of shape " + shape_str(sizes_) + " has " +
                                                std::to_string(numel()) + " elements, not 1");
  return to_vector()[0];
}

std::vector<double> Tensor::to_vector() const {
  std::vector<double> out;
  out.reserve(static_cast<std::size_t>(numel()));
  dispatch_all(dtype_, [&](auto zero) {
    using T = decltype(zero);
    const T* d = static_cast<const T*>(storage_->data());
    for_each_offset(sizes_, strides_, offset_, [&](int64_t o) { out.push_back(static_cast<double>(d[o])); });
  });
  return out;
}

std::string Tensor::str(int max_per_dim) const {
  if (!defined()) return "tensor(undefined)";
  std::vector<double> v = to_vector();
  std::ostringstream os;
  os.precision(6);
  std::size_t pos = 0;
  // Recursive print with elision in the middle of long dims.
  auto rec = [&](auto&& self, int64_t d, int64_t base) -> void {
    if (d == dim()) {
      os << v[static_cast<std::size_t>(base)];
      return;
    }
    int64_t n = sizes_[d];
    int64_t inner = 1;
    for (int64_t k = d + 1; k < dim(); ++k) inner *= sizes_[k];
    os << "[";
    for (int64_t i = 0; i < n; ++i) {
      if (n > max_per_dim && i == max_per_dim / 2) {
        os << "..., ";
        i = n - max_per_dim / 2 - 1;
        continue;
      }
      self(self, d + 1, base + i * inner);
      if (i + 1 < n) os << ", ";
    }
    os << "]";
  };
  (void)pos;
  os << "tensor(";
  rec(rec, 0, 0);
  os << ", shape=" << shape_str(sizes_) << ", dtype=" << dtype_name(dtype_) << ")";
  return os.str();
}

// --- factories --------------------------------------------------------------------------------
Tensor zeros(const Shape& shape, DType dtype) { return full(shape, 0.0, dtype); }
Tensor ones(const Shape& shape, DType dtype) { return full(shape, 1.0, dtype); }

Tensor full(const Shape& shape, double value, DType dtype) {
  Tensor t = Tensor::empty(shape, dtype);
  t.fill_(value);
  return t;
}

Tensor arange(double start, double end, double step, DType dtype) {
  if (step == 0 || !std::isfinite(start) || !std::isfinite(end) || !std::isfinite(step)) {
    throw std::invalid_argument("arange: step must be non-zero and bounds finite");
  }
  int64_t n = std::max<int64_t>(0, static_cast<int64_t>(std::ceil((end - start) / step)));
  Tensor t = Tensor::empty({n}, dtype);
  dispatch_all(dtype, [&](auto zero) {
    using T = decltype(zero);
    T* d = t.data<T>();
    for (int64_t i = 0; i < n; ++i) d[i] = static_cast<T>(start + static_cast<double>(i) * step);
  });
  return t;
}

namespace {
template <typename T>
Tensor from_span(std::span<const T> values, const Shape& shape) {
  if (static_cast<int64_t>(values.size()) != shape_numel(shape)) {
    throw std::invalid_argument("from_data: " + std::to_string(values.size()) + " values for shape " +
                                shape_str(shape) + " (" + std::to_string(shape_numel(shape)) + " elements)");
  }
  Tensor t = Tensor::empty(shape, dtype_of<T>());
  if (!values.empty()) std::memcpy(t.data<T>(), values.data(), values.size() * sizeof(T));
  return t;
}
}  // namespace

Tensor from_data(std::span<const float> v, const Shape& s) { return from_span(v, s); }
Tensor from_data(std::span<const double> v, const Shape& s) { return from_span(v, s); }
Tensor from_data(std::span<const int64_t> v, const Shape& s) { return from_span(v, s); }
Tensor from_data(std::span<const uint8_t> v, const Shape& s) { return from_span(v, s); }

Tensor tensor(std::initializer_list<float> values, const Shape& shape) {
  return from_data(std::span<const float>(values.begin(), values.size()), shape);
}
Tensor tensor(std::initializer_list<float> values) {
  return tensor(values, {static_cast<int64_t>(values.size())});
}

Tensor zeros_like(const Tensor& t) { return zeros(t.sizes(), t.dtype()); }
Tensor ones_like(const Tensor& t) { return ones(t.sizes(), t.dtype()); }
Tensor empty_like(const Tensor& t) { return Tensor::empty(t.sizes(), t.dtype()); }

}  // namespace hqc
