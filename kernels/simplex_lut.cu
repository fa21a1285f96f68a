/*
 * CUDA twin of kernels/simplex_lut.c (same symbols, host pointers): n-D simplex LUT forward, backward (atomics
 * for the table and plane gradients) and SR-LUT rotation ensemble, one thread per anchor pixel.
 */
#include <cuda_runtime.h>

#include <cstdint>

#include "simplex_lut.h"
#include "lutlab.h"
#include "simplex.h"

namespace {

struct Lut {
  const void *table;
  int32_t dtype, n, bits, levels, k, srlut;
  int32_t stride[SX_MAX_N];
};

Lut make_lut(const void *table, int32_t dtype, int32_t n, int32_t bits, int32_t k, int32_t flags) {
  Lut t;
  t.table = table;
  t.dtype = dtype;
  t.n = n;
  t.bits = bits;
  t.levels = (256 >> bits) + 1;
  t.k = k;
  t.srlut = flags & LUTLAB_SIMPLEX_SRLUT_ORDER;
  int32_t s = 1;
  for (int32_t d = n - 1; d >= 0; --d) {
    t.stride[d] = s;
    s *= t.levels;
  }
  return t;
}

struct Offsets {
  int32_t v[SX_MAX_N][2];
};

/* Vertex rows of one pixel's simplex. */
__device__ void vertex_rows(const Lut &t, const simplex_t &s, int64_t *rows) {
  rows[0] = 0;
  for (int32_t d = 0; d < t.n; ++d) rows[0] += (int64_t)s.cell[d] * t.stride[d];
  for (int32_t j = 0; j < t.n; ++j) rows[j + 1] = rows[j] + t.stride[s.order[j]];
}

__device__ float entry(const Lut &t, int64_t row, int32_t c) {
  return t.dtype == 1 ? (float)((const int8_t *)t.table)[row * t.k + c] : ((const float *)t.table)[row * t.k + c];
}

/* Simplex and vertex rows of anchor i (plane p, row y, column x); returns the plane offset of the anchor. */
__device__ int64_t anchor_simplex(const Lut &t, const Offsets &off, const float *planes, int64_t i, int32_t hp,
                                  int32_t wp, int32_t h, int32_t w, simplex_t &s, int64_t *rows) {
  const int64_t p = i / ((int64_t)h * w), y = (i / w) % h, x = i % w, base = (p * hp + y) * wp + x;
  float v[SX_MAX_N];
  for (int32_t d = 0; d < t.n; ++d) v[d] = planes[base + off.v[d][0] * (int64_t)wp + off.v[d][1]];
  sx_locate(v, t.n, t.bits, t.srlut, &s);
  vertex_rows(t, s, rows);
  return base;
}

__global__ void forward_kernel(Lut t, Offsets off, const float *planes, int32_t n_planes, int32_t hp, int32_t wp,
                               int32_t h, int32_t w, float *out) {
  const int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
  if (i >= (int64_t)n_planes * h * w) return;
  simplex_t s;
  int64_t rows[SX_MAX_N + 1];
  anchor_simplex(t, off, planes, i, hp, wp, h, w, s, rows);
  const float inv_q = 1.0f / (float)(1 << t.bits);
  for (int32_t c = 0; c < t.k; ++c) {
    float acc = 0.0f;
    for (int32_t j = 0; j <= t.n; ++j) acc += s.w[j] * entry(t, rows[j], c);
    out[i * t.k + c] = acc * inv_q;
  }
}

__global__ void backward_kernel(Lut t, Offsets off, const float *planes, int32_t n_planes, int32_t hp, int32_t wp,
                                int32_t h, int32_t w, const float *grad_out, float *grad_table, float *grad_planes) {
  const int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
  if (i >= (int64_t)n_planes * h * w) return;
  simplex_t s;
  int64_t rows[SX_MAX_N + 1];
  const int64_t base = anchor_simplex(t, off, planes, i, hp, wp, h, w, s, rows);
  const float inv_q = 1.0f / (float)(1 << t.bits);
  const float *g = grad_out + i * t.k;
  if (grad_table) {
    for (int32_t j = 0; j <= t.n; ++j) {
      const float wj = s.w[j] * inv_q;
      for (int32_t c = 0; c < t.k; ++c) atomicAdd(grad_table + rows[j] * t.k + c, wj * g[c]);
    }
  }
  if (grad_planes) {
    for (int32_t j = 0; j < t.n; ++j) {
      const int32_t d = s.order[j];
      if (!((s.in_range >> d) & 1)) continue;
      float acc = 0.0f;
      for (int32_t c = 0; c < t.k; ++c) acc += g[c] * (entry(t, rows[j + 1], c) - entry(t, rows[j], c));
      atomicAdd(grad_planes + base + off.v[d][0] * (int64_t)wp + off.v[d][1], acc * inv_q);
    }
  }
}

/* One LR pixel: the four rotations (pattern rotated, two-sided padding) summed into its r x r block. */
__global__ void ensemble_kernel(Lut t, Offsets off, const float *planes, int32_t n_planes, int32_t h, int32_t w,
                                int32_t r, int32_t pad_mode, float *out) {
  const int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
  if (i >= (int64_t)n_planes * h * w) return;
  const int64_t p = i / ((int64_t)h * w), y = (i / w) % h, x = i % w;
  const float *src = planes + p * h * w;
  const int64_t wr = (int64_t)w * r;
  float *blk = out + p * (int64_t)h * r * wr;
  const float inv_q = 1.0f / (float)(1 << t.bits);
  for (int32_t pq = 0; pq < r * r; ++pq) blk[(y * r + pq / r) * wr + x * r + pq % r] = 0.0f;
  for (int32_t rot = 0; rot < 4; ++rot) {
    float v[SX_MAX_N];
    for (int32_t d = 0; d < t.n; ++d) {
      const int32_t dy = off.v[d][0], dx = off.v[d][1];
      const int32_t ry = rot == 0 ? dy : rot == 1 ? dx : rot == 2 ? -dy : -dx;
      const int32_t rx = rot == 0 ? dx : rot == 1 ? -dy : rot == 2 ? -dx : dy;
      const int32_t yy = sx_pad_both((int32_t)y + ry, h, pad_mode), xx = sx_pad_both((int32_t)x + rx, w, pad_mode);
      v[d] = src[(int64_t)yy * w + xx];
    }
    simplex_t s;
    sx_locate(v, t.n, t.bits, t.srlut, &s);
    int64_t rows[SX_MAX_N + 1];
    vertex_rows(t, s, rows);
    for (int32_t pp = 0; pp < r; ++pp) {
      for (int32_t qq = 0; qq < r; ++qq) {
        const int32_t c = rot == 0 ? pp * r + qq
                          : rot == 1 ? (r - 1 - qq) * r + pp
                          : rot == 2 ? (r - 1 - pp) * r + (r - 1 - qq)
                                     : qq * r + (r - 1 - pp);
        float acc = 0.0f;
        for (int32_t j = 0; j <= t.n; ++j) acc += s.w[j] * entry(t, rows[j], c);
        blk[(y * r + pp) * wr + x * r + qq] += acc * inv_q;
      }
    }
  }
}

int32_t cuda_fail(const char *what) {
  const cudaError_t e = cudaGetLastError();
  return lutlab_fail(LUTLAB_EDEVICE, "%s: CUDA error: %s", what, cudaGetErrorString(e));
}

Offsets pack(const int32_t *offsets, int32_t n) {
  Offsets o = {};
  for (int32_t d = 0; d < n; ++d) {
    o.v[d][0] = offsets[2 * d];
    o.v[d][1] = offsets[2 * d + 1];
  }
  return o;
}

size_t elem(int32_t dtype) { return dtype == 1 ? 1 : 4; }

}  // namespace

