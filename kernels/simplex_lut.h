/*
 * n-D simplex LUT lookup (SR-LUT, MuLUT, SPF-LUT; n = 2, 3, 4) and its DFC-compressed variant
 * (kernels/simplex_lut.c, kernels/dfc.c and their .cu twins: same symbols in the CPU and CUDA libraries).
 * Definitions as in lib/lut/simplex_ref.ts:
 * - table [L^n, K], dtype 0 = float32, 1 = int8; L = 2^(8-interval_bits)+1, q = 2^interval_bits; row of
 *   lattice point (i0..i_{n-1}) = ((i0*L + i1)*L + i2)*L + i3 (first pattern input most significant).
 * - offsets int32 [n][2] = (dy, dx) of each input relative to the anchor, each in 0..64.
 * - planes float32 [n_planes, hp, wp] pixel values, clamped to [0,255] (NaN -> 0), padded by the caller at
 *   the bottom/right: the output grid is [H, W] = [hp - max dy, wp - max dx].
 * - out float32 [n_planes, H, W, K] = sum_j w_j * T[v_j] / q (sorted-fraction simplex, weights w0 = q - f(o0),
 *   wj = f(o_{j-1}) - f(oj), wn = f(o_{n-1})).
 * - flags bit 0 (LUTLAB_SIMPLEX_SRLUT_ORDER): n = 4 uses SR-LUT's branch order (for fc > fd > fa > fb it walks
 *   c, a, d, b), as its published test code does.
 */
#ifndef LUTLAB_SIMPLEX_LUT_H
#define LUTLAB_SIMPLEX_LUT_H

#include <stdint.h>

#define LUTLAB_SIMPLEX_SRLUT_ORDER 1

#ifdef __cplusplus
extern "C" {
#endif

/** Simplex lookup of padded planes -> out [n_planes, H, W, K]. table_len = number of table elements. */
int32_t lutlab_simplex_forward(const float *planes, int32_t n_planes, int32_t hp, int32_t wp, const int32_t *offsets,
                             int32_t n, const void *table, int64_t table_len, int32_t dtype, int32_t interval_bits,
                             int32_t k, int32_t flags, float *out);

/** Gradients of sum(grad_out * out) for a float32 table: grad_table [L^n, K] and grad_planes
 * [n_planes, hp, wp] (either NULL to skip; overwritten). grad_planes is zero where a value was clamped. */
int32_t lutlab_simplex_backward(const float *planes, int32_t n_planes, int32_t hp, int32_t wp, const int32_t *offsets,
                              int32_t n, const float *table, int64_t table_len, int32_t interval_bits, int32_t k,
                              int32_t flags, const float *grad_out, float *grad_table, float *grad_planes);

/** SR-LUT rotation ensemble of UNPADDED planes [n_planes, h, w] with K = upscale^2: the sum over the four
 * rotations k of rot90^-k(pixel_shuffle(lookup(pad(rot90^k(plane))))) -> out [n_planes, h*r, w*r].
 * rot90 is np.rot90 (counter-clockwise); pad is bottom/right by (max dy, max dx), pad_mode 0 = edge
 * (replicate), 1 = reflect (numpy "reflect", needs max(dy, dx) < min(h, w)). */
int32_t lutlab_simplex_ensemble(const float *planes, int32_t n_planes, int32_t h, int32_t w, const int32_t *offsets,
                              int32_t n, const void *table, int64_t table_len, int32_t dtype, int32_t interval_bits,
                              int32_t upscale, int32_t pad_mode, int32_t flags, float *out);

/** DFC (diagonal-first compression) lookup. Inputs whose first `cdims` pattern values (2..n) lie within
 * diag_width*q of the first one use the fine table: rows = band lattice points (i0, i1..i_{cdims-1}) with
 * |i_j - i0| <= diag_width, in lexicographic order, times L^(n-cdims) for the remaining inputs (fine_len =
 * rows*K); the others use the coarse table [Lc^n, K] sampled every 2^coarse_bits (coarse_bits >=
 * interval_bits). Both use DFC's simplex order (descending fractions; never SR-LUT's), a vertex outside the
 * band has weight 0. Same planes/offsets/out layout as lutlab_simplex_forward. */
int32_t lutlab_dfc_forward(const float *planes, int32_t n_planes, int32_t hp, int32_t wp, const int32_t *offsets,
                           int32_t n, int32_t cdims, int32_t diag_width, const void *fine, int64_t fine_len,
                           const void *coarse, int64_t coarse_len, int32_t dtype, int32_t interval_bits,
                           int32_t coarse_bits, int32_t k, float *out);

/** Gradients of sum(grad_out * dfc_forward) for float32 tables: grad_fine [fine_len], grad_coarse
 * [coarse_len] and grad_planes [n_planes, hp, wp] (each NULL to skip; overwritten; zero where a value was
 * clamped, and a vertex outside the band reads as 0 in the input gradient as in the forward pass). */
int32_t lutlab_dfc_backward(const float *planes, int32_t n_planes, int32_t hp, int32_t wp, const int32_t *offsets,
                            int32_t n, int32_t cdims, int32_t diag_width, const float *fine, int64_t fine_len,
                            const float *coarse, int64_t coarse_len, int32_t interval_bits, int32_t coarse_bits,
                            int32_t k, const float *grad_out, float *grad_fine, float *grad_coarse,
                            float *grad_planes);

#ifdef __cplusplus
}
#endif

#endif
