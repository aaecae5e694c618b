// gemm_shapes.hpp — the GEMMs the study's six models run at batch 64, named as in
// apps/bench/peer_measure.py's GEMM_SHAPES (bench_compare.py matches the two by name). Used by
// `hqc bench` and by gemm_bench (which adds square sizes).
//
// Linear(in, out), weight stored (out, in): forward x Wᵀ, input gradient dY W, weight gradient
// dYᵀ x. Convolutions as im2col per image: forward W (C_out, C_in*9) x columns (C_in*9, H*W);
// weight gradient dY columnsᵀ; column gradient Wᵀ dY.
#pragma once

#include <cstdint>

namespace hqc::bench {

struct GemmShape {
  const char* name;
  bool trans_a, trans_b;  // C (m, n) = op(A) op(B); A stored (k, m) when transposed, B (n, k)
  int64_t m, n, k;
};

inline constexpr GemmShape kModelGemmShapes[] = {
    {"lin 512->256 fwd", false, true, 64, 256, 512},
    {"lin 512->256 dX", false, false, 64, 512, 256},
    {"lin 512->256 dW", true, false, 256, 512, 64},
    {"lin 1024->128 fwd", false, true, 64, 128, 1024},
    {"lin 1024->128 dX", false, false, 64, 1024, 128},
    {"lin 1024->128 dW", true, false, 128, 1024, 64},
    {"lin 2048->512 fwd", false, true, 64, 512, 2048},
    {"lin 2048->512 dX", false, false, 64, 2048, 512},
    {"lin 2048->512 dW", true, false, 512, 2048, 64},
    {"lin 4096->1024 fwd", false, true, 64, 1024, 4096},
    {"lin 4096->1024 dX", false, false, 64, 4096, 1024},
    {"lin 4096->1024 dW", true, false, 1024, 4096, 64},
    {"mnist conv1 16", false, false, 16, 784, 9},
    {"mnist conv1 32", false, false, 32, 784, 9},
    {"mnist conv2 32<-16", false, false, 32, 196, 144},
    {"mnist conv2 64<-32", false, false, 64, 196, 288},
    {"mnist conv2 dW", false, true, 64, 288, 196},
    {"mnist conv2 dcols", true, false, 288, 196, 64},
    {"cifar conv1 32<-3", false, false, 32, 1024, 27},
    {"cifar conv 128<-64", false, false, 128, 256, 576},
    {"cifar conv 256<-128", false, false, 256, 64, 1152},
    {"cifar conv 512<-256", false, false, 512, 16, 2304},
    {"cifar conv 128 dW", false, true, 128, 576, 256},
    {"cifar conv 128 dcols", true, false, 576, 256, 128},
    {"stl conv1 32<-3", false, false, 32, 9216, 27},
    {"stl conv 64<-32", false, false, 64, 2304, 288},
    {"stl conv 128<-64", false, false, 128, 2304, 576},
    {"stl conv 256<-128", false, false, 256, 576, 1152},
    {"stl conv 256 dW", false, true, 256, 1152, 576},
    {"stl conv 256 dcols", true, false, 1152, 576, 256},
};

}  // namespace hqc::bench
