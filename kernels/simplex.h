/*
 * Shared inline pieces of the n-D simplex LUT kernels (simplex_lut.c/.cu, dfc.c/.cu): argument checks, the
 * per-pixel simplex (cell, sorted fractions, weights), the padding of the rotation ensemble and the DFC
 * band index. Host and device code (CUDA: __host__ __device__).
 */
#ifndef LUTLAB_SIMPLEX_H
#define LUTLAB_SIMPLEX_H

#include <stdint.h>
#include <stdlib.h>

#include "lutlab.h"

#ifdef __CUDACC__
#define SX_HD __host__ __device__ __forceinline__
#else
#define SX_HD static inline
#endif

#define SX_MAX_N 4
#define SX_MAX_OFFSET 64

/* One pixel's simplex: n+1 lattice vertices (as per-dim cells) and weights (not divided by q). */
typedef struct {
  int32_t cell[SX_MAX_N];  /* base cell per input */
  int32_t order[SX_MAX_N]; /* inputs by descending fraction */
  float w[SX_MAX_N + 1];   /* weights, sum = q */
  int32_t in_range;        /* bit d set: input d was inside [0,255] (not clamped) */
} simplex_t;

/* Cell and simplex of n values; q = 2^bits, top = L - 2. */
SX_HD void sx_locate(const float *v, int32_t n, int32_t bits, int32_t srlut, simplex_t *s) {
  const float q = (float)(1 << bits), inv_q = 1.0f / q;
  const int32_t top = (256 >> bits) - 1;
  float f[SX_MAX_N] = {0.0f, 0.0f, 0.0f, 0.0f};
  s->in_range = 0;
  for (int32_t d = 0; d < SX_MAX_N; ++d) s->order[d] = d;
  for (int32_t d = 0; d < n; ++d) {
    const float raw = v[d];
    float x = raw > 0.0f ? raw : 0.0f; /* NaN -> 0 */
    x = x < 255.0f ? x : 255.0f;
    s->in_range |= (raw >= 0.0f && raw <= 255.0f) << d;
    int32_t i = (int32_t)(x * inv_q);
    i = i < top ? i : top;
    s->cell[d] = i;
    f[d] = x - (float)i * q;
  }
  /* rank of d = number of inputs before it: larger fraction, or equal fraction and lower index */
  for (int32_t d = 0; d < n; ++d) {
    int32_t r = 0;
    for (int32_t e = 0; e < n; ++e) r += (f[e] > f[d]) | ((f[e] == f[d]) & (e < d));
    s->order[r] = d;
  }
  if (srlut && n == 4 && f[2] > f[3] && f[3] > f[0] && f[0] > f[1]) {
    s->order[1] = 0; /* SR-LUT's Test_Model_S.py walks c, a, d, b here */
    s->order[2] = 3;
  }
  s->w[0] = q - f[s->order[0]];
  for (int32_t j = 1; j < n; ++j) s->w[j] = f[s->order[j - 1]] - f[s->order[j]];
  s->w[n] = f[s->order[n - 1]];
}

/* Checks n, interval bits, K, offsets; writes the pattern's max dy / dx. */
static inline int32_t sx_check_pattern(const int32_t *offsets, int32_t n, int32_t bits, int32_t k, int32_t *py,
                                       int32_t *px, const char *what) {
  if (!offsets) return lutlab_fail(LUTLAB_EINVAL, "%s: offsets is NULL", what);
  if (n < 2 || n > SX_MAX_N) return lutlab_fail(LUTLAB_EINVAL, "%s: n=%d inputs, expected 2..4", what, n);
  if (bits < 0 || bits > 8) return lutlab_fail(LUTLAB_EINVAL, "%s: interval_bits=%d, expected 0..8", what, bits);
  if (k < 1) return lutlab_fail(LUTLAB_EINVAL, "%s: K=%d outputs, expected >= 1", what, k);
  *py = 0;
  *px = 0;
  for (int32_t d = 0; d < n; ++d) {
    const int32_t dy = offsets[2 * d], dx = offsets[2 * d + 1];
    if (dy < 0 || dx < 0 || dy > SX_MAX_OFFSET || dx > SX_MAX_OFFSET) {
      return lutlab_fail(LUTLAB_EINVAL, "%s: offset %d = (%d, %d) outside 0..%d", what, d, dy, dx, SX_MAX_OFFSET);
    }
    *py = dy > *py ? dy : *py;
    *px = dx > *px ? dx : *px;
  }
  return LUTLAB_OK;
}

