/* Dense matrix products on the CPU (see matmul.h). Register tiles of MR rows × NR columns (GCC vectors along
 * the NR contiguous columns) accumulate along k with fused multiply-adds (this file alone contracts a * b + s
 * into one FMA where the CPU has it), every output summed in k order, inside and outside the tiles alike. */
#pragma GCC optimize("fp-contract=fast")
#include "matmul.h"

#include <stdlib.h>
#include <string.h>

#define MR 4
#define NR 16
/* Rows per partial sum of lutlab_matmul_tn: at least CHUNK, and at most MAX_CHUNKS partials. */
#define CHUNK 1024
#define MAX_CHUNKS 256

static int32_t check_dims(const char *fn, const void *a, const void *b, const void *c, int32_t m, int32_t k,
                          int32_t n) {
  if (!a || !b || !c) return lutlab_fail(LUTLAB_EINVAL, "%s: null pointer argument", fn);
  if (m < 1 || k < 1 || n < 1) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: sizes m %d, k %d, n %d must be positive", fn, m, k, n);
  }
  return LUTLAB_OK;
}

/* 8 floats with float alignment (unaligned loads and stores); GCC maps it to one AVX register or two SSE. */
typedef float v8 __attribute__((vector_size(32), aligned(4)));

/* c[i0..i0+MR) [j0..j0+NR) of a [.,k] · b [k,n]: MR×NR sums in registers, along k in order */
static inline void tile_ab(const float *a, const float *b, float *c, int32_t k, int32_t n, int32_t i0, int32_t j0) {
  v8 acc[MR][2] = {{{0}}};
  const float *ar = a + (size_t)i0 * k;
  for (int32_t q = 0; q < k; q++) {
    const v8 b0 = *(const v8 *)(b + (size_t)q * n + j0), b1 = *(const v8 *)(b + (size_t)q * n + j0 + 8);
    for (int32_t r = 0; r < MR; r++) {
      const float av = ar[(size_t)r * k + q];
      acc[r][0] = av * b0 + acc[r][0];
      acc[r][1] = av * b1 + acc[r][1];
    }
  }
  for (int32_t r = 0; r < MR; r++) {
    *(v8 *)(c + (size_t)(i0 + r) * n + j0) = acc[r][0];
    *(v8 *)(c + (size_t)(i0 + r) * n + j0 + 8) = acc[r][1];
  }
}

/* c[i][j] for one entry outside the full tiles, summed along k in the same order as tile_ab */
static inline float entry_ab(const float *a, const float *b, int32_t k, int32_t n, int32_t i, int32_t j) {
  float s = 0;
  for (int32_t q = 0; q < k; q++) s = a[(size_t)i * k + q] * b[(size_t)q * n + j] + s;
  return s;
}

int32_t lutlab_matmul(const float *a, const float *b, float *c, int32_t m, int32_t k, int32_t n, int32_t trans_b) {
  int32_t st = check_dims("matmul", a, b, c, m, k, n);
  if (st) return st;
  float *bt = NULL;
  if (trans_b) { /* b [n,k] -> [k,n], so that the tile loop reads rows of b */
    bt = malloc(sizeof(float) * (size_t)k * n);
    if (!bt) return lutlab_fail(LUTLAB_EINVAL, "matmul: out of memory for a %dx%d operand", n, k);
    for (int32_t j = 0; j < n; j++) {
      for (int32_t q = 0; q < k; q++) bt[(size_t)q * n + j] = b[(size_t)j * k + q];
    }
    b = bt;
  }
  const int32_t tiles = (m + MR - 1) / MR;
  const int32_t nfull = n / NR * NR;
#pragma omp parallel for schedule(static)
  for (int32_t t = 0; t < tiles; t++) {
    const int32_t i0 = t * MR, mr = m - i0 < MR ? m - i0 : MR;
    for (int32_t j0 = 0; j0 < (mr == MR ? nfull : 0); j0 += NR) tile_ab(a, b, c, k, n, i0, j0);
    for (int32_t i = i0; i < i0 + mr; i++) {
      for (int32_t j = mr == MR ? nfull : 0; j < n; j++) c[(size_t)i * n + j] = entry_ab(a, b, k, n, i, j);
    }
  }
  free(bt);
  return LUTLAB_OK;
}

/* p [k,n] = sum over rows i in [i0,i1) of a[i,:]ᵀ b[i,:], in row order; register tiles of MR entries of k
 * × NR of n, single entries outside them */
static void partial_tn(const float *a, const float *b, float *p, int32_t k, int32_t n, int32_t i0, int32_t i1) {
  const int32_t kfull = k / MR * MR, nfull = n / NR * NR;
  for (int32_t q0 = 0; q0 < kfull; q0 += MR) {
    for (int32_t j0 = 0; j0 < nfull; j0 += NR) {
      v8 acc[MR][2] = {{{0}}};
      for (int32_t i = i0; i < i1; i++) {
        const float *ar = a + (size_t)i * k + q0, *br = b + (size_t)i * n + j0;
        const v8 b0 = *(const v8 *)br, b1 = *(const v8 *)(br + 8);
        for (int32_t r = 0; r < MR; r++) {
          acc[r][0] = ar[r] * b0 + acc[r][0];
          acc[r][1] = ar[r] * b1 + acc[r][1];
        }
      }
      for (int32_t r = 0; r < MR; r++) {
        *(v8 *)(p + (size_t)(q0 + r) * n + j0) = acc[r][0];
        *(v8 *)(p + (size_t)(q0 + r) * n + j0 + 8) = acc[r][1];
      }
    }
  }
  for (int32_t q = 0; q < k; q++) {
    for (int32_t j = q < kfull ? nfull : 0; j < n; j++) {
      float s = 0;
      for (int32_t i = i0; i < i1; i++) s = a[(size_t)i * k + q] * b[(size_t)i * n + j] + s;
      p[(size_t)q * n + j] = s;
    }
  }
}

int32_t lutlab_matmul_tn(const float *a, const float *b, float *c, int32_t m, int32_t k, int32_t n) {
  int32_t st = check_dims("matmul_tn", a, b, c, m, k, n);
  if (st) return st;
  int32_t rows = (m + MAX_CHUNKS - 1) / MAX_CHUNKS;
  if (rows < CHUNK) rows = CHUNK;
  const int32_t chunks = (m + rows - 1) / rows;
  const size_t kn = (size_t)k * n;
  float *parts = chunks > 1 ? malloc(sizeof(float) * kn * chunks) : c;
  if (!parts) return lutlab_fail(LUTLAB_EINVAL, "matmul_tn: out of memory for %d partial %dx%d sums", chunks, k, n);
#pragma omp parallel for schedule(dynamic, 1)
  for (int32_t t = 0; t < chunks; t++) {
    const int32_t i0 = t * rows, i1 = m - i0 < rows ? m : i0 + rows;
    partial_tn(a, b, parts + kn * t, k, n, i0, i1);
  }
  if (chunks > 1) {
#pragma omp parallel for schedule(static)
    for (size_t e = 0; e < kn; e++) {
      float s = parts[e];
      for (int32_t t = 1; t < chunks; t++) s += parts[kn * t + e];
      c[e] = s;
    }
    free(parts);
  }
  return LUTLAB_OK;
}
