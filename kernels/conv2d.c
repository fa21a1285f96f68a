/* Conv2D filter and input gradients on the CPU (see conv2d.h). Inner loops are axpys along a contiguous
 * channel axis (vectorised by GCC), each output value summed in a fixed order. */
#include "conv2d.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int32_t check_shapes(const char *fn, const void *a, const void *b, const void *out, int32_t n,
                            int32_t h, int32_t w, int32_t ci, int32_t ho, int32_t wo, int32_t co, int32_t kh,
                            int32_t kw, int32_t stride, int32_t pad_top, int32_t pad_left) {
  if (!a || !b || !out) return lutlab_fail(LUTLAB_EINVAL, "%s: null pointer argument", fn);
  if (n < 1 || h < 1 || w < 1 || ci < 1 || ho < 1 || wo < 1 || co < 1 || kh < 1 || kw < 1 || stride < 1) {
    return lutlab_fail(LUTLAB_EINVAL,
                       "%s: x [%d,%d,%d,%d], dy [%d,%d,%d,%d], kernel %dx%d and stride %d must be positive",
                       fn, n, h, w, ci, n, ho, wo, co, kh, kw, stride);
  }
  if (pad_top < 0 || pad_left < 0) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: padding top %d, left %d must be >= 0", fn, pad_top, pad_left);
  }
  return LUTLAB_OK;
}

/* Output channels per filter-gradient task (a cache line of floats). */
#define OBLK 16

int32_t lutlab_conv2d_backward_filter(const float *x, const float *dy, float *dw, int32_t n, int32_t h, int32_t w,
                                      int32_t ci, int32_t ho, int32_t wo, int32_t co, int32_t kh, int32_t kw,
                                      int32_t stride, int32_t pad_top, int32_t pad_left) {
  int32_t st = check_shapes("conv2d_backward_filter", x, dy, dw, n, h, w, ci, ho, wo, co, kh, kw, stride,
                            pad_top, pad_left);
  if (st) return st;
  /* tasks: (tap, block of OBLK output channels); each sums its dw entries over (b, oy, ox) in the same order
   * whatever the thread count, so results are bit-identical to one thread. The sums run in a buffer of the
   * thread's own (ci x OBLK), copied out at the end of the task: accumulating in dw itself had two threads
   * writing neighbouring blocks of the same cache lines (dw lives in wasm memory, 16-byte aligned), which
   * made two threads 2-5x slower than one on the trunk's 32-128 channel layers. */
  const int32_t nob = (co + OBLK - 1) / OBLK;
  int32_t oom = 0;
#pragma omp parallel reduction(| : oom)
  {
    float *acc = malloc(sizeof(float) * (size_t)ci * OBLK);
    oom = !acc;
#pragma omp for schedule(dynamic, 1)
    for (int32_t task = 0; task < kh * kw * nob; task++) {
      if (!acc) continue;
      const int32_t k = task / nob, o0 = (task % nob) * OBLK, nb = o0 + OBLK < co ? OBLK : co - o0;
      const int32_t ky = k / kw, kx = k % kw;
      memset(acc, 0, sizeof(float) * (size_t)ci * OBLK);
      for (int32_t b = 0; b < n; b++) {
        for (int32_t oy = 0; oy < ho; oy++) {
          const int64_t iy = (int64_t)oy * stride + ky - pad_top;
          if (iy < 0 || iy >= h) continue;
          for (int32_t ox = 0; ox < wo; ox++) {
            const int64_t ix = (int64_t)ox * stride + kx - pad_left;
            if (ix < 0 || ix >= w) continue;
            const float *xv = x + (((size_t)b * h + iy) * w + ix) * ci;
            const float *g = dy + (((size_t)b * ho + oy) * wo + ox) * co + o0;
            for (int32_t c = 0; c < ci; c++) {
              const float a = xv[c];
              float *row = acc + (size_t)c * OBLK;
              for (int32_t o = 0; o < nb; o++) row[o] = fmaf(a, g[o], row[o]);
            }
          }
        }
      }
      float *dwk = dw + (size_t)k * ci * co + o0;
      for (int32_t c = 0; c < ci; c++) memcpy(dwk + (size_t)c * co, acc + (size_t)c * OBLK, sizeof(float) * nb);
    }
    free(acc);
  }
  if (oom) return lutlab_fail(LUTLAB_EINVAL, "conv2d_backward_filter: out of memory for %d channels", ci);
  return LUTLAB_OK;
}

int32_t lutlab_conv2d_backward_input(const float *dy, const float *wt, float *dx, int32_t n, int32_t h, int32_t w,
                                     int32_t ci, int32_t ho, int32_t wo, int32_t co, int32_t kh, int32_t kw,
                                     int32_t stride, int32_t pad_top, int32_t pad_left) {
  int32_t st = check_shapes("conv2d_backward_input", dy, wt, dx, n, h, w, ci, ho, wo, co, kh, kw, stride,
                            pad_top, pad_left);
  if (st) return st;
  /* the filter as [KH,KW,Co,Ci], so that the inner loop runs along Ci in both dx and the filter */
  const size_t kc = (size_t)ci * co;
  float *wc = malloc(sizeof(float) * kh * kw * kc);
  if (!wc) {
    return lutlab_fail(LUTLAB_EINVAL, "conv2d_backward_input: out of memory for a %dx%dx%dx%d filter", kh, kw,
                       ci, co);
  }
  for (int32_t k = 0; k < kh * kw; k++) {
    for (int32_t c = 0; c < ci; c++) {
      for (int32_t o = 0; o < co; o++) wc[k * kc + (size_t)o * ci + c] = wt[k * kc + (size_t)c * co + o];
    }
  }
  memset(dx, 0, sizeof(float) * (size_t)n * h * w * ci);
  /* each input row is one thread's: results do not depend on the thread count */
#pragma omp parallel for collapse(2) schedule(dynamic, 4)
  for (int32_t b = 0; b < n; b++) {
    for (int32_t iy = 0; iy < h; iy++) {
      for (int32_t ix = 0; ix < w; ix++) {
        float *d = dx + (((size_t)b * h + iy) * w + ix) * ci;
        for (int32_t ky = 0; ky < kh; ky++) {
          const int64_t t = (int64_t)iy + pad_top - ky;
          if (t < 0 || t % stride) continue;
          const int64_t oy = t / stride;
          if (oy >= ho) continue;
          for (int32_t kx = 0; kx < kw; kx++) {
            const int64_t u = (int64_t)ix + pad_left - kx;
            if (u < 0 || u % stride) continue;
            const int64_t ox = u / stride;
            if (ox >= wo) continue;
            const float *g = dy + (((size_t)b * ho + oy) * wo + ox) * co;
            const float *wk = wc + (size_t)(ky * kw + kx) * kc;
            for (int32_t o = 0; o < co; o++) {
              const float a = g[o];
              const float *r = wk + (size_t)o * ci;
              for (int32_t c = 0; c < ci; c++) d[c] = fmaf(a, r[c], d[c]);
            }
          }
        }
      }
    }
  }
  free(wc);
  return LUTLAB_OK;
}
