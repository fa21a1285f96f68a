/*
 * The cell of one colour in a D^3 lattice, shared by the CPU (lut3d.c) and CUDA (lut3d.cu) 3D LUT kernels
 * so both locate colours identically: input clamped to [0,1] (NaN -> 0), cell index
 * i = min((int)(x*(D-1)), D-2), fraction f = x*(D-1) - i. Tetrahedral adds the fractions sorted
 * (f1 >= f2 >= f3) along the path base -> +max axis (o1) -> +all but the min axis (o2) -> +all, with the
 * max axis picked r > g > b and the min axis b > g > r on ties (distinct axes even then). Branch-free
 * (bitwise tests, masks) so that GCC vectorises a loop over pixels.
 */
#ifndef LUTLAB_LUT3D_CELL_H
#define LUTLAB_LUT3D_CELL_H

#include <stdint.h>

#ifdef __CUDACC__
#define L3_HD __device__ __forceinline__
#define L3_MUL(a, b) __fmul_rn(a, b) /* no fused multiply-add with the fraction's subtraction */
#else
#define L3_HD static inline
#define L3_MUL(a, b) ((a) * (b))
#endif

/* Base vertex (in vertices), corner offsets o1/o2 (tetrahedral only) and fractions: trilinear f1/f2/f3 =
 * r/g/b fractions, tetrahedral the sorted ones. */
typedef struct {
  int32_t base, o1, o2;
  float f1, f2, f3;
} l3_cell_t;

L3_HD float l3_clamp01(float x) {
  x = x > 0.0f ? x : 0.0f; /* NaN -> 0 */
  return x < 1.0f ? x : 1.0f;
}

L3_HD float l3_max(float a, float b) { return a >= b ? a : b; }
L3_HD float l3_min(float a, float b) { return a <= b ? a : b; }

/* Cell of colour (r, g, b) in a dim^3 lattice; `tetra` selects the sorted tetrahedral form. */
L3_HD l3_cell_t l3_locate(float r, float g, float b, int32_t dim, int32_t tetra) {
  const float scale = (float)(dim - 1);
  const int32_t top = dim - 2, sg = dim, sb = dim * dim, s3 = 1 + dim + dim * dim;
  const float xr = L3_MUL(l3_clamp01(r), scale), xg = L3_MUL(l3_clamp01(g), scale),
              xb = L3_MUL(l3_clamp01(b), scale);
  int32_t ir = (int32_t)xr, ig = (int32_t)xg, ib = (int32_t)xb;
  ir = ir < top ? ir : top;
  ig = ig < top ? ig : top;
  ib = ib < top ? ib : top;
  const float fr = xr - (float)ir, fg = xg - (float)ig, fb = xb - (float)ib;
  l3_cell_t c;
  c.base = (ib * dim + ig) * dim + ir;
  if (!tetra) {
    c.o1 = 0, c.o2 = 0, c.f1 = fr, c.f2 = fg, c.f3 = fb;
    return c;
  }
  const int32_t rmax = (fr >= fg) & (fr >= fb), gmax = (fg > fr) & (fg >= fb), bmax = 1 ^ (rmax | gmax);
  const int32_t bmin = (fb <= fg) & (fb <= fr), gmin = (fg < fb) & (fg <= fr), rmin = 1 ^ (bmin | gmin);
  /* Masks instead of selects: GCC would turn nested selects into slow masked stores. */
  c.o1 = (-rmax & 1) | (-gmax & sg) | (-bmax & sb);
  c.o2 = s3 - ((-rmin & 1) | (-gmin & sg) | (-bmin & sb));
  c.f1 = l3_max(fr, l3_max(fg, fb));
  c.f3 = l3_min(fr, l3_min(fg, fb));
  c.f2 = l3_max(l3_min(fr, fg), l3_min(l3_max(fr, fg), fb));
  return c;
}

#endif
