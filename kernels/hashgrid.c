/*
 * Multi-resolution hash-grid encoding of RGB colours (HashLUT, Instant-NGP / tiny-cuda-nn "HashGrid").
 *
 * Layouts:
 *   rgb      [B, 3, H, W] planar float32, channels R,G,B = grid dims 0,1,2; clamped to [0,1].
 *   table    [offsets[L], F] float32: level l owns entries offsets[l] .. offsets[l+1]-1.
 *   out      [B, L*F, H, W] planar float32, channel l*F + f.
 * Level geometry (scales[l], resolutions[l], offsets[]) comes from the caller (lib/lut/hashgrid_ref.ts),
 * so the CPU, CUDA and TypeScript paths share one definition. Per level, exactly as tiny-cuda-nn:
 *   pos = fma(scale, x, 0.5); cell = floor(pos); frac = pos - cell;
 *   vertex index = x + y*res + z*res^2 when res^3 <= level size (dense), else the spatial hash
 *   x*1 ^ y*2654435761 ^ z*805459861 (uint32 wrap); then index % level size.
 * Trilinear weights are products over dims 0,1,2 of (1-frac) or frac, corner bit d selects dim d.
 * No gradient with respect to the colour input: HashLUT encodes the raw input image, which has no
 * trainable upstream, so only the table gradient is provided.
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "lutlab.h"
#include "hashgrid.h"

/* Features of level l for every pixel (out [B, L*F, npix]). */
static inline void forward_level(const float *rgb, int64_t npix, int64_t total, const float *table,
                                 const hg_level_t *lv, int32_t l, int32_t levels, int32_t features, float *out) {
  const float *tl = table + (int64_t)lv->offset * features;
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < total; ++i) {
    float c[3];
    int64_t at;
    hashgrid_pixel(rgb, npix, i, (int64_t)levels * features, c, &at);
    uint32_t idx[8];
    float w[8];
    hashgrid_corners(c, lv, idx, w);
    float acc[HG_MAX_FEATURES] = {0};
    for (int k = 0; k < 8; ++k) {
      const float *e = tl + (int64_t)idx[k] * features;
      for (int32_t f = 0; f < features; ++f) acc[f] += w[k] * e[f];
    }
    float *o = out + at + (int64_t)l * features * npix;
    for (int32_t f = 0; f < features; ++f) o[(int64_t)f * npix] = acc[f];
  }
}

int32_t lutlab_hashgrid_forward(const float *rgb, int32_t batch, int32_t height, int32_t width,
                                const float *table, int64_t table_len, int32_t levels, int32_t features,
                                const float *scales, const uint32_t *resolutions, const uint32_t *offsets,
                                float *out) {
  int32_t st = hashgrid_validate(rgb, batch, height, width, table, table_len, levels, features, scales,
                                 resolutions, offsets, out, "lutlab_hashgrid_forward");
  if (st != LUTLAB_OK) return st;
  const int64_t npix = (int64_t)height * width;
  const int64_t total = (int64_t)batch * npix;
  /* Level-major: one level's table (<= 2^T x F floats) stays in cache while all pixels visit it. */
  for (int32_t l = 0; l < levels; ++l) {
    const hg_level_t lv = hashgrid_level(scales, resolutions, offsets, l);
    forward_level(rgb, npix, total, table, &lv, l, levels, features, out);
  }
  return LUTLAB_OK;
}

int32_t lutlab_hashgrid_backward(const float *rgb, int32_t batch, int32_t height, int32_t width,
                                 const float *grad_out, int32_t levels, int32_t features,
                                 const float *scales, const uint32_t *resolutions, const uint32_t *offsets,
                                 float *grad_table, int64_t table_len) {
  int32_t st = hashgrid_validate(rgb, batch, height, width, grad_table, table_len, levels, features, scales,
                                 resolutions, offsets, grad_out, "lutlab_hashgrid_backward");
  if (st != LUTLAB_OK) return st;
  const int64_t npix = (int64_t)height * width;
  const int64_t total = (int64_t)batch * npix;
  const int nthreads = omp_get_max_threads();
  /* One private gradient buffer per thread (no races), reduced afterwards in a fixed order. */
  float *partial = calloc((size_t)nthreads * (size_t)table_len, sizeof(float));
  if (!partial) {
    return lutlab_fail(LUTLAB_EINVAL, "lutlab_hashgrid_backward: cannot allocate %d x %lld gradient floats",
                       nthreads, (long long)table_len);
  }
#pragma omp parallel num_threads(nthreads)
  {
    float *mine = partial + (size_t)omp_get_thread_num() * (size_t)table_len;
#pragma omp for schedule(static)
    for (int64_t i = 0; i < total; ++i) {
      float c[3];
      int64_t at;
      hashgrid_pixel(rgb, npix, i, (int64_t)levels * features, c, &at);
      const float *g = grad_out + at;
      for (int32_t l = 0; l < levels; ++l) {
        hg_level_t lv = hashgrid_level(scales, resolutions, offsets, l);
        uint32_t idx[8];
        float w[8];
        hashgrid_corners(c, &lv, idx, w);
        for (int k = 0; k < 8; ++k) {
          float *e = mine + ((int64_t)lv.offset + idx[k]) * features;
          for (int32_t f = 0; f < features; ++f) e[f] += w[k] * g[(int64_t)(l * features + f) * npix];
        }
      }
    }
#pragma omp for schedule(static)
    for (int64_t j = 0; j < table_len; ++j) {
      float s = 0.0f;
      for (int t = 0; t < nthreads; ++t) s += partial[(size_t)t * (size_t)table_len + (size_t)j];
      grad_table[j] = s;
    }
  }
  free(partial);
  return LUTLAB_OK;
}
