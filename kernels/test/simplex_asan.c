/*
 * Sanitizer harness of kernels/simplex_lut.c and kernels/dfc.c (built and run by `deno run -A kernels/build.ts
 * --sanitize`): forward, backward, rotation ensemble and DFC lookup for n = 2, 3, 4, int8 and float32
 * tables, intervals 0/4/8 bits, on random and edge values (0, 255, lattice points, out of range, +-inf,
 * NaN), sizes 1x1 and 3x131 (a partial block), several planes, and every argument error. Checks identities
 * that hold exactly: an affine table (entry = q * lattice index of input c % n) returns the clamped input;
 * the table gradient of each output sums to the sum of its output gradient (weights sum to 1); the plane
 * gradient of an affine table counts the anchors reading each in-range pixel; a constant table makes the
 * rotation ensemble 4x the constant; DFC without compression equals the plain lookup.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../simplex_lut.h"
#include "../lutlab.h"
#include "check.h"

static float rnd(uint32_t *s) {
  *s = *s * 1664525u + 1013904223u;
  return (float)(*s >> 8) / 16777216.0f;
}

static float clamp255(float x) { return x > 0.0f ? (x < 255.0f ? x : 255.0f) : 0.0f; }

static void fill(float *x, int64_t n, int32_t q, uint32_t seed, int wild) {
  const float edges[] = {0.0f, 255.0f, -3.0f, 300.0f, NAN, INFINITY, -INFINITY, 128.0f, 254.5f};
  for (int64_t i = 0; i < n; ++i) {
    x[i] = rnd(&seed) * 255.0f;
    if (i % 7 == 5) x[i] = (float)((i * 3) % (256 / q + 1) * q < 255 ? (i * 3) % (256 / q + 1) * q : 255);
    if (wild && i % 7 == 3) x[i] = edges[(i / 7) % 9];
  }
}

static int64_t ipow(int64_t b, int32_t e) {
  int64_t r = 1;
  while (e-- > 0) r *= b;
  return r;
}

/* Affine float table: entry[row][c] = q * (lattice index of input c % n). */
static float *affine_table(int32_t n, int32_t bits, int32_t k) {
  const int32_t L = (256 >> bits) + 1;
  const int64_t rows = ipow(L, n);
  float *t = (float *)malloc((size_t)(rows * k) * sizeof(float));
  for (int64_t r = 0; r < rows; ++r) {
    for (int32_t c = 0; c < k; ++c) {
      const int32_t d = c % n;
      t[r * k + c] = (float)(((r / ipow(L, n - 1 - d)) % L) << bits);
    }
  }
  return t;
}

static void check_case(int32_t n, int32_t bits, int32_t k, int32_t planes, int32_t hp, int32_t wp) {
  const int32_t offs[3][8] = {{0, 0, 0, 1}, {0, 0, 0, 1, 1, 0}, {0, 0, 1, 1, 1, 2, 2, 1}};
  const int32_t *off = offs[n - 2];
  const int32_t py = n == 4 ? 2 : n == 3 ? 1 : 0, px = n == 4 ? 2 : 1;
  const int32_t h = hp - py, w = wp - px, L = (256 >> bits) + 1;
  const int64_t len = ipow(L, n) * k, np = (int64_t)planes * hp * wp, no = (int64_t)planes * h * w * k;
  float *tab = affine_table(n, bits, k), *pl = (float *)malloc(np * 4), *out = (float *)malloc(no * 4);
  float *g = (float *)malloc(no * 4), *gt = (float *)malloc(len * 4), *gp = (float *)malloc(np * 4);
  fill(pl, np, 1 << bits, 7u + (uint32_t)n, 1);
  EXPECT(lutlab_simplex_forward(pl, planes, hp, wp, off, n, tab, len, 0, bits, k, 0, out) == 0, "forward: %s",
         lutlab_last_error());
  for (int64_t i = 0; i < (int64_t)planes * h * w; ++i) {
    const int64_t p = i / ((int64_t)h * w), y = (i / w) % h, x = i % w;
    for (int32_t c = 0; c < k; ++c) {
      const int32_t d = c % n;
      const float want = clamp255(pl[(p * hp + y + off[2 * d]) * wp + x + off[2 * d + 1]]);
      EXPECT(fabsf(out[i * k + c] - want) <= 1e-3f, "n=%d bits=%d affine out %g vs %g", n, bits, out[i * k + c],
             want);
    }
  }
  for (int64_t i = 0; i < no; ++i) g[i] = 1.0f;
  EXPECT(lutlab_simplex_backward(pl, planes, hp, wp, off, n, tab, len, bits, k, 1, g, gt, gp) == 0, "backward: %s",
         lutlab_last_error());
  for (int32_t c = 0; c < k; ++c) {
    double s = 0.0;
    for (int64_t r = 0; r < len / k; ++r) s += gt[r * k + c];
    EXPECT(fabs(s - (double)planes * h * w) < 1e-2, "n=%d table grad of output %d sums to %g, want %d", n, c, s,
           planes * h * w);
  }
  for (int64_t i = 0; i < np; ++i) {
    const int64_t p = i / ((int64_t)hp * wp), y = (i / wp) % hp, x = i % wp;
    float want = 0.0f;
    const int in_range = pl[i] >= 0.0f && pl[i] <= 255.0f;
    for (int32_t d = 0; d < n && in_range; ++d) {
      const int64_t ay = y - off[2 * d], ax = x - off[2 * d + 1];
      int32_t outs = 0;
      for (int32_t c = 0; c < k; ++c) outs += c % n == d;
      if (ay >= 0 && ay < h && ax >= 0 && ax < w) want += (float)outs;
    }
    (void)p;
    EXPECT(fabsf(gp[i] - want) <= 1e-3f, "n=%d plane grad %g vs %g at %lld", n, gp[i], want, (long long)i);
  }
  EXPECT(lutlab_simplex_backward(pl, planes, hp, wp, off, n, tab, len, bits, k, 0, g, NULL, gp) == 0, "bwd planes");
  EXPECT(lutlab_simplex_backward(pl, planes, hp, wp, off, n, tab, len, bits, k, 0, g, gt, NULL) == 0, "bwd table");
  free(tab);
  free(pl);
  free(out);
  free(g);
  free(gt);
  free(gp);
}