extern "C" int32_t lutlab_simplex_forward(const float *planes, int32_t n_planes, int32_t hp, int32_t wp,
                                        const int32_t *offsets, int32_t n, const void *table, int64_t table_len,
                                        int32_t dtype, int32_t interval_bits, int32_t k, int32_t flags, float *out) {
  const char *what = "simplex_forward";
  int32_t py = 0, px = 0;
  const int32_t st = sx_check_common(planes, n_planes, hp, wp, offsets, n, table, table_len, dtype, interval_bits,
                                     k, out, &py, &px, what);
  if (st) return st;
  const int32_t h = hp - py, w = wp - px;
  if (h < 1 || w < 1) return lutlab_fail(LUTLAB_EINVAL, "%s: planes %dx%d leave no output", what, hp, wp);
  const int64_t total = (int64_t)n_planes * h * w, np = (int64_t)n_planes * hp * wp;
  SxBuf dp, dt, dout;
  if (sx_alloc_copy(dp, planes, np * 4) || sx_alloc_copy(dt, table, table_len * elem(dtype)) ||
      sx_alloc_copy(dout, nullptr, total * k * 4)) {
    return cuda_fail(what);
  }
  const Lut t = make_lut(dt.p, dtype, n, interval_bits, k, flags);
  forward_kernel<<<(unsigned)((total + 255) / 256), 256>>>(t, pack(offsets, n), (const float *)dp.p, n_planes, hp,
                                                            wp, h, w, (float *)dout.p);
  if (cudaMemcpy(out, dout.p, total * k * 4, cudaMemcpyDeviceToHost) != cudaSuccess) return cuda_fail(what);
  return LUTLAB_OK;
}

