/* Native forward/backward of one LutModule (see srnet.h). Rows are the pixels of every rotation of every plane,
 * ordered (plane, rotation, y, x) in the rotated frame; a row's features F = [inputs | a0 | … | a4] (n + 5·width
 * floats) and its network output O (K floats, after tanh for MuLUT) stay in the context. Dense products are
 * register tiles (MR rows × NR columns, fused multiply-adds along k in order, as kernels/matmul.c), so the
 * forward pass equals the tfjs path's (lib/nn/matmul.ts + bias + activation) bit for bit. */
#pragma GCC optimize("fp-contract=fast")
#include "srnet.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#define MR 4
#define NR 16
#define RB 64 /* rows per block: one block's features stay in L1/L2 through all layers */
#define CHUNK 1024
#define MAX_CHUNKS 256
#define HEAD 14
#define MAX_INPUTS 16
#define LAYERS 6

typedef float v8 __attribute__((vector_size(32), aligned(4)));

typedef struct {
  int32_t kind, act, width, nin, C, s, R, round, pad, N, H, W, py, px;
  int32_t taps[3 * MAX_INPUTS];
  int32_t in0[LAYERS], nin_l[LAYERS], nout[LAYERS]; /* layer input columns of F, their count, outputs */
  int64_t woff[LAYERS], boff[LAYERS], P, M;
  int32_t K, S;
} geom;

struct lutlab_srnet {
  geom g;
  float *F, *Z, *O;
};

static int32_t parse(const int32_t *spec, int32_t len, geom *g) {
  if (!spec || len < HEAD) return lutlab_fail(LUTLAB_EINVAL, "srnet: spec needs %d header ints, got %d", HEAD, len);
  memset(g, 0, sizeof *g);
  int32_t *h = &g->kind;
  for (int i = 0; i < HEAD; i++) h[i] = spec[i];
  if (g->kind < 0 || g->kind > 1 || g->act < 0 || g->act > 1 || g->width < 1 || g->nin < 1 ||
      g->nin > MAX_INPUTS || g->C < 1 || g->s < 1 || (g->R != 1 && g->R != 4) || g->round < 0 || g->round > 1 ||
      g->pad < 0 || g->pad > 1 || g->N < 1 || g->H < 1 || g->W < 1 || g->py < 0 || g->px < 0) {
    return lutlab_fail(LUTLAB_EINVAL,
                       "srnet: bad spec (kind %d act %d width %d inputs %d channels %d upscale %d rotations %d "
                       "round %d pad %d planes %dx%dx%d pad %d,%d)",
                       g->kind, g->act, g->width, g->nin, g->C, g->s, g->R, g->round, g->pad, g->N, g->H, g->W,
                       g->py, g->px);
  }
  if (len != HEAD + 3 * g->nin) {
    return lutlab_fail(LUTLAB_EINVAL, "srnet: spec of %d inputs has %d ints, expected %d", g->nin, len,
                       HEAD + 3 * g->nin);
  }
  const int32_t side = g->R == 4 ? (g->H < g->W ? g->H : g->W) : 0;
  if (g->pad == 0 && (g->R == 4 ? (g->py >= side || g->px >= side) : (g->py >= g->H || g->px >= g->W))) {
    return lutlab_fail(LUTLAB_EINVAL, "srnet: reflect padding (%d,%d) needs planes larger than %dx%d", g->py, g->px,
                       g->H, g->W);
  }
  for (int t = 0; t < g->nin; t++) {
    const int32_t dy = spec[HEAD + 3 * t], dx = spec[HEAD + 3 * t + 1], pl = spec[HEAD + 3 * t + 2];
    if (dy < 0 || dy > g->py || dx < 0 || dx > g->px || pl < 0) {
      return lutlab_fail(LUTLAB_EINVAL, "srnet: input %d offset (%d,%d) plane %d outside the padding (%d,%d)", t, dy,
                         dx, pl, g->py, g->px);
    }
    memcpy(g->taps + 3 * t, spec + HEAD + 3 * t, 3 * sizeof(int32_t));
  }
  const int32_t w = g->width;
  g->K = g->C * g->s * g->s;
  g->S = g->nin + 5 * w;
  g->M = (int64_t)g->N * g->R * g->H * g->W;
  int64_t off = 0;
  for (int k = 0; k < LAYERS; k++) {
    g->in0[k] = k == 0 ? 0 : g->kind == 0 ? g->nin + (k - 1) * w : g->nin;
    g->nin_l[k] = k == 0 ? g->nin : g->kind == 0 ? w : k * w;
    g->nout[k] = k == LAYERS - 1 ? g->K : w;
    g->woff[k] = off;
    off += (int64_t)g->nin_l[k] * g->nout[k];
    g->boff[k] = off;
    off += g->nout[k];
  }
  g->P = off;
  return LUTLAB_OK;
}

