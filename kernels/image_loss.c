/* Image losses on the CPU (see image_loss.h). */
#pragma GCC optimize("fp-contract=off")
#include "image_loss.h"

#include <math.h>
#include <stdlib.h>

#define CHUNK 16384 /* values (MSE, L1) or pixels of one image (COS) per partial sum */
#define EPS2 1e-16

static int32_t check(const char *fn, int32_t kind, const float *p, const float *q, int64_t n, int64_t hw,
                     const void *out) {
  if (!p || !q || !out) return lutlab_fail(LUTLAB_EINVAL, "%s: null pointer argument", fn);
  if (kind < LUTLAB_LOSS_MSE || kind > LUTLAB_LOSS_COS) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: kind %d must be 0 (MSE), 1 (L1) or 2 (COS)", fn, kind);
  }
  if (n < 1) return lutlab_fail(LUTLAB_EINVAL, "%s: %lld values", fn, (long long)n);
  if (kind == LUTLAB_LOSS_COS && (hw < 1 || n % (3 * hw))) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: %lld values are not RGB images of %lld pixels", fn, (long long)n,
                       (long long)hw);
  }
  return LUTLAB_OK;
}

/* 1 - cos of the RGB vectors at a (stride hw) and b */
static inline double one_minus_cos(const float *a, const float *b, int64_t hw) {
  const double a0 = a[0], a1 = a[hw], a2 = a[2 * hw], b0 = b[0], b1 = b[hw], b2 = b[2 * hw];
  const double aa = fmax(a0 * a0 + a1 * a1 + a2 * a2, EPS2), bb = fmax(b0 * b0 + b1 * b1 + b2 * b2, EPS2);
  return 1.0 - (a0 * b0 + a1 * b1 + a2 * b2) / sqrt(aa * bb);
}

int32_t lutlab_image_loss(int32_t kind, const float *p, const float *q, int64_t values, int64_t hw, double *value) {
  const int32_t rc = check("image_loss", kind, p, q, values, hw, value);
  if (rc) return rc;
  /* COS: chunks of pixels within each image (cpi per image), so a chunk's pixels are contiguous */
  const int64_t n = kind == LUTLAB_LOSS_COS ? values / 3 : values;
  const int64_t cpi = kind == LUTLAB_LOSS_COS ? (hw + CHUNK - 1) / CHUNK : 0;
  const int64_t chunks = kind == LUTLAB_LOSS_COS ? (n / hw) * cpi : (n + CHUNK - 1) / CHUNK;
  double *part = malloc(sizeof(double) * (size_t)chunks);
  if (!part) return lutlab_fail(LUTLAB_EINVAL, "image_loss: out of memory for %lld partial sums", (long long)chunks);
#pragma omp parallel for schedule(static) if (chunks > 1)
  for (int64_t c = 0; c < chunks; c++) {
    double s = 0.0;
    if (kind == LUTLAB_LOSS_COS) {
      const int64_t img = c / cpi, j0 = (c % cpi) * CHUNK, j1 = j0 + CHUNK < hw ? j0 + CHUNK : hw;
      const float *a = p + img * 3 * hw, *b = q + img * 3 * hw;
      for (int64_t j = j0; j < j1; j++) s += one_minus_cos(a + j, b + j, hw);
    } else {
      const int64_t end = (c + 1) * CHUNK < n ? (c + 1) * CHUNK : n;
      if (kind == LUTLAB_LOSS_MSE) {
        for (int64_t i = c * CHUNK; i < end; i++) {
          const double d = (double)p[i] - (double)q[i];
          s += d * d;
        }
      } else {
        for (int64_t i = c * CHUNK; i < end; i++) s += fabs((double)p[i] - (double)q[i]);
      }
    }
    part[c] = s;
  }
  double s = 0.0;
  for (int64_t c = 0; c < chunks; c++) s += part[c];
  free(part);
  *value = s / (double)n;
  return LUTLAB_OK;
}

int32_t lutlab_image_loss_grad(int32_t kind, const float *p, const float *q, int64_t n, int64_t hw, double scale,
                               float *out) {
  const int32_t rc = check("image_loss_grad", kind, p, q, n, hw, out);
  if (rc) return rc;
  if (kind == LUTLAB_LOSS_COS) {
    const int64_t pixels = n / 3, images = pixels / hw;
#pragma omp parallel for collapse(2) schedule(static) if (pixels >= CHUNK)
    for (int64_t img = 0; img < images; img++) {
      for (int64_t j = 0; j < hw; j++) {
        /* d(1 - cos)/da = -b / (|a| |b|) + [|a|^2 >= eps^2] dot a / (|a|^3 |b|) */
        const int64_t i = img * 3 * hw + j;
        const double a0 = p[i], a1 = p[i + hw], a2 = p[i + 2 * hw], b0 = q[i], b1 = q[i + hw], b2 = q[i + 2 * hw];
        const double aa = a0 * a0 + a1 * a1 + a2 * a2, dot = a0 * b0 + a1 * b1 + a2 * b2;
        const double na = sqrt(fmax(aa, EPS2)), nb = sqrt(fmax(b0 * b0 + b1 * b1 + b2 * b2, EPS2));
        const double kb = -scale / ((double)pixels * na * nb);
        const double ka = aa >= EPS2 ? (scale * dot) / ((double)pixels * na * na * na * nb) : 0.0;
        out[i] = (float)(kb * b0 + ka * a0), out[i + hw] = (float)(kb * b1 + ka * a1);
        out[i + 2 * hw] = (float)(kb * b2 + ka * a2);
      }
    }
    return LUTLAB_OK;
  }
  const double k = (kind == LUTLAB_LOSS_MSE ? 2.0 * scale : scale) / (double)n;
  if (kind == LUTLAB_LOSS_MSE) {
#pragma omp parallel for simd schedule(static) if (n >= CHUNK)
    for (int64_t i = 0; i < n; i++) out[i] = (float)(k * ((double)p[i] - (double)q[i]));
  } else {
#pragma omp parallel for simd schedule(static) if (n >= CHUNK)
    for (int64_t i = 0; i < n; i++) out[i] = (float)(k * (double)((p[i] > q[i]) - (p[i] < q[i])));
  }
  return LUTLAB_OK;
}
