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

/* one plane's (D^3 floats) sum of term(d, w) over its differences (value) and its gradient (grad, zeroed here) */
static double plane_regularizer(const float *lut, int32_t dim, int32_t term, float scale, int value, float *grad) {
  const size_t n = (size_t)dim * dim * dim;
  if (grad) memset(grad, 0, sizeof(float) * n);
  double sum = 0.0;
  /* r (stride 1): rows of D values, weights varying along the row */
  for (size_t base = 0; base < n; base += dim) {
    float part = 0.0f;
    for (int32_t i = 0; i < dim - 1; i++) {
      const float w = (i == 0 || i == dim - 2) ? 2.0f : 1.0f, d = lut[base + i] - lut[base + i + 1];
      if (value) part += term_value(term, d, w);
      if (grad) {
        const float g = scale * term_grad(term, d, w);
        grad[base + i] += g;
        grad[base + i + 1] -= g;
      }
    }
    sum += part;
  }
  /* g (stride D) and b (stride D^2): rows of s contiguous differences with one weight */
  const size_t strides[2] = {(size_t)dim, (size_t)dim * dim};
  for (int a = 0; a < 2; a++) {
    const size_t s = strides[a];
    for (size_t base = 0; base < n; base += s * dim) {
      for (int32_t i = 0; i < dim - 1; i++) {
        const float w = (i == 0 || i == dim - 2) ? 2.0f : 1.0f;
        const float *lo = lut + base + (size_t)i * s, *hi = lo + s;
        if (value) {
          float part = 0.0f;
          for (size_t j = 0; j < s; j++) part += term_value(term, lo[j] - hi[j], w);
          sum += part;
        }
        if (grad) {
          float *glo = grad + base + (size_t)i * s, *ghi = glo + s;
          for (size_t j = 0; j < s; j++) {
            const float g = scale * term_grad(term, lo[j] - hi[j], w);
            glo[j] += g;
            ghi[j] -= g;
          }
        }
      }
    }
  }
  return sum;
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
