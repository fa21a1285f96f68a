/*
 * 1D LUT apply (per-channel curves, linear interpolation): forward and backward (gradients w.r.t. the
 * LUT and the image); see kernels/lut1d.h for layouts. The backward pass sums the LUT gradient into
 * per-thread buffers (static schedule) reduced in thread order, so it is deterministic for a given
 * thread count.
 */
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lut1d.h"
#include "lutlab.h"

int32_t lutlab_lut1d_forward(const float *img, int32_t batch, int32_t height, int32_t width, const float *lut,
                             int32_t lut_batch, int32_t size, float *out) {
  int32_t st = lutlab_lut1d_check_args("lut1d_forward", img, batch, height, width, lut, lut_batch, size);
  if (st) return st;
  if (!out) return lutlab_fail(LUTLAB_EINVAL, "lut1d_forward: null output pointer");
  const int64_t hw = (int64_t)height * width, planes = (int64_t)batch * 3;
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; ++p) {
    const float *t = lut + ((lut_batch == 1 ? 0 : p / 3) * 3 + p % 3) * (int64_t)size;
    const float *x = img + p * hw;
    float *y = out + p * hw;
    for (int64_t k = 0; k < hw; ++k) {
      float f;
      const int32_t i = lutlab_lut1d_locate(x[k], size, &f);
      y[k] = t[i] + (t[i + 1] - t[i]) * f;
    }
  }
  return LUTLAB_OK;
}

int32_t lutlab_lut1d_backward(const float *img, int32_t batch, int32_t height, int32_t width,
                              const float *lut, int32_t lut_batch, int32_t size, const float *grad_out,
                              float *grad_lut, float *grad_img) {
  int32_t st = lutlab_lut1d_check_args("lut1d_backward", img, batch, height, width, lut, lut_batch, size);
  if (st) return st;
  if (!grad_out) return lutlab_fail(LUTLAB_EINVAL, "lut1d_backward: null grad_out pointer");
  const int64_t hw = (int64_t)height * width, planes = (int64_t)batch * 3;
  const int64_t nlut = (int64_t)lut_batch * 3 * size;
  if (grad_img) {
#pragma omp parallel for schedule(static)
    for (int64_t p = 0; p < planes; ++p) {
      const float *t = lut + ((lut_batch == 1 ? 0 : p / 3) * 3 + p % 3) * (int64_t)size;
      const float scale = (float)(size - 1);
      for (int64_t k = p * hw; k < (p + 1) * hw; ++k) {
        float f;
        const int32_t i = lutlab_lut1d_locate(img[k], size, &f);
        const int inside = (img[k] >= 0.0f) & (img[k] <= 1.0f);
        grad_img[k] = inside ? grad_out[k] * (t[i + 1] - t[i]) * scale : 0.0f;
      }
    }
  }
  if (!grad_lut) return LUTLAB_OK;
  const int nthreads = omp_get_max_threads();
  float *parts = calloc((size_t)nthreads * (size_t)nlut, sizeof(float));
  if (!parts) return lutlab_fail(LUTLAB_EINVAL, "lut1d_backward: out of memory (N=%d, %d threads)", size, nthreads);
  /* Pixels split statically over threads (each plane in chunks), then the parts reduced in thread order. */
  const int64_t total = planes * hw;
#pragma omp parallel num_threads(nthreads)
  {
    float *part = parts + (int64_t)omp_get_thread_num() * nlut;
#pragma omp for schedule(static)
    for (int64_t k = 0; k < total; ++k) {
      const int64_t p = k / hw;
      float *g = part + ((lut_batch == 1 ? 0 : p / 3) * 3 + p % 3) * (int64_t)size;
      float f;
      const int32_t i = lutlab_lut1d_locate(img[k], size, &f);
      g[i] += grad_out[k] * (1.0f - f);
      g[i + 1] += grad_out[k] * f;
    }
    const int nt = omp_get_num_threads();
#pragma omp for schedule(static)
    for (int64_t v = 0; v < nlut; ++v) {
      float acc = parts[v];
      for (int t = 1; t < nt; ++t) acc += parts[(int64_t)t * nlut + v];
      grad_lut[v] = acc;
    }
  }
  free(parts);
  return LUTLAB_OK;
}
