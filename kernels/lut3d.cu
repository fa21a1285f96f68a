/*
 * CUDA twin of kernels/lut3d.c: same symbols, signatures and maths (see kernels/lut3d.h). Every pointer is
 * a host pointer; each call copies its inputs to device buffers kept in a small cache (grown on demand,
 * guarded by a mutex), runs one thread per pixel, and copies the results back. The LUT is packed on the
 * device into one float4 per vertex (r, g, b, 0) so a corner is one 16-byte read-only load. LUT
 * gradients use float atomics into the planar gradient, first summed across the lanes of a warp that
 * share a cell; image gradients are per pixel (no races).
 */
#include <cuda_runtime.h>

#include <cstdint>
#include <mutex>

#include "lut3d.h"
#include "lut3d_cell.h"
#include "lutlab.h"

namespace {

enum Slot { IMG, OUT, LUT, PACKED, GOUT, GLUT, GIMG, NSLOTS };

struct DeviceBuffer {
  void *ptr = nullptr;
  size_t bytes = 0;
};

DeviceBuffer cache[NSLOTS];
std::mutex cache_mutex;

/* Device buffer `slot` with at least `bytes` bytes (grown, never shrunk). */
cudaError_t reserve(Slot slot, size_t bytes, void **ptr) {
  DeviceBuffer &b = cache[slot];
  if (b.bytes < bytes) {
    if (b.ptr) cudaFree(b.ptr);
    b.ptr = nullptr;
    b.bytes = 0;
    cudaError_t e = cudaMalloc(&b.ptr, bytes);
    if (e != cudaSuccess) return e;
    b.bytes = bytes;
  }
  *ptr = b.ptr;
  return cudaSuccess;
}

#include "cuda_util.h"

__device__ __forceinline__ float4 operator-(float4 a, float4 b) {
  return make_float4(a.x - b.x, a.y - b.y, a.z - b.z, 0.0f);
}
__device__ __forceinline__ float4 lerp4(float4 a, float4 b, float t) {
  return make_float4(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t, a.z + (b.z - a.z) * t, 0.0f);
}
__device__ __forceinline__ float dot3(float4 a, float4 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }

template <int MODE>
__device__ __forceinline__ float4 interpolate(const float4 *__restrict__ p, const l3_cell_t &c, int dim) {
  const int sg = dim, sb = dim * dim, s3 = 1 + dim + dim * dim;
  if (MODE == LUTLAB_LUT3D_TETRAHEDRAL) {
    const float4 c0 = __ldg(p), c1 = __ldg(p + c.o1), c2 = __ldg(p + c.o2), c3 = __ldg(p + s3);
    return make_float4(c0.x + (c1.x - c0.x) * c.f1 + (c2.x - c1.x) * c.f2 + (c3.x - c2.x) * c.f3,
                       c0.y + (c1.y - c0.y) * c.f1 + (c2.y - c1.y) * c.f2 + (c3.y - c2.y) * c.f3,
                       c0.z + (c1.z - c0.z) * c.f1 + (c2.z - c1.z) * c.f2 + (c3.z - c2.z) * c.f3, 0.0f);
  }
  const float4 c00 = lerp4(__ldg(p), __ldg(p + 1), c.f1), c10 = lerp4(__ldg(p + sg), __ldg(p + sg + 1), c.f1);
  const float4 c01 = lerp4(__ldg(p + sb), __ldg(p + sb + 1), c.f1);
  const float4 c11 = lerp4(__ldg(p + sb + sg), __ldg(p + s3), c.f1);
  return lerp4(lerp4(c00, c10, c.f2), lerp4(c01, c11, c.f2), c.f3);
}

/* Planar [count][3][D^3] -> float4 [count][D^3]. */
__global__ void pack_kernel(const float *__restrict__ lut, int64_t d3, int64_t total,
                            float4 *__restrict__ packed) {
  FOR_EACH_THREAD(k, total) {
    const float *src = lut + (k / d3) * 3 * d3 + k % d3;
    packed[k] = make_float4(src[0], src[d3], src[2 * d3], 0.0f);
  }
}

template <int MODE>
__global__ void forward_kernel(const float *__restrict__ img, int64_t hw, int64_t total, const float4 *lut,
                               bool shared_lut, int dim, float *__restrict__ out) {
  const int64_t d3 = (int64_t)dim * dim * dim;
  FOR_EACH_THREAD(i, total) {
    const int64_t bi = i / hw, at = bi * 3 * hw + i % hw;
    const l3_cell_t c = l3_locate(img[at], img[at + hw], img[at + 2 * hw], dim, MODE);
    const float4 o = interpolate<MODE>(lut + (shared_lut ? 0 : bi) * d3 + c.base, c, dim);
    out[at] = o.x;
    out[at + hw] = o.y;
    out[at + 2 * hw] = o.z;
  }
}

/*
 * Sums x[] over the lanes of `peers` (lanes with the same key) into the lowest lane of the group, in
 * log2(group size) shuffle rounds ("Voting and Shuffling to Optimize Atomic Operations", NVIDIA 2015).
 * Neighbouring pixels of a photo mostly share a LUT cell, so one lane then does the atomics of many.
 */
template <int N>
__device__ __forceinline__ void reduce_peers(unsigned active, unsigned peers, float (&x)[N]) {
  const int lane = threadIdx.x & 31;
  unsigned rel_pos = lane ? __popc(peers << (32 - lane)) : 0; /* peers below this lane */
  peers &= 0xfffffffeu << lane;                              /* peers above this lane */
  while (__any_sync(active, peers)) {
    const int next = __ffs(peers);
#pragma unroll
    for (int k = 0; k < N; ++k) {
      const float t = __shfl_sync(active, x[k], next ? next - 1 : lane);
      if (next) x[k] += t;
    }
    peers &= ~__ballot_sync(active, rel_pos & 1);
    rel_pos >>= 1;
  }
}

/* Adds w[k] * go to the LUT gradient at corner offset off[k] (planar channels), warp-aggregated by cell. */
template <int N>
__device__ __forceinline__ void scatter(float *q, int64_t d3, unsigned long long key, const int (&off)[N],
                                        const float (&w)[N], float4 go) {
  float x[3 * N];
#pragma unroll
  for (int k = 0; k < N; ++k) x[3 * k] = w[k] * go.x, x[3 * k + 1] = w[k] * go.y, x[3 * k + 2] = w[k] * go.z;
  const unsigned active = __activemask(), peers = __match_any_sync(active, key);
  reduce_peers(active, peers, x);
  if ((int)(threadIdx.x & 31) != __ffs(peers) - 1) return;
#pragma unroll
  for (int k = 0; k < N; ++k) {
    atomicAdd(q + off[k], x[3 * k]);
    atomicAdd(q + off[k] + d3, x[3 * k + 1]);
    atomicAdd(q + off[k] + 2 * d3, x[3 * k + 2]);
  }
}

template <int MODE>
__global__ void backward_kernel(const float *__restrict__ img, int64_t hw, int64_t total, const float4 *lut,
                                bool shared_lut, int dim, const float *__restrict__ grad_out, float *grad_lut,
                                float *__restrict__ grad_img) {
  const int64_t d3 = (int64_t)dim * dim * dim;
  const int sg = dim, sb = dim * dim, s3 = 1 + dim + dim * dim;
  const float scale = (float)(dim - 1);
  FOR_EACH_THREAD(i, total) {
    const int64_t bi = i / hw, at = bi * 3 * hw + i % hw, lb = shared_lut ? 0 : bi;
    const float r = img[at], g = img[at + hw], b = img[at + 2 * hw];
    const l3_cell_t c = l3_locate(r, g, b, dim, MODE);
    const float4 go = make_float4(grad_out[at], grad_out[at + hw], grad_out[at + 2 * hw], 0.0f);
    const unsigned long long cell = (unsigned long long)(lb * d3 + c.base);
    float dr, dg, db;
    if (MODE == LUTLAB_LUT3D_TETRAHEDRAL) {
      if (grad_lut) {
        const int off[4] = {0, c.o1, c.o2, s3};
        const float w[4] = {1.0f - c.f1, c.f1 - c.f2, c.f2 - c.f3, c.f3};
        /* the key names the cell and which of its 6 tetrahedra */
        const unsigned tet =
            (c.o1 == 1 ? 0 : c.o1 == sg ? 3 : 6) + (c.o2 == 1 + sg ? 0 : c.o2 == 1 + sb ? 1 : 2);
        const unsigned long long key = cell * 9 + tet;
        scatter(grad_lut + lb * 3 * d3 + c.base, d3, key, off, w, go);
      }
      if (!grad_img) continue;
      const float4 *p = lut + lb * d3 + c.base;
      const float4 c0 = __ldg(p), c1 = __ldg(p + c.o1), c2 = __ldg(p + c.o2), c3 = __ldg(p + s3);
      const float s1 = dot3(c1 - c0, go), s2 = dot3(c2 - c1, go), s3d = dot3(c3 - c2, go);
      const int omin = s3 - c.o2;
      dr = c.o1 == 1 ? s1 : omin == 1 ? s3d : s2;
      dg = c.o1 == sg ? s1 : omin == sg ? s3d : s2;
      db = c.o1 == sb ? s1 : omin == sb ? s3d : s2;
    } else {
      const float fr = c.f1, fg = c.f2, fb = c.f3, r0 = 1.0f - fr, g0 = 1.0f - fg, b0 = 1.0f - fb;
      if (grad_lut) {
        const int off[8] = {0, 1, sg, sg + 1, sb, sb + 1, sb + sg, s3};
        const float w[8] = {r0 * g0 * b0, fr * g0 * b0, r0 * fg * b0, fr * fg * b0,
                            r0 * g0 * fb, fr * g0 * fb, r0 * fg * fb, fr * fg * fb};
        scatter(grad_lut + lb * 3 * d3 + c.base, d3, cell, off, w, go);
      }
      if (!grad_img) continue;
      const float4 *p = lut + lb * d3 + c.base;
      const float4 c000 = __ldg(p), c100 = __ldg(p + 1), c010 = __ldg(p + sg), c110 = __ldg(p + sg + 1);
      const float4 c001 = __ldg(p + sb), c101 = __ldg(p + sb + 1), c011 = __ldg(p + sb + sg);
      const float4 c111 = __ldg(p + s3);
      dr = dot3(lerp4(lerp4(c100 - c000, c110 - c010, fg), lerp4(c101 - c001, c111 - c011, fg), fb), go);
      dg = dot3(lerp4(lerp4(c010 - c000, c110 - c100, fr), lerp4(c011 - c001, c111 - c101, fr), fb), go);
      db = dot3(lerp4(lerp4(c001 - c000, c101 - c100, fr), lerp4(c011 - c010, c111 - c110, fr), fg), go);
    }
    grad_img[at] = r >= 0.0f && r <= 1.0f ? dr * scale : 0.0f;
    grad_img[at + hw] = g >= 0.0f && g <= 1.0f ? dg * scale : 0.0f;
    grad_img[at + 2 * hw] = b >= 0.0f && b <= 1.0f ? db * scale : 0.0f;
  }
}

template <int MODE, typename T>
__global__ void interleaved_kernel(const T *__restrict__ in, int64_t hw, const float4 *lut, int dim,
                                   float maxval, T *__restrict__ out) {
  FOR_EACH_THREAD(i, hw) {
    const l3_cell_t c = l3_locate(__fdiv_rn((float)in[3 * i], maxval), __fdiv_rn((float)in[3 * i + 1], maxval),
                                  __fdiv_rn((float)in[3 * i + 2], maxval), dim, MODE);
    const float4 o = interpolate<MODE>(lut + c.base, c, dim);
    out[3 * i] = (T)__fadd_rn(__fmul_rn(l3_clamp01(o.x), maxval), 0.5f);
    out[3 * i + 1] = (T)__fadd_rn(__fmul_rn(l3_clamp01(o.y), maxval), 0.5f);
    out[3 * i + 2] = (T)__fadd_rn(__fmul_rn(l3_clamp01(o.z), maxval), 0.5f);
  }
}

/* Device-pointer launches (also used by kernels/test/lut3d_cuda_check.cu for kernel-only timings). */
void launch_pack(const float *d_lut, int32_t count, int32_t dim, float4 *d_packed) {
  const int64_t d3 = (int64_t)dim * dim * dim;
  pack_kernel<<<grid_for(count * d3), THREADS>>>(d_lut, d3, count * d3, d_packed);
}

void launch_forward(const float *d_img, int32_t batch, int64_t hw, const float4 *d_packed, int32_t lut_batch,
                    int32_t dim, int32_t mode, float *d_out) {
  const int64_t total = batch * hw;
  if (mode == LUTLAB_LUT3D_TETRAHEDRAL) {
    forward_kernel<LUTLAB_LUT3D_TETRAHEDRAL><<<grid_for(total), THREADS>>>(d_img, hw, total, d_packed,
                                                                           lut_batch == 1, dim, d_out);
  } else {
    forward_kernel<LUTLAB_LUT3D_TRILINEAR><<<grid_for(total), THREADS>>>(d_img, hw, total, d_packed,
                                                                         lut_batch == 1, dim, d_out);
  }
}

void launch_backward(const float *d_img, int32_t batch, int64_t hw, const float4 *d_packed, int32_t lut_batch,
                     int32_t dim, int32_t mode, const float *d_gout, float *d_glut, float *d_gimg) {
  const int64_t total = batch * hw;
  if (mode == LUTLAB_LUT3D_TETRAHEDRAL) {
    backward_kernel<LUTLAB_LUT3D_TETRAHEDRAL><<<grid_for(total), THREADS>>>(
        d_img, hw, total, d_packed, lut_batch == 1, dim, d_gout, d_glut, d_gimg);
  } else {
    backward_kernel<LUTLAB_LUT3D_TRILINEAR><<<grid_for(total), THREADS>>>(d_img, hw, total, d_packed,
                                                                          lut_batch == 1, dim, d_gout, d_glut,
                                                                          d_gimg);
  }
}

/* Copies `count` LUTs to the device and packs them; returns the packed buffer in *packed. */
int32_t upload_luts(const char *what, const float *lut, int32_t count, int32_t dim, float4 **packed) {
  const size_t d3 = (size_t)dim * dim * dim;
  void *d_lut, *d_packed;
  CUDA_TRY(what, reserve(LUT, sizeof(float) * 3 * d3 * count, &d_lut));
  CUDA_TRY(what, reserve(PACKED, sizeof(float4) * d3 * count, &d_packed));
  CUDA_TRY(what, cudaMemcpy(d_lut, lut, sizeof(float) * 3 * d3 * count, cudaMemcpyHostToDevice));
  launch_pack((const float *)d_lut, count, dim, (float4 *)d_packed);
  CUDA_TRY(what, cudaGetLastError());
  *packed = (float4 *)d_packed;
  return LUTLAB_OK;
}

template <typename T>
int32_t apply_interleaved(const char *what, const T *in, int32_t height, int32_t width, const float *lut,
                          int32_t dim, int32_t mode, T *out, float maxval) {
  int32_t st = lutlab_lut3d_check_args(what, in, 1, height, width, lut, 1, dim, mode);
  if (st) return st;
  if (!out) return lutlab_fail(LUTLAB_EINVAL, "%s: null output pointer", what);
  std::lock_guard<std::mutex> lock(cache_mutex);
  float4 *packed;
  if ((st = upload_luts(what, lut, 1, dim, &packed))) return st;
  const int64_t hw = (int64_t)height * width;
  void *d_in, *d_out;
  CUDA_TRY(what, reserve(IMG, sizeof(T) * 3 * hw, &d_in));
  CUDA_TRY(what, reserve(OUT, sizeof(T) * 3 * hw, &d_out));
  CUDA_TRY(what, cudaMemcpy(d_in, in, sizeof(T) * 3 * hw, cudaMemcpyHostToDevice));
  if (mode == LUTLAB_LUT3D_TETRAHEDRAL) {
    interleaved_kernel<LUTLAB_LUT3D_TETRAHEDRAL, T>
        <<<grid_for(hw), THREADS>>>((const T *)d_in, hw, packed, dim, maxval, (T *)d_out);
  } else {
    interleaved_kernel<LUTLAB_LUT3D_TRILINEAR, T>
        <<<grid_for(hw), THREADS>>>((const T *)d_in, hw, packed, dim, maxval, (T *)d_out);
  }
  CUDA_TRY(what, cudaGetLastError());
  CUDA_TRY(what, cudaMemcpy(out, d_out, sizeof(T) * 3 * hw, cudaMemcpyDeviceToHost));
  return LUTLAB_OK;
}

}  // namespace

