/*
 * One Adam update (torch.optim.Adam: no weight decay, no amsgrad) of a float32 parameter tensor, for
 * lib/experiment/adam.ts on the tensors' wasm memory. CPU library only (like lutreg.h). Every element in
 * float64 arithmetic, stored as float32, in the order of the TypeScript reference it replaces:
 *   m' = f32(b1 m + (1 - b1) g);  v' = f32(b2 v + (1 - b2) g g);  p' = f32(p - k1 m' / (sqrt(v') / c2 + eps))
 * with k1 = lr / (1 - b1^t) and c2 = sqrt(1 - b2^t) (from the stored float32 moments, as torch does). No
 * contraction into fused multiply-adds, so the result equals the reference bit for bit on any thread count.
 */
#ifndef LUTLAB_ADAM_H
#define LUTLAB_ADAM_H

#include <stdint.h>

#include "lutlab.h"

#ifdef __cplusplus
extern "C" {
#endif

/** p, m, v [n] -> p_out, m_out, v_out [n] (each may alias its input); g [n], or NULL for a zero gradient. */
int32_t lutlab_adam_update(const float *p, const float *m, const float *v, const float *g, int64_t n, double b1,
                           double b2, double k1, double c2, double eps, float *p_out, float *m_out, float *v_out);

#ifdef __cplusplus
}
#endif

#endif
