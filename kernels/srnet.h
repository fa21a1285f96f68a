/*
 * Native training of one LutModule of the SR families (lib/sr/core/native_net.ts): the sampling of each pixel's
 * receptive field under the rotation ensemble (rotate, pad bottom/right, gather the pattern), the per-pixel
 * network (SR-LUT's SRNet or MuLUT's dense unit, ReLU or GELU, tanh), 127·clamp(·, -1, 1) with optional
 * straight-through rounding, the pixel shuffle and the rotation back, summed into the stage's prediction; and
 * the backward pass of all of it. CPU library only. Row-major float32.
 *
 * Module spec (int32 array): kind (0 srlut, 1 mulut), act (0 relu, 1 gelu), width, inputs n, channels C,
 * upscale s, rotations R (4: ensemble, 1: none), round (0/1), pad (0 reflect, 1 edge), N, H, W, py, px, then n
 * triples (dy, dx, plane): input j of the row at (plane p, y, x) is x[(p + plane·N), y + dy, x + dx] of the
 * rotated, padded planes. Parameters: w0, b0, …, w5, b5 packed in order (w [in, out]; layers of net.ts).
 * Activations live in the context (malloc'd) between the forward and the backward pass. Every sum has a fixed
 * order (row chunks whose size depends on the row count only, summed in chunk order): results do not depend
 * on the thread count.
 */
#ifndef LUTLAB_SRNET_H
#define LUTLAB_SRNET_H

#include <stdint.h>

#include "lutlab.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lutlab_srnet lutlab_srnet;

/** Number of packed parameters of the module `spec` (negative on a bad spec; see lutlab_last_error). */
int64_t lutlab_srnet_params(const int32_t *spec, int32_t spec_len);
/** Bytes of activations the module `spec` keeps between forward and backward. */
int64_t lutlab_srnet_bytes(const int32_t *spec, int32_t spec_len);
/**
 * Forward pass: input planes x [P, H, W] (0..255) → pred [C·N, H·s, W·s] += Σ_rot rot⁻ʳ(shuffle(127·clamp(net)))
 * in table units; returns the context for lutlab_srnet_backward (NULL on error).
 */
lutlab_srnet *lutlab_srnet_forward(const int32_t *spec, int32_t spec_len, const float *params, const float *x,
                                   float *pred);
/**
 * Backward pass of `ctx` for dpred [C·N, H·s, W·s] (the loss gradient of pred): grads [params] overwritten;
 * dx [P, H, W] += the input gradient when dx is not NULL (straight-through rounding: identity).
 */
int32_t lutlab_srnet_backward(lutlab_srnet *ctx, const float *params, const float *dpred, float *dx,
                              float *grads);
/** Frees a context (NULL: no-op); its buffers are kept for later passes until lutlab_srnet_release. */
void lutlab_srnet_free(lutlab_srnet *ctx);
/** Frees the buffers kept for later passes (at the end of a training). */
void lutlab_srnet_release(void);

#ifdef __cplusplus
}
#endif

#endif
