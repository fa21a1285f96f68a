/*
 * n-D simplex LUT lookup (SR-LUT "4D simplex", MuLUT, SPF-LUT): forward, backward (gradients w.r.t. a
 * float32 table and w.r.t. the input planes) and SR-LUT's rotation ensemble with pixel shuffle.
 * Definitions and layouts: kernels/simplex_lut.h and lib/lut/simplex_ref.ts.
 *
 * Speed: a row of anchors is looked up by a row function specialised (by constant propagation of an
 * always-inline body) for the table dtype and K in {1, 4, 9, 16}, so the K-loop over the n+1 vertices is
 * a fixed-length vector loop. Rows are spread over OpenMP threads. The backward pass accumulates the table
 * gradient into per-thread buffers reduced at the end, and the plane gradient through a per-anchor buffer
 * gathered per plane pixel, so nothing races.
 */
#ifdef __AVX2__
#include <immintrin.h>
#endif
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "simplex_lut.h"
#include "lutlab.h"
#include "simplex.h"

/* One lookup configuration. */
typedef struct {
  const void *table;
  int32_t dtype, n, bits, levels, k, srlut;
  int32_t stride[SX_MAX_N]; /* row stride of each input */
} lut_t;

static void lut_init(lut_t *t, const void *table, int32_t dtype, int32_t n, int32_t bits, int32_t k, int32_t flags) {
  t->table = table;
  t->dtype = dtype;
  t->n = n;
  t->bits = bits;
  t->levels = (256 >> bits) + 1;
  t->k = k;
  t->srlut = flags & LUTLAB_SIMPLEX_SRLUT_ORDER;
  int32_t s = 1;
  for (int32_t d = n - 1; d >= 0; --d) {
    t->stride[d] = s;
    s *= t->levels;
  }
}

#define BLK 64

typedef float v8f __attribute__((vector_size(32)));

/* 8 int8 -> 8 floats (one sign-extend + convert with AVX2). */
static inline v8f widen8(const int8_t *p) {
#ifdef __AVX2__
  return (v8f)_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)p)));
#else
  typedef int8_t v8b __attribute__((vector_size(8)));
  v8b b;
  memcpy(&b, p, sizeof b);
  return __builtin_convertvector(b, v8f);
#endif
}

/* K % 8 == 0: the K outputs of anchor i as 8-wide vectors (int8 entries widened by a vector convert). */
static inline __attribute__((always_inline)) void accumulate8(const void *table, const int32_t dtype,
                                                              const int32_t K, const int32_t N,
                                                              int32_t rows[][BLK], float wt[][BLK], int32_t i,
                                                              float inv_q, float *o) {
  v8f acc[K / 8];
  for (int32_t c = 0; c < K / 8; ++c) acc[c] = (v8f){0};
  for (int32_t j = 0; j <= N; ++j) {
    const float wj = wt[j][i];
    for (int32_t c = 0; c < K / 8; ++c) {
      v8f e;
      if (dtype == 1) {
        e = widen8((const int8_t *)table + (int64_t)rows[j][i] * K + 8 * c);
      } else {
        memcpy(&e, (const float *)table + (int64_t)rows[j][i] * K + 8 * c, sizeof e);
      }
      acc[c] += wj * e;
    }
  }
  for (int32_t c = 0; c < K / 8; ++c) {
    const v8f r = acc[c] * inv_q;
    memcpy(o + 8 * c, &r, sizeof r);
  }
}

/* Looks up `w` anchors whose inputs are src[d][x] (x = 0..w-1) into out[w][K]. Per block of BLK anchors,
 * branch-free loops (vectorised for constant N) compute the vertex rows and weights: rank of input d =
 * number of inputs sorted before it, vertex j = base + strides of the inputs of rank < j, weight j from
 * the fractions of rank j-1 and j. Then one K-vector multiply-add per vertex. */
