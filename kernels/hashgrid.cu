/*
 * CUDA twin of kernels/hashgrid.c (same symbols, same signatures, HOST pointers: this file copies to and
 * from the GPU itself). Forward: one thread per (pixel, level). Backward: one thread per (pixel, level),
 * atomicAdd into the table gradient. Index maths shared through kernels/hashgrid.h; on the device the
 * grid position uses fmaf exactly like tiny-cuda-nn.
 */
#include <cuda_runtime.h>

#include "hashgrid.h"
#include "lutlab.h"

namespace {

struct Geometry {
  float scales[HG_MAX_LEVELS];
  uint32_t resolutions[HG_MAX_LEVELS];
  uint32_t offsets[HG_MAX_LEVELS + 1];
};

Geometry make_geometry(int32_t levels, const float *scales, const uint32_t *resolutions,
                       const uint32_t *offsets) {
  Geometry g{};
  for (int32_t l = 0; l < levels; ++l) {
    g.scales[l] = scales[l];
    g.resolutions[l] = resolutions[l];
  }
  for (int32_t l = 0; l <= levels; ++l) g.offsets[l] = offsets[l];
  return g;
}

/* Thread t of a (level, pixel) grid: its level l, the corners of its pixel's colour, and the element
 * offset `at` of its first feature in [B, L*F, npix] (level 0). Returns false past the end. */
struct Lookup {
  int32_t l;
  int64_t at;
  hg_level_t lv;
  uint32_t idx[8];
  float w[8];
};

__device__ bool lookup(const float *rgb, int64_t npix, int64_t total, int32_t levels, int32_t features,
                       const Geometry &g, Lookup &q) {
  const int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= total * levels) return false;
  q.l = (int32_t)(t / total);
  float c[3];
  hashgrid_pixel(rgb, npix, t - (int64_t)q.l * total, (int64_t)levels * features, c, &q.at);
  q.lv = hashgrid_level(g.scales, g.resolutions, g.offsets, q.l);
  hashgrid_corners(c, &q.lv, q.idx, q.w);
  return true;
}

__global__ void forward_kernel(const float *rgb, int64_t npix, int64_t total, const float *table,
                               int32_t levels, int32_t features, Geometry g, float *out) {
  Lookup q;
  if (!lookup(rgb, npix, total, levels, features, g, q)) return;
  float acc[HG_MAX_FEATURES] = {0};
  for (int k = 0; k < 8; ++k) {
    const float *e = table + ((int64_t)q.lv.offset + q.idx[k]) * features;
    for (int32_t f = 0; f < features; ++f) acc[f] += q.w[k] * e[f];
  }
  float *o = out + q.at;
  for (int32_t f = 0; f < features; ++f) o[(int64_t)(q.l * features + f) * npix] = acc[f];
}

__global__ void backward_kernel(const float *rgb, int64_t npix, int64_t total, const float *grad_out,
                                int32_t levels, int32_t features, Geometry g, float *grad_table) {
  Lookup q;
  if (!lookup(rgb, npix, total, levels, features, g, q)) return;
  const float *go = grad_out + q.at;
  for (int32_t f = 0; f < features; ++f) {
    const float gf = go[(int64_t)(q.l * features + f) * npix];
    if (gf == 0.0f) continue;
    float *dst = grad_table + (int64_t)q.lv.offset * features + f;
    for (int k = 0; k < 8; ++k) atomicAdd(dst + (int64_t)q.idx[k] * features, q.w[k] * gf);
  }
}

/* Device buffers freed on scope exit: [0] colours, [1] table or grad_out, [2] output; copies the inputs. */
struct DeviceBuffers {
  void *ptr[3] = {nullptr, nullptr, nullptr};
  ~DeviceBuffers() {
    for (void *p : ptr) cudaFree(p);
  }
  cudaError_t setup(const float *rgb, size_t rgb_bytes, const float *second, size_t second_bytes,
                    size_t out_bytes) {
    cudaError_t e;
    if ((e = cudaMalloc(&ptr[0], rgb_bytes)) != cudaSuccess) return e;
    if ((e = cudaMalloc(&ptr[1], second_bytes)) != cudaSuccess) return e;
    if ((e = cudaMalloc(&ptr[2], out_bytes)) != cudaSuccess) return e;
    if ((e = cudaMemcpy(ptr[0], rgb, rgb_bytes, cudaMemcpyHostToDevice)) != cudaSuccess) return e;
    return cudaMemcpy(ptr[1], second, second_bytes, cudaMemcpyHostToDevice);
  }
};

