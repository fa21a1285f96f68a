/*
 * GPU vs CPU check and timing of the 3D LUT kernels. Compiles kernels/lut3d.cu into itself (so it can
 * time the kernels alone with cudaEvents) and loads the CPU library with dlopen (same symbol names,
 * RTLD_LOCAL). Parity: forward, backward (LUT and image gradients) and uint8/uint16 on random + edge
 * colours (0, 1, grid points, out of range, +-inf, NaN), D = 2, 17, 33, shared and per-image LUTs;
 * prints max abs errors and exits 1 above tolerance. Timing: 3000x4000 (12 MP) and 4000x6000 (24 MP),
 * D = 33, smooth (photo-like) and noisy images: kernel-only forward/backward (median of cudaEvent
 * times) and the host call with transfers.
 *
 *   gcc -std=c11 -O3 -march=native -fno-trapping-math -fPIC -shared -fopenmp kernels/common.c \
 *       kernels/lut3d.c -o /tmp/lut3d_cpu.so -lm
 *   nvcc -O3 -std=c++17 -gencode arch=compute_90,code=sm_90 -Ikernels kernels/test/lut3d_cuda_check.cu \
 *       -o /tmp/lut3d_check -ldl
 *   /tmp/lut3d_check /tmp/lut3d_cpu.so
 */
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "../common.cu"
#include "../lut3d.cu"
#include "check.h"

typedef int32_t (*fwd_t)(const float *, int32_t, int32_t, int32_t, const float *, int32_t, int32_t, int32_t,
                         float *);
typedef int32_t (*bwd_t)(const float *, int32_t, int32_t, int32_t, const float *, int32_t, int32_t, int32_t,
                         const float *, float *, float *);
typedef int32_t (*u8_t)(const uint8_t *, int32_t, int32_t, const float *, int32_t, int32_t, uint8_t *);
typedef int32_t (*u16_t)(const uint16_t *, int32_t, int32_t, const float *, int32_t, int32_t, uint16_t *);

static fwd_t cpu_fwd;
static bwd_t cpu_bwd;
static u8_t cpu_u8;
static u16_t cpu_u16;

static uint32_t seed_state = 12345u;
static float rand01() {
  seed_state = seed_state * 1664525u + 1013904223u;
  return (float)(seed_state >> 8) / 16777216.0f;
}

static void fill_colours(std::vector<float> &x, int dim) {
  const float edges[] = {0.0f, 1.0f, -0.5f, 2.0f, NAN, INFINITY, -INFINITY, 0.5f, 1.0f - 1e-7f};
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = rand01() * 1.4f - 0.2f;
    if (i % 7 == 3) x[i] = edges[(i / 7) % 9];
    if (i % 7 == 5) x[i] = (float)(i % dim) / (float)(dim - 1);
  }
}

static double max_abs(const float *a, const float *b, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; ++i) {
    const double d = std::fabs((double)a[i] - b[i]);
    if (!(d <= m)) m = d; /* NaN propagates */
  }
  return m;
}

static double max_mag(const float *a, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; ++i) m = std::max(m, (double)std::fabs(a[i]));
  return m;
}

static void parity(int batch, int lut_batch, int h, int w, int dim, int mode) {
  const size_t n = (size_t)batch * 3 * h * w, nl = (size_t)lut_batch * 3 * dim * dim * dim;
  std::vector<float> img(n), lut(nl), gout(n), o_gpu(n), o_cpu(n), gi_gpu(n), gi_cpu(n);
  std::vector<float> gl_gpu(nl), gl_cpu(nl);
  fill_colours(img, dim);
  for (auto &v : lut) v = rand01();
  for (auto &v : gout) v = rand01() - 0.5f;
  int st = lutlab_lut3d_forward(img.data(), batch, h, w, lut.data(), lut_batch, dim, mode, o_gpu.data());
  EXPECT(st == 0, "gpu forward: %s", lutlab_last_error());
  cpu_fwd(img.data(), batch, h, w, lut.data(), lut_batch, dim, mode, o_cpu.data());
  st = lutlab_lut3d_backward(img.data(), batch, h, w, lut.data(), lut_batch, dim, mode, gout.data(),
                             gl_gpu.data(), gi_gpu.data());
  EXPECT(st == 0, "gpu backward: %s", lutlab_last_error());
  cpu_bwd(img.data(), batch, h, w, lut.data(), lut_batch, dim, mode, gout.data(), gl_cpu.data(),
          gi_cpu.data());
  const double ef = max_abs(o_gpu.data(), o_cpu.data(), n);
  const double ei = max_abs(gi_gpu.data(), gi_cpu.data(), n);
  const double el = max_abs(gl_gpu.data(), gl_cpu.data(), nl);
  const double scale = std::max(1.0, max_mag(gl_cpu.data(), nl));
  printf("parity %-11s B=%d LB=%d %4dx%-4d D=%-2d  fwd %.2e  grad_img %.2e  grad_lut %.2e (max |g| %.1f)\n",
         mode ? "tetrahedral" : "trilinear", batch, lut_batch, h, w, dim, ef, ei, el, scale);
  EXPECT(ef <= 1e-5, "forward error %g", ef);
  EXPECT(ei <= 1e-5 * (dim - 1), "image grad error %g", ei);
  EXPECT(el <= 1e-5 * scale, "LUT grad error %g (scale %g)", el, scale);
}

