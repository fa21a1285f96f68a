/* Adam update on the CPU (see adam.h). */
#pragma GCC optimize("fp-contract=off")
#include "adam.h"

#include <math.h>

int32_t lutlab_adam_update(const float *p, const float *m, const float *v, const float *g, int64_t n, double b1,
                           double b2, double k1, double c2, double eps, float *p_out, float *m_out, float *v_out) {
  if (!p || !m || !v || !p_out || !m_out || !v_out) return lutlab_fail(LUTLAB_EINVAL, "adam_update: null pointer");
  if (n < 0) return lutlab_fail(LUTLAB_EINVAL, "adam_update: %lld elements", (long long)n);
  const double a1 = 1.0 - b1, a2 = 1.0 - b2;
  /* two copies of one loop body, so that each vectorises (a missing gradient: gi = 0) */
#define ADAM_ELEMENT(GI)                                                                                           \
  const double gi = (GI);                                                                                          \
  const float mi = (float)(b1 * (double)m[i] + a1 * gi), vi = (float)(b2 * (double)v[i] + a2 * gi * gi);         \
  p_out[i] = (float)((double)p[i] - (k1 * (double)mi) / (sqrt((double)vi) / c2 + eps));                           \
  m_out[i] = mi, v_out[i] = vi;
  if (g) {
#pragma omp parallel for simd schedule(static) if (n > 65536)
    for (int64_t i = 0; i < n; i++) {
      ADAM_ELEMENT((double)g[i])
    }
  } else {
#pragma omp parallel for simd schedule(static) if (n > 65536)
    for (int64_t i = 0; i < n; i++) {
      ADAM_ELEMENT(0.0)
    }
  }
#undef ADAM_ELEMENT
  return LUTLAB_OK;
}