/* L^n as int64, for table-size checks. */
static inline int64_t sx_rows(int32_t levels, int32_t n) {
  int64_t r = 1;
  for (int32_t d = 0; d < n; ++d) r *= levels;
  return r;
}

/* Common argument checks of the plane entry points; writes py, px. */
static inline int32_t sx_check_common(const float *planes, int32_t n_planes, int32_t hp, int32_t wp, const int32_t *offsets,
                            int32_t n, const void *table, int64_t table_len, int32_t dtype, int32_t bits, int32_t k,
                            const void *out, int32_t *py, int32_t *px, const char *what) {
  const int32_t st = sx_check_pattern(offsets, n, bits, k, py, px, what);
  if (st) return st;
  if (!planes || !table || !out) return lutlab_fail(LUTLAB_EINVAL, "%s: NULL planes, table or output", what);
  if (dtype != 0 && dtype != 1) return lutlab_fail(LUTLAB_EINVAL, "%s: dtype=%d, expected 0 (f32) or 1 (i8)", what, dtype);
  if (n_planes < 1 || hp < 1 || wp < 1) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: planes [%d,%d,%d] must be non-empty", what, n_planes, hp, wp);
  }
  const int64_t rows = sx_rows((256 >> bits) + 1, n);
  if (table_len != rows * k) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: table has %lld elements, expected %lld rows x %d", what,
                       (long long)table_len, (long long)rows, k);
  }
  if (rows > INT32_MAX) return lutlab_fail(LUTLAB_EINVAL, "%s: table of %lld rows too large", what, (long long)rows);
  return LUTLAB_OK;
}

/* Bottom/right padding index: edge (mode 0) or numpy reflect (mode 1). */
SX_HD int32_t sx_pad(int32_t i, int32_t n, int32_t mode) {
  if (i < n) return i;
  return mode ? 2 * (n - 1) - i : n - 1;
}

/* Two-sided padding index for i in [-n+1, 2n-2]: edge (mode 0) or numpy reflect (mode 1). */
SX_HD int32_t sx_pad_both(int32_t i, int32_t n, int32_t mode) {
  if (i < 0) return mode ? -i : 0;
  return sx_pad(i, n, mode);
}

/* DFC's ref2index: fills [L][diag]^(cdims-1) (diag = 2*dw + 1); returns the number of band points. */
static inline int64_t sx_band_index(int32_t levels, int32_t cdims, int32_t dw, int32_t *ref) {
  const int32_t diag = 2 * dw + 1;
  int64_t per = 1;
  for (int32_t i = 1; i < cdims; ++i) per *= diag;
  int64_t cnt = 0;
  for (int32_t x = 0; x < levels; ++x) {
    for (int64_t e = 0; e < per; ++e) {
      int64_t rest = e;
      int32_t ok = 1;
      for (int32_t i = cdims - 1; i >= 1; --i) { /* last input = least significant digit */
        const int32_t y = x + (int32_t)(rest % diag) - dw;
        rest /= diag;
        ok &= y >= 0 && y < levels;
      }
      ref[x * per + e] = ok ? (int32_t)cnt++ : -1;
    }
  }
  return cnt;
}

/* Band offset of lattice point c (first cdims dims), or -1 when it lies outside the band. */
SX_HD int64_t sx_band_key(const int32_t *c, int32_t cdims, int32_t dw) {
  const int32_t diag = 2 * dw + 1;
  int64_t mul = 1, e = 0;
  for (int32_t i = cdims - 1; i >= 1; --i) {
    const int32_t o = c[i] - c[0] + dw;
    if (o < 0 || o >= diag) return -1;
    e += o * mul;
    mul *= diag;
  }
  return c[0] * mul + e;
}

