/*
 * Sanitizer harness of kernels/lutreg.c (built and run by `deno run -A kernels/build.ts --sanitize`):
 * value and gradient of the three regulariser terms against a direct float64 loop over lut[p][b][g][r]
 * for D = 2-5, 9 and 33 and 1-6 planes, random and monotone (identity) LUTs, the same bits on 1 and 2 threads, and
 * every argument error.
 * Exits non-zero on a failed check.
 */
#include <math.h>
#include <stdio.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "../lutreg.h"
#include "check.h"

static float rand_pm(uint32_t *s) {
  *s = *s * 1664525u + 1013904223u;
  return (float)(*s >> 8) / 8388608.0f - 1.0f;
}

static void run_case(int planes, int dim, int term, int identity, uint32_t seed) {
  const int d3 = dim * dim * dim;
  const size_t n = (size_t)planes * d3;
  float *lut = malloc(n * sizeof *lut), *grad = malloc(n * sizeof *grad);
  double *ref = calloc(n, sizeof *ref), sum = 0;
  for (size_t i = 0; i < n; i++) lut[i] = identity ? (float)(i % dim) / (float)(dim - 1) : rand_pm(&seed);
  for (size_t i = 0; i < n; i++) grad[i] = NAN;
  const int strides[3] = {1, dim, dim * dim};
  for (int p = 0; p < planes; p++)
    for (int a = 0; a < 3; a++)
      for (int v = 0; v < d3; v++) {
        const int i = (v / strides[a]) % dim;
        if (i == dim - 1) continue;
        const size_t at = (size_t)p * d3 + v;
        const double w = (i == 0 || i == dim - 2) ? 2 : 1, d = (double)lut[at] - lut[at + strides[a]];
        const double val = term == 0 ? w * d * d : term == 1 ? fmax(d, 0) : pow(fmax(w * d, 0), 2);
        const double der = term == 0 ? 2 * w * d : term == 1 ? (d > 0) : 2 * w * fmax(w * d, 0);
        sum += val, ref[at] += der, ref[at + strides[a]] -= der;
      }
  float value = NAN;
  EXPECT(lutlab_lut_regularizer(lut, planes, dim, term, 0.5f, &value, NULL) == 0, "value failed: %s",
         lutlab_last_error());
  EXPECT(lutlab_lut_regularizer(lut, planes, dim, term, 0.5f, NULL, grad) == 0, "grad failed: %s",
         lutlab_last_error());
  double eg = 0;
  for (size_t i = 0; i < n; i++) eg = fmax(eg, fabs(grad[i] - 0.5 * ref[i])) + (isnan(grad[i]) ? INFINITY : 0);
  EXPECT(fabs(value - 0.5 * sum) <= 1e-5 * fmax(1, fabs(sum)) && eg <= 1e-5,
         "planes %d D %d term %d identity %d: value %g vs %g, gradient error %g", planes, dim, term, identity,
         value, 0.5 * sum, eg);
  if (identity && term != 0) EXPECT(value == 0, "identity LUT has monotonicity penalty %g", value);
  free(lut), free(grad), free(ref);
}

int main(void) {
  for (int term = 0; term < 3; term++)
    for (int dim = 2; dim <= 5; dim++)
      for (int planes = 1; planes <= 6; planes += 5) {
        run_case(planes, dim, term, 0, 3u + (uint32_t)(term * 100 + dim * 10 + planes));
        run_case(planes, dim, term, 1, 1u);
      }
  for (int term = 0; term < 3; term++) /* runs longer than the vector lanes, with a tail */
    for (int dim = 9; dim <= 33; dim += 24) run_case(2, dim, term, 0, 7u + (uint32_t)(term * 100 + dim));
  { /* the same bits on 1 and 2 threads (planes in parallel, their sums added in order) */
    const int planes = 6, dim = 17, n = planes * dim * dim * dim;
    float *lut = malloc(sizeof(float) * n), *g1 = malloc(sizeof(float) * n), *g2 = malloc(sizeof(float) * n);
    uint32_t seed = 9;
    for (int i = 0; i < n; i++) lut[i] = rand_pm(&seed);
    float v1 = 0, v2 = 1;
    omp_set_num_threads(1);
    lutlab_lut_regularizer(lut, planes, dim, 0, 0.5f, &v1, g1);
    omp_set_num_threads(2);
    lutlab_lut_regularizer(lut, planes, dim, 0, 0.5f, &v2, g2);
    EXPECT(v1 == v2 && !memcmp(g1, g2, sizeof(float) * n), "1 and 2 threads differ: %g vs %g", v1, v2);
    free(lut), free(g1), free(g2);
  }
  float l[8] = {0}, v;
  EXPECT(lutlab_lut_regularizer(NULL, 1, 2, 0, 1, &v, NULL) == LUTLAB_EINVAL, "null LUT accepted");
  EXPECT(lutlab_lut_regularizer(l, 0, 2, 0, 1, &v, NULL) == LUTLAB_EINVAL, "zero planes accepted");
  EXPECT(lutlab_lut_regularizer(l, 1, 1, 0, 1, &v, NULL) == LUTLAB_EINVAL, "D = 1 accepted");
  EXPECT(lutlab_lut_regularizer(l, 1, 2, 3, 1, &v, NULL) == LUTLAB_EINVAL, "term 3 accepted");
  return finish("lutreg_asan");
}
