/*
 * Sanitizer harness of kernels/image_loss.c (built and run by `deno run -A kernels/build.ts --sanitize`): the
 * three losses' values against a direct float64 loop and their gradients bit for bit, on 1x3x1x1, an odd
 * 3x3x7x5 batch and one past a chunk (2x3x100x90), with an equal pair, a black pixel and NaN; the same bits
 * on 1 and 2 threads; every argument error.
 */
#pragma GCC optimize("fp-contract=off")
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "../image_loss.h"
#include "check.h"

static float rand01(uint32_t *s) {
  *s = *s * 1664525u + 1013904223u;
  return (float)(*s >> 8) / 16777216.0f;
}

static void run_case(int64_t batch, int64_t hw, uint32_t seed) {
  const int64_t n = batch * 3 * hw, pixels = batch * hw;
  float *p = malloc(sizeof(float) * n), *q = malloc(sizeof(float) * n), *g = malloc(sizeof(float) * n),
        *g2 = malloc(sizeof(float) * n), *want = malloc(sizeof(float) * n);
  for (int64_t i = 0; i < n; i++) p[i] = rand01(&seed), q[i] = rand01(&seed);
  p[0] = q[0];
  if (hw > 1) p[1] = p[1 + hw] = p[1 + 2 * hw] = 0; /* a black pixel */
  for (int kind = 0; kind < 3; kind++) {
    double ref = 0;
    for (int64_t k = 0; k < (kind == 2 ? pixels : n); k++) {
      if (kind == 0) ref += ((double)p[k] - q[k]) * ((double)p[k] - q[k]);
      if (kind == 1) ref += fabs((double)p[k] - q[k]);
      if (kind == 2) {
        const int64_t i = (k / hw) * 3 * hw + k % hw;
        const double a0 = p[i], a1 = p[i + hw], a2 = p[i + 2 * hw], b0 = q[i], b1 = q[i + hw], b2 = q[i + 2 * hw];
        const double aa = a0 * a0 + a1 * a1 + a2 * a2, bb = b0 * b0 + b1 * b1 + b2 * b2, dot = a0 * b0 + a1 * b1 + a2 * b2;
        ref += 1 - dot / sqrt(fmax(aa, 1e-16) * fmax(bb, 1e-16));
        const double na = sqrt(fmax(aa, 1e-16)), nb = sqrt(fmax(bb, 1e-16));
        const double kb = -0.5 / ((double)pixels * na * nb), ka = aa >= 1e-16 ? (0.5 * dot) / ((double)pixels * na * na * na * nb) : 0;
        want[i] = (float)(kb * b0 + ka * a0), want[i + hw] = (float)(kb * b1 + ka * a1), want[i + 2 * hw] = (float)(kb * b2 + ka * a2);
      } else {
        const double d = (double)p[k] - q[k];
        want[k] = kind == 0 ? (float)(((2.0 * 0.5) / (double)n) * d) : (float)((0.5 / (double)n) * (double)((d > 0) - (d < 0)));
      }
    }
    ref /= (double)(kind == 2 ? pixels : n);
    double v1 = NAN, v2 = NAN;
    omp_set_num_threads(1);
    EXPECT(lutlab_image_loss(kind, p, q, n, hw, &v1) == 0 && lutlab_image_loss_grad(kind, p, q, n, hw, 0.5, g) == 0,
           "kind %d failed: %s", kind, lutlab_last_error());
    omp_set_num_threads(2);
    lutlab_image_loss(kind, p, q, n, hw, &v2);
    lutlab_image_loss_grad(kind, p, q, n, hw, 0.5, g2);
    EXPECT(fabs(v1 - ref) <= 1e-12 * fmax(1, fabs(ref)), "kind %d [%lld,3,%lld]: %.17g vs %.17g", kind,
           (long long)batch, (long long)hw, v1, ref);
    EXPECT(v1 == v2 && !memcmp(g, g2, sizeof(float) * n), "kind %d: 1 and 2 threads differ", kind);
    EXPECT(!memcmp(g, want, sizeof(float) * n), "kind %d [%lld,3,%lld]: gradient differs from the loop", kind,
           (long long)batch, (long long)hw);
  }
  p[2] = NAN;
  double v = 0;
  lutlab_image_loss(0, p, q, n, hw, &v);
  EXPECT(isnan(v), "a NaN prediction gave MSE %g", v);
  free(p), free(q), free(g), free(g2), free(want);
}

int main(void) {
  run_case(1, 1, 1u);
  run_case(3, 35, 2u);
  run_case(2, 9000, 3u);
  float x[3] = {0};
  double v;
  EXPECT(lutlab_image_loss(3, x, x, 3, 1, &v) == LUTLAB_EINVAL, "kind 3 accepted");
  EXPECT(lutlab_image_loss(0, NULL, x, 3, 1, &v) == LUTLAB_EINVAL, "null prediction accepted");
  EXPECT(lutlab_image_loss(0, x, x, 0, 1, &v) == LUTLAB_EINVAL, "0 values accepted");
  EXPECT(lutlab_image_loss(2, x, x, 3, 2, &v) == LUTLAB_EINVAL, "3 values as images of 2 pixels accepted");
  EXPECT(lutlab_image_loss_grad(0, x, x, 3, 1, 1.0, NULL) == LUTLAB_EINVAL, "null gradient accepted");
  return finish("image_loss_asan");
}
