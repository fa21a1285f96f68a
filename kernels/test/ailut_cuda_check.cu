/*
 * GPU vs CPU check of the AiLUT kernels (ailut forward/backward): loads the CPU and the CUDA library side by
 * side (dlopen, same symbols), runs both on the same random + edge values (0, 1, vertices, out of range, NaN)
 * with D = 9 and 33, shared and per-image LUTs and vertices, on 2 x 720x1280, prints max abs differences
 * (forward <= 1e-6; LUT / vertex / image gradients <= 1e-4 relative, the GPU sums with atomics) and wall
 * times including host<->device copies. Exit code 1 on a parity failure. Run by kernels/test/cuda_check.sh.
 */
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "test/dl_check.h"

typedef int32_t (*fwd_t)(const float *, int32_t, int32_t, int32_t, const float *, int32_t, const float *, int32_t,
                         int32_t, float *);
typedef int32_t (*bwd_t)(const float *, int32_t, int32_t, int32_t, const float *, int32_t, const float *, int32_t,
                         int32_t, const float *, float *, float *, float *);
struct Lib : KernelLib {
  fwd_t fwd;
  bwd_t bwd;
  explicit Lib(const char *path)
      : KernelLib(path), fwd(sym<fwd_t>("lutlab_ailut_forward")), bwd(sym<bwd_t>("lutlab_ailut_backward")) {}
};

static float maxdiff(const std::vector<float> &a, const std::vector<float> &b) {
  float m = 0.0f;
  for (size_t i = 0; i < a.size(); ++i) m = fmaxf(m, fabsf(a[i] - b[i]));
  return m;
}

static float maxabs(const std::vector<float> &a) {
  float m = 1.0f;
  for (float v : a) m = fmaxf(m, fabsf(v));
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
  for (int d : {9, 33}) {
    for (int per_image : {0, 1}) {
      const int batch = 2, h = 720, w = 1280, lb = per_image ? batch : 1, vb = per_image ? batch : 1;
      const size_t n = (size_t)batch * 3 * h * w, nl = (size_t)lb * 3 * d * d * d, nv = (size_t)vb * 3 * d;
      std::vector<float> img(n), gout(n), lut(nl), ver(nv);
      for (size_t sv = 0; sv < nv / d; ++sv) {
        float acc = 0.0f, wsum = 0.0f;
        std::vector<float> iv(d - 1);
        for (float &x : iv) wsum += (x = 0.2f + rnd());
        ver[sv * d] = 0.0f;
        for (int i = 1; i < d; ++i) ver[sv * d + i] = (acc += iv[i - 1] / wsum);
      }
      for (size_t i = 0; i < n; ++i) {
        img[i] = i % 9 == 1 ? edges[(i / 9) % 6] : i % 9 == 4 ? ver[i % d] : rnd();
        gout[i] = rnd() - 0.5f;
      }
      for (float &v : lut) v = rnd();
      std::vector<float> oc(n), og(n), glc(nl), glg(nl), gvc(nv), gvg(nv), gic(n), gig(n);
      double t0 = now_ms();
      ok(cpu.fwd(img.data(), batch, h, w, lut.data(), lb, ver.data(), vb, d, oc.data()), cpu, "cpu forward");
      double t1 = now_ms();
      ok(gpu.fwd(img.data(), batch, h, w, lut.data(), lb, ver.data(), vb, d, og.data()), gpu, "gpu forward");
      double t2 = now_ms();
      ok(cpu.bwd(img.data(), batch, h, w, lut.data(), lb, ver.data(), vb, d, gout.data(), glc.data(), gvc.data(),
                 gic.data()),
         cpu, "cpu backward");
      double t3 = now_ms();
      ok(gpu.bwd(img.data(), batch, h, w, lut.data(), lb, ver.data(), vb, d, gout.data(), glg.data(), gvg.data(),
                 gig.data()),
         gpu, "gpu backward");
      double t4 = now_ms();
      const float ef = maxdiff(oc, og), el = maxdiff(glc, glg) / maxabs(glc), ev = maxdiff(gvc, gvg) / maxabs(gvc);
      const float ei = maxdiff(gic, gig) / maxabs(gic);
      const bool bad = !(ef <= 1e-6f) || !(el <= 1e-4f) || !(ev <= 1e-4f) || !(ei <= 1e-4f);
      failed += bad;
      printf("D=%2d per-image=%d: forward %.2e, grad lut %.2e, grad vertices %.2e, grad img %.2e (relative); "
             "ms cpu %.1f/%.1f gpu %.1f/%.1f%s\n",
             d, per_image, ef, el, ev, ei, t1 - t0, t3 - t2, t2 - t1, t4 - t3, bad ? "  FAIL" : "");
    }
  }
  return failed ? 1 : 0;
}