int main(void) {
  check_case(4, 4, 16, 2, 5, 133);
  check_case(4, 4, 3, 1, 3, 3); /* one anchor */
  check_case(3, 4, 9, 2, 4, 7);
  check_case(2, 0, 4, 1, 3, 70);
  check_case(2, 8, 1, 3, 2, 2);

  /* int8 ensemble with a constant table -> 4x the constant; reflect and edge; 1x1 with edge */
  {
    const int32_t L = 17, k = 4;
    const int64_t len = ipow(L, 4) * k;
    int8_t *t = (int8_t *)malloc(len);
    memset(t, 5, len);
    const int32_t S[8] = {0, 0, 0, 1, 1, 0, 1, 1};
    float pl[3 * 5 * 6], out[3 * 5 * 6 * 4];
    fill(pl, 90, 16, 3u, 1);
    for (int32_t mode = 0; mode < 2; ++mode) {
      EXPECT(lutlab_simplex_ensemble(pl, 3, 5, 6, S, 4, t, len, 1, 4, 2, mode, 1, out) == 0, "ensemble: %s",
             lutlab_last_error());
      for (int32_t i = 0; i < 360; ++i) EXPECT(out[i] == 20.0f, "ensemble %g != 20", out[i]);
    }
    EXPECT(lutlab_simplex_ensemble(pl, 1, 1, 1, S, 4, t, len, 1, 4, 2, 0, 0, out) == 0, "ensemble 1x1 edge");
    EXPECT(lutlab_simplex_ensemble(pl, 1, 1, 1, S, 4, t, len, 1, 4, 2, 1, 0, out) == LUTLAB_EINVAL, "1x1 reflect");
    EXPECT(lutlab_simplex_ensemble(pl, 1, 5, 6, S, 4, t, len, 1, 4, 3, 0, 0, out) == LUTLAB_EINVAL, "K != r^2");
    EXPECT(lutlab_simplex_ensemble(pl, 1, 5, 6, S, 4, t, len, 1, 4, 2, 2, 0, out) == LUTLAB_EINVAL, "pad mode");

    /* DFC without compression equals the plain lookup; a compressed xy table of the right size runs */
    float fo[3 * 4 * 5 * 4], po[3 * 4 * 5 * 4];
    EXPECT(lutlab_simplex_forward(pl, 3, 5, 6, S, 4, t, len, 1, 4, k, 1, po) == 0, "forward int8");
    int64_t band = 0;
    for (int32_t x = 0; x < L; ++x) {
      const int32_t lo = x - 2 < 0 ? 0 : x - 2, hi = x + 2 > 16 ? 16 : x + 2;
      band += ipow(hi - lo + 1, 3);
    }
    EXPECT(lutlab_dfc_forward(pl, 3, 5, 6, S, 4, 4, 2, t, band * k, t, len, 1, 4, 4, k, fo) == 0, "dfc: %s",
           lutlab_last_error());
    for (int32_t i = 0; i < 240; ++i) EXPECT(fo[i] == po[i], "dfc %g != plain %g", fo[i], po[i]);
    EXPECT(lutlab_dfc_forward(pl, 3, 5, 6, S, 4, 4, 2, t, band * k, t, ipow(9, 4) * k, 1, 4, 5, k, fo) == 0,
           "dfc si=5: %s", lutlab_last_error());
    EXPECT(lutlab_dfc_forward(pl, 3, 5, 6, S, 4, 4, 2, t, band * k - 1, t, len, 1, 4, 4, k, fo) == LUTLAB_EINVAL,
           "dfc fine length");
    EXPECT(lutlab_dfc_forward(pl, 3, 5, 6, S, 4, 5, 2, t, band * k, t, len, 1, 4, 4, k, fo) == LUTLAB_EINVAL,
           "dfc cdims");
    EXPECT(lutlab_dfc_forward(pl, 3, 5, 6, S, 4, 4, 2, t, band * k, t, len, 1, 4, 3, k, fo) == LUTLAB_EINVAL,
           "dfc coarse bits");

    /* DFC gradients: a band wide enough to hold every point makes the fine table the full one, so they
     * equal the plain lookup's; NULL outputs are skipped */
    {
      enum { R = 83521 }; /* 17^4 */
      static float ft[R], gf[R], gc[R], lt[R];
      float go[3 * 4 * 5], gp[3 * 5 * 6], lp[3 * 5 * 6];
      for (int32_t i = 0; i < R; ++i) ft[i] = (float)((i * 37) % 23) - 11.0f;
      for (int32_t i = 0; i < 60; ++i) go[i] = (float)(i % 7) - 3.0f;
      EXPECT(lutlab_dfc_backward(pl, 3, 5, 6, S, 4, 4, 16, ft, R, ft, R, 4, 4, 1, go, gf, gc, gp) ==
                 0,
             "dfc backward: %s", lutlab_last_error());
      EXPECT(lutlab_simplex_backward(pl, 3, 5, 6, S, 4, ft, R, 4, 1, 0, go, lt, lp) == 0, "simplex backward");
      for (int32_t i = 0; i < R; ++i) EXPECT(gf[i] == lt[i] && gc[i] == 0.0f, "dfc grad table %d", i);
      for (int32_t i = 0; i < 90; ++i) EXPECT(gp[i] == lp[i], "dfc grad planes %g != %g", gp[i], lp[i]);
      EXPECT(lutlab_dfc_backward(pl, 3, 5, 6, S, 4, 4, 16, ft, R, ft, R, 4, 4, 1, go, NULL, NULL,
                                 gp) == 0,
             "dfc backward planes only");
      EXPECT(lutlab_dfc_backward(pl, 3, 5, 6, S, 4, 4, 16, ft, 5, ft, R, 4, 4, 1, go, gf, gc, gp) ==
                 LUTLAB_EINVAL,
             "dfc backward fine length");
    }

    /* argument errors of the plain lookup */
    const int32_t bad[8] = {0, 0, 0, -1, 1, 0, 1, 1};
    EXPECT(lutlab_simplex_forward(pl, 3, 5, 6, S, 4, t, len - 1, 1, 4, k, 0, po) == LUTLAB_EINVAL, "table length");
    EXPECT(lutlab_simplex_forward(pl, 3, 5, 6, bad, 4, t, len, 1, 4, k, 0, po) == LUTLAB_EINVAL, "negative offset");
    EXPECT(lutlab_simplex_forward(pl, 3, 5, 6, S, 5, t, len, 1, 4, k, 0, po) == LUTLAB_EINVAL, "n = 5");
    EXPECT(lutlab_simplex_forward(pl, 3, 5, 6, S, 4, t, len, 2, 4, k, 0, po) == LUTLAB_EINVAL, "dtype");
    EXPECT(lutlab_simplex_forward(pl, 3, 5, 6, S, 4, t, len, 1, 9, k, 0, po) == LUTLAB_EINVAL, "bits");
    EXPECT(lutlab_simplex_forward(pl, 3, 1, 6, S, 4, t, len, 1, 4, k, 0, po) == LUTLAB_EINVAL, "no output rows");
    EXPECT(lutlab_simplex_forward(NULL, 3, 5, 6, S, 4, t, len, 1, 4, k, 0, po) == LUTLAB_EINVAL, "NULL planes");
    EXPECT(lutlab_simplex_forward(pl, 3, 5, 6, NULL, 4, t, len, 1, 4, k, 0, po) == LUTLAB_EINVAL, "NULL offsets");
    EXPECT(lutlab_simplex_backward(pl, 3, 5, 6, S, 4, NULL, len, 4, k, 0, po, NULL, NULL) == LUTLAB_EINVAL, "NULL");
    EXPECT(lutlab_last_error()[0] != '\0', "an error message is set");
    free(t);
  }
  return finish("simplex_asan");
}
