/*
 * DFC (Li et al., "Look-Up Table Compression for Efficient Image Restoration", CVPR 2024) lookup:
 * diagonal-first compressed n-D LUTs, forward and backward (gradients w.r.t. float32 fine and coarse tables
 * and the input planes), with DFC's simplex order (simplex.h sx_dfc_vertices). Layouts: kernels/simplex_lut.h
 * and lib/lut/dfc_ref.ts, lib/lut/dfc_grad_ref.ts. The band index (DFC's `ref2index`) is built per call;
 * the backward pass accumulates the table gradients in per-thread buffers reduced at the end and the plane
 * gradient through a per-anchor buffer gathered per plane pixel, as kernels/simplex_lut.c does.
 */
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>

#include "simplex_lut.h"
#include "lutlab.h"
#include "simplex.h"

int32_t lutlab_dfc_forward(const float *planes, int32_t n_planes, int32_t hp, int32_t wp, const int32_t *offsets,
                           int32_t n, int32_t cdims, int32_t diag_width, const void *fine, int64_t fine_len,
                           const void *coarse, int64_t coarse_len, int32_t dtype, int32_t interval_bits,
                           int32_t coarse_bits, int32_t k, float *out) {
  sx_dfc_t t;
  const int32_t st = sx_dfc_setup(&t, planes, n_planes, hp, wp, offsets, n, cdims, diag_width, fine, fine_len, coarse,
                                  coarse_len, out, dtype, interval_bits, coarse_bits, k, "dfc_forward");
  if (st) return st;
  const float inv_fine = 1.0f / (float)(1 << interval_bits), inv_coarse = 1.0f / (float)(1 << coarse_bits);
  const int64_t total = (int64_t)n_planes * t.h * t.w;
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < total; ++i) {
    simplex_t s;
    int64_t rows[SX_MAX_N + 1], base;
    const int32_t in_band = sx_dfc_anchor(&t, planes, i, hp, wp, &s, rows, &base);
    float *o = out + i * k;
    for (int32_t c = 0; c < k; ++c) o[c] = 0.0f;
    for (int32_t j = 0; j <= n; ++j) {
      if (rows[j] < 0) continue; /* outside the band: weight 0 */
      const float wj = s.w[j];
      if (dtype == 1) {
        const int8_t *e = (const int8_t *)(in_band ? fine : coarse) + rows[j] * k;
        for (int32_t c = 0; c < k; ++c) o[c] += wj * (float)e[c];
      } else {
        const float *e = (const float *)(in_band ? fine : coarse) + rows[j] * k;
        for (int32_t c = 0; c < k; ++c) o[c] += wj * e[c];
      }
    }
    const float scale = in_band ? inv_fine : inv_coarse;
    for (int32_t c = 0; c < k; ++c) o[c] *= scale;
  }
  free((void *)t.ref);
  return LUTLAB_OK;
}

int32_t lutlab_dfc_backward(const float *planes, int32_t n_planes, int32_t hp, int32_t wp, const int32_t *offsets,
                            int32_t n, int32_t cdims, int32_t diag_width, const float *fine, int64_t fine_len,
                            const float *coarse, int64_t coarse_len, int32_t interval_bits, int32_t coarse_bits,
                            int32_t k, const float *grad_out, float *grad_fine, float *grad_coarse,
                            float *grad_planes) {
  const char *what = "dfc_backward";
  sx_dfc_t t;
  const int32_t st = sx_dfc_setup(&t, planes, n_planes, hp, wp, offsets, n, cdims, diag_width, fine, fine_len, coarse,
                                  coarse_len, grad_out, 0, interval_bits, coarse_bits, k, what);
  if (st) return st;
  const int32_t nthreads = omp_get_max_threads(), tables = grad_fine || grad_coarse;
  const int64_t per_thread = t.fine_len + t.coarse_len, total = (int64_t)n_planes * t.h * t.w;
  float *partial = NULL; /* per-thread [fine | coarse] gradients, [nthreads][per_thread] */
  float *anchor = NULL;  /* per-anchor input gradients, [total][n] */
  if (tables && (double)nthreads * (double)per_thread * 4.0 > 4.0 * 1024 * 1024 * 1024) {
    free((void *)t.ref);
    return lutlab_fail(LUTLAB_EINVAL, "%s: tables of %lld elements too large for %d threads", what,
                       (long long)per_thread, nthreads);
  }
  if (tables) partial = (float *)calloc((size_t)nthreads * (size_t)per_thread, sizeof(float));
  if (grad_planes) anchor = (float *)malloc((size_t)total * (size_t)n * sizeof(float));
  if ((tables && !partial) || (grad_planes && !anchor)) {
    free(partial);
    free(anchor);
    free((void *)t.ref);
    return lutlab_fail(LUTLAB_EINVAL, "%s: out of memory for the gradients", what);
  }
#pragma omp parallel
  {
    float *gt = partial ? partial + (int64_t)omp_get_thread_num() * per_thread : NULL;
#pragma omp for schedule(static)
    for (int64_t i = 0; i < total; ++i) {
      simplex_t s;
      int64_t rows[SX_MAX_N + 1], base;
      const int32_t in_band = sx_dfc_anchor(&t, planes, i, hp, wp, &s, rows, &base);
      const float inv_q = 1.0f / (float)(1 << (in_band ? interval_bits : coarse_bits));
      const float *tab = in_band ? fine : coarse, *g = grad_out + i * k;
      if (gt) {
        float *base = in_band ? gt : gt + t.fine_len;
        for (int32_t j = 0; j <= n; ++j) {
          if (rows[j] < 0) continue;
          const float wj = s.w[j] * inv_q;
          float *e = base + rows[j] * k;
          for (int32_t c = 0; c < k; ++c) e[c] += wj * g[c];
        }
      }
      if (anchor) {
        float *a = anchor + i * n;
        for (int32_t j = 0; j < n; ++j) {
          const int32_t d = s.order[j];
          float acc = 0.0f;
          if ((s.in_range >> d) & 1) { /* a vertex outside the band reads as 0, as in the forward pass */
            for (int32_t c = 0; c < k; ++c) {
              const float t1 = rows[j + 1] < 0 ? 0.0f : tab[rows[j + 1] * k + c];
              const float t0 = rows[j] < 0 ? 0.0f : tab[rows[j] * k + c];
              acc += g[c] * (t1 - t0);
            }
          }
          a[d] = acc * inv_q;
        }
      }
    }
    if (partial) {
#pragma omp for schedule(static)
      for (int64_t e = 0; e < per_thread; ++e) {
        float acc = 0.0f;
        for (int32_t th = 0; th < nthreads; ++th) acc += partial[(int64_t)th * per_thread + e];
        if (e < t.fine_len) {
          if (grad_fine) grad_fine[e] = acc;
        } else if (grad_coarse) {
          grad_coarse[e - t.fine_len] = acc;
        }
      }
    }
    if (anchor) sx_gather_planes(anchor, n_planes, hp, wp, t.h, t.w, offsets, n, grad_planes);
  }
  free(partial);
  free(anchor);
  free((void *)t.ref);
  return LUTLAB_OK;
}