int64_t lutlab_srnet_params(const int32_t *spec, int32_t spec_len) {
  geom g;
  int32_t st = parse(spec, spec_len, &g);
  return st ? st : g.P;
}

int64_t lutlab_srnet_bytes(const int32_t *spec, int32_t spec_len) {
  geom g;
  int32_t st = parse(spec, spec_len, &g);
  return st ? st : g.M * (g.S + g.K + (g.act ? 5 * g.width : 0)) * (int64_t)sizeof(float);
}

/* index in an h×w plane of element (i, j) of np.rot90(plane, rot) */
static inline int64_t rot_src(int32_t rot, int32_t h, int32_t w, int32_t i, int32_t j) {
  switch (rot) {
  case 0: return (int64_t)i * w + j;
  case 1: return (int64_t)j * w + (w - 1 - i);
  case 2: return (int64_t)(h - 1 - i) * w + (w - 1 - j);
  default: return (int64_t)(h - 1 - j) * w + i;
  }
}

typedef struct {
  int32_t p, rot, i, j;
} rowpos;

static inline rowpos decode(const geom *g, int64_t row) {
  const int64_t hw = (int64_t)g->H * g->W, q = row % hw;
  const int32_t rot = (int32_t)(row / hw % g->R), wr = rot & 1 ? g->H : g->W;
  return (rowpos){(int32_t)(row / (hw * g->R)), rot, (int32_t)(q / wr), (int32_t)(q % wr)};
}

/* input plane index of tap t of the row at `r` (rotated, padded frame → original plane) */
static inline int64_t tap_index(const geom *g, rowpos r, int32_t t) {
  const int32_t hr = r.rot & 1 ? g->W : g->H, wr = r.rot & 1 ? g->H : g->W;
  int32_t y = r.i + g->taps[3 * t], x = r.j + g->taps[3 * t + 1];
  if (y >= hr) y = g->pad ? hr - 1 : 2 * (hr - 1) - y;
  if (x >= wr) x = g->pad ? wr - 1 : 2 * (wr - 1) - x;
  return (int64_t)(r.p + g->taps[3 * t + 2] * g->N) * g->H * g->W + rot_src(r.rot, g->H, g->W, y, x);
}

/* pred index of output k of the row at `r` (pixel shuffle, channel-major planes, rotation back) */
static inline int64_t out_index(const geom *g, rowpos r, int32_t k) {
  const int32_t s = g->s, c = k / (s * s), a = k / s % s, b = k % s, hs = g->H * s, ws = g->W * s;
  return (int64_t)(c * g->N + r.p) * hs * ws + rot_src(r.rot, hs, ws, r.i * s + a, r.j * s + b);
}

/* c [m,n] (ldc) = (acc ? c : 0) + a [m,k] (lda) · b [k,n] (ldb), every entry summed along k in order */
static void gemm(const float *a, int64_t lda, const float *b, int64_t ldb, float *c, int64_t ldc, int32_t m,
                 int32_t k, int32_t n, int acc) {
  const int32_t mfull = m / MR * MR, nfull = n / NR * NR;
  for (int32_t i0 = 0; i0 < mfull; i0 += MR) {
    for (int32_t j0 = 0; j0 < nfull; j0 += NR) {
      v8 s[MR][2] = {{{0}}};
      if (acc) {
        for (int r = 0; r < MR; r++) {
          s[r][0] = *(const v8 *)(c + (i0 + r) * ldc + j0);
          s[r][1] = *(const v8 *)(c + (i0 + r) * ldc + j0 + 8);
        }
      }
      for (int32_t q = 0; q < k; q++) {
        const v8 b0 = *(const v8 *)(b + q * ldb + j0), b1 = *(const v8 *)(b + q * ldb + j0 + 8);
        for (int r = 0; r < MR; r++) {
          const float av = a[(i0 + r) * lda + q];
          s[r][0] = av * b0 + s[r][0];
          s[r][1] = av * b1 + s[r][1];
        }
      }
      for (int r = 0; r < MR; r++) {
        *(v8 *)(c + (i0 + r) * ldc + j0) = s[r][0];
        *(v8 *)(c + (i0 + r) * ldc + j0 + 8) = s[r][1];
      }
    }
  }
  for (int32_t i = 0; i < m; i++) {
    for (int32_t j = i < mfull ? nfull : 0; j < n; j++) {
      float s = acc ? c[i * ldc + j] : 0;
      for (int32_t q = 0; q < k; q++) s = a[i * lda + q] * b[q * ldb + j] + s;
      c[i * ldc + j] = s;
    }
  }
}