static inline __attribute__((always_inline)) void row_impl(const lut_t *t, const float *const *src, int32_t w,
                                                           float *out, const int32_t dtype, const int32_t K,
                                                           const int32_t N) {
  const float q = (float)(1 << t->bits), inv_q = 1.0f / q;
  const int32_t top = (256 >> t->bits) - 1, srlut = t->srlut && N == 4;
  int32_t rows[SX_MAX_N + 1][BLK];
  float wt[SX_MAX_N + 1][BLK];
  for (int32_t x0 = 0; x0 < w; x0 += BLK) {
    const int32_t m = w - x0 < BLK ? w - x0 : BLK;
    for (int32_t i = 0; i < m; ++i) {
      float f[SX_MAX_N], s[SX_MAX_N];
      int32_t base = 0, rank[SX_MAX_N];
      for (int32_t d = 0; d < N; ++d) {
        float x = src[d][x0 + i];
        x = x > 0.0f ? x : 0.0f; /* NaN -> 0 */
        x = x < 255.0f ? x : 255.0f;
        int32_t c = (int32_t)(x * inv_q);
        c = c < top ? c : top;
        base += c * t->stride[d];
        f[d] = x - (float)c * q;
      }
      for (int32_t d = 0; d < N; ++d) {
        int32_t r = 0;
        for (int32_t e = 0; e < N; ++e) r += e < d ? f[e] >= f[d] : f[e] > f[d];
        rank[d] = r;
      }
      if (srlut) { /* fc > fd > fa > fb: SR-LUT walks c, a, d, b */
        const int32_t bug = (f[2] > f[3]) & (f[3] > f[0]) & (f[0] > f[1]);
        rank[0] = bug ? 1 : rank[0];
        rank[3] = bug ? 2 : rank[3];
      }
      for (int32_t j = 0; j < N; ++j) {
        float v = 0.0f;
        for (int32_t d = 0; d < N; ++d) v = rank[d] == j ? f[d] : v;
        s[j] = v;
      }
      wt[0][i] = q - s[0];
      for (int32_t j = 1; j < N; ++j) wt[j][i] = s[j - 1] - s[j];
      wt[N][i] = s[N - 1];
      for (int32_t j = 0; j <= N; ++j) {
        int32_t r = base;
        for (int32_t d = 0; d < N; ++d) r += rank[d] < j ? t->stride[d] : 0;
        rows[j][i] = r;
      }
    }
    for (int32_t i = 0; i < m; ++i) {
      float *o = out + (int64_t)(x0 + i) * K;
      if (K % 8 == 0) {
        accumulate8(t->table, dtype, K, N, rows, wt, i, inv_q, o);
        continue;
      }
      float acc[K];
      for (int32_t c = 0; c < K; ++c) acc[c] = 0.0f;
      for (int32_t j = 0; j <= N; ++j) {
        const float wj = wt[j][i];
        if (dtype == 1) {
          const int8_t *e = (const int8_t *)t->table + (int64_t)rows[j][i] * K;
          for (int32_t c = 0; c < K; ++c) acc[c] += wj * (float)e[c];
        } else {
          const float *e = (const float *)t->table + (int64_t)rows[j][i] * K;
          for (int32_t c = 0; c < K; ++c) acc[c] += wj * e[c];
        }
      }
      for (int32_t c = 0; c < K; ++c) o[c] = acc[c] * inv_q;
    }
  }
}

#define ROW_FN(DT, KK, NN)                                                                       \
  static void row_##DT##_##KK##_##NN(const lut_t *t, const float *const *src, int32_t w, float *out) { \
    row_impl(t, src, w, out, DT, KK, NN);                                                        \
  }
#define ROW_FNS(DT, KK) ROW_FN(DT, KK, 2) ROW_FN(DT, KK, 3) ROW_FN(DT, KK, 4)
ROW_FNS(0, 1)
ROW_FNS(0, 4)
ROW_FNS(0, 9)
ROW_FNS(0, 16)
ROW_FNS(1, 1)
ROW_FNS(1, 4)
ROW_FNS(1, 9)
ROW_FNS(1, 16)

