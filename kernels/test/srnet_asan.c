/*
 * Sanitizer harness of kernels/srnet.c (built and run by `deno run -A kernels/build.ts --sanitize`): forward and
 * backward passes of SR-LUT (reflect, rotation ensemble, non-square planes, K off the register tiles), MuLUT
 * (GELU, edge padding, two channels, several partial-sum chunks and a partial row block) and SPF-LUT's channel
 * unit (no rotation, one tap per plane); exact identities: a zero output gradient gives zero gradients and
 * leaves dx untouched; with a zero last layer, every output is 0 and the last bias's gradient is 127 per row;
 * the same bits at 1 and 2 threads; every argument error. Exits non-zero on a failed check.
 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../srnet.h"
#include "check.h"

static float rand_pm(uint32_t *s) {
  *s = *s * 1664525u + 1013904223u;
  return (float)(*s >> 8) / 8388608.0f - 1.0f;
}

/* spec fields: kind act width n C s R round pad N H W py px, then taps */
static void run_case(const char *name, const int32_t *spec, int32_t len, int planes_in, uint32_t seed) {
  const int32_t N = spec[9], H = spec[10], W = spec[11], C = spec[4], s = spec[5], K = C * s * s;
  const int64_t P = lutlab_srnet_params(spec, len);
  EXPECT(P > 0, "%s: %lld parameters", name, (long long)P);
  if (P <= 0) return;
  const size_t nx = (size_t)planes_in * N * H * W, np = (size_t)C * N * H * s * W * s;
  float *params = malloc(sizeof(float) * P), *x = malloc(sizeof(float) * nx), *pred = calloc(np, sizeof(float));
  float *dpred = malloc(sizeof(float) * np), *dx = calloc(nx, sizeof(float)), *g1 = malloc(sizeof(float) * P);
  float *g2 = malloc(sizeof(float) * P), *dx2 = calloc(nx, sizeof(float));
  for (int64_t i = 0; i < P; i++) params[i] = 0.5f * rand_pm(&seed);
  for (size_t i = 0; i < nx; i++) x[i] = floorf(128.0f * (rand_pm(&seed) + 1.0f));
  for (size_t i = 0; i < np; i++) dpred[i] = rand_pm(&seed);

  lutlab_srnet *ctx = lutlab_srnet_forward(spec, len, params, x, pred);
  EXPECT(ctx != NULL, "%s: forward failed: %s", name, lutlab_last_error());
  int finite = 1;
  for (size_t i = 0; i < np; i++) finite &= isfinite(pred[i]) && fabsf(pred[i]) <= 4 * 127.0f;
  EXPECT(finite, "%s: prediction not finite or beyond 4·127", name);
  omp_set_num_threads(1);
  EXPECT(lutlab_srnet_backward(ctx, params, dpred, dx, g1) == 0, "%s: backward: %s", name, lutlab_last_error());
  omp_set_num_threads(2);
  EXPECT(lutlab_srnet_backward(ctx, params, dpred, dx2, g2) == 0, "%s: backward: %s", name, lutlab_last_error());
  EXPECT(memcmp(g1, g2, sizeof(float) * P) == 0 && memcmp(dx, dx2, sizeof(float) * nx) == 0,
         "%s: gradients differ between 1 and 2 threads", name);
  memset(dpred, 0, sizeof(float) * np);
  EXPECT(lutlab_srnet_backward(ctx, params, dpred, dx2, g2) == 0, "%s: backward: %s", name, lutlab_last_error());
  int zero = memcmp(dx, dx2, sizeof(float) * nx) == 0;
  for (int64_t i = 0; i < P; i++) zero &= g2[i] == 0;
  EXPECT(zero, "%s: a zero output gradient gave non-zero gradients", name);
  lutlab_srnet_free(ctx);

  /* last layer zero (its weights and bias are the final w·K + K parameters): outputs 0, bias gradient 127·rows */
  const int32_t w = spec[2], in5 = spec[0] == 0 ? w : 5 * w;
  memset(params + P - (int64_t)in5 * K - K, 0, sizeof(float) * ((size_t)in5 * K + K));
  memset(pred, 0, sizeof(float) * np);
  for (size_t i = 0; i < np; i++) dpred[i] = 1;
  ctx = lutlab_srnet_forward(spec, len, params, x, pred);
  int zeros = 1;
  for (size_t i = 0; i < np; i++) zeros &= pred[i] == 0;
  EXPECT(zeros, "%s: a zero last layer gave non-zero outputs", name);
  EXPECT(lutlab_srnet_backward(ctx, params, dpred, NULL, g1) == 0, "%s: backward: %s", name, lutlab_last_error());
  const float want = 127.0f * (float)N * spec[6] * H * W;
  for (int k = 0; k < K; k++) EXPECT(g1[P - K + k] == want, "%s: last bias gradient %g, want %g", name, g1[P - K + k], want);
  lutlab_srnet_free(ctx);
  free(params), free(x), free(pred), free(dpred), free(dx), free(g1), free(g2), free(dx2);
}

int main(void) {
  const int32_t srlut[] = {0, 0, 16, 4, 1, 3, 4, 0, 0, 2, 5, 7, 1, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0};
  run_case("srlut", srlut, 26, 1, 1);
  const int32_t mulut[] = {1, 1, 16, 4, 2, 1, 4, 1, 1, 3, 20, 20, 2, 2, 0, 0, 0, 1, 1, 0, 1, 2, 0, 2, 1, 0};
  run_case("mulut", mulut, 26, 1, 2);
  const int32_t channel[] = {1, 0, 6, 4, 4, 1, 1, 1, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 3};
  run_case("channel", channel, 26, 4, 3);

  float p[4] = {0}, x[4] = {0}, pred[4] = {0};
  EXPECT(lutlab_srnet_params(srlut, 25) < 0, "a spec of the wrong length must be refused");
  EXPECT(lutlab_srnet_params(NULL, 26) < 0, "a null spec must be refused");
  int32_t bad[26];
  memcpy(bad, srlut, sizeof bad);
  bad[10] = 1; /* reflect padding 1 on a 1-row plane */
  EXPECT(lutlab_srnet_forward(bad, 26, p, x, pred) == NULL && strstr(lutlab_last_error(), "reflect"),
         "reflect padding larger than the plane must be refused");
  memcpy(bad, srlut, sizeof bad);
  bad[14] = 2; /* tap outside the padding */
  EXPECT(lutlab_srnet_forward(bad, 26, p, x, pred) == NULL, "a tap outside the padding must be refused");
  memcpy(bad, srlut, sizeof bad);
  bad[6] = 2; /* rotations must be 1 or 4 */
  EXPECT(lutlab_srnet_bytes(bad, 26) < 0, "2 rotations must be refused");
  EXPECT(lutlab_srnet_forward(srlut, 26, NULL, x, pred) == NULL, "null parameters must be refused");
  EXPECT(lutlab_srnet_backward(NULL, p, pred, NULL, p) != 0, "a null context must be refused");
  lutlab_srnet_free(NULL);
  lutlab_srnet_release();
  return finish("srnet_asan");
}
