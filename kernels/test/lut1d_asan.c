/*
 * Sanitizer harness of kernels/lut1d.c (built and run by `deno run -A kernels/build.ts --sanitize`):
 * forward and backward on random and edge values (0, 1, exact table points, out of range, +-inf, NaN),
 * N = 2, 3, 257 and 65536, shared and per-image tables, sizes 1x1 and 7x13, and every argument error.
 * Checks identities that hold exactly: an identity table returns the clamped input and passes the gradient
 * through inside [0,1]; the table gradient of each plane sums to the sum of its output gradient.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../lut1d.h"
#include "../lutlab.h"
#include "check.h"

static float rand01(uint32_t *s) {
  *s = *s * 1664525u + 1013904223u;
  return (float)(*s >> 8) / 16777216.0f;
}

static void run(int32_t batch, int32_t lut_batch, int32_t h, int32_t w, int32_t size, uint32_t seed) {
  const int64_t n = (int64_t)batch * 3 * h * w, nl = (int64_t)lut_batch * 3 * size;
  float *img = malloc(sizeof(float) * n), *out = malloc(sizeof(float) * n), *gout = malloc(sizeof(float) * n);
  float *gimg = malloc(sizeof(float) * n), *lut = malloc(sizeof(float) * nl), *glut = malloc(sizeof(float) * nl);
  const float edges[] = {0.0f, 1.0f, -0.5f, 2.0f, NAN, INFINITY, -INFINITY, 0.5f};
  for (int64_t i = 0; i < n; ++i) {
    img[i] = i % 5 == 1 ? edges[(i / 5) % 8] : i % 5 == 3 ? (float)(i % size) / (float)(size - 1) : rand01(&seed);
    gout[i] = 1.0f;
  }
  for (int64_t i = 0; i < nl; ++i) lut[i] = (float)(i % size) / (float)(size - 1); /* identity */
  EXPECT(lutlab_lut1d_forward(img, batch, h, w, lut, lut_batch, size, out) == 0, "forward N=%d", size);
  EXPECT(lutlab_lut1d_backward(img, batch, h, w, lut, lut_batch, size, gout, glut, gimg) == 0, "backward");
  double total = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const float x = img[i], c = x > 0.0f ? (x < 1.0f ? x : 1.0f) : 0.0f;
    EXPECT(fabsf(out[i] - c) <= 1e-6f, "identity N=%d: in %g out %g", size, x, out[i]);
    const int inside = x >= 0.0f && x <= 1.0f;
    /* float32 table steps of 1/(N-1): the slope is 1 to ~0.4% at N = 65536 */
    EXPECT(fabsf(gimg[i] - (inside ? 1.0f : 0.0f)) <= 5e-3f, "grad N=%d: in %g grad %g", size, x, gimg[i]);
  }
  for (int64_t i = 0; i < nl; ++i) total += glut[i];
  EXPECT(fabs(total - (double)n) <= 1e-3 * (double)n, "LUT gradient sums to %g, not %lld", total, (long long)n);
  EXPECT(lutlab_lut1d_backward(img, batch, h, w, lut, lut_batch, size, gout, NULL, NULL) == 0, "no outputs");
  free(img), free(out), free(gout), free(gimg), free(lut), free(glut);
}

int main(void) {
  run(1, 1, 1, 1, 2, 1);
  run(2, 2, 7, 13, 3, 2);
  run(2, 1, 7, 13, 257, 3);
  run(1, 1, 16, 64, 65536, 4);
  float x[3] = {0}, y[3], l[6] = {0};
  EXPECT(lutlab_lut1d_forward(NULL, 1, 1, 1, l, 1, 2, y) == LUTLAB_EINVAL, "null image");
  EXPECT(lutlab_lut1d_forward(x, 1, 1, 1, l, 1, 1, y) == LUTLAB_EINVAL, "size 1");
  EXPECT(lutlab_lut1d_forward(x, 1, 1, 1, l, 1, 65537, y) == LUTLAB_EINVAL, "size 65537");
  EXPECT(lutlab_lut1d_forward(x, 1, 0, 1, l, 1, 2, y) == LUTLAB_EINVAL, "height 0");
  EXPECT(lutlab_lut1d_forward(x, 1, 1, 1, l, 2, 2, y) == LUTLAB_EINVAL, "lut batch 2 for batch 1");
  EXPECT(lutlab_lut1d_forward(x, 1, 1, 1, l, 1, 2, NULL) == LUTLAB_EINVAL, "null output");
  EXPECT(lutlab_lut1d_backward(x, 1, 1, 1, l, 1, 2, NULL, y, NULL) == LUTLAB_EINVAL, "null grad_out");
  return finish("lut1d_asan");
}
