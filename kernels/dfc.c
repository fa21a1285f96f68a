/*
 * DFC (Li et al., "Look-Up Table Compression for Efficient Image Restoration", CVPR 2024) lookup:
 * diagonal-first compressed n-D LUTs with the same simplex interpolation as kernels/simplex_lut.c.
 * Layouts: kernels/simplex_lut.h (lutlab_dfc_forward) and lib/lut/dfc_ref.ts. The band index (DFC's
 * `ref2index`: band lattice point -> fine-table row, -1 outside the band) is built per call.
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
                           int32_t coarse_bits, int32_t k, int32_t flags, float *out) {
  int32_t py = 0, px = 0;
  const char *what = "dfc_forward";
  int32_t st = sx_check_pattern(offsets, n, interval_bits, k, &py, &px, what);
  if (st) return st;
  st = sx_check_dfc(planes, n_planes, hp, wp, py, px, n, cdims, diag_width, fine, coarse, dtype, interval_bits,
                    coarse_bits, out, what);
  if (st) return st;
  const int32_t levels = (256 >> interval_bits) + 1, clevels = (256 >> coarse_bits) + 1, diag = 2 * diag_width + 1;
  int64_t per = 1;
  for (int32_t i = 1; i < cdims; ++i) per *= diag;
  int32_t *ref = (int32_t *)malloc((size_t)(levels * per) * sizeof(int32_t));
  if (!ref) return lutlab_fail(LUTLAB_EINVAL, "%s: out of memory", what);
  const int64_t band = sx_band_index(levels, cdims, diag_width, ref), tail = sx_rows(levels, n - cdims);
  if (fine_len != band * tail * k || coarse_len != sx_rows(clevels, n) * k) {
    free(ref);
    return lutlab_fail(LUTLAB_EINVAL, "%s: fine/coarse tables have %lld/%lld elements, expected %lld/%lld", what,
                       (long long)fine_len, (long long)coarse_len, (long long)(band * tail * k),
                       (long long)(sx_rows(clevels, n) * k));
  }
  const int32_t h = hp - py, w = wp - px, srlut = flags & LUTLAB_SIMPLEX_SRLUT_ORDER;
  const float limit = (float)(diag_width << interval_bits);
  const float inv_fine = 1.0f / (float)(1 << interval_bits), inv_coarse = 1.0f / (float)(1 << coarse_bits);
  const int64_t total = (int64_t)n_planes * h * w;
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < total; ++i) {
    const int64_t p = i / ((int64_t)h * w), y = (i / w) % h, x = i % w;
    float v[SX_MAX_N];
    for (int32_t d = 0; d < n; ++d) {
      const float raw = planes[(p * hp + y + offsets[2 * d]) * wp + x + offsets[2 * d + 1]];
      const float c = raw > 0.0f ? raw : 0.0f; /* NaN -> 0, as the simplex clamps */
      v[d] = c < 255.0f ? c : 255.0f;
    }
    int32_t in_band = 1;
    for (int32_t d = 1; d < cdims; ++d) in_band &= (v[d] - v[0] <= limit) & (v[0] - v[d] <= limit);
    simplex_t s;
    sx_locate(v, n, in_band ? interval_bits : coarse_bits, srlut, &s);
    float *o = out + i * k;
    for (int32_t c = 0; c < k; ++c) o[c] = 0.0f;
    int32_t cell[SX_MAX_N];
    for (int32_t d = 0; d < n; ++d) cell[d] = s.cell[d];
    for (int32_t j = 0; j <= n; ++j) {
      if (j > 0) cell[s.order[j - 1]] += 1;
      int64_t row;
      if (in_band) {
        const int64_t key = sx_band_key(cell, cdims, diag_width);
        if (key < 0 || ref[key] < 0) continue; /* outside the band: its weight is 0 (see dfc_ref.ts) */
        row = ref[key];
        for (int32_t d = cdims; d < n; ++d) row = row * levels + cell[d];
      } else {
        row = 0;
        for (int32_t d = 0; d < n; ++d) row = row * clevels + cell[d];
      }
      const float wj = s.w[j];
      if (dtype == 1) {
        const int8_t *e = (const int8_t *)(in_band ? fine : coarse) + row * k;
        for (int32_t c = 0; c < k; ++c) o[c] += wj * (float)e[c];
      } else {
        const float *e = (const float *)(in_band ? fine : coarse) + row * k;
        for (int32_t c = 0; c < k; ++c) o[c] += wj * e[c];
      }
    }
    const float scale = in_band ? inv_fine : inv_coarse;
    for (int32_t c = 0; c < k; ++c) o[c] *= scale;
  }
  free(ref);
  return LUTLAB_OK;
}
