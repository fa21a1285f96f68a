/*
 * 3D LUT apply (Image-Adaptive 3DLUT, CLUT-Net): trilinear and tetrahedral interpolation, forward and
 * backward (gradients w.r.t. the LUT and w.r.t. the image), plus interleaved uint8/uint16 RGB inference.
 *
 * Layouts: LUT lut[c][b][g][r] float32 (index ((c*D + b)*D + g)*D + r, c = output channel), `lut_batch`
 * LUTs of 3*D^3 each (1: shared by every image; `batch`: one per image). Images planar NCHW float32 with 3
 * channels. Input colours are clamped to [0,1] (NaN -> 0); cell index i = min((int)(x*(D-1)), D-2),
 * fraction f = x*(D-1) - i, so exact grid points and x = 1 stay inside the lattice.
 *
 * Speed: the LUT is repacked per call into one 16-byte vector per lattice vertex (r, g, b, 0), so a corner
 * is a single aligned vector load; pixels go in blocks of BLK whose cell indices, fractions and simplex
 * offsets are computed by auto-vectorised loops before the gather loop. The backward pass accumulates the
 * LUT gradient into per-thread vector buffers that are reduced at the end in thread order (no races). The
 * forward pass hands blocks out dynamically (8 at a time) so a thread that loses its core on a busy machine
 * does not stall the rest; the backward pass splits them statically, so each partial sums the same pixels
 * in the same order and the gradient is bit-identical run to run for a given thread count.
 */
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lut3d.h"
#include "lut3d_cell.h"
#include "lutlab.h"

typedef float v4f __attribute__((vector_size(16)));

#define BLK 256

enum { TRILINEAR = LUTLAB_LUT3D_TRILINEAR, TETRAHEDRAL = LUTLAB_LUT3D_TETRAHEDRAL };

/* Cells of a block of pixels: base vertex (in vertices), fractions, tetrahedral corner offsets and the
 * fractions sorted (f1 >= f2 >= f3) along the path base -> +max axis (o1) -> +all but min axis (o2)
 * -> +all. */
typedef struct {
  int32_t base[BLK], o1[BLK], o2[BLK];
  float f1[BLK], f2[BLK], f3[BLK];
} cells_t;

/* Fills `c` for n pixels (lut3d_cell.h; the loop vectorises). */
static void locate(const float *r, const float *g, const float *b, int n, int32_t dim, int32_t mode,
                   cells_t *c) {
  const int32_t tetra = mode == TETRAHEDRAL;
  for (int i = 0; i < n; ++i) {
    const l3_cell_t x = l3_locate(r[i], g[i], b[i], dim, tetra);
    c->base[i] = x.base;
    c->o1[i] = x.o1;
    c->o2[i] = x.o2;
    c->f1[i] = x.f1;
    c->f2[i] = x.f2;
    c->f3[i] = x.f3;
  }
}

static inline v4f splat(float x) { return (v4f){x, x, x, x}; }

/* Interpolates n pixels of planar r,g,b through the packed LUT into planar outputs. */
static void forward_block(const v4f *lut, int32_t dim, int32_t mode, const float *r, const float *g,
                          const float *b, int n, float *o_r, float *o_g, float *o_b) {
  cells_t c;
  locate(r, g, b, n, dim, mode, &c);
  const int32_t sg = dim, sb = dim * dim, s3 = 1 + dim + dim * dim;
  if (mode == TETRAHEDRAL) {
    for (int i = 0; i < n; ++i) {
      const v4f *p = lut + c.base[i];
      const v4f c0 = p[0], c1 = p[c.o1[i]], c2 = p[c.o2[i]], c3 = p[s3];
      const v4f o = c0 + (c1 - c0) * splat(c.f1[i]) + (c2 - c1) * splat(c.f2[i]) + (c3 - c2) * splat(c.f3[i]);
      o_r[i] = o[0];
      o_g[i] = o[1];
      o_b[i] = o[2];
    }
  } else {
    for (int i = 0; i < n; ++i) {
      const v4f *p = lut + c.base[i];
      const v4f fr = splat(c.f1[i]), fg = splat(c.f2[i]), fb = splat(c.f3[i]);
      const v4f c00 = p[0] + (p[1] - p[0]) * fr, c10 = p[sg] + (p[sg + 1] - p[sg]) * fr;
      const v4f c01 = p[sb] + (p[sb + 1] - p[sb]) * fr, c11 = p[sb + sg] + (p[s3] - p[sb + sg]) * fr;
      const v4f c0 = c00 + (c10 - c00) * fg, c1 = c01 + (c11 - c01) * fg;
      const v4f o = c0 + (c1 - c0) * fb;
      o_r[i] = o[0];
      o_g[i] = o[1];
      o_b[i] = o[2];
    }
  }
}