int32_t cuda_fail(cudaError_t e, const char *what, const char *step) {
  cudaGetLastError();
  return lutlab_fail(LUTLAB_EDEVICE, "%s: %s: %s", what, step, cudaGetErrorString(e));
}

#define HG_CUDA(call, step)                                  \
  do {                                                       \
    cudaError_t e_ = (call);                                 \
    if (e_ != cudaSuccess) return cuda_fail(e_, what, step); \
  } while (0)

typedef void (*PassKernel)(const float *, int64_t, int64_t, const float *, int32_t, int32_t, Geometry,
                           float *);

/* One pass over every (pixel, level) of rgb [B,3,H,W]: uploads `in` (in_len floats: table or grad_out),
 * runs `kernel` into a device result of res_len floats (zeroed first when `zero`, for the atomic
 * backward) and copies it to `res`. */
int32_t run_pass(PassKernel kernel, bool zero, const char *what, const float *rgb, int32_t batch,
                 int32_t height, int32_t width, const float *in, int64_t in_len, float *res, int64_t res_len,
                 int32_t levels, int32_t features, const Geometry &g) {
  const int64_t npix = (int64_t)height * width, total = (int64_t)batch * npix;
  const size_t res_bytes = (size_t)res_len * sizeof(float);
  DeviceBuffers d;
  HG_CUDA(d.setup(rgb, (size_t)total * 3 * sizeof(float), in, (size_t)in_len * sizeof(float), res_bytes),
          "upload");
  if (zero) HG_CUDA(cudaMemset(d.ptr[2], 0, res_bytes), "zero result");
  const int threads = 256;
  const int64_t work = total * levels;
  kernel<<<(unsigned)((work + threads - 1) / threads), threads>>>(
      (const float *)d.ptr[0], npix, total, (const float *)d.ptr[1], levels, features, g, (float *)d.ptr[2]);
  HG_CUDA(cudaGetLastError(), "launch");
  HG_CUDA(cudaMemcpy(res, d.ptr[2], res_bytes, cudaMemcpyDeviceToHost), "copy result");
  return LUTLAB_OK;
}

}  // namespace

extern "C" int32_t lutlab_hashgrid_forward(const float *rgb, int32_t batch, int32_t height, int32_t width,
                                           const float *table, int64_t table_len, int32_t levels,
                                           int32_t features, const float *scales, const uint32_t *resolutions,
                                           const uint32_t *offsets, float *out) {
  const char *what = "lutlab_hashgrid_forward";
  int32_t st = hashgrid_validate(rgb, batch, height, width, table, table_len, levels, features, scales,
                                 resolutions, offsets, out, what);
  if (st != LUTLAB_OK) return st;
  const int64_t out_len = (int64_t)batch * height * width * levels * features;
  return run_pass(forward_kernel, false, what, rgb, batch, height, width, table, table_len, out, out_len,
                  levels, features, make_geometry(levels, scales, resolutions, offsets));
}

extern "C" int32_t lutlab_hashgrid_backward(const float *rgb, int32_t batch, int32_t height, int32_t width,
                                            const float *grad_out, int32_t levels, int32_t features,
                                            const float *scales, const uint32_t *resolutions,
                                            const uint32_t *offsets, float *grad_table, int64_t table_len) {
  const char *what = "lutlab_hashgrid_backward";
  int32_t st = hashgrid_validate(rgb, batch, height, width, grad_table, table_len, levels, features, scales,
                                 resolutions, offsets, grad_out, what);
  if (st != LUTLAB_OK) return st;
  const int64_t g_len = (int64_t)batch * height * width * levels * features;
  return run_pass(backward_kernel, true, what, rgb, batch, height, width, grad_out, g_len, grad_table,
                  table_len, levels, features, make_geometry(levels, scales, resolutions, offsets));
}
