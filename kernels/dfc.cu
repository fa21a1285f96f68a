/*
 * CUDA twin of kernels/dfc.c (same symbols, host pointers): DFC diagonal-first compressed simplex lookup
 * and its gradients (atomics), one thread per anchor pixel; the band index is built on the host
 * (simplex.h sx_dfc_setup) and copied.
 */
#include <cuda_runtime.h>

#include <cstdint>
#include <cstdlib>

#include "simplex_lut.h"
#include "lutlab.h"
#include "simplex.h"

namespace {

__global__ void dfc_kernel(sx_dfc_t t, const void *fine, const void *coarse, int32_t dtype, const float *planes,
                           int32_t n_planes, int32_t hp, int32_t wp, float *out) {
  const int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
  if (i >= (int64_t)n_planes * t.h * t.w) return;
  simplex_t s;
  int64_t rows[SX_MAX_N + 1], base;
  const int32_t in_band = sx_dfc_anchor(&t, planes, i, hp, wp, &s, rows, &base);
  const void *tab = in_band ? fine : coarse;
  const float scale = 1.0f / (float)(1 << (in_band ? t.bits : t.cbits));
  for (int32_t c = 0; c < t.k; ++c) {
    float acc = 0.0f;
    for (int32_t j = 0; j <= t.n; ++j) {
      if (rows[j] < 0) continue; /* outside the band: weight 0 */
      const int64_t e = rows[j] * t.k + c;
      acc += s.w[j] * (dtype == 1 ? (float)((const int8_t *)tab)[e] : ((const float *)tab)[e]);
    }
    out[i * t.k + c] = acc * scale;
  }
}

__global__ void dfc_backward_kernel(sx_dfc_t t, const float *fine, const float *coarse, const float *planes,
                                    int32_t n_planes, int32_t hp, int32_t wp, const float *grad_out,
                                    float *grad_fine, float *grad_coarse, float *grad_planes) {
  const int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
  if (i >= (int64_t)n_planes * t.h * t.w) return;
  simplex_t s;
  int64_t rows[SX_MAX_N + 1], base;
  const int32_t in_band = sx_dfc_anchor(&t, planes, i, hp, wp, &s, rows, &base);
  const float inv_q = 1.0f / (float)(1 << (in_band ? t.bits : t.cbits));
  const float *tab = in_band ? fine : coarse, *g = grad_out + i * t.k;
  float *gt = in_band ? grad_fine : grad_coarse;
  if (gt) {
    for (int32_t j = 0; j <= t.n; ++j) {
      if (rows[j] < 0) continue;
      const float wj = s.w[j] * inv_q;
      for (int32_t c = 0; c < t.k; ++c) atomicAdd(gt + rows[j] * t.k + c, wj * g[c]);
    }
  }
  if (grad_planes) {
    for (int32_t j = 0; j < t.n; ++j) {
      const int32_t d = s.order[j];
      if (!((s.in_range >> d) & 1)) continue;
      float acc = 0.0f;
      for (int32_t c = 0; c < t.k; ++c) {
        const float t1 = rows[j + 1] < 0 ? 0.0f : tab[rows[j + 1] * t.k + c];
        const float t0 = rows[j] < 0 ? 0.0f : tab[rows[j] * t.k + c];
        acc += g[c] * (t1 - t0);
      }
      atomicAdd(grad_planes + base + t.off[d][0] * (int64_t)wp + t.off[d][1], acc * inv_q);
    }
  }
}

/* Device copies of the band index, planes and tables (es bytes per table element); 0 or -1. */
int32_t upload(sx_dfc_t &t, SxBuf &dr, SxBuf &dp, SxBuf &df, SxBuf &dc, const float *planes, size_t plane_len,
               const void *fine, const void *coarse, size_t es) {
  const int32_t bad = sx_alloc_copy(dr, t.ref, (size_t)t.ref_len * sizeof(int32_t)) ||
                      sx_alloc_copy(dp, planes, plane_len * 4) || sx_alloc_copy(df, fine, t.fine_len * es) ||
                      sx_alloc_copy(dc, coarse, t.coarse_len * es);
  free((void *)t.ref);
  t.ref = (const int32_t *)dr.p;
  return bad ? -1 : 0;
}

int32_t cuda_fail(const char *what) {
  return lutlab_fail(LUTLAB_EDEVICE, "%s: CUDA error: %s", what, cudaGetErrorString(cudaGetLastError()));
}

}  // namespace

