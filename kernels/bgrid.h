/*
 * Bilateral-grid slicing of LUTwithBGrid (Kim & Cho, ECCV 2024; kernels/bgrid.c, kernels/bgrid.cu, same
 * symbols). Grids [batch, G, D, D, D] float32 with G = 3 * gpc, layout grid[b][o][v][y][x] (index
 * x + y*D + v*D^2 + o*D^3 within image b's grids), as the original's bilateral_slicing extension; guide
 * images planar [batch,3,H,W]; out [batch,G,H,W]: channel o = c*gpc + i is grid o sliced trilinearly at
 * (x, y, guide channel c). Cells: k = clamp(floor(t*(D-1)), 0, D-2), d = (t - k/(D-1)) * (D-1) (guide
 * values are not clamped: outside [0,1] the end cells extrapolate, as in the original).
 * Spatial coordinates: spatial = 0 reproduces the released kernels, which compute x_/(W-1) in integer
 * division (0 for every column but the last, which is 1; rows alike); spatial = 1 uses x_/(W-1) in floats.
 */
#ifndef LUTLAB_BGRID_H
#define LUTLAB_BGRID_H

#include <math.h>
#include <stdint.h>

#include "lutlab.h"

#ifdef __cplusplus
extern "C" {
#endif

/** out [batch,3*gpc,H,W] = slice(grid [batch,3*gpc,D,D,D], img [batch,3,H,W]). */
int32_t lutlab_bgrid_forward(const float *grid, const float *img, int32_t batch, int32_t height, int32_t width,
                             int32_t dim, int32_t gpc, int32_t spatial, float *out);
/** Gradients of sum(grad_out * out): grad_grid [batch,3*gpc,D,D,D] and grad_img [batch,3,H,W] (either NULL to
 * skip; both overwritten). */
int32_t lutlab_bgrid_backward(const float *grid, const float *img, int32_t batch, int32_t height,
                              int32_t width, int32_t dim, int32_t gpc, int32_t spatial, const float *grad_out,
                              float *grad_grid, float *grad_img);

#ifdef __cplusplus
}
#endif

#define LUTLAB_BGRID_MAX_DIM 129
#define LUTLAB_BGRID_MAX_GPC 64

#ifdef __CUDACC__
#define LUTLAB_BGRID_FN static inline __host__ __device__
#else
#define LUTLAB_BGRID_FN static inline
#endif

/* Argument checks shared by the CPU and CUDA implementations; `fn` names the call in the message. */
static inline int32_t lutlab_bgrid_check_args(const char *fn, const float *grid, const float *img, int32_t batch,
                                              int32_t height, int32_t width, int32_t dim, int32_t gpc,
                                              int32_t spatial) {
  if (!grid || !img) return lutlab_fail(LUTLAB_EINVAL, "%s: null grid or image pointer", fn);
  if (batch < 1 || height < 1 || width < 1) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: image shape [%d,3,%d,%d] must be positive", fn, batch, height, width);
  }
  if (dim < 2 || dim > LUTLAB_BGRID_MAX_DIM) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: grid size D=%d must be in [2, %d]", fn, dim, LUTLAB_BGRID_MAX_DIM);
  }
  if (gpc < 1 || gpc > LUTLAB_BGRID_MAX_GPC) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: grids per channel %d must be in [1, %d]", fn, gpc, LUTLAB_BGRID_MAX_GPC);
  }
  if (spatial != 0 && spatial != 1) return lutlab_fail(LUTLAB_EINVAL, "%s: spatial mode %d must be 0 or 1", fn, spatial);
  return LUTLAB_OK;
}

/* Cell k and fraction d of coordinate t on a D-point axis (the original's arithmetic). */
LUTLAB_BGRID_FN int32_t lutlab_bgrid_axis(float t, int32_t dim, float *d) {
  const float bin = 1.0f / (float)(dim - 1), s = floorf(t * (float)(dim - 1));
  /* clamp before the cast (NaN and +-inf give cell 0 / D-2, no undefined conversion) */
  const int32_t k = s >= (float)(dim - 2) ? dim - 2 : (s >= 0.0f ? (int32_t)s : 0);
  *d = (t - bin * (float)k) / bin;
  return k;
}

/* Spatial coordinate of pixel x of n (see the spatial modes above). */
LUTLAB_BGRID_FN float lutlab_bgrid_coord(int32_t x, int32_t n, int32_t spatial) {
  if (n < 2) return 0.0f;
  return spatial ? (float)x / (float)(n - 1) : (float)(x / (n - 1));
}

/* Trilinear value (and d/dt in *dv, if not NULL) of one grid g [D,D,D] at (x, y, guide t). */
LUTLAB_BGRID_FN float lutlab_bgrid_sample(const float *g, int32_t dim, float x, float y, float t, float *dt) {
  float fx, fy, fv;
  const int32_t ix = lutlab_bgrid_axis(x, dim, &fx), iy = lutlab_bgrid_axis(y, dim, &fy);
  const int32_t iv = lutlab_bgrid_axis(t, dim, &fv);
  const float *p = g + ((int64_t)iv * dim + iy) * dim + ix;
  const int64_t sv = (int64_t)dim * dim;
  const float lo = (1 - fx) * (1 - fy) * p[0] + fx * (1 - fy) * p[1] + (1 - fx) * fy * p[dim] + fx * fy * p[dim + 1];
  const float hi = (1 - fx) * (1 - fy) * p[sv] + fx * (1 - fy) * p[sv + 1] + (1 - fx) * fy * p[sv + dim] +
                   fx * fy * p[sv + dim + 1];
  if (dt) *dt = (hi - lo) * (float)(dim - 1);
  return lo * (1 - fv) + hi * fv;
}

/* Adds s * (trilinear weights at (x, y, t)) to the 8 corners of gradient grid gg [D,D,D]. */
LUTLAB_BGRID_FN void lutlab_bgrid_scatter(float *gg, int32_t dim, float x, float y, float t, float s) {
  float fx, fy, fv;
  const int32_t ix = lutlab_bgrid_axis(x, dim, &fx), iy = lutlab_bgrid_axis(y, dim, &fy);
  const int32_t iv = lutlab_bgrid_axis(t, dim, &fv);
  float *p = gg + ((int64_t)iv * dim + iy) * dim + ix;
  const int64_t sv = (int64_t)dim * dim;
  const float w[4] = {(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy};
  const int64_t off[4] = {0, 1, dim, dim + 1};
  for (int k = 0; k < 4; ++k) {
#ifdef __CUDA_ARCH__
    atomicAdd(p + off[k], s * w[k] * (1 - fv));
    atomicAdd(p + sv + off[k], s * w[k] * fv);
#else
    p[off[k]] += s * w[k] * (1 - fv);
    p[sv + off[k]] += s * w[k] * fv;
#endif
  }
}

#endif
