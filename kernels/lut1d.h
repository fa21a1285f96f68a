/*
 * 1D LUT apply kernels (kernels/lut1d.c, kernels/lut1d.cu): per-channel curves with linear interpolation,
 * as in .cube 1D tables and the shaper of Resolve 1D+3D files (SepLUT's component-wise stage). Same
 * symbols in the CPU and CUDA libraries. LUT layout lut[c][i] float32 (index c*N + i, N entries per
 * channel), `lut_batch` in {1, batch} LUTs of 3*N floats; images planar NCHW float32 [batch,3,height,width].
 * Input clamped to [0,1] (NaN -> 0); i = min((int)(x*(N-1)), N-2), f = x*(N-1) - i,
 * out = lut[i] + (lut[i+1] - lut[i]) * f.
 */
#ifndef LUTLAB_LUT1D_H
#define LUTLAB_LUT1D_H

#include <stdint.h>

#include "lutlab.h"

#ifdef __cplusplus
extern "C" {
#endif

/** out[batch,3,H,W] = per-channel LUT(img); inputs clamped to [0,1] (NaN -> 0). */
int32_t lutlab_lut1d_forward(const float *img, int32_t batch, int32_t height, int32_t width, const float *lut,
                             int32_t lut_batch, int32_t size, float *out);
/** Gradients of sum(grad_out * out): grad_lut [lut_batch,3,N] and grad_img [batch,3,H,W] (either NULL to
 * skip; both overwritten). The image gradient is zero where the input was clamped. */
int32_t lutlab_lut1d_backward(const float *img, int32_t batch, int32_t height, int32_t width,
                              const float *lut, int32_t lut_batch, int32_t size, const float *grad_out,
                              float *grad_lut, float *grad_img);

#ifdef __cplusplus
}
#endif

#define LUTLAB_LUT1D_MAX_SIZE 65536

/* Argument checks shared by the CPU and CUDA implementations; `fn` names the call in the message. */
static inline int32_t lutlab_lut1d_check_args(const char *fn, const float *img, int32_t batch, int32_t height,
                                              int32_t width, const float *lut, int32_t lut_batch,
                                              int32_t size) {
  if (!img || !lut) return lutlab_fail(LUTLAB_EINVAL, "%s: null image or LUT pointer", fn);
  if (batch < 1 || height < 1 || width < 1) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: image shape [%d,3,%d,%d] must be positive", fn, batch, height,
                       width);
  }
  if (size < 2 || size > LUTLAB_LUT1D_MAX_SIZE) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: LUT size N=%d must be in [2, %d]", fn, size, LUTLAB_LUT1D_MAX_SIZE);
  }
  if (lut_batch != 1 && lut_batch != batch) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: LUT batch %d must be 1 or the image batch %d", fn, lut_batch,
                       batch);
  }
  return LUTLAB_OK;
}

/* Segment index and fraction of one value in an N-entry table (shared by the C and CUDA kernels). */
static inline
#ifdef __CUDACC__
    __host__ __device__
#endif
    int32_t
    lutlab_lut1d_locate(float x, int32_t size, float *f) {
  x = x > 0.0f ? x : 0.0f; /* NaN -> 0 */
  x = x < 1.0f ? x : 1.0f;
  const float t = x * (float)(size - 1);
  int32_t i = (int32_t)t;
  i = i < size - 2 ? i : size - 2;
  *f = t - (float)i;
  return i;
}

#endif
