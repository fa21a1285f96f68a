/*
 * Dense matrix products for the per-pixel networks trained on the tfjs wasm backend (whose matMul runs on
 * one thread under Deno): the forward product and both gradients of a dense layer. CPU library only
 * (lib/nn/matmul.ts loads it from liblutlab_cpu.so). Row-major float32. OpenMP over output tiles that one
 * thread owns each; the reduction over rows of `lutlab_matmul_tn` sums fixed chunks (their size depends on
 * m only) in chunk order: results do not depend on the thread count.
 */
#ifndef LUTLAB_MATMUL_H
#define LUTLAB_MATMUL_H

#include <stdint.h>

#include "lutlab.h"

#ifdef __cplusplus
extern "C" {
#endif

/** c [m,n] = a [m,k] · b [k,n], or a · bᵀ with b [n,k] when trans_b (overwritten). */
int32_t lutlab_matmul(const float *a, const float *b, float *c, int32_t m, int32_t k, int32_t n, int32_t trans_b);
/** c [k,n] = aᵀ · b for a [m,k], b [m,n]: the sum over the m rows (overwritten). */
int32_t lutlab_matmul_tn(const float *a, const float *b, float *c, int32_t m, int32_t k, int32_t n);

#ifdef __cplusplus
}
#endif

#endif
