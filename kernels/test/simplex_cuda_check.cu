/*
 * GPU vs CPU check of the n-D simplex LUT kernels (simplex forward/backward/ensemble, DFC forward): loads the
 * CPU and the CUDA library side by side (dlopen, same symbols), runs both on the same random + edge planes
 * (0, 255, lattice points, out of range, NaN) and tables, prints max abs differences (int8 tables with
 * integer planes: exact; float: <= 1e-5 forward, <= 1e-4 relative for atomically summed gradients) and
 * wall times including host<->device copies. Exit code 1 on a parity failure.
 *
 *   gcc -std=c11 -O3 -march=native -fPIC -shared -fopenmp kernels/*.c -o /tmp/cpu.so -lm
 *   nvcc -O3 -shared -Xcompiler -fPIC -cudart static -gencode arch=compute_90,code=sm_90 kernels/*.cu \
 *       -o /tmp/cuda.so
 *   nvcc -O2 -Ikernels kernels/test/simplex_cuda_check.cu -o /tmp/simplex_check -ldl
 *   /tmp/simplex_check /tmp/cpu.so /tmp/cuda.so
 */
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "test/dl_check.h"

typedef int32_t (*fwd_t)(const float *, int32_t, int32_t, int32_t, const int32_t *, int32_t, const void *, int64_t,
                         int32_t, int32_t, int32_t, int32_t, float *);
typedef int32_t (*bwd_t)(const float *, int32_t, int32_t, int32_t, const int32_t *, int32_t, const float *, int64_t,
                         int32_t, int32_t, int32_t, const float *, float *, float *);
typedef int32_t (*ens_t)(const float *, int32_t, int32_t, int32_t, const int32_t *, int32_t, const void *, int64_t,
                         int32_t, int32_t, int32_t, int32_t, int32_t, float *);
typedef int32_t (*dfc_t)(const float *, int32_t, int32_t, int32_t, const int32_t *, int32_t, int32_t, int32_t,
                         const void *, int64_t, const void *, int64_t, int32_t, int32_t, int32_t, int32_t, float *);
typedef int32_t (*dfcb_t)(const float *, int32_t, int32_t, int32_t, const int32_t *, int32_t, int32_t, int32_t,
                          const float *, int64_t, const float *, int64_t, int32_t, int32_t, int32_t, const float *,
                          float *, float *, float *);
struct Lib : KernelLib {
  fwd_t fwd;
  bwd_t bwd;
  ens_t ens;
  dfc_t dfc;
  dfcb_t dfcb;
  explicit Lib(const char *path)
      : KernelLib(path),
        fwd(sym<fwd_t>("lutlab_simplex_forward")),
        bwd(sym<bwd_t>("lutlab_simplex_backward")),
        ens(sym<ens_t>("lutlab_simplex_ensemble")),
        dfc(sym<dfc_t>("lutlab_dfc_forward")),
        dfcb(sym<dfcb_t>("lutlab_dfc_backward")) {}
};

static uint32_t seed = 12345;
static float urand() {
  seed = seed * 1664525u + 1013904223u;
  return (float)(seed >> 8) / 16777216.0f;
}

/* Smooth image + noise, integer or not, with edge values (0, 255, lattice points; out of range / NaN if wild). */
static std::vector<float> make_planes(int64_t n, int32_t w, bool integer, bool wild) {
  std::vector<float> p(n);
  const float edges[] = {0.0f, 255.0f, 16.0f, 240.0f, 128.0f};
  for (int64_t i = 0; i < n; ++i) {
    float v = 128.0f + 100.0f * sinf((float)(i % w) / 13.0f) * cosf((float)(i / w) / 29.0f) + urand() * 24.0f - 12.0f;
    v = v < 0.0f ? 0.0f : v > 255.0f ? 255.0f : v;
    p[i] = integer ? floorf(v) : v;
    if (i % 11 == 4) p[i] = edges[(i / 11) % 5];
    if (wild && i % 97 == 50) p[i] = (i / 97) % 3 == 0 ? NAN : (i / 97) % 3 == 1 ? -4.0f : 300.0f;
  }
  return p;
}

static double maxdiff(const std::vector<float> &a, const std::vector<float> &b) {
  double m = 0.0;
  for (size_t i = 0; i < a.size(); ++i) m = fmax(m, fabs((double)a[i] - (double)b[i]));
  return m;
}

