/*
 * CUDA twin of kernels/bgrid.c: same symbols, signatures and maths (the cell arithmetic is shared through
 * kernels/bgrid.h). Every pointer is a host pointer; each call allocates device buffers, copies in, runs one
 * thread per output value and copies the results back. Grid gradients use float atomics (the CPU library
 * owns one grid per thread), so the two agree to rounding, not bit for bit.
 */
#include <cuda_runtime.h>

#include <cstdint>

#include "bgrid.h"
#include "lutlab.h"

namespace {

/* Device buffers of one call, freed on return. */
struct Buffers {
  void *ptr[5] = {nullptr, nullptr, nullptr, nullptr, nullptr};
  ~Buffers() {
    for (void *p : ptr) cudaFree(p);
  }
};

#include "cuda_util.h"

/* Output value q of [B,G,H,W]: its grid plane p, pixel k, guide plane and coordinates. */
struct At {
  int64_t p, k, guide;
  float x, y;
};

__device__ __forceinline__ At locate(int64_t q, int64_t hw, int32_t width, int32_t height, int32_t gpc,
                                     int32_t spatial) {
  At a;
  a.p = q / hw;
  a.k = q % hw;
  const int64_t b = a.p / (3 * gpc), c = (a.p % (3 * gpc)) / gpc;
  a.guide = (b * 3 + c) * hw + a.k;
  a.x = lutlab_bgrid_coord((int32_t)(a.k % width), width, spatial);
  a.y = lutlab_bgrid_coord((int32_t)(a.k / width), height, spatial);
  return a;
}

__global__ void forward_kernel(const float *__restrict__ grid, const float *__restrict__ img, int64_t hw,
                               int64_t total, int32_t width, int32_t height, int32_t dim, int32_t gpc,
                               int32_t spatial, float *__restrict__ out) {
  const int64_t d3 = (int64_t)dim * dim * dim;
  FOR_EACH_THREAD(q, total) {
    const At a = locate(q, hw, width, height, gpc, spatial);
    out[q] = lutlab_bgrid_sample(grid + a.p * d3, dim, a.x, a.y, img[a.guide], nullptr);
  }
}

__global__ void backward_kernel(const float *__restrict__ grid, const float *__restrict__ img, int64_t hw,
                                int64_t total, int32_t width, int32_t height, int32_t dim, int32_t gpc,
                                int32_t spatial, const float *__restrict__ gout, float *ggrid, float *gimg) {
  const int64_t d3 = (int64_t)dim * dim * dim;
  FOR_EACH_THREAD(q, total) {
    const At a = locate(q, hw, width, height, gpc, spatial);
    float dt;
    lutlab_bgrid_sample(grid + a.p * d3, dim, a.x, a.y, img[a.guide], &dt);
    if (ggrid) lutlab_bgrid_scatter(ggrid + a.p * d3, dim, a.x, a.y, img[a.guide], gout[q]);
    if (gimg) atomicAdd(gimg + a.guide, gout[q] * dt);
  }
}

}  // namespace

extern "C" int32_t lutlab_bgrid_forward(const float *grid, const float *img, int32_t batch, int32_t height,
                                        int32_t width, int32_t dim, int32_t gpc, int32_t spatial, float *out) {
  const char *what = "bgrid_forward";
  int32_t st = lutlab_bgrid_check_args(what, grid, img, batch, height, width, dim, gpc, spatial);
  if (st) return st;
  if (!out) return lutlab_fail(LUTLAB_EINVAL, "bgrid_forward: null output pointer");
  const int64_t hw = (int64_t)height * width, total = (int64_t)batch * 3 * gpc * hw;
  const size_t img_bytes = sizeof(float) * batch * 3 * hw, out_bytes = sizeof(float) * total;
  const size_t grid_bytes = sizeof(float) * batch * 3 * gpc * dim * dim * dim;
  Buffers b;
  CUDA_TRY(what, cudaMalloc(&b.ptr[0], grid_bytes));
  CUDA_TRY(what, cudaMalloc(&b.ptr[1], img_bytes));
  CUDA_TRY(what, cudaMalloc(&b.ptr[2], out_bytes));
  CUDA_TRY(what, cudaMemcpy(b.ptr[0], grid, grid_bytes, cudaMemcpyHostToDevice));
  CUDA_TRY(what, cudaMemcpy(b.ptr[1], img, img_bytes, cudaMemcpyHostToDevice));
  forward_kernel<<<grid_for(total), THREADS>>>((const float *)b.ptr[0], (const float *)b.ptr[1], hw, total, width,
                                                height, dim, gpc, spatial, (float *)b.ptr[2]);
  CUDA_TRY(what, cudaGetLastError());
  CUDA_TRY(what, cudaMemcpy(out, b.ptr[2], out_bytes, cudaMemcpyDeviceToHost));
  return LUTLAB_OK;
}

extern "C" int32_t lutlab_bgrid_backward(const float *grid, const float *img, int32_t batch, int32_t height,
                                         int32_t width, int32_t dim, int32_t gpc, int32_t spatial,
                                         const float *grad_out, float *grad_grid, float *grad_img) {
  const char *what = "bgrid_backward";
  int32_t st = lutlab_bgrid_check_args(what, grid, img, batch, height, width, dim, gpc, spatial);
  if (st) return st;
  if (!grad_out) return lutlab_fail(LUTLAB_EINVAL, "bgrid_backward: null grad_out pointer");
  if (!grad_grid && !grad_img) return LUTLAB_OK;
  const int64_t hw = (int64_t)height * width, total = (int64_t)batch * 3 * gpc * hw;
  const size_t img_bytes = sizeof(float) * batch * 3 * hw, out_bytes = sizeof(float) * total;
  const size_t grid_bytes = sizeof(float) * batch * 3 * gpc * dim * dim * dim;
  Buffers b;
  CUDA_TRY(what, cudaMalloc(&b.ptr[0], grid_bytes));
  CUDA_TRY(what, cudaMalloc(&b.ptr[1], img_bytes));
  CUDA_TRY(what, cudaMalloc(&b.ptr[2], out_bytes));
  if (grad_grid) CUDA_TRY(what, cudaMalloc(&b.ptr[3], grid_bytes));
  if (grad_img) CUDA_TRY(what, cudaMalloc(&b.ptr[4], img_bytes));
  CUDA_TRY(what, cudaMemcpy(b.ptr[0], grid, grid_bytes, cudaMemcpyHostToDevice));
  CUDA_TRY(what, cudaMemcpy(b.ptr[1], img, img_bytes, cudaMemcpyHostToDevice));
  CUDA_TRY(what, cudaMemcpy(b.ptr[2], grad_out, out_bytes, cudaMemcpyHostToDevice));
  if (grad_grid) CUDA_TRY(what, cudaMemset(b.ptr[3], 0, grid_bytes));
  if (grad_img) CUDA_TRY(what, cudaMemset(b.ptr[4], 0, img_bytes));
  backward_kernel<<<grid_for(total), THREADS>>>((const float *)b.ptr[0], (const float *)b.ptr[1], hw, total, width,
                                                 height, dim, gpc, spatial, (const float *)b.ptr[2],
                                                 (float *)b.ptr[3], (float *)b.ptr[4]);
  CUDA_TRY(what, cudaGetLastError());
  if (grad_grid) CUDA_TRY(what, cudaMemcpy(grad_grid, b.ptr[3], grid_bytes, cudaMemcpyDeviceToHost));
  if (grad_img) CUDA_TRY(what, cudaMemcpy(grad_img, b.ptr[4], img_bytes, cudaMemcpyDeviceToHost));
  return LUTLAB_OK;
}
