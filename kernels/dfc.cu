/*
 * CUDA twin of kernels/dfc.c (same symbol, host pointers): DFC diagonal-first compressed simplex lookup,
 * one thread per anchor pixel; the band index is built on the host and copied.
 */
#include <cuda_runtime.h>

#include <cstdint>
#include <cstdlib>

#include "simplex_lut.h"
#include "lutlab.h"
#include "simplex.h"

namespace {

struct Dfc {
  const void *fine, *coarse;
  const int32_t *ref;
  int32_t dtype, n, cdims, dw, bits, cbits, levels, clevels, k, srlut;
  int32_t off[SX_MAX_N][2];
};

__global__ void dfc_kernel(Dfc t, const float *planes, int32_t n_planes, int32_t hp, int32_t wp, int32_t h, int32_t w,
                           float *out) {
  const int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
  if (i >= (int64_t)n_planes * h * w) return;
  const int64_t p = i / ((int64_t)h * w), y = (i / w) % h, x = i % w;
  float v[SX_MAX_N];
  for (int32_t d = 0; d < t.n; ++d) {
    const float raw = planes[(p * hp + y + t.off[d][0]) * wp + x + t.off[d][1]];
    const float c = raw > 0.0f ? raw : 0.0f;
    v[d] = c < 255.0f ? c : 255.0f;
  }
  const float limit = (float)(t.dw << t.bits);
  int32_t in_band = 1;
  for (int32_t d = 1; d < t.cdims; ++d) in_band &= (v[d] - v[0] <= limit) & (v[0] - v[d] <= limit);
  simplex_t s;
  sx_locate(v, t.n, in_band ? t.bits : t.cbits, t.srlut, &s);
  int64_t rows[SX_MAX_N + 1];
  int32_t cell[SX_MAX_N];
  for (int32_t d = 0; d < t.n; ++d) cell[d] = s.cell[d];
  for (int32_t j = 0; j <= t.n; ++j) {
    if (j > 0) cell[s.order[j - 1]] += 1;
    int64_t row = -1;
    if (in_band) {
      const int64_t key = sx_band_key(cell, t.cdims, t.dw);
      if (key >= 0 && t.ref[key] >= 0) {
        row = t.ref[key];
        for (int32_t d = t.cdims; d < t.n; ++d) row = row * t.levels + cell[d];
      }
    } else {
      row = 0;
      for (int32_t d = 0; d < t.n; ++d) row = row * t.clevels + cell[d];
    }
    rows[j] = row; /* -1: outside the band, weight 0 */
  }
  const void *tab = in_band ? t.fine : t.coarse;
  const float scale = 1.0f / (float)(1 << (in_band ? t.bits : t.cbits));
  for (int32_t c = 0; c < t.k; ++c) {
    float acc = 0.0f;
    for (int32_t j = 0; j <= t.n; ++j) {
      if (rows[j] < 0) continue;
      const int64_t e = rows[j] * t.k + c;
      acc += s.w[j] * (t.dtype == 1 ? (float)((const int8_t *)tab)[e] : ((const float *)tab)[e]);
    }
    out[i * t.k + c] = acc * scale;
  }
}

}  // namespace

extern "C" int32_t lutlab_dfc_forward(const float *planes, int32_t n_planes, int32_t hp, int32_t wp,
                                      const int32_t *offsets, int32_t n, int32_t cdims, int32_t diag_width,
                                      const void *fine, int64_t fine_len, const void *coarse, int64_t coarse_len,
                                      int32_t dtype, int32_t interval_bits, int32_t coarse_bits, int32_t k,
                                      int32_t flags, float *out) {
  const char *what = "dfc_forward";
  int32_t py = 0, px = 0;
  int32_t st = sx_check_pattern(offsets, n, interval_bits, k, &py, &px, what);
  if (st) return st;
  st = sx_check_dfc(planes, n_planes, hp, wp, py, px, n, cdims, diag_width, fine, coarse, dtype, interval_bits,
                    coarse_bits, out, what);
  if (st) return st;
  Dfc t;
  t.dtype = dtype;
  t.n = n;
  t.cdims = cdims;
  t.dw = diag_width;
  t.bits = interval_bits;
  t.cbits = coarse_bits;
  t.levels = (256 >> interval_bits) + 1;
  t.clevels = (256 >> coarse_bits) + 1;
  t.k = k;
  t.srlut = flags & LUTLAB_SIMPLEX_SRLUT_ORDER;
  for (int32_t d = 0; d < n; ++d) {
    t.off[d][0] = offsets[2 * d];
    t.off[d][1] = offsets[2 * d + 1];
  }
  int64_t per = 1;
  for (int32_t i = 1; i < cdims; ++i) per *= 2 * diag_width + 1;
  int32_t *ref = (int32_t *)malloc((size_t)(t.levels * per) * sizeof(int32_t));
  if (!ref) return lutlab_fail(LUTLAB_EINVAL, "%s: out of memory", what);
  const int64_t band = sx_band_index(t.levels, cdims, diag_width, ref), tail = sx_rows(t.levels, n - cdims);
  const int64_t want_coarse = sx_rows(t.clevels, n) * k;
  if (fine_len != band * tail * k || coarse_len != want_coarse) {
    free(ref);
    return lutlab_fail(LUTLAB_EINVAL, "%s: fine/coarse tables have %lld/%lld elements, expected %lld/%lld", what,
                       (long long)fine_len, (long long)coarse_len, (long long)(band * tail * k),
                       (long long)want_coarse);
  }
  const size_t es = dtype == 1 ? 1 : 4;
  const int32_t h = hp - py, w = wp - px;
  const int64_t total = (int64_t)n_planes * h * w;
  SxBuf dp, df, dc, dr, dout;
  const int32_t bad = sx_alloc_copy(dp, planes, (size_t)n_planes * hp * wp * 4) || sx_alloc_copy(df, fine, fine_len * es) ||
                      sx_alloc_copy(dc, coarse, coarse_len * es) ||
                      sx_alloc_copy(dr, ref, (size_t)(t.levels * per) * sizeof(int32_t)) ||
                      sx_alloc_copy(dout, nullptr, total * k * 4);
  free(ref);
  if (bad) return lutlab_fail(LUTLAB_EDEVICE, "%s: CUDA error: %s", what, cudaGetErrorString(cudaGetLastError()));
  t.fine = df.p;
  t.coarse = dc.p;
  t.ref = (const int32_t *)dr.p;
  dfc_kernel<<<(unsigned)((total + 255) / 256), 256>>>(t, (const float *)dp.p, n_planes, hp, wp, h, w,
                                                        (float *)dout.p);
  if (cudaMemcpy(out, dout.p, total * k * 4, cudaMemcpyDeviceToHost) != cudaSuccess) {
    return lutlab_fail(LUTLAB_EDEVICE, "%s: CUDA error: %s", what, cudaGetErrorString(cudaGetLastError()));
  }
  return LUTLAB_OK;
}
