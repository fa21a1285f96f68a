/*
 * Sanitizer harness of kernels/adam.c (built and run by `deno run -A kernels/build.ts --sanitize`): the update
 * against a direct float64 loop (bit for bit), with and without a gradient, in place and out of place, sizes
 * 0, 1, 7 and one past the parallel threshold, zero/inf/NaN gradients, and the argument errors.
 */
#pragma GCC optimize("fp-contract=off")
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../adam.h"
#include "check.h"

static float rand_pm(uint32_t *s) {
  *s = *s * 1664525u + 1013904223u;
  return (float)(*s >> 8) / 8388608.0f - 1.0f;
}

static void run_case(int64_t n, int with_grad, int in_place, uint32_t seed) {
  float *buf = malloc(sizeof(float) * (size_t)(7 * n + 1));
  float *p = buf, *m = p + n, *v = m + n, *g = v + n, *po = g + n, *mo = po + n, *vo = mo + n;
  for (int64_t i = 0; i < n; i++) {
    p[i] = rand_pm(&seed), m[i] = 0.1f * rand_pm(&seed), v[i] = fabsf(0.01f * rand_pm(&seed));
    g[i] = i % 97 == 3 ? 0.0f : i % 89 == 5 ? INFINITY : i % 83 == 7 ? NAN : rand_pm(&seed);
  }
  const double b1 = 0.9, b2 = 0.999, k1 = 1e-3 / (1 - pow(b1, 3)), c2 = sqrt(1 - pow(b2, 3)), eps = 1e-8;
  float *rp = malloc(sizeof(float) * (size_t)(3 * n + 1)), *rm = rp + n, *rv = rm + n;
  for (int64_t i = 0; i < n; i++) { /* the TypeScript reference, element by element */
    const double gi = with_grad ? g[i] : 0.0;
    rm[i] = (float)(b1 * m[i] + (1 - b1) * gi);
    rv[i] = (float)(b2 * v[i] + (1 - b2) * gi * gi);
    rp[i] = (float)(p[i] - (k1 * rm[i]) / (sqrt(rv[i]) / c2 + eps));
  }
  float *op = in_place ? p : po, *om = in_place ? m : mo, *ov = in_place ? v : vo;
  EXPECT(lutlab_adam_update(p, m, v, with_grad ? g : NULL, n, b1, b2, k1, c2, eps, op, om, ov) == 0,
         "n %lld failed: %s", (long long)n, lutlab_last_error());
  int64_t bad = 0;
  for (int64_t i = 0; i < n; i++) {
    bad += memcmp(&op[i], &rp[i], 4) || memcmp(&om[i], &rm[i], 4) || memcmp(&ov[i], &rv[i], 4);
  }
  EXPECT(bad == 0, "n %lld grad %d in place %d: %lld elements differ from the reference", (long long)n, with_grad,
         in_place, (long long)bad);
  free(buf), free(rp);
}

int main(void) {
  const int64_t sizes[] = {0, 1, 7, 65537};
  for (int s = 0; s < 4; s++)
    for (int wg = 0; wg < 2; wg++)
      for (int ip = 0; ip < 2; ip++) run_case(sizes[s], wg, ip, 11u + (uint32_t)s);
  float x = 0;
  EXPECT(lutlab_adam_update(NULL, &x, &x, NULL, 1, 0.9, 0.999, 1e-3, 1, 1e-8, &x, &x, &x) == LUTLAB_EINVAL,
         "null parameter accepted");
  EXPECT(lutlab_adam_update(&x, &x, &x, NULL, -1, 0.9, 0.999, 1e-3, 1, 1e-8, &x, &x, &x) == LUTLAB_EINVAL,
         "negative size accepted");
  return finish("adam_asan");
}
