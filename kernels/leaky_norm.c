/* Bias + LeakyReLU + affine InstanceNorm of a trunk block, forward and backward (see leaky_norm.h). */
#include "leaky_norm.h"

#include <math.h>
#include <stdlib.h>

/* Positions per chunk of the float64 partial sums (a fixed split: sums do not depend on the threads). */
#define CHUNK 512

static int32_t check_args(const char *fn, const void *a, const void *b, const void *out, int32_t norm,
                          const void *n1, const void *n2, const void *n3, int32_t n, int32_t hw, int32_t c) {
  if (!a || !b || !out || (norm && (!n1 || !n2 || !n3))) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: null pointer argument", fn);
  }
  if (n < 1 || hw < 1 || c < 1) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: shape [%d,%d,%d] must be positive", fn, n, hw, c);
  }
  return LUTLAB_OK;
}

static inline float leaky(float v, float slope) { return v > 0 ? v : slope * v; }

/* Sums `parts` [n*chunks, w] over the chunks of each sample, in chunk order, into out [n, w]. */
static void combine(const double *parts, double *out, int32_t n, int32_t chunks, int32_t w) {
  for (int32_t b = 0; b < n; b++) {
    for (int32_t j = 0; j < w; j++) {
      double s = 0;
      for (int32_t t = 0; t < chunks; t++) s += parts[((size_t)b * chunks + t) * w + j];
      out[(size_t)b * w + j] = s;
    }
  }
}

int32_t lutlab_leaky_norm_forward(const float *z, const float *bias, const float *gamma, const float *beta, float *y,
                                  float *act, float *stats, int32_t n, int32_t hw, int32_t c, float slope,
                                  float eps) {
  const int32_t norm = gamma || beta;
  int32_t st = check_args("leaky_norm_forward", z, bias, y, norm, gamma, beta, act, n, hw, c);
  if (st) return st;
  if (norm && !stats) return lutlab_fail(LUTLAB_EINVAL, "leaky_norm_forward: null pointer argument");
  const int32_t chunks = (hw + CHUNK - 1) / CHUNK;
  const int64_t tasks = (int64_t)n * chunks;
  if (!norm) {
#pragma omp parallel for schedule(static)
    for (int64_t t = 0; t < tasks; t++) {
      const int64_t b = t / chunks, p0 = t % chunks * CHUNK, p1 = p0 + CHUNK < hw ? p0 + CHUNK : hw;
      for (int64_t p = p0; p < p1; p++) {
        const size_t o = ((size_t)b * hw + p) * c;
        for (int32_t ch = 0; ch < c; ch++) y[o + ch] = leaky(z[o + ch] + bias[ch], slope);
      }
    }
    return LUTLAB_OK;
  }
  double *parts = malloc(sizeof(double) * (size_t)tasks * 2 * c), *sums = malloc(sizeof(double) * (size_t)n * 2 * c);
  if (!parts || !sums) {
    free(parts), free(sums);
    return lutlab_fail(LUTLAB_EINVAL, "leaky_norm_forward: out of memory for [%d,%d,%d]", n, hw, c);
  }
#pragma omp parallel for schedule(static)
  for (int64_t t = 0; t < tasks; t++) {
    const int64_t b = t / chunks, p0 = t % chunks * CHUNK, p1 = p0 + CHUNK < hw ? p0 + CHUNK : hw;
    double *s1 = parts + (size_t)t * 2 * c, *s2 = s1 + c;
    for (int32_t ch = 0; ch < c; ch++) s1[ch] = 0, s2[ch] = 0;
    for (int64_t p = p0; p < p1; p++) {
      const size_t o = ((size_t)b * hw + p) * c;
      for (int32_t ch = 0; ch < c; ch++) {
        const float v = leaky(z[o + ch] + bias[ch], slope);
        act[o + ch] = v, s1[ch] += v, s2[ch] += (double)v * v;
      }
    }
  }
  combine(parts, sums, n, chunks, 2 * c);
  for (int32_t b = 0; b < n; b++) {
    for (int32_t ch = 0; ch < c; ch++) {
      const double mean = sums[(size_t)b * 2 * c + ch] / hw, sq = sums[(size_t)b * 2 * c + c + ch] / hw;
      stats[(size_t)b * 2 * c + ch] = (float)mean;
      stats[(size_t)b * 2 * c + c + ch] = (float)(1 / sqrt(fmax(sq - mean * mean, 0) + eps));
    }
  }
#pragma omp parallel for schedule(static)
  for (int64_t t = 0; t < tasks; t++) {
    const int64_t b = t / chunks, p0 = t % chunks * CHUNK, p1 = p0 + CHUNK < hw ? p0 + CHUNK : hw;
    const float *mean = stats + (size_t)b * 2 * c, *rstd = mean + c;
    for (int64_t p = p0; p < p1; p++) {
      const size_t o = ((size_t)b * hw + p) * c;
      for (int32_t ch = 0; ch < c; ch++) y[o + ch] = (act[o + ch] - mean[ch]) * rstd[ch] * gamma[ch] + beta[ch];
    }
  }
  free(parts), free(sums);
  return LUTLAB_OK;
}

