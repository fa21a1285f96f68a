/*
 * The tail of a CNN trunk block (lib/enhance/models/backbone.ts: Image-Adaptive 3DLUT `Classifier`, CLUT-Net
 * `Backbone`) as one op: y = InstanceNorm2d(LeakyReLU(z + bias)) with an affine InstanceNorm (per sample and
 * channel over the positions, biased variance), or LeakyReLU(z + bias) alone. CPU library only, like
 * conv2d.h (lib/nn/leaky_norm.ts loads it from liblutlab_cpu.so). Layout NHWC: z, y [N,HW,C]; bias, gamma,
 * beta [C]; stats [N,2,C] = per sample the means, then the 1/sqrt(variance + eps). Sums in float64 over fixed
 * chunks of positions, combined in chunk order (OpenMP over sample x chunk): results do not depend on the
 * thread count.
 */
#ifndef LUTLAB_LEAKY_NORM_H
#define LUTLAB_LEAKY_NORM_H

#include <stdint.h>

#include "lutlab.h"

#ifdef __cplusplus
extern "C" {
#endif

/** act [N,HW,C] = LeakyReLU(z + bias, slope); with gamma and beta: stats [N,2,C] of act and
 * y = (act - mean) * rstd * gamma + beta; without (gamma = beta = NULL): y = act (act, stats unused, may be
 * NULL). All outputs overwritten. */
int32_t lutlab_leaky_norm_forward(const float *z, const float *bias, const float *gamma, const float *beta, float *y,
                                  float *act, float *stats, int32_t n, int32_t hw, int32_t c, float slope, float eps);
/** Gradients from dy [N,HW,C]: dz [N,HW,C], dbias [C], and with gamma (the forward's act and stats) dgamma,
 * dbeta [C]; without gamma, act is the forward's y (stats, dgamma, dbeta unused, may be NULL). Overwritten. */
int32_t lutlab_leaky_norm_backward(const float *dy, const float *act, const float *stats, const float *gamma,
                                   float *dz, float *dbias, float *dgamma, float *dbeta, int32_t n, int32_t hw,
                                   int32_t c, float slope);

#ifdef __cplusplus
}
#endif

#endif
