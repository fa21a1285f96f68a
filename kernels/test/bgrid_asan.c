/*
 * Sanitizer harness of kernels/bgrid.c (built and run by `deno run -A kernels/build.ts --sanitize`): forward
 * and backward on identity grids (grid value = guide value, linear, so exact also outside [0,1]) with guides
 * in and out of range, +-inf and NaN (must not crash), both spatial modes, D = 2 and 17, gpc 1 and 2, sizes
 * 1x1 and 7x13, and every argument error. Checks: sliced value = guide (finite guides); image gradient = gpc
 * (dy = 1); each grid's gradient sums to H*W.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../bgrid.h"
#include "../lutlab.h"
#include "check.h"

static float rand01(uint32_t *s) {
  *s = *s * 1664525u + 1013904223u;
  return (float)(*s >> 8) / 16777216.0f;
}

static void run(int32_t batch, int32_t h, int32_t w, int32_t dim, int32_t gpc, int32_t spatial, uint32_t seed) {
  const int64_t hw = (int64_t)h * w, ni = (int64_t)batch * 3 * hw, no = ni * gpc;
  const int64_t d3 = (int64_t)dim * dim * dim, ng = (int64_t)batch * 3 * gpc * d3;
  float *img = malloc(sizeof(float) * ni), *gimg = malloc(sizeof(float) * ni);
  float *out = malloc(sizeof(float) * no), *gout = malloc(sizeof(float) * no);
  float *grid = malloc(sizeof(float) * ng), *ggrid = malloc(sizeof(float) * ng);
  const float edges[] = {0.0f, 1.0f, -0.5f, 2.0f, NAN, INFINITY, -INFINITY, 0.5f};
  for (int64_t i = 0; i < ni; ++i) img[i] = i % 4 == 1 ? edges[(i / 4) % 8] : rand01(&seed);
  for (int64_t i = 0; i < no; ++i) gout[i] = 1.0f;
  for (int64_t i = 0; i < ng; ++i) grid[i] = (float)((i % d3) / ((int64_t)dim * dim)) / (float)(dim - 1);
  EXPECT(lutlab_bgrid_forward(grid, img, batch, h, w, dim, gpc, spatial, out) == 0, "forward D=%d", dim);
  EXPECT(lutlab_bgrid_backward(grid, img, batch, h, w, dim, gpc, spatial, gout, ggrid, gimg) == 0, "backward");
  for (int64_t q = 0; q < no; ++q) {
    const int64_t p = q / hw, b = p / (3 * gpc), c = (p % (3 * gpc)) / gpc, g = (b * 3 + c) * hw + q % hw;
    if (isfinite(img[g])) EXPECT(fabsf(out[q] - img[g]) <= 1e-5f, "identity D=%d: in %g out %g", dim, img[g], out[q]);
  }
  for (int64_t i = 0; i < ni; ++i) {
    if (isfinite(img[i])) EXPECT(fabsf(gimg[i] - (float)gpc) <= 1e-3f, "grad img D=%d: %g", dim, gimg[i]);
  }
  int finite = 1;
  for (int64_t i = 0; i < ni; ++i) finite &= isfinite(img[i]);
  for (int64_t p = 0; finite && p < (int64_t)batch * 3 * gpc; ++p) {
    double total = 0.0;
    for (int64_t i = 0; i < d3; ++i) total += ggrid[p * d3 + i];
    EXPECT(fabs(total - (double)hw) <= 1e-3 * (double)hw, "grid gradient sums to %g, not %lld", total, (long long)hw);
  }
  EXPECT(lutlab_bgrid_backward(grid, img, batch, h, w, dim, gpc, spatial, gout, NULL, NULL) == 0, "no outputs");
  free(img), free(gimg), free(out), free(gout), free(grid), free(ggrid);
}

int main(void) {
  for (int32_t spatial = 0; spatial < 2; ++spatial) {
    run(1, 1, 1, 2, 1, spatial, 1);
    run(2, 7, 13, 17, 2, spatial, 2);
    run(1, 5, 3, 5, 1, spatial, 3);
  }
  /* only finite guides: the grid-gradient sums hold */
  float g[3 * 8] = {0}, x[3] = {0.2f, 0.5f, 0.9f}, y[3], d[3] = {1, 1, 1}, gg[3 * 8], gi[3];
  EXPECT(lutlab_bgrid_forward(g, x, 1, 1, 1, 2, 1, 0, y) == 0, "1x1 D=2");
  EXPECT(lutlab_bgrid_backward(g, x, 1, 1, 1, 2, 1, 0, d, gg, gi) == 0, "1x1 backward");
  double total = 0.0;
  for (int i = 0; i < 8; ++i) total += gg[i];
  EXPECT(fabs(total - 1.0) <= 1e-6, "1x1 grid gradient sums to %g", total);
  EXPECT(lutlab_bgrid_forward(NULL, x, 1, 1, 1, 2, 1, 0, y) == LUTLAB_EINVAL, "null grid");
  EXPECT(lutlab_bgrid_forward(g, x, 1, 1, 1, 1, 1, 0, y) == LUTLAB_EINVAL, "D=1");
  EXPECT(lutlab_bgrid_forward(g, x, 1, 1, 1, 2, 0, 0, y) == LUTLAB_EINVAL, "gpc 0");
  EXPECT(lutlab_bgrid_forward(g, x, 1, 1, 1, 2, 1, 2, y) == LUTLAB_EINVAL, "spatial 2");
  EXPECT(lutlab_bgrid_forward(g, x, 1, 0, 1, 2, 1, 0, y) == LUTLAB_EINVAL, "height 0");
  EXPECT(lutlab_bgrid_forward(g, x, 1, 1, 1, 2, 1, 0, NULL) == LUTLAB_EINVAL, "null output");
  EXPECT(lutlab_bgrid_backward(g, x, 1, 1, 1, 2, 1, 0, NULL, gg, gi) == LUTLAB_EINVAL, "null grad_out");
  return finish("bgrid_asan");
}
