/*
 * Sanitizer harness of kernels/leaky_norm.c (built and run by `deno run -A kernels/build.ts --sanitize`):
 * forward and backward of bias + LeakyReLU(0.2) (+ affine InstanceNorm) against a float64 evaluation of
 * their definitions (leaky_norm.h), with one position, a few, and several chunks of the partial sums
 * (hw 1, 7, 1300), and every argument error. Exits non-zero on a failed check.
 */
#include <math.h>
#include <stdlib.h>

#include "../leaky_norm.h"
#include "check.h"

static float rand_pm(uint32_t *s) {
  *s = *s * 1664525u + 1013904223u;
  return (float)(*s >> 8) / 8388608.0f - 1.0f;
}

static double max_err(const float *a, const double *b, size_t len) {
  double e = 0;
  for (size_t i = 0; i < len; i++) e = fmax(e, fabs(a[i] - b[i]) / fmax(1, fabs(b[i]))) + (isnan(a[i]) ? INFINITY : 0);
  return e;
}

static void run_case(int n, int hw, int c, int norm, uint32_t seed) {
  const size_t len = (size_t)n * hw * c;
  const float slope = 0.2f, eps = 1e-5f;
  float *z = malloc(len * sizeof *z), *dy = malloc(len * sizeof *dy), *y = malloc(len * sizeof *y);
  float *act = malloc(len * sizeof *act), *dz = malloc(len * sizeof *dz), *stats = malloc(2 * n * c * sizeof *stats);
  float *bias = malloc(c * sizeof *bias), *gamma = malloc(c * sizeof *gamma), *beta = malloc(c * sizeof *beta);
  float *db = malloc(c * sizeof *db), *dg = malloc(c * sizeof *dg), *dbt = malloc(c * sizeof *dbt);
  double *ry = calloc(len, sizeof *ry), *rdz = calloc(len, sizeof *rdz), *ra = calloc(len, sizeof *ra);
  double *rdb = calloc(c, sizeof *rdb), *rdg = calloc(c, sizeof *rdg), *rdbt = calloc(c, sizeof *rdbt);
  for (size_t i = 0; i < len; i++) z[i] = 2 * rand_pm(&seed), dy[i] = rand_pm(&seed), y[i] = dz[i] = NAN;
  for (int k = 0; k < c; k++) bias[k] = rand_pm(&seed), gamma[k] = 1 + rand_pm(&seed), beta[k] = rand_pm(&seed);
  for (int k = 0; k < c; k++) db[k] = dg[k] = dbt[k] = NAN;
  /* reference in float64: a, xhat, y; dL/da = gamma rstd (dy - mean dy - xhat mean(dy xhat)) */
  for (int b = 0; b < n; b++) {
    for (int k = 0; k < c; k++) {
      double s1 = 0, s2 = 0, sdy = 0, sdx = 0;
      for (int p = 0; p < hw; p++) {
        const size_t o = ((size_t)b * hw + p) * c + k;
        const double v = z[o] + bias[k];
        ra[o] = v > 0 ? v : slope * v, s1 += ra[o], s2 += ra[o] * ra[o];
      }
      const double mean = s1 / hw, rstd = 1 / sqrt(fmax(s2 / hw - mean * mean, 0) + eps);
      for (int p = 0; p < hw; p++) {
        const size_t o = ((size_t)b * hw + p) * c + k;
        const double xh = (ra[o] - mean) * rstd;
        ry[o] = norm ? xh * gamma[k] + beta[k] : ra[o];
        sdy += dy[o], sdx += dy[o] * xh;
      }
      rdg[k] += sdx, rdbt[k] += sdy;
      for (int p = 0; p < hw; p++) {
        const size_t o = ((size_t)b * hw + p) * c + k;
        const double xh = (ra[o] - mean) * rstd;
        const double da = norm ? gamma[k] * rstd * (dy[o] - sdy / hw - xh * sdx / hw) : dy[o];
        rdz[o] = ra[o] > 0 ? da : slope * da, rdb[k] += rdz[o];
      }
    }
  }
  EXPECT(lutlab_leaky_norm_forward(z, bias, norm ? gamma : NULL, norm ? beta : NULL, y, act, stats, n, hw, c, slope,
                                   eps) == 0,
         "forward failed: %s", lutlab_last_error());
  EXPECT(lutlab_leaky_norm_backward(dy, norm ? act : y, stats, norm ? gamma : NULL, dz, db, dg, dbt, n, hw, c,
                                    slope) == 0,
         "backward failed: %s", lutlab_last_error());
  const double ey = max_err(y, ry, len), ez = max_err(dz, rdz, len), eb = max_err(db, rdb, c);
  const double eg = norm ? max_err(dg, rdg, c) : 0, et = norm ? max_err(dbt, rdbt, c) : 0;
  EXPECT(ey <= 1e-4 && ez <= 1e-4 && eb <= 1e-4 * hw && eg <= 1e-4 * hw && et <= 1e-4 * hw,
         "[%d,%d,%d] norm %d: y %g, dz %g, dbias %g, dgamma %g, dbeta %g", n, hw, c, norm, ey, ez, eb, eg, et);
  free(z), free(dy), free(y), free(act), free(dz), free(stats), free(bias), free(gamma), free(beta);
  free(db), free(dg), free(dbt), free(ry), free(rdz), free(ra), free(rdb), free(rdg), free(rdbt);
}

int main(void) {
  const int cases[][3] = {{1, 1, 3}, {2, 7, 5}, {2, 1300, 16}, {1, 64, 128}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    for (int norm = 0; norm < 2; norm++) run_case(cases[i][0], cases[i][1], cases[i][2], norm, 7u + (uint32_t)i);
  }
  float a[8] = {0}, b[8] = {0}, o[8] = {0}, s[8] = {0};
  EXPECT(lutlab_leaky_norm_forward(NULL, b, NULL, NULL, o, NULL, NULL, 1, 2, 2, 0.2f, 1e-5f) == LUTLAB_EINVAL,
         "null z accepted");
  EXPECT(lutlab_leaky_norm_forward(a, b, b, b, o, o, NULL, 1, 2, 2, 0.2f, 1e-5f) == LUTLAB_EINVAL,
         "null stats accepted");
  EXPECT(lutlab_leaky_norm_forward(a, b, b, b, o, NULL, s, 1, 2, 2, 0.2f, 1e-5f) == LUTLAB_EINVAL,
         "null act accepted");
  EXPECT(lutlab_leaky_norm_forward(a, b, NULL, NULL, o, NULL, NULL, 1, 0, 2, 0.2f, 1e-5f) == LUTLAB_EINVAL,
         "zero positions accepted");
  EXPECT(lutlab_leaky_norm_backward(a, b, s, b, o, NULL, o, o, 1, 2, 2, 0.2f) == LUTLAB_EINVAL, "null dbias accepted");
  EXPECT(lutlab_leaky_norm_backward(a, b, NULL, b, o, o, o, o, 1, 2, 2, 0.2f) == LUTLAB_EINVAL, "null stats accepted");
  EXPECT(lutlab_leaky_norm_backward(a, b, NULL, NULL, o, o, NULL, NULL, 1, 2, -1, 0.2f) == LUTLAB_EINVAL,
         "negative channels accepted");
  return finish("leaky_norm_asan");
}
