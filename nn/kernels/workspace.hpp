// workspace.hpp — per-thread scratch buffers that grow and are reused, so that a training step does
// not allocate and free megabytes per op (im2col columns, per-chunk gradient partials).
//
// Each thread owns a few numbered slots; a slot keeps the largest size ever asked of it. The pool's
// worker threads live for the whole program, so after the first step no kernel allocates.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hqc::nn::kernels {

// Slot numbers in use (a kernel may hold several at once on one thread).
enum WorkspaceSlot : int { kSlotColumns = 0, kSlotPartials = 1, kSlotExtra = 2, kSlotPackedWeights = 3,
                            kSlotTransformedWeights = 4, kSlotInputGradient = 5, kSlotTransposed = 6,
                            kSlotPlane = 7, kNumSlots = 8 };

// A 64-byte-aligned buffer of at least `bytes` bytes owned by the calling thread; valid until the
// same thread asks the same slot again. Contents are unspecified.
void* workspace(int slot, std::size_t bytes);

template <typename T> T* workspace_as(int slot, int64_t count) {
  return static_cast<T*>(workspace(slot, static_cast<std::size_t>(count) * sizeof(T)));
}

// Bytes currently held by the calling thread's slots (for memory reports).
std::size_t workspace_bytes_this_thread();

}  // namespace hqc::nn::kernels