static void parity_integer(int h, int w, int dim, int mode) {
  const size_t n = (size_t)3 * h * w;
  std::vector<float> lut((size_t)3 * dim * dim * dim);
  for (auto &v : lut) v = rand01() * 1.2f - 0.1f;
  std::vector<uint8_t> i8(n), g8(n), c8(n);
  std::vector<uint16_t> i16(n), g16(n), c16(n);
  for (size_t i = 0; i < n; ++i) i8[i] = (uint8_t)(rand01() * 256), i16[i] = (uint16_t)(rand01() * 65536);
  EXPECT(lutlab_lut3d_apply_u8(i8.data(), h, w, lut.data(), dim, mode, g8.data()) == 0, "gpu u8");
  EXPECT(lutlab_lut3d_apply_u16(i16.data(), h, w, lut.data(), dim, mode, g16.data()) == 0, "gpu u16");
  cpu_u8(i8.data(), h, w, lut.data(), dim, mode, c8.data());
  cpu_u16(i16.data(), h, w, lut.data(), dim, mode, c16.data());
  int d8 = 0, d16 = 0;
  for (size_t i = 0; i < n; ++i) {
    d8 = std::max(d8, std::abs(g8[i] - c8[i]));
    d16 = std::max(d16, std::abs(g16[i] - c16[i]));
  }
  printf("parity %-11s integer %dx%d D=%d  u8 max diff %d  u16 max diff %d (steps)\n",
         mode ? "tetrahedral" : "trilinear", h, w, dim, d8, d16);
  EXPECT(d8 <= 1 && d16 <= 1, "integer paths differ by more than one step");
}

