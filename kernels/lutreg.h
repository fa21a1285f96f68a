/*
 * Smoothness (TV) and monotonicity regularisers of 3D LUT banks (lib/enhance/losses.ts), value and gradient.
 * CPU library only, like conv2d.h: the bank lives in wasm memory on the host (lib/enhance/losses.ts loads these
 * from liblutlab_cpu.so). OpenMP over planes; each plane's sum in a fixed order and the plane sums added in
 * plane order, so results do not depend on the thread count. LUTs are `planes` = N*3 blocks of D^3
 * floats in layout [b][g][r]; the differences d = lut[p] - lut[p+s] along r (s = 1), g (s = D) and
 * b (s = D^2) have weight w = 2 on the first and last of each axis, else 1.
 */
#ifndef LUTLAB_LUTREG_H
#define LUTLAB_LUTREG_H

#include <stdint.h>

#include "lutlab.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LUTLAB_LUTREG_TV 0      /* w d^2 */
#define LUTLAB_LUTREG_MN 1      /* relu(d) (Image-Adaptive 3DLUT) */
#define LUTLAB_LUTREG_MN_SQ 2   /* relu(w d)^2 (CLUT-Net) */

/** With `value`: *value = scale * sum over all differences of term(d, w) (float64 sum). With `grad`
 * [planes,D,D,D]: grad = scale * d(sum)/d(lut) (overwritten). Either may be NULL. */
int32_t lutlab_lut_regularizer(const float *lut, int32_t planes, int32_t dim, int32_t term, float scale,
                               float *value, float *grad);

#ifdef __cplusplus
}
#endif

#endif
