/*
 * Sanitizer harness of kernels/conv2d.c (built and run by `deno run -A kernels/build.ts --sanitize`):
 * forward, filter and input gradients against a direct float64 evaluation of their definitions (conv2d.h) over
 * batches 1-2, kernels 1x1, 2x3, 3x3, 4x4, strides 1-3, paddings 0-2 (padding wider than the kernel
 * included), 1x1 and odd-sized inputs, and every argument error. Exits non-zero on a failed check.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../conv2d.h"
#include "check.h"

static float rand_pm(uint32_t *s) {
  *s = *s * 1664525u + 1013904223u;
  return (float)(*s >> 8) / 8388608.0f - 1.0f;
}

typedef struct {
  int n, h, w, ci, co, kh, kw, stride, pt, pl, pb, pr;
} Geom;

static int out_size(int in, int k, int s, int p0, int p1) { return (in + p0 + p1 - k) / s + 1; }

static void run_case(const Geom *g, uint32_t seed) {
  const int ho = out_size(g->h, g->kh, g->stride, g->pt, g->pb);
  const int wo = out_size(g->w, g->kw, g->stride, g->pl, g->pr);
  const size_t nx = (size_t)g->n * g->h * g->w * g->ci, nw = (size_t)g->kh * g->kw * g->ci * g->co;
  const size_t ny = (size_t)g->n * ho * wo * g->co;
  float *x = malloc(nx * sizeof *x), *w = malloc(nw * sizeof *w), *dy = malloc(ny * sizeof *dy);
  float *dx = malloc(nx * sizeof *dx), *dw = malloc(nw * sizeof *dw), *y = malloc(ny * sizeof *y);
  double *rx = calloc(nx, sizeof *rx), *rw = calloc(nw, sizeof *rw), *ry = calloc(ny, sizeof *ry);
  for (size_t i = 0; i < nx; i++) x[i] = rand_pm(&seed);
  for (size_t i = 0; i < nw; i++) w[i] = rand_pm(&seed);
  for (size_t i = 0; i < ny; i++) dy[i] = rand_pm(&seed);
  for (size_t i = 0; i < nx; i++) dx[i] = NAN; /* outputs must be fully overwritten */
  for (size_t i = 0; i < nw; i++) dw[i] = NAN;
  for (size_t i = 0; i < ny; i++) y[i] = NAN;
  for (int b = 0; b < g->n; b++)
    for (int oy = 0; oy < ho; oy++)
      for (int ox = 0; ox < wo; ox++)
        for (int ky = 0; ky < g->kh; ky++)
          for (int kx = 0; kx < g->kw; kx++) {
            const int iy = oy * g->stride + ky - g->pt, ix = ox * g->stride + kx - g->pl;
            if (iy < 0 || iy >= g->h || ix < 0 || ix >= g->w) continue;
            for (int c = 0; c < g->ci; c++)
              for (int o = 0; o < g->co; o++) {
                const size_t yi = (((size_t)b * ho + oy) * wo + ox) * g->co + o;
                const double d = dy[yi];
                const size_t xi = (((size_t)b * g->h + iy) * g->w + ix) * g->ci + c;
                const size_t wi = (((size_t)ky * g->kw + kx) * g->ci + c) * g->co + o;
                rw[wi] += x[xi] * d;
                rx[xi] += w[wi] * d;
                ry[yi] += (double)x[xi] * w[wi];
              }
          }
  EXPECT(lutlab_conv2d_forward(x, w, y, g->n, g->h, g->w, g->ci, ho, wo, g->co, g->kh, g->kw, g->stride, g->pt,
                               g->pl) == 0,
         "forward failed: %s", lutlab_last_error());
  EXPECT(lutlab_conv2d_backward_filter(x, dy, dw, g->n, g->h, g->w, g->ci, ho, wo, g->co, g->kh, g->kw,
                                       g->stride, g->pt, g->pl) == 0,
         "backward_filter failed: %s", lutlab_last_error());
  EXPECT(lutlab_conv2d_backward_input(dy, w, dx, g->n, g->h, g->w, g->ci, ho, wo, g->co, g->kh, g->kw,
                                      g->stride, g->pt, g->pl) == 0,
         "backward_input failed: %s", lutlab_last_error());
  double ex = 0, ew = 0, ey = 0;
  for (size_t i = 0; i < ny; i++) ey = fmax(ey, fabs(y[i] - ry[i])) + (isnan(y[i]) ? INFINITY : 0);
  for (size_t i = 0; i < nx; i++) ex = fmax(ex, fabs(dx[i] - rx[i])) + (isnan(dx[i]) ? INFINITY : 0);
  for (size_t i = 0; i < nw; i++) ew = fmax(ew, fabs(dw[i] - rw[i])) + (isnan(dw[i]) ? INFINITY : 0);
  EXPECT(ex <= 1e-4 && ew <= 1e-4 && ey <= 1e-4,
         "x [%d,%d,%d,%d] k %dx%d co %d stride %d pad %d,%d: dx error %g, dw error %g, y error %g", g->n, g->h,
         g->w, g->ci, g->kh, g->kw, g->co, g->stride, g->pt, g->pl, ex, ew, ey);
  free(x), free(w), free(dy), free(dx), free(dw), free(y), free(rx), free(rw), free(ry);
}

