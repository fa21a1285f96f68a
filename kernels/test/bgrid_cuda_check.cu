/*
 * GPU vs CPU check of the bilateral-grid slicing kernels (bgrid forward/backward): loads the CPU and the CUDA
 * library side by side (dlopen, same symbols), runs both on random grids (D = 17, 2 grids per colour, as
 * LUTwithBGrid) and guides partly outside [0,1] on a 1280x720 batch of 2, both spatial modes, prints max
 * abs differences (forward <= 1e-5; gradients <= 1e-4 relative, the GPU sums with atomics) and wall times
 * including host<->device copies. Exit code 1 on a parity failure. Run by kernels/test/cuda_check.sh.
 */
#include <cmath>
#include <cstdio>
#include <vector>

#include "test/dl_check.h"

typedef int32_t (*fwd_t)(const float *, const float *, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t,
                         float *);
typedef int32_t (*bwd_t)(const float *, const float *, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t,
                         const float *, float *, float *);
struct Lib : KernelLib {
  fwd_t fwd;
  bwd_t bwd;
  explicit Lib(const char *path)
      : KernelLib(path), fwd(sym<fwd_t>("lutlab_bgrid_forward")), bwd(sym<bwd_t>("lutlab_bgrid_backward")) {}
};

static float maxdiff(const std::vector<float> &a, const std::vector<float> &b, float *scale) {
  float m = 0.0f;
  *scale = 1.0f;
  for (size_t i = 0; i < a.size(); ++i) m = fmaxf(m, fabsf(a[i] - b[i])), *scale = fmaxf(*scale, fabsf(a[i]));
  return m;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s cpu.so cuda.so\n", argv[0]);
    return 2;
  }
  const Lib cpu(argv[1]), gpu(argv[2]);
  int failed = 0;
  uint32_t s = 11;
  auto rnd = [&s]() { return (s = s * 1664525u + 1013904223u, (float)(s >> 8) / 16777216.0f); };
  const int batch = 2, h = 720, w = 1280, dim = 17, gpc = 2;
  const size_t hw = (size_t)h * w, ni = (size_t)batch * 3 * hw, no = ni * gpc;
  const size_t ng = (size_t)batch * 3 * gpc * dim * dim * dim;
  std::vector<float> grid(ng), img(ni), gout(no);
  for (auto &v : grid) v = rnd() * 2.0f - 0.5f;
  for (auto &v : img) v = rnd() * 1.2f - 0.1f;
  for (auto &v : gout) v = rnd() - 0.5f;
  for (int spatial : {0, 1}) {
    std::vector<float> oc(no), og(no), ggc(ng), ggg(ng), gic(ni), gig(ni);
    double t0 = now_ms();
    ok(cpu.fwd(grid.data(), img.data(), batch, h, w, dim, gpc, spatial, oc.data()), cpu, "cpu forward");
    double t1 = now_ms();
    ok(gpu.fwd(grid.data(), img.data(), batch, h, w, dim, gpc, spatial, og.data()), gpu, "gpu forward");
    double t2 = now_ms();
    ok(cpu.bwd(grid.data(), img.data(), batch, h, w, dim, gpc, spatial, gout.data(), ggc.data(), gic.data()), cpu,
       "cpu backward");
    double t3 = now_ms();
    ok(gpu.bwd(grid.data(), img.data(), batch, h, w, dim, gpc, spatial, gout.data(), ggg.data(), gig.data()), gpu,
       "gpu backward");
    double t4 = now_ms();
    float sf, sg, si;
    const float ef = maxdiff(oc, og, &sf), eg = maxdiff(ggc, ggg, &sg), ei = maxdiff(gic, gig, &si);
    const bool bad = !(ef <= 1e-5f * sf) || !(eg <= 1e-4f * sg) || !(ei <= 1e-4f * si);
    failed += bad;
    printf("spatial %d: forward %.2e, grad grid %.2e (scale %.0f), grad img %.2e (scale %.0f); ms cpu %.1f/%.1f gpu "
           "%.1f/%.1f%s\n",
           spatial, ef, eg, sg, ei, si, t1 - t0, t3 - t2, t2 - t1, t4 - t3, bad ? "  FAIL" : "");
  }
  return failed ? 1 : 0;
}
