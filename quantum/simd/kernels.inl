// kernels.inl — the statevector kernels, written once as plain loops over the batch lane and
// compiled three times (kernels_scalar.cpp without flags, kernels_avx2.cpp, kernels_avx512.cpp) so
// the compiler vectorises the innermost loop with the widest registers the CPU has. Included inside
// an anonymous namespace: no copy leaks into another through the linker.
//
// Layout (see quantum/state.hpp): re and im are (D, B) row-major, D = 2^n amplitudes, B samples,
// so row i holds amplitude i of every sample and one gate is a pass over contiguous rows.
// A single-qubit gate on a wire whose amplitude-index bit is `tbit` mixes row pairs (i, i | tbit)
// with i & tbit == 0; `cmask` restricts it to rows where every control bit is set.
// A 2x2 matrix is passed as 8 doubles: [a.re, a.im, b.re, b.im, c.re, c.im, d.re, d.im] for
// [[a, b], [c, d]]; per-sample matrices as (8, B).
//
// The arithmetic of every element is the same whatever the batch size, so results do not depend
// on where a sample sits in the batch.

#define HQC_RESTRICT __restrict__

// Applies the shared matrix m to x0 (n values) and x1 (n values), in place.
inline void mix_shared(double* HQC_RESTRICT r0, double* HQC_RESTRICT i0, double* HQC_RESTRICT r1,
                       double* HQC_RESTRICT i1, int64_t n, const double* m) {
  const double ar = m[0], ai = m[1], br = m[2], bi = m[3], cr = m[4], ci = m[5], dr = m[6], di = m[7];
  for (int64_t j = 0; j < n; ++j) {
    const double xr = r0[j], xi = i0[j], yr = r1[j], yi = i1[j];
    r0[j] = ar * xr - ai * xi + br * yr - bi * yi;
    i0[j] = ar * xi + ai * xr + br * yi + bi * yr;
    r1[j] = cr * xr - ci * xi + dr * yr - di * yi;
    i1[j] = cr * xi + ci * xr + dr * yi + di * yr;
  }
}

// Row pair (i, i | tbit) for every i with the target bit clear and all control bits set.
template <typename F>
inline void for_pairs(int64_t dim, int64_t tbit, int64_t cmask, F f) {
  for (int64_t base = 0; base < dim; base += 2 * tbit)
    for (int64_t i = base; i < base + tbit; ++i)
      if ((i & cmask) == cmask) f(i, i | tbit);
}

// re, im: (D, B). m: 8 doubles shared by the batch.
void apply_1q(double* re, double* im, int64_t dim, int64_t B, int64_t tbit, int64_t cmask, const double* m) {
  if (cmask == 0) {
    // Without controls the rows [base, base + tbit) are one contiguous run of tbit * B values.
    const int64_t run = tbit * B;
    for (int64_t base = 0; base < dim; base += 2 * tbit) {
      double* r0 = re + base * B;
      double* i0 = im + base * B;
      mix_shared(r0, i0, r0 + run, i0 + run, run, m);
    }
    return;
  }
  for_pairs(dim, tbit, cmask, [&](int64_t a, int64_t b) {
    mix_shared(re + a * B, im + a * B, re + b * B, im + b * B, B, m);
  });
}

// One row pair with per-sample matrices m (8, B).
inline void mix_batched(double* HQC_RESTRICT r0, double* HQC_RESTRICT i0, double* HQC_RESTRICT r1,
                        double* HQC_RESTRICT i1, int64_t B, const double* HQC_RESTRICT m) {
  const double *ar = m, *ai = m + B, *br = m + 2 * B, *bi = m + 3 * B, *cr = m + 4 * B, *ci = m + 5 * B,
               *dr = m + 6 * B, *di = m + 7 * B;
  for (int64_t j = 0; j < B; ++j) {
    const double xr = r0[j], xi = i0[j], yr = r1[j], yi = i1[j];
    r0[j] = ar[j] * xr - ai[j] * xi + br[j] * yr - bi[j] * yi;
    i0[j] = ar[j] * xi + ai[j] * xr + br[j] * yi + bi[j] * yr;
    r1[j] = cr[j] * xr - ci[j] * xi + dr[j] * yr - di[j] * yi;
    i1[j] = cr[j] * xi + ci[j] * xr + dr[j] * yi + di[j] * yr;
  }
}

// re, im: (D, B). m: (8, B), one matrix per sample.
void apply_1q_batched(double* re, double* im, int64_t dim, int64_t B, int64_t tbit, int64_t cmask,
                      const double* m) {
  for_pairs(dim, tbit, cmask, [&](int64_t a, int64_t b) {
    mix_batched(re + a * B, im + a * B, re + b * B, im + b * B, B, m);
  });
}

// One row pair: o += conj(lambda) * (G psi), per sample.
inline void braket_pair(const double* HQC_RESTRICT lr0, const double* HQC_RESTRICT li0,
                        const double* HQC_RESTRICT lr1, const double* HQC_RESTRICT li1,
                        const double* HQC_RESTRICT xr0, const double* HQC_RESTRICT xi0,
                        const double* HQC_RESTRICT xr1, const double* HQC_RESTRICT xi1, int64_t B, const double* g,
                        double* HQC_RESTRICT o_r, double* HQC_RESTRICT o_i) {
  const double ar = g[0], ai = g[1], br = g[2], bi = g[3], cr = g[4], ci = g[5], dr = g[6], di = g[7];
  for (int64_t j = 0; j < B; ++j) {
    const double xr = xr0[j], xi = xi0[j], yr = xr1[j], yi = xi1[j];
    const double ur = ar * xr - ai * xi + br * yr - bi * yi;  // (G psi), upper row
    const double ui = ar * xi + ai * xr + br * yi + bi * yr;
    const double vr = cr * xr - ci * xi + dr * yr - di * yi;  // lower row
    const double vi = cr * xi + ci * xr + dr * yi + di * yr;
    o_r[j] += lr0[j] * ur + li0[j] * ui + lr1[j] * vr + li1[j] * vi;
    o_i[j] += lr0[j] * ui - li0[j] * ur + lr1[j] * vi - li1[j] * vr;
  }
}