int main(void) {
  const Geom cases[] = {
      {1, 8, 8, 3, 16, 3, 3, 2, 1, 1, 1, 1},   {2, 9, 7, 5, 4, 3, 3, 2, 1, 1, 1, 1},
      {1, 7, 9, 3, 5, 3, 3, 1, 1, 1, 1, 1},    {1, 10, 11, 3, 2, 4, 4, 2, 0, 0, 0, 0},
      {2, 5, 6, 3, 4, 1, 1, 1, 0, 0, 0, 0},    {1, 1, 1, 2, 3, 3, 3, 1, 1, 1, 1, 1},
      {1, 6, 5, 2, 3, 2, 3, 3, 2, 1, 0, 2},    {1, 4, 4, 3, 2, 3, 3, 1, 4, 4, 4, 4},
      {1, 8, 8, 37, 19, 3, 3, 2, 1, 1, 1, 1},  {1, 8, 8, 128, 3, 8, 8, 1, 0, 0, 0, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(&cases[i], 17u + (uint32_t)i);
  float a[16] = {0}, b[16] = {0}, c[16] = {0};
  EXPECT(lutlab_conv2d_backward_filter(NULL, b, c, 1, 2, 2, 1, 1, 1, 1, 2, 2, 1, 0, 0) == LUTLAB_EINVAL,
         "null x accepted");
  EXPECT(lutlab_conv2d_backward_filter(a, b, c, 1, 2, 2, 0, 1, 1, 1, 2, 2, 1, 0, 0) == LUTLAB_EINVAL,
         "zero channels accepted");
  EXPECT(lutlab_conv2d_backward_input(a, b, c, 1, 2, 2, 1, 1, 1, 1, 2, 2, 0, 0, 0) == LUTLAB_EINVAL,
         "stride 0 accepted");
  EXPECT(lutlab_conv2d_backward_input(a, b, c, 1, 2, 2, 1, 1, 1, 1, 2, 2, 1, -1, 0) == LUTLAB_EINVAL,
         "negative padding accepted");
  EXPECT(lutlab_conv2d_backward_input(a, b, NULL, 1, 2, 2, 1, 1, 1, 1, 2, 2, 1, 0, 0) == LUTLAB_EINVAL,
         "null dx accepted");
  EXPECT(lutlab_conv2d_forward(a, NULL, c, 1, 2, 2, 1, 1, 1, 1, 2, 2, 1, 0, 0) == LUTLAB_EINVAL, "null w accepted");
  EXPECT(lutlab_conv2d_forward(a, b, c, 1, 2, 2, 1, 0, 1, 1, 2, 2, 1, 0, 0) == LUTLAB_EINVAL,
         "zero output rows accepted");
  return finish("conv2d_asan");
}
