/* Conv2D forward, filter and input gradients on the CPU (see conv2d.h) as products of the im2col matrix
 * (matmul.c's register-tiled kernels, measured 4-6x faster than direct loops on the photo trunks' layers),
 * each output value summed in a fixed order. */
#include "conv2d.h"

#include "matmul.h"

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

/* Rows of the im2col matrix per task of `im2col` (a fixed split: the copies do not depend on the threads). */
#define ROWS 64

/* cols [n*ho*wo, kh*kw*ci]: row (b,oy,ox) holds the input values its output reads, in (ky,kx,c) order (the
 * order of the HWIO filter's rows), 0 outside the input. */
static void im2col(const float *x, float *cols, int32_t n, int32_t h, int32_t w, int32_t ci, int32_t ho, int32_t wo,
                   int32_t kh, int32_t kw, int32_t stride, int32_t pad_top, int32_t pad_left) {
  const int64_t m = (int64_t)n * ho * wo, kk = (int64_t)kh * kw * ci;
#pragma omp parallel for schedule(static)
  for (int64_t r0 = 0; r0 < m; r0 += ROWS) {
    for (int64_t r = r0; r < (r0 + ROWS < m ? r0 + ROWS : m); r++) {
      const int64_t b = r / ((int64_t)ho * wo), oy = r / wo % ho, ox = r % wo;
      float *row = cols + r * kk;
      for (int32_t ky = 0; ky < kh; ky++) {
        const int64_t iy = oy * stride + ky - pad_top;
        for (int32_t kx = 0; kx < kw; kx++) {
          const int64_t ix = ox * stride + kx - pad_left;
          float *dst = row + ((int64_t)ky * kw + kx) * ci;
          if (iy < 0 || iy >= h || ix < 0 || ix >= w) memset(dst, 0, sizeof(float) * ci);
          else memcpy(dst, x + ((b * h + iy) * w + ix) * ci, sizeof(float) * ci);
        }
      }
    }
  }
}

/* dx [n,h,w,ci] from dcols [n*ho*wo, kh*kw*ci] (the gradient of im2col's matrix): each input value sums the
 * entries that copied it, over (ky,kx) in order; one thread per input row, so the sums do not depend on the
 * thread count. */
static void col2im(const float *dcols, float *dx, int32_t n, int32_t h, int32_t w, int32_t ci, int32_t ho, int32_t wo,
                   int32_t kh, int32_t kw, int32_t stride, int32_t pad_top, int32_t pad_left) {
  const int64_t kk = (int64_t)kh * kw * ci;
#pragma omp parallel for collapse(2) schedule(static)
  for (int32_t b = 0; b < n; b++) {
    for (int32_t iy = 0; iy < h; iy++) {
      for (int32_t ix = 0; ix < w; ix++) {
        float *d = dx + (((size_t)b * h + iy) * w + ix) * ci;
        memset(d, 0, sizeof(float) * ci);
        for (int32_t ky = 0; ky < kh; ky++) {
          const int64_t t = (int64_t)iy + pad_top - ky;
          if (t < 0 || t % stride || t / stride >= ho) continue;
          for (int32_t kx = 0; kx < kw; kx++) {
            const int64_t u = (int64_t)ix + pad_left - kx;
            if (u < 0 || u % stride || u / stride >= wo) continue;
            const float *g = dcols + (((int64_t)b * ho + t / stride) * wo + u / stride) * kk + ((int64_t)ky * kw + kx) * ci;
            for (int32_t c = 0; c < ci; c++) d[c] += g[c];
          }
        }
      }
    }
  }
}

/* The im2col matrix of x for the geometry, or NULL (error set) when out of memory. */
static float *columns(const char *fn, const float *x, int32_t n, int32_t h, int32_t w, int32_t ci, int32_t ho,
                      int32_t wo, int32_t kh, int32_t kw, int32_t stride, int32_t pad_top, int32_t pad_left) {
  float *cols = malloc(sizeof(float) * (size_t)n * ho * wo * kh * kw * ci);
  if (!cols) {
    lutlab_fail(LUTLAB_EINVAL, "%s: out of memory for the %dx%d columns of [%d,%d,%d,%d]", fn, kh, kw, n, h, w,
                ci);
    return NULL;
  }
  im2col(x, cols, n, h, w, ci, ho, wo, kh, kw, stride, pad_top, pad_left);
  return cols;
}

