// workspace.cpp — the thread-local slots behind workspace().
#include "nn/kernels/workspace.hpp"

#include <cstdlib>
#include <new>

namespace hqc::nn::kernels {

namespace {
struct Slots {
  void* ptr[kNumSlots] = {};
  std::size_t size[kNumSlots] = {};
  ~Slots() {
    for (int i = 0; i < kNumSlots; ++i) std::free(ptr[i]);
  }
};
thread_local Slots slots;
}  // namespace

void* workspace(int slot, std::size_t bytes) {
  if (bytes == 0) bytes = 64;
  if (slots.size[slot] < bytes) {
    std::free(slots.ptr[slot]);
    std::size_t rounded = (bytes + 63) / 64 * 64;
    slots.ptr[slot] = std::aligned_alloc(64, rounded);
    if (!slots.ptr[slot]) {
      slots.size[slot] = 0;
      throw std::bad_alloc();
    }
    slots.size[slot] = rounded;
  }
  return slots.ptr[slot];
}

std::size_t workspace_bytes_this_thread() {
  std::size_t total = 0;
  for (int i = 0; i < kNumSlots; ++i) total += slots.size[i];
  return total;
}

}  // namespace hqc::nn::kernels
