/*
 * GPU vs CPU check of the 1D LUT kernels (lut1d forward/backward): loads the CPU and the CUDA library side
 * by side (dlopen, same symbols), runs both on the same random + edge values (0, 1, table points, out of
 * range, NaN) with shared and per-image tables of N = 2, 33, 4096 and 65536 entries, prints max abs
 * differences (forward <= 1e-6; gradients <= 1e-4 relative, the GPU sums with atomics) and wall times
 * including host<->device copies. Exit code 1 on a parity failure. Run by kernels/test/cuda_check.sh.
 */
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "test/dl_check.h"

typedef int32_t (*fwd_t)(const float *, int32_t, int32_t, int32_t, const float *, int32_t, int32_t, float *);
typedef int32_t (*bwd_t)(const float *, int32_t, int32_t, int32_t, const float *, int32_t, int32_t, const float *,
                         float *, float *);
struct Lib : KernelLib {
  fwd_t fwd;
  bwd_t bwd;
  explicit Lib(const char *path)
      : KernelLib(path), fwd(sym<fwd_t>("lutlab_lut1d_forward")), bwd(sym<bwd_t>("lutlab_lut1d_backward")) {}
};

static float maxdiff(const std::vector<float> &a, const std::vector<float> &b) {
  float m = 0.0f;
  for (size_t i = 0; i < a.size(); ++i) m = fmaxf(m, fabsf(a[i] - b[i]));
  return m;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s cpu.so cuda.so\n", argv[0]);
    return 2;
  }
  const Lib cpu(argv[1]), gpu(argv[2]);
  int failed = 0;
  uint32_t s = 7;
  auto rnd = [&s]() { return (s = s * 1664525u + 1013904223u, (float)(s >> 8) / 16777216.0f); };
  const float edges[] = {0.0f, 1.0f, -0.5f, 2.0f, NAN, 0.5f};
  for (int size : {2, 33, 4096, 65536}) {
    for (int lut_batch : {1, 2}) {
      const int batch = 2, h = 720, w = 1280;
      const size_t n = (size_t)batch * 3 * h * w, nl = (size_t)lut_batch * 3 * size;
      std::vector<float> img(n), gout(n), lut(nl);
      for (size_t i = 0; i < n; ++i) {
        img[i] = i % 9 == 1 ? edges[(i / 9) % 6] : i % 9 == 4 ? (float)(i % size) / (float)(size - 1) : rnd();
        gout[i] = rnd() - 0.5f;
      }
      for (size_t i = 0; i < nl; ++i) lut[i] = (float)(i % size) / (float)(size - 1) * 1.2f - 0.1f + 0.01f * rnd();
      std::vector<float> oc(n), og(n), glc(nl), glg(nl), gic(n), gig(n);
      double t0 = now_ms();
      ok(cpu.fwd(img.data(), batch, h, w, lut.data(), lut_batch, size, oc.data()), cpu, "cpu forward");
      double t1 = now_ms();
      ok(gpu.fwd(img.data(), batch, h, w, lut.data(), lut_batch, size, og.data()), gpu, "gpu forward");
      double t2 = now_ms();
      ok(cpu.bwd(img.data(), batch, h, w, lut.data(), lut_batch, size, gout.data(), glc.data(), gic.data()), cpu,
         "cpu backward");
      double t3 = now_ms();
      ok(gpu.bwd(img.data(), batch, h, w, lut.data(), lut_batch, size, gout.data(), glg.data(), gig.data()), gpu,
         "gpu backward");
      double t4 = now_ms();
      float scale = 1.0f;
      for (float v : glc) scale = fmaxf(scale, fabsf(v));
      const float ef = maxdiff(oc, og), el = maxdiff(glc, glg), ei = maxdiff(gic, gig);
      const bool bad = !(ef <= 1e-6f) || !(el <= 1e-4f * scale) || !(ei <= 1e-4f * (float)size);
      failed += bad;
      printf("N=%5d lut_batch=%d: forward %.2e, grad lut %.2e (scale %.0f), grad img %.2e; ms cpu %.1f/%.1f gpu "
             "%.1f/%.1f%s\n",
             size, lut_batch, ef, el, scale, ei, t1 - t0, t3 - t2, t2 - t1, t4 - t3, bad ? "  FAIL" : "");
    }
  }
  return failed ? 1 : 0;
}
