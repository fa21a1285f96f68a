/*
 * Sanitizer harness of kernels/ailut.c (built and run by `deno run -A kernels/build.ts --sanitize`):
 * forward and backward on random and edge values (0, 1, exact vertices, out of range, +-inf, NaN), D = 2,
 * 5 and 33, shared and per-image LUTs and vertices, sizes 1x1 and 7x13, and every argument error. Checks
 * identities that hold exactly: the identity LUT on its own (non-uniform) vertices returns the clamped
 * input and passes the gradient through inside [0,1]; the LUT gradient of each image sums to the sum of
 * its output gradient (trilinear weights sum to 1); shifting the vertices and the colour together leaves
 * the identity's output unchanged, so the vertex gradients sum to minus the (unclamped) colour gradient:
 * -1 per pixel and channel with unit output gradients.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../ailut.h"
#include "../lutlab.h"
#include "check.h"

static float rand01(uint32_t *s) {
  *s = *s * 1664525u + 1013904223u;
  return (float)(*s >> 8) / 16777216.0f;
}

static void run(int32_t batch, int32_t lb, int32_t vb, int32_t h, int32_t w, int32_t d, uint32_t seed) {
  const int64_t n = (int64_t)batch * 3 * h * w, d3 = (int64_t)d * d * d, nl = (int64_t)lb * 3 * d3;
  const int64_t nv = (int64_t)vb * 3 * d;
  float *img = malloc(sizeof(float) * n), *out = malloc(sizeof(float) * n), *gout = malloc(sizeof(float) * n);
  float *gimg = malloc(sizeof(float) * n), *lut = malloc(sizeof(float) * nl), *glut = malloc(sizeof(float) * nl);
  float *ver = malloc(sizeof(float) * nv), *gver = malloc(sizeof(float) * nv);
  /* vertices: 0, squared spacing, 1 (non-uniform, ascending) */
  for (int64_t s = 0; s < vb * 3; ++s) {
    for (int32_t i = 0; i < d; ++i) ver[s * d + i] = (float)(i * i) / (float)((d - 1) * (d - 1));
  }
  const float edges[] = {0.0f, 1.0f, -0.5f, 2.0f, NAN, INFINITY, -INFINITY, 0.5f};
  for (int64_t i = 0; i < n; ++i) {
    img[i] = i % 5 == 1 ? edges[(i / 5) % 8] : i % 5 == 3 ? ver[i % d] : rand01(&seed);
    gout[i] = 1.0f;
  }
  /* the identity on those vertices: channel c of vertex (r,g,b) = vertex position of axis c */
  for (int64_t l = 0; l < lb; ++l) {
    for (int64_t k = 0; k < d3; ++k) {
      const int64_t idx[3] = {k % d, (k / d) % d, k / ((int64_t)d * d)};
      for (int c = 0; c < 3; ++c) lut[(l * 3 + c) * d3 + k] = ver[c * d + idx[c]];
    }
  }
  EXPECT(lutlab_ailut_forward(img, batch, h, w, lut, lb, ver, vb, d, out) == 0, "forward D=%d", d);
  EXPECT(lutlab_ailut_backward(img, batch, h, w, lut, lb, ver, vb, d, gout, glut, gver, gimg) == 0, "backward");
  for (int64_t i = 0; i < n; ++i) {
    const float x = img[i], c = x > 0.0f ? (x < 1.0f ? x : 1.0f) : 0.0f;
    EXPECT(fabsf(out[i] - c) <= 1e-5f, "identity D=%d: in %g out %g", d, x, out[i]);
    const int inside = x >= 0.0f && x <= 1.0f;
    EXPECT(fabsf(gimg[i] - (inside ? 1.0f : 0.0f)) <= 1e-3f, "grad D=%d: in %g grad %g", d, x, gimg[i]);
  }
  double total = 0.0;
  for (int64_t i = 0; i < nl; ++i) total += glut[i];
  EXPECT(fabs(total - (double)n) <= 1e-3 * (double)n, "LUT gradient sums to %g, not %lld", total, (long long)n);
  double vsum = 0.0;
  for (int64_t i = 0; i < nv; ++i) vsum += gver[i];
  const double want = -3.0 * (double)batch * h * w;
  EXPECT(fabs(vsum - want) <= 1e-3 * fabs(want), "vertex gradient sums to %g, not %g", vsum, want);
  EXPECT(lutlab_ailut_backward(img, batch, h, w, lut, lb, ver, vb, d, gout, NULL, NULL, NULL) == 0, "no outputs");
  free(img), free(out), free(gout), free(gimg), free(lut), free(glut), free(ver), free(gver);
}

int main(void) {
  run(1, 1, 1, 1, 1, 2, 1);
  run(2, 2, 1, 7, 13, 5, 2);
  run(2, 1, 2, 7, 13, 33, 3);
  float x[3] = {0}, y[3], l[24] = {0}, v[6] = {0, 1, 0, 1, 0, 1};
  EXPECT(lutlab_ailut_forward(NULL, 1, 1, 1, l, 1, v, 1, 2, y) == LUTLAB_EINVAL, "null image");
  EXPECT(lutlab_ailut_forward(x, 1, 1, 1, l, 1, NULL, 1, 2, y) == LUTLAB_EINVAL, "null vertices");
  EXPECT(lutlab_ailut_forward(x, 1, 1, 1, l, 1, v, 1, 1, y) == LUTLAB_EINVAL, "D 1");
  EXPECT(lutlab_ailut_forward(x, 1, 1, 1, l, 1, v, 1, 257, y) == LUTLAB_EINVAL, "D 257");
  EXPECT(lutlab_ailut_forward(x, 1, 0, 1, l, 1, v, 1, 2, y) == LUTLAB_EINVAL, "height 0");
  EXPECT(lutlab_ailut_forward(x, 1, 1, 1, l, 2, v, 1, 2, y) == LUTLAB_EINVAL, "lut batch 2 for batch 1");
  EXPECT(lutlab_ailut_forward(x, 1, 1, 1, l, 1, v, 2, 2, y) == LUTLAB_EINVAL, "vertex batch 2 for batch 1");
  EXPECT(lutlab_ailut_forward(x, 1, 1, 1, l, 1, v, 1, 2, NULL) == LUTLAB_EINVAL, "null output");
  EXPECT(lutlab_ailut_backward(x, 1, 1, 1, l, 1, v, 1, 2, NULL, y, NULL, NULL) == LUTLAB_EINVAL, "null grad_out");
  return finish("ailut_asan");
}
