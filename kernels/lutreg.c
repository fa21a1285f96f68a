/* LUT smoothness / monotonicity regularisers on the CPU (see lutreg.h). */
#include "lutreg.h"

#include <stdlib.h>
#include <string.h>

static inline float term_value(int32_t term, float d, float w) {
  if (term == LUTLAB_LUTREG_TV) return w * d * d;
  if (term == LUTLAB_LUTREG_MN) return d > 0.0f ? d : 0.0f;
  const float e = w * d;
  return e > 0.0f ? e * e : 0.0f;
}

static inline float term_grad(int32_t term, float d, float w) {
  if (term == LUTLAB_LUTREG_TV) return 2.0f * w * d;
  if (term == LUTLAB_LUTREG_MN) return d > 0.0f ? 1.0f : 0.0f;
  const float e = w * d;
  return e > 0.0f ? 2.0f * w * e : 0.0f;
}

/* Fixed partial sums of a run of differences: vector lanes, the same order on any thread count. */
#define LANES 8
#define INLINE static inline __attribute__((always_inline))

/* sum over j < s of term(lo[j] - hi[j], w), in LANES partial sums added in lane order */
INLINE float run_value(int32_t term, const float *lo, const float *hi, size_t s, float w) {
  float acc[LANES] = {0};
  size_t j = 0;
  for (; j + LANES <= s; j += LANES)
    for (int l = 0; l < LANES; l++) acc[l] += term_value(term, lo[j + l] - hi[j + l], w);
  for (int l = 0; j < s; j++, l++) acc[l] += term_value(term, lo[j] - hi[j], w);
  float sum = 0.0f;
  for (int l = 0; l < LANES; l++) sum += acc[l];
  return sum;
}

/* g = scale * term'(lo[j] - hi[j], w) added to glo[j] and subtracted from ghi[j], j < s (disjoint runs) */
INLINE void run_grad(int32_t term, const float *restrict lo, const float *restrict hi, float *restrict glo,
                     float *restrict ghi, size_t s, float w, float scale) {
  for (size_t j = 0; j < s; j++) {
    const float g = scale * term_grad(term, lo[j] - hi[j], w);
    glo[j] += g;
    ghi[j] -= g;
  }
}

/*
 * One plane's (D^3 floats) sum of term(d, w) over its differences (value) and its gradient (grad, zeroed
 * here). `term` is a constant in each inlined copy (see plane_regularizer), so the runs vectorise.
 */
INLINE double plane_impl(int32_t term, const float *lut, int32_t dim, float scale, int value, float *grad) {
  const size_t n = (size_t)dim * dim * dim, m = (size_t)dim - 1;
  if (grad) memset(grad, 0, sizeof(float) * n);
  double sum = 0.0;
  /* r (stride 1): rows of D values; weight 2 on the first and last difference (i = 0, D - 2), 1 between */
  float gr[1024];
  for (size_t base = 0; base < n; base += dim) {
    const float *row = lut + base;
    if (value) {
      float part = term_value(term, row[0] - row[1], 2.0f);
      if (m > 1) part += term_value(term, row[m - 1] - row[m], 2.0f);
      if (m > 2) part += run_value(term, row + 1, row + 2, m - 2, 1.0f);
      sum += part;
    }
    if (grad) { /* gr[i]: the derivative of difference i; grad[i] += gr[i] - gr[i - 1] */
      for (size_t i = 0; i < m; i++) {
        gr[i] = scale * term_grad(term, row[i] - row[i + 1], i == 0 || i == m - 1 ? 2.0f : 1.0f);
      }
      float *g = grad + base;
      g[0] += gr[0];
      for (size_t i = 1; i < m; i++) g[i] += gr[i] - gr[i - 1];
      g[m] -= gr[m - 1];
    }
  }
  /* g (stride D) and b (stride D^2): runs of s contiguous differences with one weight */
  const size_t strides[2] = {(size_t)dim, (size_t)dim * dim};
  for (int a = 0; a < 2; a++) {
    const size_t s = strides[a];
    for (size_t base = 0; base < n; base += s * dim) {
      for (size_t i = 0; i < m; i++) {
        const float w = (i == 0 || i == m - 1) ? 2.0f : 1.0f;
        const float *lo = lut + base + i * s;
        if (value) sum += run_value(term, lo, lo + s, s, w);
        if (grad) run_grad(term, lo, lo + s, grad + base + i * s, grad + base + (i + 1) * s, s, w, scale);
      }
    }
  }
  return sum;
}

static double plane_regularizer(const float *lut, int32_t dim, int32_t term, float scale, int value,
                                float *grad) {
  switch (term) { /* one inlined copy per term */
  case LUTLAB_LUTREG_TV: return plane_impl(LUTLAB_LUTREG_TV, lut, dim, scale, value, grad);
  case LUTLAB_LUTREG_MN: return plane_impl(LUTLAB_LUTREG_MN, lut, dim, scale, value, grad);
  default: return plane_impl(LUTLAB_LUTREG_MN_SQ, lut, dim, scale, value, grad);
  }
}

int32_t lutlab_lut_regularizer(const float *lut, int32_t planes, int32_t dim, int32_t term, float scale,
                               float *value, float *grad) {
  const char *fn = "lut_regularizer";
  if (!lut) return lutlab_fail(LUTLAB_EINVAL, "%s: null LUT pointer", fn);
  if (planes < 1 || dim < 2 || dim > 1024) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: %d planes of D=%d: need planes >= 1 and D in [2, 1024]", fn, planes,
                       dim);
  }
  if (term != LUTLAB_LUTREG_TV && term != LUTLAB_LUTREG_MN && term != LUTLAB_LUTREG_MN_SQ) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: term %d must be 0 (TV), 1 (MN) or 2 (squared MN)", fn, term);
  }
  const size_t d3 = (size_t)dim * dim * dim;
  double *sums = value ? malloc(sizeof(double) * (size_t)planes) : NULL;
  if (value && !sums) return lutlab_fail(LUTLAB_EINVAL, "%s: out of memory for %d plane sums", fn, planes);
  /* planes are independent: in parallel, their sums added in plane order (the same on any thread count) */
#pragma omp parallel for schedule(static) if (planes > 1 && d3 >= 4096)
  for (int32_t p = 0; p < planes; p++) {
    const double s = plane_regularizer(lut + p * d3, dim, term, scale, value != NULL, grad ? grad + p * d3 : NULL);
    if (sums) sums[p] = s;
  }
  double sum = 0.0;
  for (int32_t p = 0; p < planes && sums; p++) sum += sums[p];
  free(sums);
  if (value) *value = (float)(scale * sum);
  return LUTLAB_OK;
}