/* p [k,n] (ldp) += Σ_i a[i,:]ᵀ b[i,:] over rows i < m in order (a: lda, b: ldb) */
static void gemm_tn_acc(const float *a, int64_t lda, const float *b, int64_t ldb, float *p, int64_t ldp, int32_t m,
                        int32_t k, int32_t n) {
  const int32_t kfull = k / MR * MR, nfull = n / NR * NR;
  for (int32_t q0 = 0; q0 < kfull; q0 += MR) {
    for (int32_t j0 = 0; j0 < nfull; j0 += NR) {
      v8 s[MR][2];
      for (int r = 0; r < MR; r++) {
        s[r][0] = *(const v8 *)(p + (q0 + r) * ldp + j0);
        s[r][1] = *(const v8 *)(p + (q0 + r) * ldp + j0 + 8);
      }
      for (int32_t i = 0; i < m; i++) {
        const float *ar = a + i * lda + q0;
        const v8 b0 = *(const v8 *)(b + i * ldb + j0), b1 = *(const v8 *)(b + i * ldb + j0 + 8);
        for (int r = 0; r < MR; r++) {
          s[r][0] = ar[r] * b0 + s[r][0];
          s[r][1] = ar[r] * b1 + s[r][1];
        }
      }
      for (int r = 0; r < MR; r++) {
        *(v8 *)(p + (q0 + r) * ldp + j0) = s[r][0];
        *(v8 *)(p + (q0 + r) * ldp + j0 + 8) = s[r][1];
      }
    }
  }
  for (int32_t q = 0; q < k; q++) {
    for (int32_t j = q < kfull ? nfull : 0; j < n; j++) {
      float s = p[q * ldp + j];
      for (int32_t i = 0; i < m; i++) s = a[i * lda + q] * b[i * ldb + j] + s;
      p[q * ldp + j] = s;
    }
  }
}

/* b [n] += Σ_i d[i,:] over rows i < m in order */
static void bias_grad(const float *d, int64_t ldd, float *b, int32_t m, int32_t n) {
  for (int32_t i = 0; i < m; i++) {
    for (int32_t j = 0; j < n; j++) b[j] += d[i * ldd + j];
  }
}

static inline float gelu(float z) { return 0.5f * z * (1.0f + erff(z * 0.70710678118654752f)); }

static inline float gelu_grad(float z) {
  return 0.5f * (1.0f + erff(z * 0.70710678118654752f)) + z * expf(-0.5f * z * z) * 0.3989422804014327f;
}

/* forward pass of rows [r0, r0+rb): gather, the six layers, the output nonlinearity */
static void forward_block(const geom *g, struct lutlab_srnet *ctx, const float *params, const float *x, int64_t r0,
                          int32_t rb) {
  const int32_t S = g->S, w = g->width, K = g->K;
  float *F = ctx->F + r0 * S;
  for (int32_t r = 0; r < rb; r++) {
    const rowpos pos = decode(g, r0 + r);
    for (int32_t t = 0; t < g->nin; t++) F[(int64_t)r * S + t] = x[tap_index(g, pos, t)] / 255.0f;
  }
  for (int k = 0; k < LAYERS; k++) {
    const float *wk = params + g->woff[k], *bk = params + g->boff[k];
    const int last = k == LAYERS - 1;
    float *dst = last ? ctx->O + r0 * K : g->act ? ctx->Z + r0 * 5 * w + k * w : F + g->nin + k * w;
    const int64_t ld = last ? K : g->act ? 5 * w : S;
    gemm(F + g->in0[k], S, wk, g->nout[k], dst, ld, rb, g->nin_l[k], g->nout[k], 0);
    for (int32_t r = 0; r < rb; r++) {
      for (int32_t j = 0; j < g->nout[k]; j++) {
        const float z = dst[r * ld + j] + bk[j];
        if (last) dst[r * ld + j] = g->kind ? tanhf(z) : z;
        else if (g->act) {
          dst[r * ld + j] = z;
          F[(int64_t)r * S + g->nin + k * w + j] = gelu(z);
        } else dst[r * ld + j] = z > 0 ? z : 0;
      }
    }
  }
}