/* Any K: the same simplex, a runtime-length K loop. */
static void row_generic(const lut_t *t, const float *const *src, int32_t w, float *out) {
  const int32_t n = t->n, K = t->k;
  const float inv_q = 1.0f / (float)(1 << t->bits);
  for (int32_t x = 0; x < w; ++x) {
    float v[SX_MAX_N];
    for (int32_t d = 0; d < n; ++d) v[d] = src[d][x];
    simplex_t s;
    sx_locate(v, n, t->bits, t->srlut, &s);
    int32_t row = 0;
    for (int32_t d = 0; d < n; ++d) row += s.cell[d] * t->stride[d];
    float *o = out + (int64_t)x * K;
    for (int32_t c = 0; c < K; ++c) o[c] = 0.0f;
    for (int32_t j = 0; j <= n; ++j) {
      const float wj = s.w[j];
      if (t->dtype == 1) {
        const int8_t *e = (const int8_t *)t->table + (int64_t)row * K;
        for (int32_t c = 0; c < K; ++c) o[c] += wj * (float)e[c];
      } else {
        const float *e = (const float *)t->table + (int64_t)row * K;
        for (int32_t c = 0; c < K; ++c) o[c] += wj * e[c];
      }
      if (j < n) row += t->stride[s.order[j]];
    }
    for (int32_t c = 0; c < K; ++c) o[c] *= inv_q;
  }
}

typedef void (*row_fn)(const lut_t *, const float *const *, int32_t, float *);

#define ROW_ROW(DT, KK) {row_##DT##_##KK##_2, row_##DT##_##KK##_3, row_##DT##_##KK##_4}

static row_fn pick_row(const lut_t *t) {
  static const row_fn f[2][4][3] = {
      {ROW_ROW(0, 1), ROW_ROW(0, 4), ROW_ROW(0, 9), ROW_ROW(0, 16)},
      {ROW_ROW(1, 1), ROW_ROW(1, 4), ROW_ROW(1, 9), ROW_ROW(1, 16)},
  };
  const int32_t kk = t->k == 1 ? 0 : t->k == 4 ? 1 : t->k == 9 ? 2 : t->k == 16 ? 3 : -1;
  return kk < 0 ? row_generic : f[t->dtype][kk][t->n - 2];
}

int32_t lutlab_simplex_forward(const float *planes, int32_t n_planes, int32_t hp, int32_t wp, const int32_t *offsets,
                             int32_t n, const void *table, int64_t table_len, int32_t dtype, int32_t interval_bits,
                             int32_t k, int32_t flags, float *out) {
  int32_t py = 0, px = 0;
  const int32_t st = sx_check_common(planes, n_planes, hp, wp, offsets, n, table, table_len, dtype, interval_bits, k,
                                  out, &py, &px, "simplex_forward");
  if (st) return st;
  const int32_t h = hp - py, w = wp - px;
  if (h < 1 || w < 1) {
    return lutlab_fail(LUTLAB_EINVAL, "simplex_forward: planes %dx%d leave no output for pattern reach (%d, %d)", hp,
                       wp, py, px);
  }
  lut_t t;
  lut_init(&t, table, dtype, n, interval_bits, k, flags);
  const row_fn fn = pick_row(&t);
  const int64_t total = (int64_t)n_planes * h;
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < total; ++r) {
    const int64_t p = r / h, y = r % h;
    const float *src[SX_MAX_N];
    for (int32_t d = 0; d < n; ++d) src[d] = planes + (p * hp + y + offsets[2 * d]) * wp + offsets[2 * d + 1];
    fn(&t, src, w, out + r * w * k);
  }
  return LUTLAB_OK;
}

