/*
 * GPU vs CPU check of the hash-grid kernels: loads the CPU and the CUDA library side by side (dlopen,
 * same symbols), runs forward and backward on the same random + edge colours with the HashLUT 7+13 and a
 * small hashed geometry, prints max abs differences (forward <= 1e-5; backward <= 1e-5 of the gradient
 * scale on small cases, looser on megapixel sums whose float accumulation order differs) and wall times including host<->device copies. Exit code 1 on a parity failure.
 *
 *   gcc -std=c11 -O3 -march=x86-64-v2 -fPIC -shared -fopenmp kernels/common.c kernels/hashgrid.c \
 *       -o /tmp/hg_cpu.so -lm
 *   nvcc -O3 -shared -Xcompiler -fPIC -cudart static -gencode arch=compute_90,code=sm_90 \
 *       kernels/common.cu kernels/hashgrid.cu -o /tmp/hg_cuda.so
 *   nvcc -O2 -Ikernels kernels/test/hashgrid_cuda_check.cu -o /tmp/hg_check -ldl
 *   /tmp/hg_check /tmp/hg_cpu.so /tmp/hg_cuda.so          # add "small" for the parity cases only
 */
#include <cmath>
#include <cstdio>
#include <vector>

#include "test/dl_check.h"
#include "test/hashgrid_common_test.h"

typedef int32_t (*fwd_t)(const float *, int32_t, int32_t, int32_t, const float *, int64_t, int32_t, int32_t,
                         const float *, const uint32_t *, const uint32_t *, float *);
typedef int32_t (*bwd_t)(const float *, int32_t, int32_t, int32_t, const float *, int32_t, int32_t,
                         const float *, const uint32_t *, const uint32_t *, float *, int64_t);
struct Lib : KernelLib {
  fwd_t fwd;
  bwd_t bwd;
  explicit Lib(const char *path)
      : KernelLib(path), fwd(sym<fwd_t>("lutlab_hashgrid_forward")), bwd(sym<bwd_t>("lutlab_hashgrid_backward")) {}
};

struct Case {
  hg_geom_t g;
  int32_t batch, h, w;
};

/* Returns false on a parity failure; when timed, prints times of the second call of each. */
static bool compare(const Lib &cpu, const Lib &gpu, const Case &c, const char *name, bool timed, double bwd_tol) {
  const hg_geom_t &g = c.g;
  const int64_t npix = (int64_t)c.h * c.w, n_out = (int64_t)c.batch * g.levels * g.features * npix;
  std::vector<float> rgb((size_t)(c.batch * 3 * npix)), table((size_t)g.table_len), gout((size_t)n_out);
  uint32_t seed = 12345u;
  hg_fill_colours(rgb.data(), c.batch, npix, &g, seed);
  for (auto &v : table) v = hg_rand01(&seed) * 2.0f - 1.0f;
  for (auto &v : gout) v = hg_rand01(&seed) - 0.5f;
  std::vector<float> oc((size_t)n_out), og((size_t)n_out), gc((size_t)g.table_len), gg((size_t)g.table_len);
  double t[4] = {0, 0, 0, 0};
  for (int rep = 0; rep < (timed ? 2 : 1); ++rep) {
    double t0 = now_ms();
    ok(cpu.fwd(rgb.data(), c.batch, c.h, c.w, table.data(), g.table_len, g.levels, g.features, g.scales,
               g.resolutions, g.offsets, oc.data()), cpu, "cpu forward");
    double t1 = now_ms();
    ok(gpu.fwd(rgb.data(), c.batch, c.h, c.w, table.data(), g.table_len, g.levels, g.features, g.scales,
               g.resolutions, g.offsets, og.data()), gpu, "cuda forward");
    double t2 = now_ms();
    ok(cpu.bwd(rgb.data(), c.batch, c.h, c.w, gout.data(), g.levels, g.features, g.scales, g.resolutions,
               g.offsets, gc.data(), g.table_len), cpu, "cpu backward");
    double t3 = now_ms();
    ok(gpu.bwd(rgb.data(), c.batch, c.h, c.w, gout.data(), g.levels, g.features, g.scales, g.resolutions,
               g.offsets, gg.data(), g.table_len), gpu, "cuda backward");
    double t4 = now_ms();
    t[0] = t1 - t0, t[1] = t2 - t1, t[2] = t3 - t2, t[3] = t4 - t3;
  }
  double ef = 0, eb = 0, gscale = 1;
  for (int64_t i = 0; i < n_out; ++i) ef = fmax(ef, fabs((double)oc[i] - og[i]));
  for (int64_t i = 0; i < g.table_len; ++i) {
    eb = fmax(eb, fabs((double)gc[i] - gg[i]));
    gscale = fmax(gscale, fabs((double)gc[i]));
  }
  const bool pass = ef <= 1e-5 && eb <= bwd_tol * gscale;
  printf("%-28s B=%d %dx%d L=%d F=%d: forward max|cpu-gpu|=%.3g  backward max|cpu-gpu|=%.3g (grad scale %.3g) %s\n",
         name, c.batch, c.h, c.w, g.levels, g.features, ef, eb, gscale, pass ? "PASS" : "FAIL");
  if (timed) {
    printf("  time (ms, incl. copies): cpu fwd %.1f  gpu fwd %.1f  (x%.1f)   cpu bwd %.1f  gpu bwd %.1f  (x%.1f)\n",
           t[0], t[1], t[0] / t[1], t[2], t[3], t[2] / t[3]);
  }
  return pass;
}

int main(int argc, char **argv) {
  if (argc != 3 && argc != 4) {
    fprintf(stderr, "usage: %s liblutlab_cpu.so liblutlab_cuda.so [small]\n", argv[0]);
    return 2;
  }
  const Lib cpu(argv[1]), gpu(argv[2]);
  bool pass = true;
  pass &= compare(cpu, gpu, {hg_geometry(7, 2, 13, 9, 64), 2, 37, 53}, "hashlut 7+13 edges", false, 1e-5);
  pass &= compare(cpu, gpu, {hg_geometry(3, 4, 6, 3, 9), 1, 1, 1001}, "small hashed F=4", false, 1e-5);
  if (argc == 4) {  // "small": parity cases only (e.g. under compute-sanitizer)
    printf(pass ? "hashgrid_cuda_check: PASS\n" : "hashgrid_cuda_check: FAIL\n");
    return pass ? 0 : 1;
  }
  pass &= compare(cpu, gpu, {hg_geometry(6, 2, 13, 9, 64), 1, 512, 341}, "hashlut 6+13 FiveK-size", true, 1e-4);
  pass &= compare(cpu, gpu, {hg_geometry(7, 2, 13, 9, 64), 4, 1024, 1024}, "hashlut 7+13 4x1MP", true, 1e-3);
  printf(pass ? "hashgrid_cuda_check: PASS\n" : "hashgrid_cuda_check: FAIL\n");
  return pass ? 0 : 1;
}
