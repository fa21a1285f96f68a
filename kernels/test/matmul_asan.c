/*
 * Sanitizer harness of kernels/matmul.c (built and run by `deno run -A kernels/build.ts --sanitize`): the
 * product, the product with a transposed operand and the row reduction aᵀ·b against float64 sums over shapes
 * on and off the 4×16 register tiles, one row or column, and m past one and several partial-sum chunks;
 * outputs must be fully overwritten; every argument error. Exits non-zero on a failed check.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../matmul.h"
#include "check.h"

static float rand_pm(uint32_t *s) {
  *s = *s * 1664525u + 1013904223u;
  return (float)(*s >> 8) / 8388608.0f - 1.0f;
}

static float *random_array(size_t n, uint32_t *seed) {
  float *a = malloc(n * sizeof *a);
  for (size_t i = 0; i < n; i++) a[i] = rand_pm(seed);
  return a;
}

static double max_error(const float *x, const double *ref, size_t n) {
  double e = 0;
  for (size_t i = 0; i < n; i++) e = fmax(e, fabs(x[i] - ref[i])) + (isnan(x[i]) ? INFINITY : 0);
  return e;
}

static void run_case(int m, int k, int n, uint32_t seed) {
  float *a = random_array((size_t)m * k, &seed), *b = random_array((size_t)k * n, &seed);
  float *g = random_array((size_t)m * n, &seed);
  float *c = malloc(sizeof(float) * m * n), *d = malloc(sizeof(float) * m * k), *e = malloc(sizeof(float) * k * n);
  double *rc = calloc((size_t)m * n, sizeof *rc), *rd = calloc((size_t)m * k, sizeof *rd);
  double *re = calloc((size_t)k * n, sizeof *re);
  for (size_t i = 0; i < (size_t)m * n; i++) c[i] = NAN; /* outputs must be fully overwritten */
  for (size_t i = 0; i < (size_t)m * k; i++) d[i] = NAN;
  for (size_t i = 0; i < (size_t)k * n; i++) e[i] = NAN;
  for (int i = 0; i < m; i++)
    for (int q = 0; q < k; q++)
      for (int j = 0; j < n; j++) {
        rc[(size_t)i * n + j] += (double)a[(size_t)i * k + q] * b[(size_t)q * n + j];
        rd[(size_t)i * k + q] += (double)g[(size_t)i * n + j] * b[(size_t)q * n + j];
        re[(size_t)q * n + j] += (double)a[(size_t)i * k + q] * g[(size_t)i * n + j];
      }
  EXPECT(lutlab_matmul(a, b, c, m, k, n, 0) == 0, "matmul failed: %s", lutlab_last_error());
  EXPECT(lutlab_matmul(g, b, d, m, n, k, 1) == 0, "matmul (b transposed) failed: %s", lutlab_last_error());
  EXPECT(lutlab_matmul_tn(a, g, e, m, k, n) == 0, "matmul_tn failed: %s", lutlab_last_error());
  const double ec = max_error(c, rc, (size_t)m * n), ed = max_error(d, rd, (size_t)m * k);
  const double ee = max_error(e, re, (size_t)k * n);
  EXPECT(ec <= 1e-4 && ed <= 1e-4 && ee <= 1e-4 * sqrt(m), "m %d k %d n %d: errors a·b %g, g·bᵀ %g, aᵀ·g %g", m, k, n, ec,
         ed, ee);
  free(a), free(b), free(g), free(c), free(d), free(e), free(rc), free(rd), free(re);
}

int main(void) {
  const int cases[][3] = {{1, 1, 1},  {4, 16, 16}, {5, 3, 17},      {8, 64, 32},
                          {37, 9, 64}, {3, 65, 15}, {2049, 4, 64}, {300000, 2, 3}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    run_case(cases[i][0], cases[i][1], cases[i][2], 29u + (uint32_t)i);
  }
  float a[16] = {0}, b[16] = {0}, c[16] = {0};
  EXPECT(lutlab_matmul(NULL, b, c, 2, 2, 2, 0) == LUTLAB_EINVAL, "null a accepted");
  EXPECT(lutlab_matmul(a, b, NULL, 2, 2, 2, 1) == LUTLAB_EINVAL, "null c accepted");
  EXPECT(lutlab_matmul(a, b, c, 0, 2, 2, 0) == LUTLAB_EINVAL, "m 0 accepted");
  EXPECT(lutlab_matmul_tn(a, b, c, 2, -1, 2) == LUTLAB_EINVAL, "negative k accepted");
  EXPECT(lutlab_matmul_tn(a, NULL, c, 2, 2, 2) == LUTLAB_EINVAL, "null b accepted");
  return finish("matmul_asan");
}