/*
 * Adds the LUT gradient of n pixels into the packed per-thread buffer `glut`. Consecutive pixels in the
 * same cell (and, tetrahedral, the same tetrahedron) are summed in registers and written once per run:
 * a read-modify-write per pixel into the same vertices would serialise on store-to-load forwarding.
 */
static void lut_grad_block(const cells_t *c, int n, int32_t dim, int32_t mode, const float *g_r,
                           const float *g_g, const float *g_b, v4f *glut) {
  const int32_t sg = dim, sb = dim * dim, s3 = 1 + dim + dim * dim;
  if (mode == TETRAHEDRAL) {
    v4f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
    int32_t base = c->base[0], o1 = c->o1[0], o2 = c->o2[0];
    for (int i = 0; i < n; ++i) {
      if ((c->base[i] != base) | (c->o1[i] != o1) | (c->o2[i] != o2)) {
        glut[base] += a0, glut[base + o1] += a1, glut[base + o2] += a2, glut[base + s3] += a3;
        a0 = a1 = a2 = a3 = (v4f){0};
        base = c->base[i], o1 = c->o1[i], o2 = c->o2[i];
      }
      const v4f go = {g_r[i], g_g[i], g_b[i], 0.0f};
      const float f1 = c->f1[i], f2 = c->f2[i], f3 = c->f3[i];
      a0 += go * splat(1.0f - f1), a1 += go * splat(f1 - f2), a2 += go * splat(f2 - f3), a3 += go * splat(f3);
    }
    glut[base] += a0, glut[base + o1] += a1, glut[base + o2] += a2, glut[base + s3] += a3;
    return;
  }
  float w[8][BLK]; /* corner k: bit 0 +r, bit 1 +g, bit 2 +b */
  for (int i = 0; i < n; ++i) {
    const float f1 = c->f1[i], f2 = c->f2[i], f3 = c->f3[i], r0 = 1.0f - f1, g0 = 1.0f - f2, b0 = 1.0f - f3;
    w[0][i] = r0 * g0 * b0, w[1][i] = f1 * g0 * b0, w[2][i] = r0 * f2 * b0, w[3][i] = f1 * f2 * b0;
    w[4][i] = r0 * g0 * f3, w[5][i] = f1 * g0 * f3, w[6][i] = r0 * f2 * f3, w[7][i] = f1 * f2 * f3;
  }
  const int32_t off[8] = {0, 1, sg, sg + 1, sb, sb + 1, sb + sg, s3};
  v4f acc[8] = {{0}};
  int32_t base = c->base[0];
  for (int i = 0; i < n; ++i) {
    if (c->base[i] != base) {
      for (int k = 0; k < 8; ++k) glut[base + off[k]] += acc[k], acc[k] = (v4f){0};
      base = c->base[i];
    }
    const v4f go = {g_r[i], g_g[i], g_b[i], 0.0f};
    for (int k = 0; k < 8; ++k) acc[k] += go * splat(w[k][i]);
  }
  for (int k = 0; k < 8; ++k) glut[base + off[k]] += acc[k];
}

/* (sum of a[0..2], sum of b[0..2], sum of c[0..2], 0) for vectors whose lane 3 is 0: a 4x4 transpose. */
static inline v4f sums3(v4f a, v4f b, v4f c) {
  typedef int32_t v4i __attribute__((vector_size(16)));
  const v4f z = {0};
  const v4f t0 = __builtin_shuffle(a, b, (v4i){0, 4, 1, 5}), t1 = __builtin_shuffle(a, b, (v4i){2, 6, 3, 7});
  const v4f t2 = __builtin_shuffle(c, z, (v4i){0, 4, 1, 5}), t3 = __builtin_shuffle(c, z, (v4i){2, 6, 3, 7});
  return __builtin_shuffle(t0, t2, (v4i){0, 1, 4, 5}) + __builtin_shuffle(t0, t2, (v4i){2, 3, 6, 7}) +
         __builtin_shuffle(t1, t3, (v4i){0, 1, 4, 5});
}

