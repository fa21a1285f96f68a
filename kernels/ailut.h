/*
 * AiLUT transform (AdaInt, Yang et al. CVPR 2022, ImCharlesY/AdaInt `ailut_transform`): trilinear 3D LUT
 * lookup on a non-uniform lattice whose per-channel vertex positions are learned per image. Same symbols in
 * the CPU (kernels/ailut.c) and CUDA (kernels/ailut.cu) libraries.
 * Layouts (float32): images planar NCHW [batch,3,H,W]; LUTs [lut_batch,3,D,D,D] as lut[c][b][g][r]
 * (index c*D^3 + b*D^2 + g*D + r); vertices [vert_batch,3,D] as v[c][i] (ascending, v[0] = 0, v[D-1] = 1
 * in AdaInt); lut_batch and vert_batch each in {1, batch}.
 * Per channel x (clamped to [0,1], NaN -> 0): i = clamp(lower_bound(v, x) - 1, 0, D-2),
 * f = (x - v[i]) / (v[i+1] - v[i] + 1e-10) -- the original's binary search and eps -- then trilinear
 * weights on the 8 corners. Gradients: LUT, vertices (through f's v[i], v[i+1]) and image (zero where clamped).
 */
#ifndef LUTLAB_AILUT_H
#define LUTLAB_AILUT_H

#include <stdint.h>

#include "lutlab.h"

#ifdef __cplusplus
extern "C" {
#endif

/** out[batch,3,H,W] = AiLUT(img) through lut [lut_batch,3,D,D,D] on vertices [vert_batch,3,D]. */
int32_t lutlab_ailut_forward(const float *img, int32_t batch, int32_t height, int32_t width, const float *lut,
                             int32_t lut_batch, const float *vertices, int32_t vert_batch, int32_t dim,
                             float *out);
/** Gradients of sum(grad_out * out): grad_lut [lut_batch,3,D,D,D], grad_vertices [vert_batch,3,D] and
 * grad_img [batch,3,H,W] (each NULL to skip; all overwritten). */
int32_t lutlab_ailut_backward(const float *img, int32_t batch, int32_t height, int32_t width, const float *lut,
                              int32_t lut_batch, const float *vertices, int32_t vert_batch, int32_t dim,
                              const float *grad_out, float *grad_lut, float *grad_vertices, float *grad_img);

#ifdef __cplusplus
}
#endif

#define LUTLAB_AILUT_MAX_DIM 256
#define LUTLAB_AILUT_EPS 1e-10f

#ifdef __CUDACC__
#define LUTLAB_AILUT_FN static inline __host__ __device__
#else
#define LUTLAB_AILUT_FN static inline
#endif

/* Argument checks shared by the CPU and CUDA implementations; `fn` names the call in the message. */
static inline int32_t lutlab_ailut_check_args(const char *fn, const float *img, int32_t batch, int32_t height,
                                              int32_t width, const float *lut, int32_t lut_batch,
                                              const float *vertices, int32_t vert_batch, int32_t dim) {
  if (!img || !lut || !vertices) return lutlab_fail(LUTLAB_EINVAL, "%s: null image, LUT or vertex pointer", fn);
  if (batch < 1 || height < 1 || width < 1) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: image shape [%d,3,%d,%d] must be positive", fn, batch, height,
                       width);
  }
  if (dim < 2 || dim > LUTLAB_AILUT_MAX_DIM) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: LUT size D=%d must be in [2, %d]", fn, dim, LUTLAB_AILUT_MAX_DIM);
  }
  if ((lut_batch != 1 && lut_batch != batch) || (vert_batch != 1 && vert_batch != batch)) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: LUT batch %d and vertex batch %d must be 1 or the image batch %d",
                       fn, lut_batch, vert_batch, batch);
  }
  return LUTLAB_OK;
}

/* Cell index i of x among the ascending vertices v[0..D) (the original's lower_bound - 1, clamped), and
 * the fraction f = (x - v[i]) / (v[i+1] - v[i] + eps); `inv` = 1 / (v[i+1] - v[i] + eps). */
LUTLAB_AILUT_FN int32_t lutlab_ailut_locate(const float *v, int32_t dim, float x, float *f, float *inv) {
  int32_t lo = 0, hi = dim;
  while (lo < hi) {
    const int32_t mid = lo + ((hi - lo) >> 1);
    if (!(v[mid] >= x)) lo = mid + 1;
    else hi = mid;
  }
  int32_t i = lo - 1;
  i = i < 0 ? 0 : (i > dim - 2 ? dim - 2 : i);
  *inv = 1.0f / (v[i + 1] - v[i] + LUTLAB_AILUT_EPS);
  *f = (x - v[i]) * *inv;
  return i;
}

/* One pixel's lattice cell: corner offsets (within one channel's D^3 table), trilinear weights, per-axis
 * cell index, fraction and 1/width. */
typedef struct {
  int32_t idx[3];
  float f[3], inv[3];
  int64_t off[8];
  float w[8];
} lutlab_ailut_cell;

/* Clamps x to [0,1] (NaN -> 0); returns whether it was inside. */
LUTLAB_AILUT_FN int lutlab_ailut_clamp(float *x) {
  const int inside = (*x >= 0.0f) & (*x <= 1.0f);
  float c = *x > 0.0f ? *x : 0.0f;
  *x = c < 1.0f ? c : 1.0f;
  return inside;
}

/* Fills `c` for the colour (r,g,b) (already clamped) on vertices v [3,D]. */
LUTLAB_AILUT_FN void lutlab_ailut_cell_of(const float *v, int32_t dim, const float rgb[3], lutlab_ailut_cell *c) {
  for (int a = 0; a < 3; ++a) c->idx[a] = lutlab_ailut_locate(v + a * dim, dim, rgb[a], &c->f[a], &c->inv[a]);
  const int64_t d = dim, d2 = d * d;
  for (int k = 0; k < 8; ++k) {
    const int dr = k & 1, dg = (k >> 1) & 1, db = (k >> 2) & 1;
    c->off[k] = (c->idx[0] + dr) + d * (c->idx[1] + dg) + d2 * (c->idx[2] + db);
    c->w[k] = (dr ? c->f[0] : 1.0f - c->f[0]) * (dg ? c->f[1] : 1.0f - c->f[1]) * (db ? c->f[2] : 1.0f - c->f[2]);
  }
}

/* d(sum_k w_k t_k)/d f_axis for the table t of one channel. */
LUTLAB_AILUT_FN float lutlab_ailut_dfrac(const lutlab_ailut_cell *c, const float *t, int axis) {
  float s = 0.0f;
  for (int k = 0; k < 8; ++k) {
    float dw = ((k >> axis) & 1) ? 1.0f : -1.0f;
    for (int a = 0; a < 3; ++a) {
      if (a != axis) dw *= ((k >> a) & 1) ? c->f[a] : 1.0f - c->f[a];
    }
    s += dw * t[c->off[k]];
  }
  return s;
}

#endif