extern "C" int32_t lutlab_dfc_forward(const float *planes, int32_t n_planes, int32_t hp, int32_t wp,
                                      const int32_t *offsets, int32_t n, int32_t cdims, int32_t diag_width,
                                      const void *fine, int64_t fine_len, const void *coarse, int64_t coarse_len,
                                      int32_t dtype, int32_t interval_bits, int32_t coarse_bits, int32_t k,
                                      float *out) {
  const char *what = "dfc_forward";
  sx_dfc_t t;
  const int32_t st = sx_dfc_setup(&t, planes, n_planes, hp, wp, offsets, n, cdims, diag_width, fine, fine_len, coarse,
                                  coarse_len, out, dtype, interval_bits, coarse_bits, k, what);
  if (st) return st;
  const int64_t total = (int64_t)n_planes * t.h * t.w;
  SxBuf dr, dp, df, dc, dout;
  if (upload(t, dr, dp, df, dc, planes, (size_t)n_planes * hp * wp, fine, coarse, dtype == 1 ? 1 : 4) ||
      sx_alloc_copy(dout, nullptr, total * k * 4)) {
    return cuda_fail(what);
  }
  dfc_kernel<<<(unsigned)((total + 255) / 256), 256>>>(t, df.p, dc.p, dtype, (const float *)dp.p, n_planes, hp, wp,
                                                        (float *)dout.p);
  if (cudaMemcpy(out, dout.p, total * k * 4, cudaMemcpyDeviceToHost) != cudaSuccess) return cuda_fail(what);
  return LUTLAB_OK;
}

extern "C" int32_t lutlab_dfc_backward(const float *planes, int32_t n_planes, int32_t hp, int32_t wp,
                                       const int32_t *offsets, int32_t n, int32_t cdims, int32_t diag_width,
                                       const float *fine, int64_t fine_len, const float *coarse,
                                       int64_t coarse_len, int32_t interval_bits, int32_t coarse_bits, int32_t k,
                                       const float *grad_out, float *grad_fine, float *grad_coarse,
                                       float *grad_planes) {
  const char *what = "dfc_backward";
  sx_dfc_t t;
  const int32_t st = sx_dfc_setup(&t, planes, n_planes, hp, wp, offsets, n, cdims, diag_width, fine, fine_len, coarse,
                                  coarse_len, grad_out, 0, interval_bits, coarse_bits, k, what);
  if (st) return st;
  const int64_t total = (int64_t)n_planes * t.h * t.w, plane_len = (int64_t)n_planes * hp * wp;
  SxBuf dr, dp, df, dc, dg, dgf, dgc, dgp;
  if (upload(t, dr, dp, df, dc, planes, (size_t)plane_len, fine, coarse, 4) ||
      sx_alloc_copy(dg, grad_out, total * k * 4)) {
    return cuda_fail(what);
  }
  struct Out {
    float *host;
    SxBuf *dev;
    int64_t len;
  } outs[3] = {{grad_fine, &dgf, t.fine_len}, {grad_coarse, &dgc, t.coarse_len}, {grad_planes, &dgp, plane_len}};
  for (Out &o : outs) {
    if (!o.host) continue;
    if (sx_alloc_copy(*o.dev, nullptr, o.len * 4) || cudaMemset(o.dev->p, 0, o.len * 4) != cudaSuccess) {
      return cuda_fail(what);
    }
  }
  dfc_backward_kernel<<<(unsigned)((total + 255) / 256), 256>>>(
      t, (const float *)df.p, (const float *)dc.p, (const float *)dp.p, n_planes, hp, wp, (const float *)dg.p,
      (float *)dgf.p, (float *)dgc.p, (float *)dgp.p);
  for (Out &o : outs) {
    if (o.host && cudaMemcpy(o.host, o.dev->p, o.len * 4, cudaMemcpyDeviceToHost) != cudaSuccess) {
      return cuda_fail(what);
    }
  }
  return LUTLAB_OK;
}