/*
 * Writes the image gradient of n pixels (planar): d out / d x = (D-1) * d out / d f inside [0,1], zero
 * where the input was clamped.
 */
static void image_grad_block(const cells_t *c, const v4f *lut, int32_t dim, int32_t mode, const float *r,
                             const float *g, const float *b, const float *g_r, const float *g_g,
                             const float *g_b, int n, float *d_r, float *d_g, float *d_b) {
  const int32_t sg = dim, sb = dim * dim, s3 = 1 + dim + dim * dim;
  const float scale = (float)(dim - 1);
  float k[3][BLK]; /* (D-1) inside [0,1], 0 where clamped */
  for (int i = 0; i < n; ++i) {
    k[0][i] = (r[i] >= 0.0f) & (r[i] <= 1.0f) ? scale : 0.0f;
    k[1][i] = (g[i] >= 0.0f) & (g[i] <= 1.0f) ? scale : 0.0f;
    k[2][i] = (b[i] >= 0.0f) & (b[i] <= 1.0f) ? scale : 0.0f;
  }
  if (mode == TETRAHEDRAL) {
    for (int i = 0; i < n; ++i) {
      const v4f go = {g_r[i], g_g[i], g_b[i], 0.0f};
      const v4f *p = lut + c->base[i];
      const int32_t o1 = c->o1[i], o2 = c->o2[i], omin = s3 - o2;
      const v4f s = sums3((p[o1] - p[0]) * go, (p[o2] - p[o1]) * go, (p[s3] - p[o2]) * go);
      d_r[i] = (o1 == 1 ? s[0] : omin == 1 ? s[2] : s[1]) * k[0][i];
      d_g[i] = (o1 == sg ? s[0] : omin == sg ? s[2] : s[1]) * k[1][i];
      d_b[i] = (o1 == sb ? s[0] : omin == sb ? s[2] : s[1]) * k[2][i];
    }
    return;
  }
  for (int i = 0; i < n; ++i) {
    const v4f go = {g_r[i], g_g[i], g_b[i], 0.0f};
    const v4f *p = lut + c->base[i];
    const v4f fr = splat(c->f1[i]), fg = splat(c->f2[i]), fb = splat(c->f3[i]);
    const v4f c000 = p[0], c100 = p[1], c010 = p[sg], c110 = p[sg + 1];
    const v4f c001 = p[sb], c101 = p[sb + 1], c011 = p[sb + sg], c111 = p[s3];
    /* d/dr: lerp over (g, b) of the r-differences; likewise for g and b. */
    const v4f r00 = c100 - c000, r10 = c110 - c010, r01 = c101 - c001, r11 = c111 - c011;
    const v4f r0 = r00 + (r10 - r00) * fg, r1 = r01 + (r11 - r01) * fg;
    const v4f g00 = c010 - c000, g10 = c110 - c100, g01 = c011 - c001, g11 = c111 - c101;
    const v4f gg0 = g00 + (g10 - g00) * fr, gg1 = g01 + (g11 - g01) * fr;
    const v4f b00 = c001 - c000, b10 = c101 - c100, b01 = c011 - c010, b11 = c111 - c110;
    const v4f bb0 = b00 + (b10 - b00) * fr, bb1 = b01 + (b11 - b01) * fr;
    const v4f s =
        sums3((r0 + (r1 - r0) * fb) * go, (gg0 + (gg1 - gg0) * fb) * go, (bb0 + (bb1 - bb0) * fg) * go);
    d_r[i] = s[0] * k[0][i];
    d_g[i] = s[1] * k[1][i];
    d_b[i] = s[2] * k[2][i];
  }
}

/* Backward of n pixels: LUT gradient into `glut` (may be NULL), image gradient into d_* (may be NULL). */
static void backward_block(const v4f *lut, int32_t dim, int32_t mode, const float *r, const float *g,
                           const float *b, const float *g_r, const float *g_g, const float *g_b, int n,
                           v4f *glut, float *d_r, float *d_g, float *d_b) {
  cells_t c;
  locate(r, g, b, n, dim, mode, &c);
  if (glut) lut_grad_block(&c, n, dim, mode, g_r, g_g, g_b, glut);
  if (d_r) image_grad_block(&c, lut, dim, mode, r, g, b, g_r, g_g, g_b, n, d_r, d_g, d_b);
}