extern "C" int32_t lutlab_simplex_backward(const float *planes, int32_t n_planes, int32_t hp, int32_t wp,
                                         const int32_t *offsets, int32_t n, const float *table, int64_t table_len,
                                         int32_t interval_bits, int32_t k, int32_t flags, const float *grad_out,
                                         float *grad_table, float *grad_planes) {
  const char *what = "simplex_backward";
  int32_t py = 0, px = 0;
  const int32_t st = sx_check_common(planes, n_planes, hp, wp, offsets, n, table, table_len, 0, interval_bits, k,
                                     grad_out, &py, &px, what);
  if (st) return st;
  const int32_t h = hp - py, w = wp - px;
  if (h < 1 || w < 1) return lutlab_fail(LUTLAB_EINVAL, "%s: planes %dx%d leave no output", what, hp, wp);
  const int64_t total = (int64_t)n_planes * h * w, np = (int64_t)n_planes * hp * wp;
  SxBuf dp, dt, dg, dgt, dgp;
  if (sx_alloc_copy(dp, planes, np * 4) || sx_alloc_copy(dt, table, table_len * 4) ||
      sx_alloc_copy(dg, grad_out, total * k * 4) || (grad_table && sx_alloc_copy(dgt, nullptr, table_len * 4)) ||
      (grad_planes && sx_alloc_copy(dgp, nullptr, np * 4))) {
    return cuda_fail(what);
  }
  if ((dgt.p && cudaMemset(dgt.p, 0, table_len * 4) != cudaSuccess) ||
      (dgp.p && cudaMemset(dgp.p, 0, np * 4) != cudaSuccess)) {
    return cuda_fail(what);
  }
  const Lut t = make_lut(dt.p, 0, n, interval_bits, k, flags);
  backward_kernel<<<(unsigned)((total + 255) / 256), 256>>>(t, pack(offsets, n), (const float *)dp.p, n_planes, hp,
                                                             wp, h, w, (const float *)dg.p, (float *)dgt.p,
                                                             (float *)dgp.p);
  if ((grad_table && cudaMemcpy(grad_table, dgt.p, table_len * 4, cudaMemcpyDeviceToHost) != cudaSuccess) ||
      (grad_planes && cudaMemcpy(grad_planes, dgp.p, np * 4, cudaMemcpyDeviceToHost) != cudaSuccess)) {
    return cuda_fail(what);
  }
  return LUTLAB_OK;
}

extern "C" int32_t lutlab_simplex_ensemble(const float *planes, int32_t n_planes, int32_t h, int32_t w,
                                         const int32_t *offsets, int32_t n, const void *table, int64_t table_len,
                                         int32_t dtype, int32_t interval_bits, int32_t upscale, int32_t pad_mode,
                                         int32_t flags, float *out) {
  const char *what = "simplex_ensemble";
  if (upscale < 1 || upscale > 16) return lutlab_fail(LUTLAB_EINVAL, "%s: upscale=%d, expected 1..16", what, upscale);
  const int32_t k = upscale * upscale;
  int32_t py = 0, px = 0;
  const int32_t st = sx_check_common(planes, n_planes, h, w, offsets, n, table, table_len, dtype, interval_bits, k,
                                     out, &py, &px, what);
  if (st) return st;
  if (pad_mode != 0 && pad_mode != 1) return lutlab_fail(LUTLAB_EINVAL, "%s: pad_mode=%d", what, pad_mode);
  const int32_t reach = py > px ? py : px;
  if (pad_mode == 1 && (reach >= h || reach >= w)) {
    return lutlab_fail(LUTLAB_EINVAL, "%s: reflect padding by %d needs planes larger than %dx%d", what, reach, h, w);
  }
  const int64_t total = (int64_t)n_planes * h * w;
  SxBuf dp, dt, dout;
  if (sx_alloc_copy(dp, planes, total * 4) || sx_alloc_copy(dt, table, table_len * elem(dtype)) ||
      sx_alloc_copy(dout, nullptr, total * k * 4)) {
    return cuda_fail(what);
  }
  const Lut t = make_lut(dt.p, dtype, n, interval_bits, k, flags);
  ensemble_kernel<<<(unsigned)((total + 255) / 256), 256>>>(t, pack(offsets, n), (const float *)dp.p, n_planes, h,
                                                             w, upscale, pad_mode, (float *)dout.p);
  if (cudaMemcpy(out, dout.p, total * k * 4, cudaMemcpyDeviceToHost) != cudaSuccess) return cuda_fail(what);
  return LUTLAB_OK;
}