lutlab_srnet *lutlab_srnet_forward(const int32_t *spec, int32_t spec_len, const float *params, const float *x,
                                   float *pred) {
  geom g;
  if (parse(spec, spec_len, &g)) return NULL;
  if (!params || !x || !pred) {
    lutlab_fail(LUTLAB_EINVAL, "srnet_forward: null pointer argument");
    return NULL;
  }
  struct lutlab_srnet *ctx = calloc(1, sizeof *ctx);
  if (ctx) {
    ctx->g = g;
    ctx->F = malloc(sizeof(float) * g.M * g.S);
    ctx->O = malloc(sizeof(float) * g.M * g.K);
    ctx->Z = g.act ? malloc(sizeof(float) * g.M * 5 * g.width) : NULL;
  }
  if (!ctx || !ctx->F || !ctx->O || (g.act && !ctx->Z)) {
    lutlab_srnet_free(ctx);
    lutlab_fail(LUTLAB_EINVAL, "srnet_forward: out of memory for the activations of %lld rows",
                (long long)g.M);
    return NULL;
  }
  const int64_t blocks = (g.M + RB - 1) / RB;
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < blocks; b++) {
    const int64_t r0 = b * RB;
    forward_block(&g, ctx, params, x, r0, g.M - r0 < RB ? (int32_t)(g.M - r0) : RB);
  }
  const int64_t per = g.M / g.N; /* rows of one plane: its rotations, in order */
#pragma omp parallel for schedule(static)
  for (int32_t p = 0; p < g.N; p++) {
    for (int64_t row = p * per; row < (p + 1) * per; row++) {
      const rowpos pos = decode(&g, row);
      for (int32_t k = 0; k < g.K; k++) {
        const float o = ctx->O[row * g.K + k], v = (o < -1.0f ? -1.0f : o > 1.0f ? 1.0f : o) * 127.0f;
        pred[out_index(&g, pos, k)] += g.round ? nearbyintf(v) : v;
      }
    }
  }
  return ctx;
}

/* backward pass of rows [r0, r0+rb) into the partial gradient `part`; input gradients into dxr rows */
static void backward_block(const geom *g, const struct lutlab_srnet *ctx, const float *wt, const float *dpred,
                           int64_t r0, int32_t rb, float *part, float *dF, float *dO, float *dxr) {
  const int32_t S = g->S, w = g->width, K = g->K;
  const float *F = ctx->F + r0 * S, *O = ctx->O + r0 * K;
  for (int32_t r = 0; r < rb; r++) {
    const rowpos pos = decode(g, r0 + r);
    for (int32_t k = 0; k < K; k++) {
      const float o = O[r * K + k];
      float d = dpred[out_index(g, pos, k)] * 127.0f;
      if (o < -1.0f || o > 1.0f) d = 0;
      dO[r * K + k] = g->kind ? d * (1.0f - o * o) : d;
    }
  }
  memset(dF, 0, sizeof(float) * rb * S);
  const int L = LAYERS - 1;
  gemm_tn_acc(F + g->in0[L], S, dO, K, part + g->woff[L], K, rb, g->nin_l[L], K);
  bias_grad(dO, K, part + g->boff[L], rb, K);
  gemm(dO, K, wt + g->woff[L], g->nin_l[L], dF + g->in0[L], S, rb, K, g->nin_l[L], 1);
  for (int k = L - 1; k >= 0; k--) {
    float *dz = dF + g->nin + k * w;
    for (int32_t r = 0; r < rb; r++) {
      for (int32_t j = 0; j < w; j++) {
        if (g->act) dz[r * S + j] *= gelu_grad(ctx->Z[(r0 + r) * 5 * w + k * w + j]);
        else if (!(F[(int64_t)r * S + g->nin + k * w + j] > 0)) dz[r * S + j] = 0;
      }
    }
    gemm_tn_acc(F + g->in0[k], S, dz, S, part + g->woff[k], w, rb, g->nin_l[k], w);
    bias_grad(dz, S, part + g->boff[k], rb, w);
    if (k > 0) gemm(dz, S, wt + g->woff[k], g->nin_l[k], dF + g->in0[k], S, rb, w, g->nin_l[k], 1);
    else if (dxr) {
      float *dx = dxr + r0 * g->nin;
      gemm(dz, S, wt + g->woff[0], g->nin, dx, g->nin, rb, w, g->nin, 0);
      for (int64_t e = 0; e < (int64_t)rb * g->nin; e++) dx[e] /= 255.0f;
    }
  }
}

