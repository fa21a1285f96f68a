/*
 * AiLUT transform (AdaInt's adaptive-interval 3D LUT lookup): forward and backward (gradients w.r.t. the
 * LUT, the vertices and the image); see kernels/ailut.h. The LUT and vertex gradients are summed into
 * per-thread buffers (static schedule) reduced in thread order: deterministic for a given thread count.
 */
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ailut.h"
#include "lutlab.h"

/* Loads pixel k of image n (planar) into rgb, clamped; returns the per-channel inside mask (bits). */
static inline int load_rgb(const float *img, int64_t n, int64_t hw, int64_t k, float rgb[3]) {
  int mask = 0;
  for (int a = 0; a < 3; ++a) {
    rgb[a] = img[(n * 3 + a) * hw + k];
    mask |= lutlab_ailut_clamp(&rgb[a]) << a;
  }
  return mask;
}

int32_t lutlab_ailut_forward(const float *img, int32_t batch, int32_t height, int32_t width, const float *lut,
                             int32_t lut_batch, const float *vertices, int32_t vert_batch, int32_t dim,
                             float *out) {
  int32_t st = lutlab_ailut_check_args("ailut_forward", img, batch, height, width, lut, lut_batch, vertices,
                                       vert_batch, dim);
  if (st) return st;
  if (!out) return lutlab_fail(LUTLAB_EINVAL, "ailut_forward: null output pointer");
  const int64_t hw = (int64_t)height * width, total = (int64_t)batch * hw, d3 = (int64_t)dim * dim * dim;
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < total; ++p) {
    const int64_t n = p / hw, k = p % hw;
    const float *t = lut + (lut_batch == 1 ? 0 : n) * 3 * d3;
    const float *v = vertices + (vert_batch == 1 ? 0 : n) * 3 * dim;
    float rgb[3];
    load_rgb(img, n, hw, k, rgb);
    lutlab_ailut_cell c;
    lutlab_ailut_cell_of(v, dim, rgb, &c);
    for (int ch = 0; ch < 3; ++ch) {
      const float *tc = t + ch * d3;
      float s = 0.0f;
      for (int j = 0; j < 8; ++j) s += c.w[j] * tc[c.off[j]];
      out[(n * 3 + ch) * hw + k] = s;
    }
  }
  return LUTLAB_OK;
}

int32_t lutlab_ailut_backward(const float *img, int32_t batch, int32_t height, int32_t width, const float *lut,
                              int32_t lut_batch, const float *vertices, int32_t vert_batch, int32_t dim,
                              const float *grad_out, float *grad_lut, float *grad_vertices, float *grad_img) {
  int32_t st = lutlab_ailut_check_args("ailut_backward", img, batch, height, width, lut, lut_batch, vertices,
                                       vert_batch, dim);
  if (st) return st;
  if (!grad_out) return lutlab_fail(LUTLAB_EINVAL, "ailut_backward: null grad_out pointer");
  const int64_t hw = (int64_t)height * width, total = (int64_t)batch * hw, d3 = (int64_t)dim * dim * dim;
  const int64_t nlut = grad_lut ? (int64_t)lut_batch * 3 * d3 : 0;
  const int64_t nver = grad_vertices ? (int64_t)vert_batch * 3 * dim : 0, npart = nlut + nver;
  const int nthreads = omp_get_max_threads();
  float *parts = npart ? calloc((size_t)nthreads * (size_t)npart, sizeof(float)) : NULL;
  if (npart && !parts) {
    return lutlab_fail(LUTLAB_EINVAL, "ailut_backward: out of memory (D=%d, %d threads)", dim, nthreads);
  }
#pragma omp parallel num_threads(nthreads)
  {
    float *part = parts ? parts + (int64_t)omp_get_thread_num() * npart : NULL;
#pragma omp for schedule(static)
    for (int64_t p = 0; p < total; ++p) {
      const int64_t n = p / hw, k = p % hw;
      const int64_t lo = (lut_batch == 1 ? 0 : n) * 3 * d3, vo = (vert_batch == 1 ? 0 : n) * 3 * dim;
      float rgb[3];
      const int inside = load_rgb(img, n, hw, k, rgb);
      lutlab_ailut_cell c;
      lutlab_ailut_cell_of(vertices + vo, dim, rgb, &c);
      float gf[3] = {0.0f, 0.0f, 0.0f}; /* d loss / d f per axis */
      for (int ch = 0; ch < 3; ++ch) {
        const float g = grad_out[(n * 3 + ch) * hw + k];
        if (grad_lut) {
          float *gl = part + lo + ch * d3;
          for (int j = 0; j < 8; ++j) gl[c.off[j]] += g * c.w[j];
        }
        for (int a = 0; a < 3; ++a) gf[a] += g * lutlab_ailut_dfrac(&c, lut + lo + ch * d3, a);
      }
      for (int a = 0; a < 3; ++a) {
        if (grad_vertices) {
          float *gv = part + nlut + vo + a * dim + c.idx[a];
          gv[0] += -gf[a] * (1.0f - c.f[a]) * c.inv[a];
          gv[1] += -gf[a] * c.f[a] * c.inv[a];
        }
        if (grad_img) grad_img[(n * 3 + a) * hw + k] = ((inside >> a) & 1) ? gf[a] * c.inv[a] : 0.0f;
      }
    }
    const int nt = omp_get_num_threads();
#pragma omp for schedule(static)
    for (int64_t q = 0; q < npart; ++q) {
      float acc = parts[q];
      for (int t = 1; t < nt; ++t) acc += parts[(int64_t)t * npart + q];
      if (q < nlut) grad_lut[q] = acc;
      else grad_vertices[q - nlut] = acc;
    }
  }
  free(parts);
  return LUTLAB_OK;
}
