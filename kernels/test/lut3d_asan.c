/*
 * Sanitizer harness of kernels/lut3d.c (built and run by `deno run -A kernels/build.ts --sanitize`):
 * forward and backward, trilinear and tetrahedral, on random and edge colours (0, 1, exact grid points,
 * out of range, +-inf, NaN), D = 2, 3, 17, shared and per-image LUTs, sizes 1x1 and 1x1001 (a partial
 * block), the uint8/uint16 paths, and every argument error. Checks identities that hold exactly:
 * an identity LUT returns the clamped input and passes the gradient through inside [0,1]; the LUT
 * gradient of each channel sums to the sum of its output gradient (interpolation weights sum to 1).
 * Exits non-zero on a failed check; ASan/UBSan abort on a memory or UB error.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../lut3d.h"
#include "../lutlab.h"
#include "check.h"

static float rand01(uint32_t *s) {
  *s = *s * 1664525u + 1013904223u;
  return (float)(*s >> 8) / 16777216.0f;
}

static float clamp01(float x) { return x > 0.0f ? (x < 1.0f ? x : 1.0f) : 0.0f; }

/* Random colours in [-0.2, 1.2] with every 7th value replaced by an edge value. */
static void fill_colours(float *x, int64_t n, int32_t dim, uint32_t seed) {
  const float edges[] = {0.0f, 1.0f, -0.5f, 2.0f, NAN, INFINITY, -INFINITY, 0.5f, 1.0f / (float)(dim - 1)};
  for (int64_t i = 0; i < n; ++i) {
    x[i] = rand01(&seed) * 1.4f - 0.2f;
    if (i % 7 == 3) x[i] = edges[(i / 7) % 9];
    if (i % 7 == 5) x[i] = (float)(i % dim) / (float)(dim - 1); /* exact grid point */
  }
}

static void identity_lut(float *lut, int32_t dim) {
  const int64_t d3 = (int64_t)dim * dim * dim;
  for (int64_t v = 0; v < d3; ++v) {
    lut[v] = (float)(v % dim) / (float)(dim - 1);
    lut[d3 + v] = (float)((v / dim) % dim) / (float)(dim - 1);
    lut[2 * d3 + v] = (float)(v / ((int64_t)dim * dim)) / (float)(dim - 1);
  }
}

static void run(int32_t batch, int32_t lut_batch, int32_t h, int32_t w, int32_t dim, int32_t mode,
                uint32_t seed) {
  const int64_t hw = (int64_t)h * w, n = (int64_t)batch * 3 * hw, d3 = (int64_t)dim * dim * dim;
  float *img = malloc(sizeof(float) * (size_t)n), *out = malloc(sizeof(float) * (size_t)n);
  float *gout = malloc(sizeof(float) * (size_t)n), *gimg = malloc(sizeof(float) * (size_t)n);
  float *lut = malloc(sizeof(float) * (size_t)(lut_batch * 3 * d3));
  float *glut = malloc(sizeof(float) * (size_t)(lut_batch * 3 * d3));
  fill_colours(img, n, dim, seed);
  for (int32_t l = 0; l < lut_batch; ++l) identity_lut(lut + l * 3 * d3, dim);
  int32_t st = lutlab_lut3d_forward(img, batch, h, w, lut, lut_batch, dim, mode, out);
  EXPECT(st == 0, "forward status %d: %s", st, lutlab_last_error());
  for (int64_t i = 0; i < n; ++i) {
    if (!(fabsf(out[i] - clamp01(img[i])) <= 1e-6f)) {
      EXPECT(0, "identity forward [%lld]: %g -> %g (D=%d mode %d)", (long long)i, img[i], out[i], dim, mode);
      break;
    }
  }
  for (int64_t i = 0; i < n; ++i) gout[i] = rand01(&seed) - 0.5f;
  st = lutlab_lut3d_backward(img, batch, h, w, lut, lut_batch, dim, mode, gout, glut, gimg);
  EXPECT(st == 0, "backward status %d: %s", st, lutlab_last_error());
  for (int64_t i = 0; i < n; ++i) {
    const float want = img[i] >= 0.0f && img[i] <= 1.0f ? gout[i] : 0.0f;
    if (!(fabsf(gimg[i] - want) <= 1e-5f)) {
      EXPECT(0, "identity image grad [%lld] at %g: %g, expected %g", (long long)i, img[i], gimg[i], want);
      break;
    }
  }
  for (int32_t l = 0; l < lut_batch; ++l) {
    for (int c = 0; c < 3; ++c) {
      double got = 0, want = 0;
      for (int64_t v = 0; v < d3; ++v) got += glut[(l * 3 + c) * d3 + v];
      for (int32_t b = 0; b < batch; ++b) {
        if (lut_batch > 1 && b != l) continue;
        for (int64_t p = 0; p < hw; ++p) want += gout[(b * 3 + c) * hw + p];
      }
      EXPECT(fabs(got - want) <= 1e-4 * (1.0 + fabs(want)), "LUT grad mass lut %d ch %d: %g vs %g", l, c, got,
             want);
    }
  }
  /* Either gradient alone. */
  st = lutlab_lut3d_backward(img, batch, h, w, lut, lut_batch, dim, mode, gout, NULL, gimg);
  EXPECT(st == 0, "backward (image only) status %d", st);
  st = lutlab_lut3d_backward(img, batch, h, w, lut, lut_batch, dim, mode, gout, glut, NULL);
  EXPECT(st == 0, "backward (LUT only) status %d", st);
  free(img);
  free(out);
  free(gout);
  free(gimg);
  free(lut);
  free(glut);
}

