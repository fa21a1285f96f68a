/*
 * Image losses of the photo models (lib/enhance/losses.ts), value and gradient with respect to the prediction,
 * on float32 arrays of n values in host (wasm) memory (COS: NCHW images [n/(3 hw),3,hw]). CPU library only (like lutreg.h). OpenMP over
 * fixed chunks whose float64 sums are added in chunk order, so values do not depend on the thread count;
 * every gradient element in float64 as the TypeScript loops it replaces, stored as float32 (no contraction
 * into fused multiply-adds).
 *   MSE: mean (p - q)^2;  L1: mean |p - q| (gradient sign(p - q), 0 where equal);
 *   COS: mean over pixels of 1 - cos(p_rgb, q_rgb), each squared norm clamped to >= 1e-16 (CLUT-Net's cos).
 */
#ifndef LUTLAB_IMAGE_LOSS_H
#define LUTLAB_IMAGE_LOSS_H

#include <stdint.h>

#include "lutlab.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LUTLAB_LOSS_MSE 0
#define LUTLAB_LOSS_L1 1
#define LUTLAB_LOSS_COS 2

/** *value = loss(p, q) for p, q [n] (hw: COS's plane size, n a multiple of 3 hw; ignored otherwise). */
int32_t lutlab_image_loss(int32_t kind, const float *p, const float *q, int64_t n, int64_t hw, double *value);

/** out [n] = scale * d loss(p, q) / d p (overwritten). */
int32_t lutlab_image_loss_grad(int32_t kind, const float *p, const float *q, int64_t n, int64_t hw, double scale,
                               float *out);

#ifdef __cplusplus
}
#endif

#endif