extern "C" int32_t lutlab_lut3d_forward(const float *img, int32_t batch, int32_t height, int32_t width,
                                        const float *lut, int32_t lut_batch, int32_t dim, int32_t mode,
                                        float *out) {
  const char *what = "lut3d_forward";
  int32_t st = lutlab_lut3d_check_args(what, img, batch, height, width, lut, lut_batch, dim, mode);
  if (st) return st;
  if (!out) return lutlab_fail(LUTLAB_EINVAL, "%s: null output pointer", what);
  std::lock_guard<std::mutex> lock(cache_mutex);
  float4 *packed;
  if ((st = upload_luts(what, lut, lut_batch, dim, &packed))) return st;
  const int64_t hw = (int64_t)height * width;
  const size_t bytes = sizeof(float) * 3 * hw * batch;
  void *d_img, *d_out;
  CUDA_TRY(what, reserve(IMG, bytes, &d_img));
  CUDA_TRY(what, reserve(OUT, bytes, &d_out));
  CUDA_TRY(what, cudaMemcpy(d_img, img, bytes, cudaMemcpyHostToDevice));
  launch_forward((const float *)d_img, batch, hw, packed, lut_batch, dim, mode, (float *)d_out);
  CUDA_TRY(what, cudaGetLastError());
  CUDA_TRY(what, cudaMemcpy(out, d_out, bytes, cudaMemcpyDeviceToHost));
  return LUTLAB_OK;
}

