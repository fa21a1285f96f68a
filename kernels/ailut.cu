/*
 * CUDA twin of kernels/ailut.c: same symbols, signatures and maths (see kernels/ailut.h). Every pointer is
 * a host pointer; each call allocates device buffers, copies in, runs one thread per pixel and copies the
 * results back. LUT and vertex gradients use float atomics (the CPU library sums per-thread parts), so the
 * two agree to rounding, not bit for bit.
 */
#include <cuda_runtime.h>

#include <cstdint>

#include "ailut.h"
#include "lutlab.h"

namespace {

/* Device buffers of one call, freed on return. */
struct Buffers {
  void *ptr[7] = {nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
  ~Buffers() {
    for (void *p : ptr) cudaFree(p);
  }
};

#include "cuda_util.h"

/* Pixel p's clamped colour, inside mask and cell on its vertices. */
__device__ __forceinline__ int pixel_cell(const float *img, int64_t p, int64_t hw, const float *v, int32_t dim,
                                          lutlab_ailut_cell *c) {
  const int64_t n = p / hw, k = p % hw;
  float rgb[3];
  int mask = 0;
  for (int a = 0; a < 3; ++a) {
    rgb[a] = img[(n * 3 + a) * hw + k];
    mask |= lutlab_ailut_clamp(&rgb[a]) << a;
  }
  lutlab_ailut_cell_of(v, dim, rgb, c);
  return mask;
}

__global__ void forward_kernel(const float *__restrict__ img, int64_t hw, int64_t total,
                               const float *__restrict__ lut, bool lut_shared, const float *__restrict__ ver,
                               bool ver_shared, int32_t dim, float *__restrict__ out) {
  const int64_t d3 = (int64_t)dim * dim * dim;
  FOR_EACH_THREAD(p, total) {
    const int64_t n = p / hw, k = p % hw;
    lutlab_ailut_cell c;
    pixel_cell(img, p, hw, ver + (ver_shared ? 0 : n) * 3 * dim, dim, &c);
    const float *t = lut + (lut_shared ? 0 : n) * 3 * d3;
    for (int ch = 0; ch < 3; ++ch) {
      float s = 0.0f;
      for (int j = 0; j < 8; ++j) s += c.w[j] * t[ch * d3 + c.off[j]];
      out[(n * 3 + ch) * hw + k] = s;
    }
  }
}

__global__ void backward_kernel(const float *__restrict__ img, int64_t hw, int64_t total,
                                const float *__restrict__ lut, bool lut_shared, const float *__restrict__ ver,
                                bool ver_shared, int32_t dim, const float *__restrict__ gout, float *glut,
                                float *gver, float *gimg) {
  const int64_t d3 = (int64_t)dim * dim * dim;
  FOR_EACH_THREAD(p, total) {
    const int64_t n = p / hw, k = p % hw;
    const int64_t lo = (lut_shared ? 0 : n) * 3 * d3, vo = (ver_shared ? 0 : n) * 3 * dim;
    lutlab_ailut_cell c;
    const int inside = pixel_cell(img, p, hw, ver + vo, dim, &c);
    float gf[3] = {0.0f, 0.0f, 0.0f};
    for (int ch = 0; ch < 3; ++ch) {
      const float g = gout[(n * 3 + ch) * hw + k];
      if (glut) {
        for (int j = 0; j < 8; ++j) atomicAdd(glut + lo + ch * d3 + c.off[j], g * c.w[j]);
      }
      for (int a = 0; a < 3; ++a) gf[a] += g * lutlab_ailut_dfrac(&c, lut + lo + ch * d3, a);
    }
    for (int a = 0; a < 3; ++a) {
      if (gver) {
        float *gv = gver + vo + a * dim + c.idx[a];
        atomicAdd(gv, -gf[a] * (1.0f - c.f[a]) * c.inv[a]);
        atomicAdd(gv + 1, -gf[a] * c.f[a] * c.inv[a]);
      }
      if (gimg) gimg[(n * 3 + a) * hw + k] = ((inside >> a) & 1) ? gf[a] * c.inv[a] : 0.0f;
    }
  }
}

/* Device copies shared by forward and backward: b.ptr[0] image, [1] LUT, [2] vertices (uploaded), [3] an
 * image-sized buffer (the output, or `per_pixel` uploaded: the backward's grad_out). */
int32_t stage(const char *what, Buffers &b, const float *img, size_t bytes, const float *lut, int32_t lut_batch,
              const float *vertices, int32_t vert_batch, int32_t dim, const float *per_pixel) {
  const size_t lut_bytes = sizeof(float) * 3 * (size_t)dim * dim * dim * lut_batch;
  const size_t ver_bytes = sizeof(float) * 3 * (size_t)dim * vert_batch;
  CUDA_TRY(what, cudaMalloc(&b.ptr[0], bytes));
  CUDA_TRY(what, cudaMalloc(&b.ptr[1], lut_bytes));
  CUDA_TRY(what, cudaMalloc(&b.ptr[2], ver_bytes));
  CUDA_TRY(what, cudaMalloc(&b.ptr[3], bytes));
  CUDA_TRY(what, cudaMemcpy(b.ptr[0], img, bytes, cudaMemcpyHostToDevice));
  CUDA_TRY(what, cudaMemcpy(b.ptr[1], lut, lut_bytes, cudaMemcpyHostToDevice));
  CUDA_TRY(what, cudaMemcpy(b.ptr[2], vertices, ver_bytes, cudaMemcpyHostToDevice));
  if (per_pixel) CUDA_TRY(what, cudaMemcpy(b.ptr[3], per_pixel, bytes, cudaMemcpyHostToDevice));
  return LUTLAB_OK;
}

}  // namespace

extern "C" int32_t lutlab_ailut_forward(const float *img, int32_t batch, int32_t height, int32_t width,
                                        const float *lut, int32_t lut_batch, const float *vertices,
                                        int32_t vert_batch, int32_t dim, float *out) {
  const char *what = "ailut_forward";
  int32_t st = lutlab_ailut_check_args(what, img, batch, height, width, lut, lut_batch, vertices, vert_batch, dim);
  if (st) return st;
  if (!out) return lutlab_fail(LUTLAB_EINVAL, "ailut_forward: null output pointer");
  const int64_t hw = (int64_t)height * width, total = (int64_t)batch * hw;
  const size_t bytes = sizeof(float) * 3 * total;
  Buffers b;
  st = stage(what, b, img, bytes, lut, lut_batch, vertices, vert_batch, dim, nullptr);
  if (st) return st;
  forward_kernel<<<grid_for(total), THREADS>>>((const float *)b.ptr[0], hw, total, (const float *)b.ptr[1],
                                                lut_batch == 1, (const float *)b.ptr[2], vert_batch == 1, dim,
                                                (float *)b.ptr[3]);
  CUDA_TRY(what, cudaGetLastError());
  CUDA_TRY(what, cudaMemcpy(out, b.ptr[3], bytes, cudaMemcpyDeviceToHost));
  return LUTLAB_OK;
}

extern "C" int32_t lutlab_ailut_backward(const float *img, int32_t batch, int32_t height, int32_t width,
                                         const float *lut, int32_t lut_batch, const float *vertices,
                                         int32_t vert_batch, int32_t dim, const float *grad_out,
                                         float *grad_lut, float *grad_vertices, float *grad_img) {
  const char *what = "ailut_backward";
  int32_t st = lutlab_ailut_check_args(what, img, batch, height, width, lut, lut_batch, vertices, vert_batch, dim);
  if (st) return st;
  if (!grad_out) return lutlab_fail(LUTLAB_EINVAL, "ailut_backward: null grad_out pointer");
  if (!grad_lut && !grad_vertices && !grad_img) return LUTLAB_OK;
  const int64_t hw = (int64_t)height * width, total = (int64_t)batch * hw;
  const size_t bytes = sizeof(float) * 3 * total;
  const size_t lut_bytes = sizeof(float) * 3 * (size_t)dim * dim * dim * lut_batch;
  const size_t ver_bytes = sizeof(float) * 3 * (size_t)dim * vert_batch;
  Buffers b;
  st = stage(what, b, img, bytes, lut, lut_batch, vertices, vert_batch, dim, grad_out);
  if (st) return st;
  if (grad_lut) CUDA_TRY(what, cudaMalloc(&b.ptr[4], lut_bytes));
  if (grad_vertices) CUDA_TRY(what, cudaMalloc(&b.ptr[5], ver_bytes));
  if (grad_img) CUDA_TRY(what, cudaMalloc(&b.ptr[6], bytes));
  if (grad_lut) CUDA_TRY(what, cudaMemset(b.ptr[4], 0, lut_bytes));
  if (grad_vertices) CUDA_TRY(what, cudaMemset(b.ptr[5], 0, ver_bytes));
  backward_kernel<<<grid_for(total), THREADS>>>((const float *)b.ptr[0], hw, total, (const float *)b.ptr[1],
                                                 lut_batch == 1, (const float *)b.ptr[2], vert_batch == 1, dim,
                                                 (const float *)b.ptr[3], (float *)b.ptr[4], (float *)b.ptr[5],
                                                 (float *)b.ptr[6]);
  CUDA_TRY(what, cudaGetLastError());
  if (grad_lut) CUDA_TRY(what, cudaMemcpy(grad_lut, b.ptr[4], lut_bytes, cudaMemcpyDeviceToHost));
  if (grad_vertices) CUDA_TRY(what, cudaMemcpy(grad_vertices, b.ptr[5], ver_bytes, cudaMemcpyDeviceToHost));
  if (grad_img) CUDA_TRY(what, cudaMemcpy(grad_img, b.ptr[6], bytes, cudaMemcpyDeviceToHost));
  return LUTLAB_OK;
}
