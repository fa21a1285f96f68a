/*
 * 3D LUT apply kernels (kernels/lut3d.c, kernels/lut3d.cu): same symbols in the CPU and CUDA libraries.
 * LUT layout lut[c][b][g][r] float32 (index ((c*D + b)*D + g)*D + r), `lut_batch` in {1, batch} LUTs of
 * 3*D^3 floats; images planar NCHW float32 [batch,3,height,width]; mode 0 = trilinear, 1 = tetrahedral.
 */
#ifndef LUTLAB_LUT3D_H
#define LUTLAB_LUT3D_H

#include <stdint.h>

#include "lutlab.h"

#ifdef __cplusplus
extern "C" {
#endif

/** out[batch,3,H,W] = LUT(img); inputs clamped to [0,1] (NaN -> 0). */
int32_t lutlab_lut3d_forward(const float *img, int32_t batch, int32_t height, int32_t width, const float *lut,
                             int32_t lut_batch, int32_t dim, int32_t mode, float *out);
/** Gradients of sum(grad_out * out): grad_lut [lut_batch,3,D,D,D] and grad_img [batch,3,H,W] (either NULL
 * to skip; both overwritten). The image gradient is zero where the input was clamped. */
int32_t lutlab_lut3d_backward(const float *img, int32_t batch, int32_t height, int32_t width,
                              const float *lut, int32_t lut_batch, int32_t dim, int32_t mode,
                              const float *grad_out, float *grad_lut, float *grad_img);
/** Interleaved RGB uint8 [H,W,3] through one LUT, rounded to nearest. */
int32_t lutlab_lut3d_apply_u8(const uint8_t *in, int32_t height, int32_t width, const float *lut, int32_t dim,
                              int32_t mode, uint8_t *out);
/** Interleaved RGB uint16 [H,W,3] (full 0..65535 range) through one LUT, rounded to nearest. */
int32_t lutlab_lut3d_apply_u16(const uint16_t *in, int32_t height, int32_t width, const float *lut,
                               int32_t dim, int32_t mode, uint16_t *out);

#ifdef __cplusplus
}
#endif

#define LUTLAB_LUT3D_TRILINEAR 0
#define LUTLAB_LUT3D_TETRAHEDRAL 1
#define LUTLAB_LUT3D_MAX_DIM 256

/* Argument checks shared by the CPU and CUDA implementations; `fn` names the call in the message. */
static inline int32_t lutlab_lut3d_check_args(const char *fn, const void *img, int32_t batch, int32_t height,
                                              int32_t width, const float *lut, int32_t lut_batch, int32_t dim,
                                              int32_t mode) {
  if (!img || !lut) return lutlab_fail(LUTLAB_EINVAL, "%s: null image or LUT pointer", fn);
  if (batch < 1 || height < 1 || width < 1) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: image shape [%d,3,%d,%d] must be positive", fn, batch, height,
                       width);
  }
  if (dim < 2 || dim > LUTLAB_LUT3D_MAX_DIM) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: LUT size D=%d must be in [2, %d]", fn, dim,
                       LUTLAB_LUT3D_MAX_DIM);
  }
  if (lut_batch != 1 && lut_batch != batch) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: LUT batch %d must be 1 or the image batch %d", fn, lut_batch,
                       batch);
  }
  if (mode != LUTLAB_LUT3D_TRILINEAR && mode != LUTLAB_LUT3D_TETRAHEDRAL) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: mode %d must be 0 (trilinear) or 1 (tetrahedral)", fn, mode);
  }
  return LUTLAB_OK;
}

#endif