extern "C" int32_t lutlab_lut3d_backward(const float *img, int32_t batch, int32_t height, int32_t width,
                                         const float *lut, int32_t lut_batch, int32_t dim, int32_t mode,
                                         const float *grad_out, float *grad_lut, float *grad_img) {
  const char *what = "lut3d_backward";
  int32_t st = lutlab_lut3d_check_args(what, img, batch, height, width, lut, lut_batch, dim, mode);
  if (st) return st;
  if (!grad_out) return lutlab_fail(LUTLAB_EINVAL, "%s: null grad_out pointer", what);
  if (!grad_lut && !grad_img) return LUTLAB_OK;
  std::lock_guard<std::mutex> lock(cache_mutex);
  float4 *packed;
  if ((st = upload_luts(what, lut, lut_batch, dim, &packed))) return st;
  const int64_t hw = (int64_t)height * width;
  const size_t bytes = sizeof(float) * 3 * hw * batch;
  const size_t lut_bytes = sizeof(float) * 3 * lut_batch * dim * dim * dim;
  void *d_img, *d_gout, *d_glut = nullptr, *d_gimg = nullptr;
  CUDA_TRY(what, reserve(IMG, bytes, &d_img));
  CUDA_TRY(what, reserve(GOUT, bytes, &d_gout));
  if (grad_lut) CUDA_TRY(what, reserve(GLUT, lut_bytes, &d_glut));
  if (grad_img) CUDA_TRY(what, reserve(GIMG, bytes, &d_gimg));
  CUDA_TRY(what, cudaMemcpy(d_img, img, bytes, cudaMemcpyHostToDevice));
  CUDA_TRY(what, cudaMemcpy(d_gout, grad_out, bytes, cudaMemcpyHostToDevice));
  if (grad_lut) CUDA_TRY(what, cudaMemset(d_glut, 0, lut_bytes));
  launch_backward((const float *)d_img, batch, hw, packed, lut_batch, dim, mode, (const float *)d_gout,
                  (float *)d_glut, (float *)d_gimg);
  CUDA_TRY(what, cudaGetLastError());
  if (grad_lut) CUDA_TRY(what, cudaMemcpy(grad_lut, d_glut, lut_bytes, cudaMemcpyDeviceToHost));
  if (grad_img) CUDA_TRY(what, cudaMemcpy(grad_img, d_gimg, bytes, cudaMemcpyDeviceToHost));
  return LUTLAB_OK;
}

extern "C" int32_t lutlab_lut3d_apply_u8(const uint8_t *in, int32_t height, int32_t width, const float *lut,
                                         int32_t dim, int32_t mode, uint8_t *out) {
  return apply_interleaved("lutlab_lut3d_apply_u8", in, height, width, lut, dim, mode, out, 255.0f);
}

extern "C" int32_t lutlab_lut3d_apply_u16(const uint16_t *in, int32_t height, int32_t width, const float *lut,
                                          int32_t dim, int32_t mode, uint16_t *out) {
  return apply_interleaved("lutlab_lut3d_apply_u16", in, height, width, lut, dim, mode, out, 65535.0f);
}