static int failures = 0;
static void report(const char *name, double diff, double tol, double cpu_ms, double gpu_ms) {
  const bool pass = diff <= tol;
  printf("%-44s max|gpu-cpu| %.3g (tol %.1g) %s  cpu %.2f ms  gpu %.2f ms (incl. copies)\n", name, diff, tol,
         pass ? "ok" : "FAIL", cpu_ms, gpu_ms);
  failures += !pass;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s cpu.so cuda.so\n", argv[0]);
    return 2;
  }
  const Lib cpu(argv[1]), gpu(argv[2]);
  const int32_t S[8] = {0, 0, 0, 1, 1, 0, 1, 1}, Y[8] = {0, 0, 1, 1, 1, 2, 2, 1}, V[4] = {0, 0, 0, 1};
  const int32_t F[6] = {0, 0, 0, 1, 0, 2};

  /* forward: SR-LUT-S x4 int8, one 1024x1024 plane (+1 padding), SR-LUT branch order */
  {
    const int32_t H = 1024, W = 1024, K = 16, L = 17;
    const int64_t rows = (int64_t)L * L * L * L;
    std::vector<int8_t> tab(rows * K);
    for (auto &t : tab) t = (int8_t)(int)(urand() * 255.0f - 127.0f);
    auto pl = make_planes((int64_t)(H + 1) * (W + 1), W + 1, true, false);
    std::vector<float> a((int64_t)H * W * K), b(a.size());
    ok(gpu.fwd(pl.data(), 1, H + 1, W + 1, S, 4, tab.data(), rows * K, 1, 4, K, 1, b.data()), gpu, "gpu warmup");
    double t0 = now_ms();
    ok(cpu.fwd(pl.data(), 1, H + 1, W + 1, S, 4, tab.data(), rows * K, 1, 4, K, 1, a.data()), cpu, "cpu fwd");
    double t1 = now_ms();
    ok(gpu.fwd(pl.data(), 1, H + 1, W + 1, S, 4, tab.data(), rows * K, 1, 4, K, 1, b.data()), gpu, "gpu fwd");
    double t2 = now_ms();
    report("forward S x4 int8 1024x1024 (1 MP)", maxdiff(a, b), 0.0, t1 - t0, t2 - t1);

    /* rotation ensemble: 3 planes 256x256 -> 1024x1024, reflect */
    const int32_t h = 256, w = 256;
    auto lr = make_planes(3LL * h * w, w, true, false);
    std::vector<float> ea(3LL * h * w * K), eb(ea.size());
    t0 = now_ms();
    ok(cpu.ens(lr.data(), 3, h, w, S, 4, tab.data(), rows * K, 1, 4, 4, 1, 1, ea.data()), cpu, "cpu ens");
    t1 = now_ms();
    ok(gpu.ens(lr.data(), 3, h, w, S, 4, tab.data(), rows * K, 1, 4, 4, 1, 1, eb.data()), gpu, "gpu ens");
    t2 = now_ms();
    report("ensemble S x4 int8 3x256x256 reflect", maxdiff(ea, eb), 0.0, t1 - t0, t2 - t1);

    /* DFC xyzt dw=2 si=5 on the same table (fine band + coarse built on the host) */
    const int32_t dw = 2, Lc = 9, step = 2;
    std::vector<int8_t> fine, coarse;
    for (int32_t x = 0; x < L; ++x)
      for (int32_t y = 0; y < L; ++y)
        for (int32_t z = 0; z < L; ++z)
          for (int32_t t = 0; t < L; ++t)
            if (abs(y - x) <= dw && abs(z - x) <= dw && abs(t - x) <= dw) {
              const int64_t r = ((int64_t)(x * L + y) * L + z) * L + t;
              fine.insert(fine.end(), tab.begin() + r * K, tab.begin() + (r + 1) * K);
            }
    for (int32_t x = 0; x < Lc; ++x)
      for (int32_t y = 0; y < Lc; ++y)
        for (int32_t z = 0; z < Lc; ++z)
          for (int32_t t = 0; t < Lc; ++t) {
            const int64_t r = ((int64_t)(x * step * L + y * step) * L + z * step) * L + t * step;
            coarse.insert(coarse.end(), tab.begin() + r * K, tab.begin() + (r + 1) * K);
          }
    t0 = now_ms();
    ok(cpu.dfc(pl.data(), 1, H + 1, W + 1, S, 4, 4, dw, fine.data(), (int64_t)fine.size(), coarse.data(),
               (int64_t)coarse.size(), 1, 4, 5, K, a.data()),
       cpu, "cpu dfc");
    t1 = now_ms();
    ok(gpu.dfc(pl.data(), 1, H + 1, W + 1, S, 4, 4, dw, fine.data(), (int64_t)fine.size(), coarse.data(),
               (int64_t)coarse.size(), 1, 4, 5, K, b.data()),
       gpu, "gpu dfc");
    t2 = now_ms();
    report("DFC xyzt dw2 si5 int8 1024x1024", maxdiff(a, b), 0.0, t1 - t0, t2 - t1);
    /* gradients on float copies of the tables, 256x256 */
    std::vector<float> ff(fine.begin(), fine.end()), cf(coarse.begin(), coarse.end());
    const int32_t G = 256;
    auto gpl = make_planes((int64_t)(G + 1) * (G + 1), G + 1, false, true);
    std::vector<float> go((int64_t)G * G * K);
    for (auto &g : go) g = urand() * 2.0f - 1.0f;
    std::vector<float> gfa(ff.size()), gfb(ff.size()), gca(cf.size()), gcb(cf.size()), gpa(gpl.size()),
        gpb(gpl.size());
    t0 = now_ms();
    ok(cpu.dfcb(gpl.data(), 1, G + 1, G + 1, S, 4, 4, dw, ff.data(), (int64_t)ff.size(), cf.data(),
                (int64_t)cf.size(), 4, 5, K, go.data(), gfa.data(), gca.data(), gpa.data()),
       cpu, "cpu dfc backward");
    t1 = now_ms();
    ok(gpu.dfcb(gpl.data(), 1, G + 1, G + 1, S, 4, 4, dw, ff.data(), (int64_t)ff.size(), cf.data(),
                (int64_t)cf.size(), 4, 5, K, go.data(), gfb.data(), gcb.data(), gpb.data()),
       gpu, "gpu dfc backward");
    t2 = now_ms();
    report("DFC backward dw2 si5: fine grad", maxdiff(gfa, gfb), 1e-3, t1 - t0, t2 - t1);
    report("DFC backward dw2 si5: coarse grad", maxdiff(gca, gcb), 1e-3, t1 - t0, t2 - t1);
    report("DFC backward dw2 si5: plane grad", maxdiff(gpa, gpb), 1e-3, t1 - t0, t2 - t1);
  }

  /* forward float tables: Y pattern n=4 K=9, F n=3 K=4, V n=2 0-bit K=4; float planes with wild values */
  {
    struct Case {
      const char *name;
      const int32_t *off;
      int32_t n, bits, K, py, px;
    } cases[] = {{"forward Y n=4 4bit K=9 float", Y, 4, 4, 9, 2, 2},
                 {"forward F n=3 4bit K=4 float", F, 3, 4, 4, 0, 2},
                 {"forward V n=2 0bit K=4 float", V, 2, 0, 4, 0, 1}};
    for (const Case &c : cases) {
      const int32_t L = (256 >> c.bits) + 1, H = 300, W = 301;
      int64_t rows = 1;
      for (int32_t d = 0; d < c.n; ++d) rows *= L;
      std::vector<float> tab(rows * c.K);
      for (auto &t : tab) t = urand() * 2.0f - 1.0f;
      auto pl = make_planes(2LL * (H + c.py) * (W + c.px), W + c.px, false, true);
      std::vector<float> a(2LL * H * W * c.K), b(a.size());
      const double t0 = now_ms();
      ok(cpu.fwd(pl.data(), 2, H + c.py, W + c.px, c.off, c.n, tab.data(), rows * c.K, 0, c.bits, c.K, 0, a.data()),
         cpu, c.name);
      const double t1 = now_ms();
      ok(gpu.fwd(pl.data(), 2, H + c.py, W + c.px, c.off, c.n, tab.data(), rows * c.K, 0, c.bits, c.K, 0, b.data()),
         gpu, c.name);
      const double t2 = now_ms();
      report(c.name, maxdiff(a, b), 1e-5, t1 - t0, t2 - t1);
    }
  }

  /* backward: S n=4 K=4 float table, 2 planes 200x200 (+1) */
  {
    const int32_t H = 200, W = 200, K = 4, L = 17;
    const int64_t rows = (int64_t)L * L * L * L;
    std::vector<float> tab(rows * K);
    for (auto &t : tab) t = urand() * 2.0f - 1.0f;
    auto pl = make_planes(2LL * (H + 1) * (W + 1), W + 1, false, true);
    std::vector<float> g(2LL * H * W * K);
    for (auto &v : g) v = urand() * 2.0f - 1.0f;
    std::vector<float> gta(rows * K), gtb(gta.size()), gpa(pl.size()), gpb(pl.size());
    const double t0 = now_ms();
    ok(cpu.bwd(pl.data(), 2, H + 1, W + 1, S, 4, tab.data(), rows * K, 4, K, 1, g.data(), gta.data(), gpa.data()),
       cpu, "cpu bwd");
    const double t1 = now_ms();
    ok(gpu.bwd(pl.data(), 2, H + 1, W + 1, S, 4, tab.data(), rows * K, 4, K, 1, g.data(), gtb.data(), gpb.data()),
       gpu, "gpu bwd");
    const double t2 = now_ms();
    double scale = 1.0;
    for (float v : gta) scale = fmax(scale, fabs(v));
    report("backward S n=4 K=4: table grad", maxdiff(gta, gtb), 1e-4 * scale, t1 - t0, t2 - t1);
    report("backward S n=4 K=4: plane grad", maxdiff(gpa, gpb), 1e-5, t1 - t0, t2 - t1);
  }

  printf("simplex_cuda_check: %s\n", failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