static void run_integer(int32_t h, int32_t w, int32_t dim, int32_t mode) {
  const int64_t n = (int64_t)h * w * 3, d3 = (int64_t)dim * dim * dim;
  uint8_t *in8 = malloc((size_t)n), *out8 = malloc((size_t)n);
  uint16_t *in16 = malloc(sizeof(uint16_t) * (size_t)n), *out16 = malloc(sizeof(uint16_t) * (size_t)n);
  float *lut = malloc(sizeof(float) * (size_t)(3 * d3));
  identity_lut(lut, dim);
  uint32_t seed = 7u;
  for (int64_t i = 0; i < n; ++i) {
    in8[i] = (uint8_t)(rand01(&seed) * 256.0f);
    in16[i] = (uint16_t)(rand01(&seed) * 65536.0f);
  }
  in8[0] = 0;
  in8[n - 1] = 255;
  in16[0] = 0;
  in16[n - 1] = 65535;
  EXPECT(lutlab_lut3d_apply_u8(in8, h, w, lut, dim, mode, out8) == 0, "u8 status");
  EXPECT(lutlab_lut3d_apply_u16(in16, h, w, lut, dim, mode, out16) == 0, "u16 status");
  for (int64_t i = 0; i < n; ++i) {
    if (out8[i] != in8[i] || out16[i] != in16[i]) {
      EXPECT(0, "integer identity [%lld]: u8 %d -> %d, u16 %d -> %d", (long long)i, in8[i], out8[i], in16[i],
             out16[i]);
      break;
    }
  }
  free(in8);
  free(out8);
  free(in16);
  free(out16);
  free(lut);
}

static void errors(void) {
  float img[6] = {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f}, out[6], lut[3 * 8], glut[3 * 8];
  uint8_t u8[3] = {0, 0, 0};
  identity_lut(lut, 2);
  EXPECT(lutlab_lut3d_forward(NULL, 1, 1, 1, lut, 1, 2, 0, out) == LUTLAB_EINVAL, "null image accepted");
  EXPECT(lutlab_lut3d_forward(img, 1, 1, 1, NULL, 1, 2, 0, out) == LUTLAB_EINVAL, "null LUT accepted");
  EXPECT(lutlab_lut3d_forward(img, 1, 1, 1, lut, 1, 2, 0, NULL) == LUTLAB_EINVAL, "null output accepted");
  EXPECT(lutlab_lut3d_forward(img, 0, 1, 1, lut, 1, 2, 0, out) == LUTLAB_EINVAL, "batch 0 accepted");
  EXPECT(lutlab_lut3d_forward(img, 1, 1, -1, lut, 1, 2, 0, out) == LUTLAB_EINVAL, "width -1 accepted");
  EXPECT(lutlab_lut3d_forward(img, 1, 1, 1, lut, 1, 1, 0, out) == LUTLAB_EINVAL, "D=1 accepted");
  EXPECT(lutlab_lut3d_forward(img, 2, 1, 1, lut, 3, 2, 0, out) == LUTLAB_EINVAL,
         "LUT batch 3 for batch 2 accepted");
  EXPECT(lutlab_lut3d_forward(img, 1, 1, 1, lut, 1, 2, 2, out) == LUTLAB_EINVAL, "mode 2 accepted");
  EXPECT(lutlab_lut3d_backward(img, 1, 1, 1, lut, 1, 2, 0, NULL, glut, NULL) == LUTLAB_EINVAL,
         "null grad_out accepted");
  EXPECT(lutlab_lut3d_apply_u8(u8, 1, 1, lut, 300, 1, u8) == LUTLAB_EINVAL, "D=300 accepted");
  EXPECT(lutlab_last_error()[0] != '\0', "no error message");
}

int main(void) {
  for (int32_t mode = 0; mode < 2; ++mode) {
    run(1, 1, 1, 1, 2, mode, 1u);
    run(2, 1, 5, 7, 3, mode, 2u);
    run(2, 2, 1, 1001, 17, mode, 3u);
    run(3, 3, 9, 31, 2, mode, 4u);
    run_integer(13, 29, 17, mode);
    run_integer(1, 1, 2, mode);
  }
  errors();
  return finish("lut3d_asan");
}