/* Scratch vertex buffers of the calling thread, kept between calls: a LUT-sized buffer allocated per
 * call would be mmapped and page-faulted anew each time, which dominates on small images. */
static _Thread_local struct {
  v4f *ptr;
  int64_t n;
} scratch[2];

/* Slot `slot` grown to n 64-byte aligned vertex vectors; NULL on OOM. */
static v4f *scratch_vertices(int slot, int64_t n) {
  if (scratch[slot].n < n) {
    free(scratch[slot].ptr);
    scratch[slot].ptr = aligned_alloc(64, (size_t)((n * (int64_t)sizeof(v4f) + 63) / 64 * 64));
    scratch[slot].n = scratch[slot].ptr ? n : 0;
  }
  return scratch[slot].ptr;
}

/* Packs `count` planar LUTs [3][D^3] into vertex vectors (r, g, b, 0) in scratch slot 0. NULL on OOM. */
static v4f *pack_luts(const float *lut, int32_t count, int32_t dim) {
  const int64_t n = (int64_t)dim * dim * dim;
  v4f *packed = scratch_vertices(0, count * n);
  if (!packed) return NULL;
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < count * n; ++k) {
    const float *src = lut + (k / n) * 3 * n + k % n;
    packed[k] = (v4f){src[0], src[n], src[2 * n], 0.0f};
  }
  return packed;
}

int32_t lutlab_lut3d_forward(const float *img, int32_t batch, int32_t height, int32_t width, const float *lut,
                             int32_t lut_batch, int32_t dim, int32_t mode, float *out) {
  int32_t st =
      lutlab_lut3d_check_args("lut3d_forward", img, batch, height, width, lut, lut_batch, dim, mode);
  if (st) return st;
  if (!out) return lutlab_fail(LUTLAB_EINVAL, "lut3d_forward: null output pointer");
  v4f *packed = pack_luts(lut, lut_batch, dim);
  if (!packed) return lutlab_fail(LUTLAB_EINVAL, "lut3d_forward: out of memory packing %d LUTs", lut_batch);
  const int64_t hw = (int64_t)height * width, nblk = (hw + BLK - 1) / BLK, d3 = (int64_t)dim * dim * dim;
#pragma omp parallel for schedule(dynamic, 8)
  for (int64_t k = 0; k < batch * nblk; ++k) {
    const int64_t bi = k / nblk, at = (k % nblk) * BLK;
    const int n = (int)(hw - at < BLK ? hw - at : BLK);
    const float *src = img + bi * 3 * hw + at;
    float *dst = out + bi * 3 * hw + at;
    forward_block(packed + (lut_batch == 1 ? 0 : bi) * d3, dim, mode, src, src + hw, src + 2 * hw, n, dst,
                  dst + hw, dst + 2 * hw);
  }
  return LUTLAB_OK;
}