/* One DFC lookup configuration (kernels/dfc.c/.cu); ref = the band index (sx_band_index, host or device). */
typedef struct {
  const int32_t *ref;
  int32_t n, cdims, dw, bits, cbits, levels, clevels, k, h, w;
  int64_t ref_len, fine_len, coarse_len;
  int32_t off[SX_MAX_N][2];
} sx_dfc_t;

/* One anchor of a DFC lookup from its raw input values v: the simplex in DFC's order (descending fractions,
 * inside the band and outside it: with it every vertex of non-zero weight lies in the band; SR-LUT's order
 * does not hold for DFC tables), and rows[j] = its fine-table row (-1 for a vertex outside the band: weight
 * 0) or coarse-table row. Returns 1 when the anchor uses the fine table. */
SX_HD int32_t sx_dfc_vertices(const sx_dfc_t *t, const float *v, simplex_t *s, int64_t *rows) {
  float c[SX_MAX_N];
  for (int32_t d = 0; d < t->n; ++d) {
    const float x = v[d] > 0.0f ? v[d] : 0.0f; /* NaN -> 0, as the simplex clamps */
    c[d] = x < 255.0f ? x : 255.0f;
  }
  const float limit = (float)(t->dw << t->bits);
  int32_t in_band = 1;
  for (int32_t d = 1; d < t->cdims; ++d) in_band &= (c[d] - c[0] <= limit) & (c[0] - c[d] <= limit);
  sx_locate(v, t->n, in_band ? t->bits : t->cbits, 0, s);
  int32_t cell[SX_MAX_N];
  for (int32_t d = 0; d < t->n; ++d) cell[d] = s->cell[d];
  for (int32_t j = 0; j <= t->n; ++j) {
    if (j > 0) cell[s->order[j - 1]] += 1;
    int64_t row = 0;
    if (in_band) {
      const int64_t key = sx_band_key(cell, t->cdims, t->dw);
      row = key < 0 ? -1 : t->ref[key];
      for (int32_t d = t->cdims; d < t->n && row >= 0; ++d) row = row * t->levels + cell[d];
    } else {
      for (int32_t d = 0; d < t->n; ++d) row = row * t->clevels + cell[d];
    }
    rows[j] = row;
  }
  return in_band;
}

/* Anchor i's DFC simplex and vertex rows (sx_dfc_vertices) from the planes; writes the plane offset of its
 * pattern origin to *base; returns 1 when it uses the fine table. */
SX_HD int32_t sx_dfc_anchor(const sx_dfc_t *t, const float *planes, int64_t i, int32_t hp, int32_t wp, simplex_t *s,
                            int64_t *rows, int64_t *base) {
  const int64_t p = i / ((int64_t)t->h * t->w), y = (i / t->w) % t->h, x = i % t->w;
  *base = (p * hp + y) * wp + x;
  float v[SX_MAX_N];
  for (int32_t d = 0; d < t->n; ++d) v[d] = planes[*base + (int64_t)t->off[d][0] * wp + t->off[d][1]];
  return sx_dfc_vertices(t, v, s, rows);
}

#ifndef __CUDACC__
/* Plane gradient [n_planes, hp, wp] from per-anchor input gradients [n_planes*h*w][n]: each plane pixel sums
 * the anchors that read it (an OpenMP worksharing loop: call inside a parallel region). */
static inline void sx_gather_planes(const float *anchor, int32_t n_planes, int32_t hp, int32_t wp, int32_t h,
                                    int32_t w, const int32_t *offsets, int32_t n, float *grad_planes) {
#pragma omp for schedule(static)
  for (int64_t i = 0; i < (int64_t)n_planes * hp * wp; ++i) {
    const int64_t p = i / ((int64_t)hp * wp), y = (i / wp) % hp, x = i % wp;
    float acc = 0.0f;
    for (int32_t d = 0; d < n; ++d) {
      const int64_t ay = y - offsets[2 * d], ax = x - offsets[2 * d + 1];
      if (ay >= 0 && ay < h && ax >= 0 && ax < w) acc += anchor[((p * h + ay) * w + ax) * n + d];
    }
    grad_planes[i] = acc;
  }
}
#endif