int32_t lutlab_leaky_norm_backward(const float *dy, const float *act, const float *stats, const float *gamma,
                                   float *dz, float *dbias, float *dgamma, float *dbeta, int32_t n, int32_t hw,
                                   int32_t c, float slope) {
  const int32_t norm = gamma != NULL;
  int32_t st = check_args("leaky_norm_backward", dy, act, dz, norm, stats, dgamma, dbeta, n, hw, c);
  if (st) return st;
  if (!dbias) return lutlab_fail(LUTLAB_EINVAL, "leaky_norm_backward: null pointer argument");
  const int32_t chunks = (hw + CHUNK - 1) / CHUNK;
  const int64_t tasks = (int64_t)n * chunks;
  /* parts: per task the sums of dy and dy*xhat (norm only), then of dz */
  double *parts = malloc(sizeof(double) * (size_t)tasks * 3 * c), *sums = malloc(sizeof(double) * (size_t)n * 3 * c);
  if (!parts || !sums) {
    free(parts), free(sums);
    return lutlab_fail(LUTLAB_EINVAL, "leaky_norm_backward: out of memory for [%d,%d,%d]", n, hw, c);
  }
  if (norm) {
#pragma omp parallel for schedule(static)
    for (int64_t t = 0; t < tasks; t++) {
      const int64_t b = t / chunks, p0 = t % chunks * CHUNK, p1 = p0 + CHUNK < hw ? p0 + CHUNK : hw;
      const float *mean = stats + (size_t)b * 2 * c, *rstd = mean + c;
      double *sdy = parts + (size_t)t * 2 * c, *sdx = sdy + c;
      for (int32_t ch = 0; ch < c; ch++) sdy[ch] = 0, sdx[ch] = 0;
      for (int64_t p = p0; p < p1; p++) {
        const size_t o = ((size_t)b * hw + p) * c;
        for (int32_t ch = 0; ch < c; ch++) {
          sdy[ch] += dy[o + ch], sdx[ch] += (double)dy[o + ch] * ((act[o + ch] - mean[ch]) * rstd[ch]);
        }
      }
    }
    combine(parts, sums, n, chunks, 2 * c);
    for (int32_t ch = 0; ch < c; ch++) {
      double se = 0, sg = 0;
      for (int32_t b = 0; b < n; b++) se += sums[(size_t)b * 2 * c + ch], sg += sums[(size_t)b * 2 * c + c + ch];
      dbeta[ch] = (float)se, dgamma[ch] = (float)sg;
    }
  }
#pragma omp parallel for schedule(static)
  for (int64_t t = 0; t < tasks; t++) {
    const int64_t b = t / chunks, p0 = t % chunks * CHUNK, p1 = p0 + CHUNK < hw ? p0 + CHUNK : hw;
    double *sd = parts + (size_t)tasks * 2 * c + (size_t)t * c;
    for (int32_t ch = 0; ch < c; ch++) sd[ch] = 0;
    if (!norm) {
      for (int64_t p = p0; p < p1; p++) {
        const size_t o = ((size_t)b * hw + p) * c;
        for (int32_t ch = 0; ch < c; ch++) {
          const float d = act[o + ch] > 0 ? dy[o + ch] : slope * dy[o + ch];
          dz[o + ch] = d, sd[ch] += d;
        }
      }
      continue;
    }
    const float *mean = stats + (size_t)b * 2 * c, *rstd = mean + c;
    const double *sdy = sums + (size_t)b * 2 * c, *sdx = sdy + c;
    for (int64_t p = p0; p < p1; p++) {
      const size_t o = ((size_t)b * hw + p) * c;
      for (int32_t ch = 0; ch < c; ch++) {
        /* dL/da = gamma rstd (dy - mean(dy) - xhat mean(dy xhat)); dL/dz = dL/da LeakyReLU'(a) */
        const float v = act[o + ch], xhat = (v - mean[ch]) * rstd[ch];
        const float da = gamma[ch] * rstd[ch] * (dy[o + ch] - (float)(sdy[ch] / hw) - xhat * (float)(sdx[ch] / hw));
        const float d = v > 0 ? da : slope * da;
        dz[o + ch] = d, sd[ch] += d;
      }
    }
  }
  for (int32_t ch = 0; ch < c; ch++) {
    double s = 0;
    for (int64_t t = 0; t < tasks; t++) s += parts[(size_t)tasks * 2 * c + (size_t)t * c + ch];
    dbias[ch] = (float)s;
  }
  free(parts), free(sums);
  return LUTLAB_OK;
}