int32_t lutlab_srnet_backward(lutlab_srnet *ctx, const float *params, const float *dpred, float *dx, float *grads) {
  if (!ctx || !params || !dpred || !grads) return lutlab_fail(LUTLAB_EINVAL, "srnet_backward: null pointer argument");
  const geom *g = &ctx->g;
  const int64_t P = g->P;
  int64_t rows = (g->M + MAX_CHUNKS - 1) / MAX_CHUNKS;
  if (rows < CHUNK) rows = CHUNK;
  const int64_t chunks = (g->M + rows - 1) / rows;
  const int threads = omp_get_max_threads();
  float *parts = malloc(sizeof(float) * P * chunks), *wt = malloc(sizeof(float) * P);
  float *scratch = malloc(sizeof(float) * (size_t)threads * RB * (g->S + g->K));
  float *dxr = dx ? malloc(sizeof(float) * g->M * g->nin) : NULL;
  if (!parts || !wt || !scratch || (dx && !dxr)) {
    free(parts), free(wt), free(scratch), free(dxr);
    return lutlab_fail(LUTLAB_EINVAL, "srnet_backward: out of memory for %lld partial gradients", (long long)chunks);
  }
  for (int k = 0; k < LAYERS; k++) { /* wt: each w_k transposed to [out, in] at its own offset */
    for (int32_t i = 0; i < g->nin_l[k]; i++) {
      for (int32_t j = 0; j < g->nout[k]; j++) {
        wt[g->woff[k] + (int64_t)j * g->nin_l[k] + i] = params[g->woff[k] + (int64_t)i * g->nout[k] + j];
      }
    }
  }
#pragma omp parallel
  {
    float *dF = scratch + (size_t)omp_get_thread_num() * RB * (g->S + g->K), *dO = dF + RB * g->S;
#pragma omp for schedule(dynamic, 1)
    for (int64_t t = 0; t < chunks; t++) {
      float *part = parts + P * t;
      memset(part, 0, sizeof(float) * P);
      const int64_t end = (t + 1) * rows < g->M ? (t + 1) * rows : g->M;
      for (int64_t r0 = t * rows; r0 < end; r0 += RB) {
        backward_block(g, ctx, wt, dpred, r0, end - r0 < RB ? (int32_t)(end - r0) : RB, part, dF, dO, dxr);
      }
    }
  }
#pragma omp parallel for schedule(static)
  for (int64_t e = 0; e < P; e++) {
    float s = parts[e];
    for (int64_t t = 1; t < chunks; t++) s += parts[P * t + e];
    grads[e] = s;
  }
  if (dx) {
    const int64_t per = g->M / g->N;
#pragma omp parallel for schedule(static)
    for (int32_t p = 0; p < g->N; p++) {
      for (int64_t row = p * per; row < (p + 1) * per; row++) {
        const rowpos pos = decode(g, row);
        for (int32_t t = 0; t < g->nin; t++) dx[tap_index(g, pos, t)] += dxr[row * g->nin + t];
      }
    }
  }
  free(parts), free(wt), free(scratch), free(dxr);
  return LUTLAB_OK;
}

void lutlab_srnet_free(lutlab_srnet *ctx) {
  if (!ctx) return;
  free(ctx->F), free(ctx->Z), free(ctx->O), free(ctx);
}
