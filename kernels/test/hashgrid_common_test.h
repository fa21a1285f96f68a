/*
 * Shared helpers of the hash-grid harnesses (hashgrid_asan.c, hashgrid_cuda_check.cu): the HashLUT 7+13
 * level geometry (float32 maths of tiny-cuda-nn, as lib/lut/hashgrid_ref.ts computes it), a deterministic
 * random generator and test colours (random + 0, 1, out of range, NaN, exact vertices).
 */
#ifndef HASHGRID_COMMON_TEST_H
#define HASHGRID_COMMON_TEST_H

#include <math.h>
#include <stdint.h>

typedef struct {
  int32_t levels, features;
  float scales[32];
  uint32_t resolutions[32];
  uint32_t offsets[33];
  int64_t table_len;
} hg_geom_t;

static inline hg_geom_t hg_geometry(int32_t levels, int32_t features, int log2_size, int base, int max_res) {
  hg_geom_t g;
  g.levels = levels;
  g.features = features;
  const double b = levels > 1 ? exp(log((double)max_res / base) / (levels - 1)) : 1.0;
  const float log2b = log2f((float)b);
  g.offsets[0] = 0;
  for (int l = 0; l < levels; ++l) {
    const float scale = exp2f((float)l * log2b) * (float)base - 1.0f;
    const uint32_t res = (uint32_t)ceilf(scale) + 1u;
    uint64_t dense = (uint64_t)res * res * res;
    dense = (dense + 7u) / 8u * 8u;
    const uint64_t cap = 1ull << log2_size;
    g.scales[l] = scale;
    g.resolutions[l] = res;
    g.offsets[l + 1] = g.offsets[l] + (uint32_t)(dense < cap ? dense : cap);
  }
  g.table_len = (int64_t)g.offsets[levels] * features;
  return g;
}

static inline uint32_t hg_rand_u32(uint32_t *s) {
  *s = *s * 1664525u + 1013904223u;
  return *s;
}

static inline float hg_rand01(uint32_t *s) { return (float)(hg_rand_u32(s) >> 8) / 16777216.0f; }

/* Planar [batch,3,npix] colours: random, with every 97th pixel an edge value. */
static inline void hg_fill_colours(float *rgb, int64_t batch, int64_t npix, const hg_geom_t *g, uint32_t seed) {
  const float edges[] = {0.0f, 1.0f, -0.25f, 1.5f, NAN, INFINITY, -INFINITY, 0.5f, 1e-30f, 0.99999994f};
  const int n_edges = (int)(sizeof edges / sizeof edges[0]);
  for (int64_t i = 0; i < batch * 3 * npix; ++i) {
    if (i % 97 == 0) {
      rgb[i] = edges[(i / 97) % n_edges];
    } else if (i % 89 == 0) {
      const int l = (int)((i / 89) % g->levels);
      rgb[i] = ((float)(hg_rand_u32(&seed) % g->resolutions[l]) - 0.5f) / g->scales[l];
    } else {
      rgb[i] = hg_rand01(&seed);
    }
  }
}

#endif