/* m rows of the im2col matrix and its k columns, checked against the int32 sizes of the matrix kernels. */
static int32_t gemm_dims(const char *fn, int32_t n, int32_t ho, int32_t wo, int32_t kh, int32_t kw, int32_t ci,
                         int32_t *m, int32_t *k) {
  const int64_t mm = (int64_t)n * ho * wo, kk = (int64_t)kh * kw * ci;
  if (mm > INT32_MAX || kk > INT32_MAX || mm * kk > (int64_t)1 << 40) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: %lld output positions x %lld taps are too many", fn, (long long)mm,
                       (long long)kk);
  }
  *m = (int32_t)mm, *k = (int32_t)kk;
  return LUTLAB_OK;
}

/* The forward pass (`tn` 0: y [m,co] = cols [m,k] · w [k,co]) or the filter gradient (`tn` 1: dw [k,co] =
 * colsᵀ · dy [m,co]) from x's im2col matrix cols; `fn` names the caller in errors. */
static int32_t columns_product(const char *fn, const float *x, const float *b, float *out, int32_t n, int32_t h,
                               int32_t w, int32_t ci, int32_t ho, int32_t wo, int32_t co, int32_t kh, int32_t kw,
                               int32_t stride, int32_t pad_top, int32_t pad_left, int32_t tn) {
  int32_t m = 0, k = 0, st = check_shapes(fn, x, b, out, n, h, w, ci, ho, wo, co, kh, kw, stride, pad_top, pad_left);
  if (st || (st = gemm_dims(fn, n, ho, wo, kh, kw, ci, &m, &k))) return st;
  float *cols = columns(fn, x, n, h, w, ci, ho, wo, kh, kw, stride, pad_top, pad_left);
  if (!cols) return LUTLAB_EINVAL;
  st = tn ? lutlab_matmul_tn(cols, b, out, m, k, co) : lutlab_matmul(cols, b, out, m, k, co, 0);
  free(cols);
  return st;
}

int32_t lutlab_conv2d_forward(const float *x, const float *wt, float *y, int32_t n, int32_t h, int32_t w, int32_t ci,
                              int32_t ho, int32_t wo, int32_t co, int32_t kh, int32_t kw, int32_t stride,
                              int32_t pad_top, int32_t pad_left) {
  return columns_product("conv2d_forward", x, wt, y, n, h, w, ci, ho, wo, co, kh, kw, stride, pad_top, pad_left, 0);
}

int32_t lutlab_conv2d_backward_filter(const float *x, const float *dy, float *dw, int32_t n, int32_t h, int32_t w,
                                      int32_t ci, int32_t ho, int32_t wo, int32_t co, int32_t kh, int32_t kw,
                                      int32_t stride, int32_t pad_top, int32_t pad_left) {
  return columns_product("conv2d_backward_filter", x, dy, dw, n, h, w, ci, ho, wo, co, kh, kw, stride, pad_top,
                         pad_left, 1);
}

int32_t lutlab_conv2d_backward_input(const float *dy, const float *wt, float *dx, int32_t n, int32_t h, int32_t w,
                                     int32_t ci, int32_t ho, int32_t wo, int32_t co, int32_t kh, int32_t kw,
                                     int32_t stride, int32_t pad_top, int32_t pad_left) {
  int32_t m = 0, k = 0, st = check_shapes("conv2d_backward_input", dy, wt, dx, n, h, w, ci, ho, wo, co, kh, kw, stride,
                                   pad_top, pad_left);
  if (st || (st = gemm_dims("conv2d_backward_input", n, ho, wo, kh, kw, ci, &m, &k))) return st;
  float *dcols = malloc(sizeof(float) * (size_t)m * k);
  if (!dcols) {
    return lutlab_fail(LUTLAB_EINVAL, "conv2d_backward_input: out of memory for [%d,%d] column gradients", m, k);
  }
  st = lutlab_matmul(dy, wt, dcols, m, co, k, 1); /* dcols [m,k] = dy [m,co] · wᵀ (w [k,co]) */
  if (!st) col2im(dcols, dx, n, h, w, ci, ho, wo, kh, kw, stride, pad_top, pad_left);
  free(dcols);
  return st;
}