int32_t lutlab_lut3d_backward(const float *img, int32_t batch, int32_t height, int32_t width,
                              const float *lut, int32_t lut_batch, int32_t dim, int32_t mode,
                              const float *grad_out, float *grad_lut, float *grad_img) {
  int32_t st =
      lutlab_lut3d_check_args("lut3d_backward", img, batch, height, width, lut, lut_batch, dim, mode);
  if (st) return st;
  if (!grad_out) return lutlab_fail(LUTLAB_EINVAL, "lut3d_backward: null grad_out pointer");
  if (!grad_lut && !grad_img) return LUTLAB_OK;
  const int64_t hw = (int64_t)height * width, nblk = (hw + BLK - 1) / BLK, d3 = (int64_t)dim * dim * dim;
  const int nthreads = omp_get_max_threads();
  v4f *packed = grad_img ? pack_luts(lut, lut_batch, dim) : NULL;
  v4f *parts = grad_lut ? scratch_vertices(1, nthreads * d3) : NULL;
  if ((grad_img && !packed) || (grad_lut && !parts)) {
    return lutlab_fail(LUTLAB_EINVAL, "lut3d_backward: out of memory (D=%d, %d threads)", dim, nthreads);
  }
  /* One pass per LUT: the images it serves (all of them when shared), then a reduction of the parts. */
  for (int32_t lb = 0; lb < lut_batch; ++lb) {
    const int64_t first = lut_batch == 1 ? 0 : lb, count = lut_batch == 1 ? batch : 1;
    const v4f *pl = packed ? packed + lb * d3 : NULL;
#pragma omp parallel num_threads(nthreads)
    {
      v4f *part = parts ? parts + omp_get_thread_num() * d3 : NULL;
      if (part) memset(part, 0, (size_t)d3 * sizeof(v4f));
#pragma omp for schedule(static)
      for (int64_t k = 0; k < count * nblk; ++k) {
        const int64_t off = (first + k / nblk) * 3 * hw + (k % nblk) * BLK;
        const int n = (int)(hw - (k % nblk) * BLK < BLK ? hw - (k % nblk) * BLK : BLK);
        const float *x = img + off, *go = grad_out + off;
        float *gi = grad_img ? grad_img + off : NULL;
        backward_block(pl, dim, mode, x, x + hw, x + 2 * hw, go, go + hw, go + 2 * hw, n, part, gi,
                       gi ? gi + hw : NULL, gi ? gi + 2 * hw : NULL);
      }
      if (parts) {
        const int nt = omp_get_num_threads();
        float *dst = grad_lut + lb * 3 * d3;
#pragma omp for schedule(static)
        for (int64_t v = 0; v < d3; ++v) {
          v4f acc = parts[v];
          for (int t = 1; t < nt; ++t) acc += parts[t * d3 + v];
          dst[v] = acc[0];
          dst[d3 + v] = acc[1];
          dst[2 * d3 + v] = acc[2];
        }
      }
    }
  }
  return LUTLAB_OK;
}

/* Interleaved RGB (HWC) integer apply: channels scaled by 1/maxval, output rounded to nearest. */
#define INTERLEAVED_APPLY(NAME, TYPE, MAXVAL)                                                                \
  int32_t NAME(const TYPE *in, int32_t height, int32_t width, const float *lut, int32_t dim, int32_t mode,   \
               TYPE *out) {                                                                                  \
    int32_t st = lutlab_lut3d_check_args(#NAME, in, 1, height, width, lut, 1, dim, mode);                    \
    if (st) return st;                                                                                       \
    if (!out) return lutlab_fail(LUTLAB_EINVAL, #NAME ": null output pointer");                              \
    v4f *packed = pack_luts(lut, 1, dim);                                                                    \
    if (!packed) return lutlab_fail(LUTLAB_EINVAL, #NAME ": out of memory packing the LUT");                 \
    const int64_t hw = (int64_t)height * width, nblk = (hw + BLK - 1) / BLK;                                 \
    _Pragma("omp parallel for schedule(dynamic, 8)") for (int64_t k = 0; k < nblk; ++k) {                    \
      float x[3][BLK], y[3][BLK];                                                                            \
      const int64_t at = k * BLK;                                                                            \
      const int n = (int)(hw - at < BLK ? hw - at : BLK);                                                    \
      const TYPE *src = in + 3 * at;                                                                         \
      for (int i = 0; i < n; ++i) {                                                                          \
        x[0][i] = (float)src[3 * i] / (float)(MAXVAL);                                                       \
        x[1][i] = (float)src[3 * i + 1] / (float)(MAXVAL);                                                   \
        x[2][i] = (float)src[3 * i + 2] / (float)(MAXVAL);                                                   \
      }                                                                                                      \
      forward_block(packed, dim, mode, x[0], x[1], x[2], n, y[0], y[1], y[2]);                               \
      TYPE *dst = out + 3 * at;                                                                              \
      for (int i = 0; i < n; ++i) {                                                                          \
        dst[3 * i] = (TYPE)(l3_clamp01(y[0][i]) * (float)(MAXVAL) + 0.5f);                                      \
        dst[3 * i + 1] = (TYPE)(l3_clamp01(y[1][i]) * (float)(MAXVAL) + 0.5f);                                  \
        dst[3 * i + 2] = (TYPE)(l3_clamp01(y[2][i]) * (float)(MAXVAL) + 0.5f);                                  \
      }                                                                                                      \
    }                                                                                                        \
    return LUTLAB_OK;                                                                                        \
  }

INTERLEAVED_APPLY(lutlab_lut3d_apply_u8, uint8_t, 255)
INTERLEAVED_APPLY(lutlab_lut3d_apply_u16, uint16_t, 65535)
