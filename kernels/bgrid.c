/*
 * Bilateral-grid slicing (LUTwithBGrid): forward and backward (gradients w.r.t. the grids and the guide
 * image); see kernels/bgrid.h for layouts. The grid gradient is computed per grid channel (one thread owns
 * one [D,D,D] grid), so it is deterministic for any thread count.
 */
#include <stdint.h>
#include <string.h>

#include "bgrid.h"
#include "lutlab.h"

int32_t lutlab_bgrid_forward(const float *grid, const float *img, int32_t batch, int32_t height, int32_t width,
                             int32_t dim, int32_t gpc, int32_t spatial, float *out) {
  int32_t st = lutlab_bgrid_check_args("bgrid_forward", grid, img, batch, height, width, dim, gpc, spatial);
  if (st) return st;
  if (!out) return lutlab_fail(LUTLAB_EINVAL, "bgrid_forward: null output pointer");
  const int64_t hw = (int64_t)height * width, d3 = (int64_t)dim * dim * dim, planes = (int64_t)batch * 3 * gpc;
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; ++p) {
    const int64_t b = p / (3 * gpc), c = (p % (3 * gpc)) / gpc;
    const float *g = grid + p * d3, *guide = img + (b * 3 + c) * hw;
    for (int64_t k = 0; k < hw; ++k) {
      const float x = lutlab_bgrid_coord((int32_t)(k % width), width, spatial);
      const float y = lutlab_bgrid_coord((int32_t)(k / width), height, spatial);
      out[p * hw + k] = lutlab_bgrid_sample(g, dim, x, y, guide[k], NULL);
    }
  }
  return LUTLAB_OK;
}

int32_t lutlab_bgrid_backward(const float *grid, const float *img, int32_t batch, int32_t height,
                              int32_t width, int32_t dim, int32_t gpc, int32_t spatial, const float *grad_out,
                              float *grad_grid, float *grad_img) {
  int32_t st = lutlab_bgrid_check_args("bgrid_backward", grid, img, batch, height, width, dim, gpc, spatial);
  if (st) return st;
  if (!grad_out) return lutlab_fail(LUTLAB_EINVAL, "bgrid_backward: null grad_out pointer");
  const int64_t hw = (int64_t)height * width, d3 = (int64_t)dim * dim * dim, planes = (int64_t)batch * 3 * gpc;
  if (grad_grid) {
#pragma omp parallel for schedule(static)
    for (int64_t p = 0; p < planes; ++p) {
      const int64_t b = p / (3 * gpc), c = (p % (3 * gpc)) / gpc;
      const float *guide = img + (b * 3 + c) * hw;
      float *gg = grad_grid + p * d3;
      memset(gg, 0, sizeof(float) * (size_t)d3);
      for (int64_t k = 0; k < hw; ++k) {
        const float x = lutlab_bgrid_coord((int32_t)(k % width), width, spatial);
        const float y = lutlab_bgrid_coord((int32_t)(k / width), height, spatial);
        lutlab_bgrid_scatter(gg, dim, x, y, guide[k], grad_out[p * hw + k]);
      }
    }
  }
  if (grad_img) {
    const int64_t n = (int64_t)batch * 3 * hw;
#pragma omp parallel for schedule(static)
    for (int64_t q = 0; q < n; ++q) {
      const int64_t bc = q / hw, k = q % hw, b = bc / 3, c = bc % 3;
      const float x = lutlab_bgrid_coord((int32_t)(k % width), width, spatial);
      const float y = lutlab_bgrid_coord((int32_t)(k / width), height, spatial);
      float acc = 0.0f;
      for (int32_t i = 0; i < gpc; ++i) {
        const int64_t p = b * 3 * gpc + c * gpc + i;
        float dt;
        lutlab_bgrid_sample(grid + p * d3, dim, x, y, img[q], &dt);
        acc += grad_out[p * hw + k] * dt;
      }
      grad_img[q] = acc;
    }
  }
  return LUTLAB_OK;
}