static double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/* `smooth`: a photo-like smooth image (neighbours share LUT cells); else blue is noise. */
static void timing(int h, int w, int dim, bool smooth) {
  const int64_t hw = (int64_t)h * w;
  const size_t n = (size_t)3 * hw, nl = (size_t)3 * dim * dim * dim;
  std::vector<float> img(n), out(n), lut(nl), gl(nl), gi(n);
  for (int64_t p = 0; p < hw; ++p) {
    const float x = (float)(p % w) / w, y = (float)(p / w) / h;
    img[p] = x, img[hw + p] = y;
    img[2 * hw + p] = smooth ? 0.5f + 0.3f * sinf(6.0f * x) * cosf(5.0f * y) : rand01();
  }
  for (auto &v : lut) v = rand01();
  float *d_img, *d_out, *d_lut, *d_gl, *d_gi;
  float4 *d_packed;
  cudaMalloc(&d_img, n * 4), cudaMalloc(&d_out, n * 4), cudaMalloc(&d_lut, nl * 4), cudaMalloc(&d_gl, nl * 4);
  cudaMalloc(&d_gi, n * 4), cudaMalloc(&d_packed, nl / 3 * 16);
  cudaMemcpy(d_img, img.data(), n * 4, cudaMemcpyHostToDevice);
  cudaMemcpy(d_lut, lut.data(), nl * 4, cudaMemcpyHostToDevice);
  cudaEvent_t a, b;
  cudaEventCreate(&a), cudaEventCreate(&b);
  for (int mode = 0; mode < 2; ++mode) {
    std::vector<double> kf, kb, hf, hb, cf;
    launch_pack(d_lut, 1, dim, d_packed);
    launch_forward(d_img, 1, hw, d_packed, 1, dim, mode, d_out); /* warm-up */
    for (int k = 0; k < 20; ++k) {
      float ms;
      cudaEventRecord(a);
      launch_forward(d_img, 1, hw, d_packed, 1, dim, mode, d_out);
      cudaEventRecord(b);
      cudaEventSynchronize(b);
      cudaEventElapsedTime(&ms, a, b);
      kf.push_back(ms);
      cudaEventRecord(a);
      cudaMemset(d_gl, 0, nl * 4);
      launch_backward(d_img, 1, hw, d_packed, 1, dim, mode, d_out, d_gl, d_gi);
      cudaEventRecord(b);
      cudaEventSynchronize(b);
      cudaEventElapsedTime(&ms, a, b);
      kb.push_back(ms);
    }
    for (int k = 0; k < 5; ++k) {
      auto t0 = std::chrono::steady_clock::now();
      lutlab_lut3d_forward(img.data(), 1, h, w, lut.data(), 1, dim, mode, out.data());
      auto t1 = std::chrono::steady_clock::now();
      lutlab_lut3d_backward(img.data(), 1, h, w, lut.data(), 1, dim, mode, out.data(), gl.data(), gi.data());
      auto t2 = std::chrono::steady_clock::now();
      cpu_fwd(img.data(), 1, h, w, lut.data(), 1, dim, mode, out.data());
      auto t3 = std::chrono::steady_clock::now();
      hf.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      hb.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
      cf.push_back(std::chrono::duration<double, std::milli>(t3 - t2).count());
    }
    const double mp = hw / 1e6;
    const char *name = mode ? "tetrahedral" : "trilinear";
    printf("timing %-11s %s %dx%d (%.0f MP) D=%d: kernel fwd %.3f ms (%.0f MP/s), kernel bwd %.3f ms "
           "(%.0f MP/s)\n",
           name, smooth ? "smooth" : "noisy ", w, h, mp, dim, median(kf), mp / median(kf) * 1e3, median(kb),
           mp / median(kb) * 1e3);
    printf("timing %-11s %dx%d: with transfers fwd %.1f ms (%.0f MP/s), bwd %.1f ms; CPU (all threads) fwd "
           "%.1f ms (%.0f MP/s)\n",
           name, w, h, median(hf), mp / median(hf) * 1e3, median(hb), median(cf), mp / median(cf) * 1e3);
  }
  EXPECT(cudaGetLastError() == cudaSuccess, "timing: CUDA error");
  cudaFree(d_img), cudaFree(d_out), cudaFree(d_lut), cudaFree(d_gl), cudaFree(d_gi), cudaFree(d_packed);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s CPU_LIBRARY.so [small]\n", argv[0]);
    return 2;
  }
  void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fprintf(stderr, "dlopen %s: %s\n", argv[1], dlerror());
    return 2;
  }
  cpu_fwd = (fwd_t)dlsym(h, "lutlab_lut3d_forward");
  cpu_bwd = (bwd_t)dlsym(h, "lutlab_lut3d_backward");
  cpu_u8 = (u8_t)dlsym(h, "lutlab_lut3d_apply_u8");
  cpu_u16 = (u16_t)dlsym(h, "lutlab_lut3d_apply_u16");
  if (!cpu_fwd || !cpu_bwd || !cpu_u8 || !cpu_u16) {
    fprintf(stderr, "%s lacks the lut3d symbols\n", argv[1]);
    return 2;
  }
  cudaDeviceProp prop;
  if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) {
    fprintf(stderr, "no CUDA device\n");
    return 2;
  }
  printf("device: %s\n", prop.name);
  for (int mode = 0; mode < 2; ++mode) {
    parity(1, 1, 1, 1, 2, mode);
    parity(2, 1, 37, 53, 17, mode);
    parity(3, 3, 61, 29, 33, mode);
    parity(1, 1, 512, 768, 33, mode);
    parity_integer(97, 131, 33, mode);
  }
  EXPECT(lutlab_lut3d_forward(nullptr, 1, 1, 1, nullptr, 1, 2, 0, nullptr) == LUTLAB_EINVAL, "null accepted");
  if (argc < 3) {
    timing(3000, 4000, 33, true);
    timing(4000, 6000, 33, true);
    timing(3000, 4000, 33, false);
  }
  return finish("lut3d_cuda_check");
}