// out (B, complex as out_re/out_im) += <lambda| G |psi> over the pairs selected by tbit and cmask,
// per sample. G is a shared 2x2 matrix (a gate's generator in the adjoint sweep).
void braket_1q(const double* lre, const double* lim, const double* pre, const double* pim, int64_t dim,
               int64_t B, int64_t tbit, int64_t cmask, const double* g, double* out_re, double* out_im) {
  for_pairs(dim, tbit, cmask, [&](int64_t a, int64_t b) {
    braket_pair(lre + a * B, lim + a * B, lre + b * B, lim + b * B, pre + a * B, pim + a * B, pre + b * B,
                pim + b * B, B, g, out_re, out_im);
  });
}

// out (n, B) = <Z_w> for every wire w: sum over rows of |amplitude|^2 with the sign of bit w.
// p: scratch of B doubles.
void expval_z(const double* re, const double* im, int64_t dim, int64_t B, int n, double* out, double* p) {
  for (int64_t k = 0; k < n * B; ++k) out[k] = 0.0;
  for (int64_t i = 0; i < dim; ++i) {
    const double *HQC_RESTRICT r = re + i * B, *HQC_RESTRICT m = im + i * B;
    double* HQC_RESTRICT pp = p;
    for (int64_t j = 0; j < B; ++j) pp[j] = r[j] * r[j] + m[j] * m[j];
    for (int w = 0; w < n; ++w) {
      double* HQC_RESTRICT o = out + w * B;
      if ((i >> (n - 1 - w)) & 1) {
        for (int64_t j = 0; j < B; ++j) o[j] -= pp[j];
      } else {
        for (int64_t j = 0; j < B; ++j) o[j] += pp[j];
      }
    }
  }
}

// lambda = H psi with H = sum_w g_w Z_w diagonal: h(i) = sum_w g_w (1 - 2 bit_w(i)), per sample.
// g: (n, B). h: scratch of B doubles.
void apply_z_sum(const double* pre, const double* pim, double* lre, double* lim, int64_t dim, int64_t B, int n,
                 const double* g, double* h) {
  for (int64_t i = 0; i < dim; ++i) {
    double* HQC_RESTRICT hh = h;
    for (int64_t j = 0; j < B; ++j) hh[j] = 0.0;
    for (int w = 0; w < n; ++w) {
      const double* HQC_RESTRICT gw = g + w * B;
      if ((i >> (n - 1 - w)) & 1) {
        for (int64_t j = 0; j < B; ++j) hh[j] -= gw[j];
      } else {
        for (int64_t j = 0; j < B; ++j) hh[j] += gw[j];
      }
    }
    const double *HQC_RESTRICT xr = pre + i * B, *HQC_RESTRICT xi = pim + i * B;
    double *HQC_RESTRICT yr = lre + i * B, *HQC_RESTRICT yi = lim + i * B;
    for (int64_t j = 0; j < B; ++j) {
      yr[j] = hh[j] * xr[j];
      yi[j] = hh[j] * xi[j];
    }
  }
}

// One row pair mixed by a real 2x2 matrix [[a, b], [c, d]] (re or im of a density matrix).
inline void mix_real(double* HQC_RESTRICT x0, double* HQC_RESTRICT x1, int64_t B, double a, double b, double c,
                     double d) {
  for (int64_t j = 0; j < B; ++j) {
    const double u = x0[j], v = x1[j];
    x0[j] = a * u + b * v;
    x1[j] = c * u + d * v;
  }
}

// A single-qubit channel on a batch of vectorised density matrices (quantum/density.cpp): re, im are
// (dim, B) with dim = D^2 and row index r * D + c; rbit and cbit are the wire's bits in r and in c
// (rbit = cbit * D). The channel's superoperator maps the wire's 2x2 block [[x00, x01], [x10, x11]]
// of every (r, c) pair as (x00, x11) -> [[k0, k1], [k2, k3]] (x00, x11) and (x01, x10) ->
// [[k4, k5], [k6, k7]] (x01, x10), with real k: the form of every Pauli and damping channel, fused
// over the channels listed (depolarizing: x00 -> (1 - 2p/3) x00 + 2p/3 x11, x01 -> (1 - 4p/3) x01).
void apply_channel_1q(double* re, double* im, int64_t dim, int64_t B, int64_t rbit, int64_t cbit, const double* k) {
  const int64_t both = rbit | cbit;
  for (int64_t i = 0; i < dim; ++i) {
    if (i & both) continue;
    const int64_t i01 = i | cbit, i10 = i | rbit, i11 = i | both;
    mix_real(re + i * B, re + i11 * B, B, k[0], k[1], k[2], k[3]);
    mix_real(re + i01 * B, re + i10 * B, B, k[4], k[5], k[6], k[7]);
    mix_real(im + i * B, im + i11 * B, B, k[0], k[1], k[2], k[3]);
    mix_real(im + i01 * B, im + i10 * B, B, k[4], k[5], k[6], k[7]);
  }
}

const QuantumKernels kTable = {apply_1q, apply_1q_batched, braket_1q, expval_z, apply_z_sum, apply_channel_1q};
