/*
 * Sanitizer harness of kernels/hashgrid.c: forward and backward on random and edge colours (0, 1, +-inf,
 * out of range, NaN, exact vertices), dense and hashed levels, a batch of 2 and odd sizes, and every argument
 * error path. Exits non-zero on a failed check; ASan/UBSan abort on a memory or UB error.
 *
 *   gcc -std=c11 -O1 -g -fopenmp -fsanitize=address,undefined -fno-sanitize-recover=undefined \
 *       -Wall -Wextra -Werror -Ikernels kernels/test/hashgrid_asan.c kernels/hashgrid.c kernels/common.c \
 *       -o /tmp/hashgrid_asan -lm && /tmp/hashgrid_asan
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../lutlab.h"
#include "check.h"
#include "hashgrid_common_test.h"

int32_t lutlab_hashgrid_forward(const float *rgb, int32_t batch, int32_t height, int32_t width,
                                const float *table, int64_t table_len, int32_t levels, int32_t features,
                                const float *scales, const uint32_t *resolutions, const uint32_t *offsets,
                                float *out);
int32_t lutlab_hashgrid_backward(const float *rgb, int32_t batch, int32_t height, int32_t width,
                                 const float *grad_out, int32_t levels, int32_t features,
                                 const float *scales, const uint32_t *resolutions, const uint32_t *offsets,
                                 float *grad_table, int64_t table_len);

static void run(const hg_geom_t *g, int32_t batch, int32_t h, int32_t w, uint32_t seed) {
  const int64_t npix = (int64_t)h * w, lf = (int64_t)g->levels * g->features;
  float *rgb = malloc(sizeof(float) * (size_t)(batch * 3 * npix));
  float *table = malloc(sizeof(float) * (size_t)g->table_len);
  float *out = malloc(sizeof(float) * (size_t)(batch * lf * npix));
  float *grad = malloc(sizeof(float) * (size_t)g->table_len);
  hg_fill_colours(rgb, batch, npix, g, seed);
  for (int64_t i = 0; i < g->table_len; ++i) table[i] = hg_rand01(&seed) * 2.0f - 1.0f;
  int32_t st = lutlab_hashgrid_forward(rgb, batch, h, w, table, g->table_len, g->levels, g->features, g->scales,
                                       g->resolutions, g->offsets, out);
  EXPECT(st == 0, "forward status %d: %s", st, lutlab_last_error());
  for (int64_t i = 0; i < batch * lf * npix; ++i) {
    if (!isfinite(out[i])) {
      EXPECT(0, "forward output %lld not finite", (long long)i);
      break;
    }
  }
  /* Gradient of sum(out): every pixel spreads total weight 1 per level and feature. */
  for (int64_t i = 0; i < batch * lf * npix; ++i) out[i] = 1.0f;
  st = lutlab_hashgrid_backward(rgb, batch, h, w, out, g->levels, g->features, g->scales, g->resolutions,
                                g->offsets, grad, g->table_len);
  EXPECT(st == 0, "backward status %d: %s", st, lutlab_last_error());
  for (int32_t l = 0; l < g->levels; ++l) {
    double s = 0;
    for (int64_t j = (int64_t)g->offsets[l] * g->features; j < (int64_t)g->offsets[l + 1] * g->features; ++j) {
      s += grad[j];
    }
    const double want = (double)batch * npix * g->features;
    EXPECT(fabs(s - want) <= 1e-4 * want, "level %d gradient mass %g, expected %g", l, s, want);
  }
  free(rgb);
  free(table);
  free(out);
  free(grad);
}

static void errors(const hg_geom_t *g) {
  float rgb[3] = {0.5f, 0.5f, 0.5f}, out[64] = {0};
  float *table = calloc((size_t)g->table_len, sizeof(float));
  EXPECT(lutlab_hashgrid_forward(NULL, 1, 1, 1, table, g->table_len, g->levels, g->features, g->scales,
                                 g->resolutions, g->offsets, out) == LUTLAB_EINVAL, "null rgb accepted");
  EXPECT(lutlab_hashgrid_forward(rgb, 0, 1, 1, table, g->table_len, g->levels, g->features, g->scales,
                                 g->resolutions, g->offsets, out) == LUTLAB_EINVAL, "batch 0 accepted");
  EXPECT(lutlab_hashgrid_forward(rgb, 1, 1, 1, table, g->table_len - 1, g->levels, g->features, g->scales,
                                 g->resolutions, g->offsets, out) == LUTLAB_EINVAL, "short table accepted");
  EXPECT(lutlab_hashgrid_forward(rgb, 1, 1, 1, table, g->table_len, 33, g->features, g->scales,
                                 g->resolutions, g->offsets, out) == LUTLAB_EINVAL, "33 levels accepted");
  EXPECT(lutlab_hashgrid_backward(rgb, 1, 1, 1, out, g->levels, 9, g->scales, g->resolutions, g->offsets,
                                  table, g->table_len) == LUTLAB_EINVAL, "9 features accepted");
  uint32_t bad_offsets[33];
  for (int l = 0; l <= g->levels; ++l) bad_offsets[l] = g->offsets[l];
  bad_offsets[1] = 0;
  EXPECT(lutlab_hashgrid_forward(rgb, 1, 1, 1, table, g->table_len, g->levels, g->features, g->scales,
                                 g->resolutions, bad_offsets, out) == LUTLAB_EINVAL, "empty level accepted");
  EXPECT(lutlab_last_error()[0] != '\0', "no error message");
  free(table);
}

int main(void) {
  const hg_geom_t g7 = hg_geometry(7, 2, 13, 9, 64);
  const hg_geom_t gs = hg_geometry(3, 4, 6, 3, 9);
  run(&g7, 2, 37, 53, 1u);
  run(&gs, 1, 1, 1001, 2u);
  run(&g7, 1, 1, 1, 3u);
  errors(&g7);
  return finish("hashgrid_asan");
}