/* Checks the arguments of a DFC entry point (`io`: its output, or the backward's grad_out) and fills t;
 * t->ref is then a malloc'd band index the caller frees (NULL on error). */
static inline int32_t sx_dfc_setup(sx_dfc_t *t, const float *planes, int32_t n_planes, int32_t hp, int32_t wp,
                                   const int32_t *offsets, int32_t n, int32_t cdims, int32_t dw, const void *fine,
                                   int64_t fine_len, const void *coarse, int64_t coarse_len, const void *io,
                                   int32_t dtype, int32_t bits, int32_t cbits, int32_t k, const char *what) {
  int32_t py = 0, px = 0;
  t->ref = NULL;
  const int32_t st = sx_check_pattern(offsets, n, bits, k, &py, &px, what);
  if (st) return st;
  if (!planes || !fine || !coarse || !io) return lutlab_fail(LUTLAB_EINVAL, "%s: NULL planes, table or output", what);
  if (dtype != 0 && dtype != 1) return lutlab_fail(LUTLAB_EINVAL, "%s: dtype=%d", what, dtype);
  if (cdims < 2 || cdims > n) return lutlab_fail(LUTLAB_EINVAL, "%s: cdims=%d, expected 2..%d", what, cdims, n);
  if (dw < 0 || dw > 16) return lutlab_fail(LUTLAB_EINVAL, "%s: diag_width=%d", what, dw);
  if (cbits < bits || cbits > 8) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: coarse_bits=%d, expected %d..8", what, cbits, bits);
  }
  if (n_planes < 1 || hp <= py || wp <= px) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: planes [%d,%d,%d] leave no output for pattern reach (%d, %d)", what,
                       n_planes, hp, wp, py, px);
  }
  t->n = n;
  t->cdims = cdims;
  t->dw = dw;
  t->bits = bits;
  t->cbits = cbits;
  t->levels = (256 >> bits) + 1;
  t->clevels = (256 >> cbits) + 1;
  t->k = k;
  t->h = hp - py;
  t->w = wp - px;
  for (int32_t d = 0; d < n; ++d) {
    t->off[d][0] = offsets[2 * d];
    t->off[d][1] = offsets[2 * d + 1];
  }
  int64_t per = 1;
  for (int32_t i = 1; i < cdims; ++i) per *= 2 * dw + 1;
  t->ref_len = t->levels * per;
  int32_t *ref = (int32_t *)malloc((size_t)t->ref_len * sizeof(int32_t));
  if (!ref) return lutlab_fail(LUTLAB_EINVAL, "%s: out of memory", what);
  const int64_t band = sx_band_index(t->levels, cdims, dw, ref), tail = sx_rows(t->levels, n - cdims);
  t->fine_len = band * tail * k;
  t->coarse_len = sx_rows(t->clevels, n) * k;
  if (fine_len != t->fine_len || coarse_len != t->coarse_len) {
    free(ref);
    return lutlab_fail(LUTLAB_EINVAL, "%s: fine/coarse tables have %lld/%lld elements, expected %lld/%lld", what,
                       (long long)fine_len, (long long)coarse_len, (long long)t->fine_len,
                       (long long)t->coarse_len);
  }
  t->ref = ref;
  return LUTLAB_OK;
}

#ifdef __CUDACC__
#include <cuda_runtime.h>

/* Device buffer freed on scope exit (CUDA twins). */
struct SxBuf {
  void *p = nullptr;
  ~SxBuf() {
    if (p) cudaFree(p);
  }
};

/* cudaMalloc `bytes` into b and copy `host` there when not NULL; 0 or -1. */
static inline int32_t sx_alloc_copy(SxBuf &b, const void *host, size_t bytes) {
  if (cudaMalloc(&b.p, bytes) != cudaSuccess) return -1;
  if (host && cudaMemcpy(b.p, host, bytes, cudaMemcpyHostToDevice) != cudaSuccess) return -1;
  return 0;
}
#endif

#endif