int32_t lutlab_simplex_backward(const float *planes, int32_t n_planes, int32_t hp, int32_t wp, const int32_t *offsets,
                              int32_t n, const float *table, int64_t table_len, int32_t interval_bits, int32_t k,
                              int32_t flags, const float *grad_out, float *grad_table, float *grad_planes) {
  int32_t py = 0, px = 0;
  const int32_t st = sx_check_common(planes, n_planes, hp, wp, offsets, n, table, table_len, 0, interval_bits, k,
                                  grad_out, &py, &px, "simplex_backward");
  if (st) return st;
  const int32_t h = hp - py, w = wp - px;
  if (h < 1 || w < 1) {
    return lutlab_fail(LUTLAB_EINVAL, "simplex_backward: planes %dx%d leave no output for pattern reach (%d, %d)",
                       hp, wp, py, px);
  }
  lut_t t;
  lut_init(&t, table, 0, n, interval_bits, k, flags);
  const float inv_q = 1.0f / (float)(1 << interval_bits);
  const int64_t total = (int64_t)n_planes * h * w;
  const int32_t nthreads = omp_get_max_threads();
  float *partial = NULL; /* per-thread table gradients, [nthreads][table_len] */
  float *anchor = NULL;  /* per-anchor input gradients, [total][n] */
  if (grad_table) {
    if ((double)nthreads * (double)table_len * 4.0 > 4.0 * 1024 * 1024 * 1024) {
      return lutlab_fail(LUTLAB_EINVAL, "simplex_backward: table of %lld elements too large for %d threads",
                         (long long)table_len, nthreads);
    }
    partial = (float *)calloc((size_t)nthreads * (size_t)table_len, sizeof(float));
    if (!partial) return lutlab_fail(LUTLAB_EINVAL, "simplex_backward: out of memory for the table gradient");
  }
  if (grad_planes) {
    anchor = (float *)malloc((size_t)total * (size_t)n * sizeof(float));
    if (!anchor) {
      free(partial);
      return lutlab_fail(LUTLAB_EINVAL, "simplex_backward: out of memory for the plane gradient");
    }
  }
#pragma omp parallel
  {
    float *gt = partial ? partial + (int64_t)omp_get_thread_num() * table_len : NULL;
#pragma omp for schedule(static)
    for (int64_t i = 0; i < total; ++i) {
      const int64_t p = i / ((int64_t)h * w), y = (i / w) % h, x = i % w;
      float v[SX_MAX_N];
      for (int32_t d = 0; d < n; ++d) v[d] = planes[(p * hp + y + offsets[2 * d]) * wp + x + offsets[2 * d + 1]];
      simplex_t s;
      sx_locate(v, n, interval_bits, t.srlut, &s);
      int64_t rows[SX_MAX_N + 1];
      rows[0] = 0;
      for (int32_t d = 0; d < n; ++d) rows[0] += (int64_t)s.cell[d] * t.stride[d];
      for (int32_t j = 0; j < n; ++j) rows[j + 1] = rows[j] + t.stride[s.order[j]];
      const float *g = grad_out + i * k;
      if (gt) {
        for (int32_t j = 0; j <= n; ++j) {
          const float wj = s.w[j] * inv_q;
          float *e = gt + rows[j] * k;
          for (int32_t c = 0; c < k; ++c) e[c] += wj * g[c];
        }
      }
      if (anchor) {
        float *a = anchor + i * n;
        for (int32_t j = 0; j < n; ++j) {
          const int32_t d = s.order[j];
          if (!((s.in_range >> d) & 1)) {
            a[d] = 0.0f;
            continue;
          }
          const float *t0 = table + rows[j] * k, *t1 = table + rows[j + 1] * k;
          float acc = 0.0f;
          for (int32_t c = 0; c < k; ++c) acc += g[c] * (t1[c] - t0[c]);
          a[d] = acc * inv_q;
        }
      }
    }
    if (gt) {
#pragma omp for schedule(static)
      for (int64_t e = 0; e < table_len; ++e) {
        float acc = 0.0f;
        for (int32_t th = 0; th < nthreads; ++th) acc += partial[(int64_t)th * table_len + e];
        grad_table[e] = acc;
      }
    }
    if (anchor) sx_gather_planes(anchor, n_planes, hp, wp, h, w, offsets, n, grad_planes);
  }
  free(partial);
  free(anchor);
  return LUTLAB_OK;
}

typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

static inline v4f load4(const float *p) {
  v4f v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline v4f reverse4(v4f a) { return __builtin_shuffle(a, (v4i){3, 2, 1, 0}); }

/* Rows m[0..3] of a 4x4 matrix -> its columns. */
static inline void transpose4(v4f m[4]) {
  const v4f t0 = __builtin_shuffle(m[0], m[1], (v4i){0, 4, 1, 5}), t1 = __builtin_shuffle(m[0], m[1], (v4i){2, 6, 3, 7});
  const v4f t2 = __builtin_shuffle(m[2], m[3], (v4i){0, 4, 1, 5}), t3 = __builtin_shuffle(m[2], m[3], (v4i){2, 6, 3, 7});
  m[0] = __builtin_shuffle(t0, t2, (v4i){0, 1, 4, 5});
  m[1] = __builtin_shuffle(t0, t2, (v4i){2, 3, 6, 7});
  m[2] = __builtin_shuffle(t1, t3, (v4i){0, 1, 4, 5});
  m[3] = __builtin_shuffle(t1, t3, (v4i){2, 3, 6, 7});
}

/* The x4 ensemble of one LR pixel with vectors: o0..o3 are rotation 0..3's 4x4 outputs (row-major), hr the
 * top-left of its HR block (row stride wr). Block[u][v] = ((o0[u][v] + o1[3-v][u]) + o2[3-u][3-v]) +
 * o3[v][3-u]: `ensemble_maps`' perm for r = 4, summed in the same order. */
static inline void ensemble_x4(const float *o0, const float *o1, const float *o2, const float *o3, float *hr,
                               int64_t wr) {
  v4f c1[4], c3[4];
  for (int i = 0; i < 4; ++i) c1[i] = load4(o1 + 4 * i), c3[i] = load4(o3 + 4 * i);
  transpose4(c1);
  transpose4(c3);
  for (int u = 0; u < 4; ++u) {
    const v4f s = ((load4(o0 + 4 * u) + reverse4(c1[u])) + reverse4(load4(o2 + 4 * (3 - u)))) + c3[3 - u];
    memcpy(hr + u * wr, &s, sizeof s);
  }
}

/* Sub-pixel source of the rotation ensemble: block[p][q] of rotation k takes out[perm[k][p*r + q]]
 * (rotating the pattern instead of the image: anchor (y, x) of rotation k reads the input d at
 * (y, x) + rot_k(dy, dx) with rot_1(dy, dx) = (dx, -dy), rot_2 = (-dy, -dx), rot_3 = (-dx, dy)). */
static void ensemble_maps(const int32_t *offsets, int32_t n, int32_t r, int32_t roff[4][SX_MAX_N][2],
                          int32_t *perm) {
  for (int32_t d = 0; d < n; ++d) {
    const int32_t dy = offsets[2 * d], dx = offsets[2 * d + 1];
    const int32_t m[4][2] = {{dy, dx}, {dx, -dy}, {-dy, -dx}, {-dx, dy}};
    for (int32_t k = 0; k < 4; ++k) {
      roff[k][d][0] = m[k][0];
      roff[k][d][1] = m[k][1];
    }
  }
  for (int32_t p = 0; p < r; ++p) {
    for (int32_t q = 0; q < r; ++q) {
      perm[0 * r * r + p * r + q] = p * r + q;
      perm[1 * r * r + p * r + q] = (r - 1 - q) * r + p;
      perm[2 * r * r + p * r + q] = (r - 1 - p) * r + (r - 1 - q);
      perm[3 * r * r + p * r + q] = q * r + (r - 1 - p);
    }
  }
}

int32_t lutlab_simplex_ensemble(const float *planes, int32_t n_planes, int32_t h, int32_t w, const int32_t *offsets,
                              int32_t n, const void *table, int64_t table_len, int32_t dtype, int32_t interval_bits,
                              int32_t upscale, int32_t pad_mode, int32_t flags, float *out) {
  int32_t py = 0, px = 0;
  if (upscale < 1 || upscale > 16) {
    return lutlab_fail(LUTLAB_EINVAL, "simplex_ensemble: upscale=%d, expected 1..16", upscale);
  }
  const int32_t k = upscale * upscale, r = upscale;
  int32_t st = sx_check_common(planes, n_planes, h, w, offsets, n, table, table_len, dtype, interval_bits, k, out, &py,
                            &px, "simplex_ensemble");
  if (st) return st;
  if (pad_mode != 0 && pad_mode != 1) return lutlab_fail(LUTLAB_EINVAL, "simplex_ensemble: pad_mode=%d", pad_mode);
  const int32_t reach = py > px ? py : px;
  if (pad_mode == 1 && (reach >= h || reach >= w)) {
    return lutlab_fail(LUTLAB_EINVAL, "simplex_ensemble: reflect padding by %d needs planes larger than %dx%d", reach,
                       h, w);
  }
  lut_t t;
  lut_init(&t, table, dtype, n, interval_bits, k, flags);
  const row_fn fn = pick_row(&t);
  int32_t roff[4][SX_MAX_N][2], perm[4 * 16 * 16];
  ensemble_maps(offsets, n, r, roff, perm);
  /* one plane padded by `reach` on all four sides (separable edge/reflect serves every rotation) */
  const int64_t ph = (int64_t)h + 2 * reach, pw = (int64_t)w + 2 * reach;
  float *padded = (float *)malloc((size_t)(ph * pw) * sizeof(float));
  if (!padded) return lutlab_fail(LUTLAB_EINVAL, "simplex_ensemble: out of memory");
  const int64_t wr = (int64_t)w * r;
  for (int32_t p = 0; p < n_planes; ++p) {
    const float *src = planes + (int64_t)p * h * w;
    float *dst = out + (int64_t)p * h * r * wr;
#pragma omp parallel
    {
#pragma omp for schedule(static)
      for (int64_t i = 0; i < ph; ++i) {
        const int32_t y = sx_pad_both((int32_t)i - reach, h, pad_mode);
        for (int64_t j = 0; j < pw; ++j) {
          padded[i * pw + j] = src[(int64_t)y * w + sx_pad_both((int32_t)j - reach, w, pad_mode)];
        }
      }
      float *lr = (float *)malloc((size_t)4 * (size_t)w * (size_t)k * sizeof(float));
#pragma omp for schedule(static)
      for (int32_t y = 0; y < h; ++y) {
        if (!lr) continue;
        for (int32_t rot = 0; rot < 4; ++rot) {
          const float *rows[SX_MAX_N];
          for (int32_t d = 0; d < n; ++d) {
            rows[d] = padded + (int64_t)(y + reach + roff[rot][d][0]) * pw + reach + roff[rot][d][1];
          }
          fn(&t, rows, w, lr + (int64_t)rot * w * k);
        }
        for (int32_t x = 0; x < w; ++x) {
          const float *o0 = lr + (int64_t)x * k, *o1 = o0 + (int64_t)w * k, *o2 = o1 + (int64_t)w * k,
                      *o3 = o2 + (int64_t)w * k;
          if (r == 4) {
            ensemble_x4(o0, o1, o2, o3, dst + (int64_t)y * r * wr + (int64_t)x * r, wr);
            continue;
          }
          for (int32_t u = 0; u < r; ++u) {
            float *hr = dst + ((int64_t)y * r + u) * wr + (int64_t)x * r;
            for (int32_t v = 0; v < r; ++v) {
              const int32_t c = u * r + v;
              hr[v] = ((o0[perm[c]] + o1[perm[k + c]]) + o2[perm[2 * k + c]]) + o3[perm[3 * k + c]];
            }
          }
        }
      }
      if (!lr) {
#pragma omp atomic write
        st = LUTLAB_EINVAL;
      }
      free(lr);
    }
  }
  free(padded);
  if (st) return lutlab_fail(LUTLAB_EINVAL, "simplex_ensemble: out of memory");
  return LUTLAB_OK;
}
