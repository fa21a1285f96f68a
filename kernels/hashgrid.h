/*
 * Hash-grid level geometry and corner lookup shared by kernels/hashgrid.c and kernels/hashgrid.cu
 * (host and device). See kernels/hashgrid.c for the layouts and the exact index rule.
 */
#ifndef LUTLAB_HASHGRID_H
#define LUTLAB_HASHGRID_H

#include <math.h>
#include <stdint.h>

#include "lutlab.h"

#ifdef __CUDACC__
#define HG_FN static inline __host__ __device__
#else
#define HG_FN static inline
#endif

#define HG_MAX_LEVELS 32
#define HG_MAX_FEATURES 8

typedef struct {
  float scale;     /* grid scale: pos = scale * x + 0.5 */
  uint32_t res;    /* vertices per axis of the (virtual) dense grid */
  uint32_t offset; /* first table entry of the level */
  uint32_t size;   /* table entries of the level */
  int dense;       /* res^3 <= size: direct indexing, else spatial hash */
  int pow2;        /* size is a power of two: index % size == index & (size - 1) */
} hg_level_t;

HG_FN hg_level_t hashgrid_level(const float *scales, const uint32_t *resolutions, const uint32_t *offsets,
                                int32_t l) {
  hg_level_t lv;
  lv.scale = scales[l];
  lv.res = resolutions[l];
  lv.offset = offsets[l];
  lv.size = offsets[l + 1] - offsets[l];
  lv.dense = (uint64_t)lv.res * lv.res * lv.res <= (uint64_t)lv.size;
  lv.pow2 = (lv.size & (lv.size - 1u)) == 0u;
  return lv;
}

/* Table indices (within the level) and trilinear weights of the 8 corners around colour c. */
HG_FN void hashgrid_corners(const float c[3], const hg_level_t *lv, uint32_t idx[8], float w[8]) {
  float frac[3];
  uint32_t cell[3];
  for (int d = 0; d < 3; ++d) {
    float x = c[d];
    x = x > 0.0f ? (x < 1.0f ? x : 1.0f) : 0.0f; /* clamp, NaN -> 0 */
#ifdef __CUDA_ARCH__
    float pos = __fmaf_rn(lv->scale, x, 0.5f);
#else
    float pos = (float)((double)lv->scale * (double)x + 0.5); /* = fmaf without an FMA unit */
#endif
    float fl = floorf(pos);
    cell[d] = (uint32_t)fl;
    frac[d] = pos - fl;
  }
  for (int k = 0; k < 8; ++k) {
    float wk = 1.0f;
    uint32_t v[3];
    for (int d = 0; d < 3; ++d) {
      if ((k >> d) & 1) {
        wk *= frac[d];
        v[d] = cell[d] + 1u;
      } else {
        wk *= 1.0f - frac[d];
        v[d] = cell[d];
      }
    }
    uint32_t index;
    if (lv->dense) {
      index = v[0] + v[1] * lv->res + v[2] * lv->res * lv->res;
    } else {
      index = (v[0] * 1u) ^ (v[1] * 2654435761u) ^ (v[2] * 805459861u);
    }
    /* index % size, without an integer division in the common cases */
    idx[k] = lv->pow2 ? (index & (lv->size - 1u)) : (index < lv->size ? index : index % lv->size);
    w[k] = wk;
  }
}

/* Colour of flat pixel i = b*npix + p of planar rgb [B,3,npix]; *plane is b*npix*per_pixel_planes + p. */
HG_FN void hashgrid_pixel(const float *rgb, int64_t npix, int64_t i, int64_t planes, float c[3], int64_t *plane) {
  const int64_t b = i / npix, p = i - b * npix;
  const float *px = rgb + b * 3 * npix + p;
  c[0] = px[0];
  c[1] = px[npix];
  c[2] = px[2 * npix];
  *plane = b * planes * npix + p;
}

/* Argument checks shared by every entry point; returns LUTLAB_OK or a LUTLAB_EINVAL failure. */
static inline int32_t hashgrid_validate(const float *rgb, int32_t batch, int32_t height, int32_t width,
                                        const float *table, int64_t table_len, int32_t levels,
                                        int32_t features, const float *scales, const uint32_t *resolutions,
                                        const uint32_t *offsets, const float *io, const char *what) {
  if (!rgb || !table || !scales || !resolutions || !offsets || !io) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: null pointer argument", what);
  }
  if (batch < 1 || height < 1 || width < 1) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: bad image shape [%d,3,%d,%d]", what, batch, height, width);
  }
  if (levels < 1 || levels > HG_MAX_LEVELS) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: levels=%d outside 1..%d", what, levels, HG_MAX_LEVELS);
  }
  if (features < 1 || features > HG_MAX_FEATURES) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: features=%d outside 1..%d", what, features, HG_MAX_FEATURES);
  }
  if (offsets[0] != 0) return lutlab_fail(LUTLAB_EINVAL, "%s: offsets[0]=%u, expected 0", what, offsets[0]);
  for (int32_t l = 0; l < levels; ++l) {
    if (offsets[l + 1] <= offsets[l]) {
      return lutlab_fail(LUTLAB_EINVAL, "%s: level %d has empty table (offsets %u..%u)", what, l, offsets[l],
                         offsets[l + 1]);
    }
    if (!(scales[l] > 0.0f && scales[l] < 1e6f) || resolutions[l] < 1) {
      return lutlab_fail(LUTLAB_EINVAL, "%s: level %d has scale %g, resolution %u", what, l, (double)scales[l],
                         resolutions[l]);
    }
  }
  if ((int64_t)offsets[levels] * features != table_len) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: table length %lld != offsets[%d]=%u x features %d", what,
                       (long long)table_len, levels, offsets[levels], features);
  }
  return LUTLAB_OK;
}

#endif
