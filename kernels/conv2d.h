/*
 * 2-D convolution of the CNN trunks trained on the tfjs wasm backend: forward and both backward passes (tfjs-wasm
 * lacks Conv2DBackpropFilter, its stride-2 input gradient wastes 3/4 of the work on inserted zeros, and its
 * forward runs on one thread). CPU library only: the tensors live in wasm memory on the host, so lib/nn/conv.ts
 * always loads these from liblutlab_cpu.so. Each pass is a product of the im2col matrix cols [N*Ho*Wo, KH*KW*Ci]
 * (matmul.h, OpenMP; each output value summed in a fixed order: results do not depend on the thread count).
 * Layouts: x [N,H,W,Ci] (NHWC), w [KH,KW,Ci,Co] (HWIO), y and dy [N,Ho,Wo,Co]; output position (oy,ox) reads
 * input rows oy*stride + ky - pad_top and columns ox*stride + kx - pad_left (outside = 0).
 */
#ifndef LUTLAB_CONV2D_H
#define LUTLAB_CONV2D_H

#include <stdint.h>

#include "lutlab.h"

#ifdef __cplusplus
extern "C" {
#endif

/* All take the same geometry after their three arrays: x [n,h,w,ci], y/dy [n,ho,wo,co], filter
 * [kh,kw,ci,co], stride, padding on top and left. */

/** Forward y [N,Ho,Wo,Co] = sum over ky,kx,c of x[n, oy*s+ky-pt, ox*s+kx-pl, c] w[ky,kx,c,o] (overwritten). */
int32_t lutlab_conv2d_forward(const float *x, const float *wt, float *y, int32_t n, int32_t h, int32_t w, int32_t ci,
                              int32_t ho, int32_t wo, int32_t co, int32_t kh, int32_t kw, int32_t stride,
                              int32_t pad_top, int32_t pad_left);

/** Filter gradient dw [KH,KW,Ci,Co] = sum over n,oy,ox of x[n, oy*s+ky-pt, ox*s+kx-pl, c] dy[n,oy,ox,o]
 * (overwritten). */
int32_t lutlab_conv2d_backward_filter(const float *x, const float *dy, float *dw, int32_t n, int32_t h, int32_t w,
                                      int32_t ci, int32_t ho, int32_t wo, int32_t co, int32_t kh, int32_t kw,
                                      int32_t stride, int32_t pad_top, int32_t pad_left);
/** Input gradient dx [N,H,W,Ci] = sum over ky,kx,o of dy[n,oy,ox,o] w[ky,kx,c,o] where
 * oy*s+ky-pt = y and ox*s+kx-pl = x (overwritten). */
int32_t lutlab_conv2d_backward_input(const float *dy, const float *wt, float *dx, int32_t n, int32_t h, int32_t w,
                                     int32_t ci, int32_t ho, int32_t wo, int32_t co, int32_t kh, int32_t kw,
                                     int32_t stride, int32_t pad_top, int32_t pad_left);

#ifdef __cplusplus
}
#endif

#endif
