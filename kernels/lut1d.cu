/*
 * CUDA twin of kernels/lut1d.c: same symbols, signatures and maths (see kernels/lut1d.h). Every pointer is
 * a host pointer; each call allocates device buffers, copies in, runs one thread per value and copies the
 * results back. LUT gradients use float atomics (the CPU library sums per-thread parts instead, so the two
 * agree to rounding, not bit for bit).
 */
#include <cuda_runtime.h>

#include <cstdint>

#include "lut1d.h"
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

/* Table of value k (planar NCHW): channel plane p = k / hw, LUT (shared or per image) and channel. */
__device__ __forceinline__ int64_t table_offset(int64_t k, int64_t hw, bool shared, int32_t size) {
  const int64_t p = k / hw;
  return ((shared ? 0 : p / 3) * 3 + p % 3) * (int64_t)size;
}

__global__ void forward_kernel(const float *__restrict__ img, int64_t hw, int64_t total,
                               const float *__restrict__ lut, bool shared, int32_t size,
                               float *__restrict__ out) {
  FOR_EACH_THREAD(k, total) {
    const float *t = lut + table_offset(k, hw, shared, size);
    float f;
    const int32_t i = lutlab_lut1d_locate(img[k], size, &f);
    out[k] = t[i] + __fmul_rn(t[i + 1] - t[i], f);
  }
}

__global__ void backward_kernel(const float *__restrict__ img, int64_t hw, int64_t total,
                                const float *__restrict__ lut, bool shared, int32_t size,
                                const float *__restrict__ gout, float *glut, float *gimg) {
  FOR_EACH_THREAD(k, total) {
    const int64_t off = table_offset(k, hw, shared, size);
    float f;
    const int32_t i = lutlab_lut1d_locate(img[k], size, &f);
    if (glut) {
      atomicAdd(glut + off + i, gout[k] * (1.0f - f));
      atomicAdd(glut + off + i + 1, gout[k] * f);
    }
    if (gimg) {
      const bool inside = img[k] >= 0.0f && img[k] <= 1.0f;
      gimg[k] = inside ? gout[k] * (lut[off + i + 1] - lut[off + i]) * (float)(size - 1) : 0.0f;
    }
  }
}

}  // namespace

extern "C" int32_t lutlab_lut1d_forward(const float *img, int32_t batch, int32_t height, int32_t width,
                                        const float *lut, int32_t lut_batch, int32_t size, float *out) {
  const char *what = "lut1d_forward";
  int32_t st = lutlab_lut1d_check_args(what, img, batch, height, width, lut, lut_batch, size);
  if (st) return st;
  if (!out) return lutlab_fail(LUTLAB_EINVAL, "lut1d_forward: null output pointer");
  const int64_t hw = (int64_t)height * width, total = (int64_t)batch * 3 * hw;
  const size_t bytes = sizeof(float) * total, lut_bytes = sizeof(float) * 3 * size * lut_batch;
  Buffers b;
  CUDA_TRY(what, cudaMalloc(&b.ptr[0], bytes));
  CUDA_TRY(what, cudaMalloc(&b.ptr[1], lut_bytes));
  CUDA_TRY(what, cudaMalloc(&b.ptr[2], bytes));
  CUDA_TRY(what, cudaMemcpy(b.ptr[0], img, bytes, cudaMemcpyHostToDevice));
  CUDA_TRY(what, cudaMemcpy(b.ptr[1], lut, lut_bytes, cudaMemcpyHostToDevice));
  forward_kernel<<<grid_for(total), THREADS>>>((const float *)b.ptr[0], hw, total, (const float *)b.ptr[1],
                                                lut_batch == 1, size, (float *)b.ptr[2]);
  CUDA_TRY(what, cudaGetLastError());
  CUDA_TRY(what, cudaMemcpy(out, b.ptr[2], bytes, cudaMemcpyDeviceToHost));
  return LUTLAB_OK;
}

extern "C" int32_t lutlab_lut1d_backward(const float *img, int32_t batch, int32_t height, int32_t width,
                                         const float *lut, int32_t lut_batch, int32_t size,
                                         const float *grad_out, float *grad_lut, float *grad_img) {
  const char *what = "lut1d_backward";
  int32_t st = lutlab_lut1d_check_args(what, img, batch, height, width, lut, lut_batch, size);
  if (st) return st;
  if (!grad_out) return lutlab_fail(LUTLAB_EINVAL, "lut1d_backward: null grad_out pointer");
  if (!grad_lut && !grad_img) return LUTLAB_OK;
  const int64_t hw = (int64_t)height * width, total = (int64_t)batch * 3 * hw;
  const size_t bytes = sizeof(float) * total, lut_bytes = sizeof(float) * 3 * size * lut_batch;
  Buffers b;
  CUDA_TRY(what, cudaMalloc(&b.ptr[0], bytes));
  CUDA_TRY(what, cudaMalloc(&b.ptr[1], lut_bytes));
  CUDA_TRY(what, cudaMalloc(&b.ptr[2], bytes));
  if (grad_lut) CUDA_TRY(what, cudaMalloc(&b.ptr[3], lut_bytes));
  if (grad_img) CUDA_TRY(what, cudaMalloc(&b.ptr[4], bytes));
  CUDA_TRY(what, cudaMemcpy(b.ptr[0], img, bytes, cudaMemcpyHostToDevice));
  CUDA_TRY(what, cudaMemcpy(b.ptr[1], lut, lut_bytes, cudaMemcpyHostToDevice));
  CUDA_TRY(what, cudaMemcpy(b.ptr[2], grad_out, bytes, cudaMemcpyHostToDevice));
  if (grad_lut) CUDA_TRY(what, cudaMemset(b.ptr[3], 0, lut_bytes));
  backward_kernel<<<grid_for(total), THREADS>>>((const float *)b.ptr[0], hw, total, (const float *)b.ptr[1],
                                                 lut_batch == 1, size, (const float *)b.ptr[2],
                                                 (float *)b.ptr[3], (float *)b.ptr[4]);
  CUDA_TRY(what, cudaGetLastError());
  if (grad_lut) CUDA_TRY(what, cudaMemcpy(grad_lut, b.ptr[3], lut_bytes, cudaMemcpyDeviceToHost));
  if (grad_img) CUDA_TRY(what, cudaMemcpy(grad_img, b.ptr[4], bytes, cudaMemcpyDeviceToHost));
  return LUTLAB_OK;
}
