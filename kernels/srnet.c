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

#define MR 6
#define NR 16
#define CH 8 /* independent sums in flight outside the register tiles */
#define RB 48 /* rows per block (a multiple of MR): one block's features stay in L1/L2 through all layers */
#define CHUNK 1024
#define MAX_CHUNKS 256
#define HEAD 14
#define MAX_INPUTS 16
#define MAX_OUTPUTS 256 /* K = C·s² */
#define LAYERS 6

typedef float v8 __attribute__((vector_size(32), aligned(4)));
typedef int32_t v8i __attribute__((vector_size(32), aligned(4)));

typedef struct {
  int32_t kind, act, width, nin, C, s, R, round, pad, N, H, W, py, px;
  int32_t taps[3 * MAX_INPUTS];
  int32_t in0[LAYERS], nin_l[LAYERS], nout[LAYERS]; /* layer input columns of F, their count, outputs */
  int64_t woff[LAYERS], boff[LAYERS], P, M;
  int32_t K, S;
} geom;

/* A float buffer and its capacity in bytes. */
typedef struct {
  float *p;
  size_t cap;
} buf;

struct lutlab_srnet {
  geom g;
  buf F, Z, O;
};

/* Buffers handed back between passes, reused by later ones (the same sizes every step): no fresh pages to
 * fault in and zero. Emptied by lutlab_srnet_release. */
#define POOL 512
static buf pool[POOL];

/* a buffer of at least n floats (the smallest pooled one that fits, else a new one; p NULL when out of memory) */
static buf take(size_t n) {
  const size_t bytes = n * sizeof(float);
  buf b = {NULL, bytes};
#pragma omp critical(srnet_pool)
  {
    int best = -1;
    for (int i = 0; i < POOL; i++) {
      if (pool[i].p && pool[i].cap >= bytes && (best < 0 || pool[i].cap < pool[best].cap)) best = i;
    }
    if (best >= 0) b = pool[best], pool[best].p = NULL;
  }
  if (!b.p) b.p = malloc(bytes);
  return b;
}

static void give(buf b) {
  if (!b.p) return;
  int kept = 0;
#pragma omp critical(srnet_pool)
  for (int i = 0; i < POOL && !kept; i++) {
    if (!pool[i].p) pool[i] = b, kept = 1;
  }
  if (!kept) free(b.p);
}

void lutlab_srnet_release(void) {
#pragma omp critical(srnet_pool)
  for (int i = 0; i < POOL; i++) free(pool[i].p), pool[i].p = NULL;
}

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
  if (g->C * g->s * g->s > MAX_OUTPUTS) {
    return lutlab_fail(LUTLAB_EINVAL, "srnet: %d channels × upscale %d² exceed %d outputs", g->C, g->s, MAX_OUTPUTS);
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

/* element (i, j) of np.rot90(plane, rot) for an h×w plane is plane[o + i·di + j·dj] */
typedef struct {
  int64_t o, di, dj;
} affine;

static inline affine rot_map(int32_t rot, int32_t h, int32_t w) {
  switch (rot) {
  case 0: return (affine){0, w, 1};
  case 1: return (affine){w - 1, -1, w};
  case 2: return (affine){(int64_t)(h - 1) * w + w - 1, -w, -1};
  default: return (affine){(int64_t)(h - 1) * w, 1, -w};
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

/* input index of tap t of the row at `r` (rotated, padded frame → original plane) */
static inline int64_t tap_index(const geom *g, rowpos r, int32_t t) {
  const int32_t hr = r.rot & 1 ? g->W : g->H, wr = r.rot & 1 ? g->H : g->W;
  int32_t y = r.i + g->taps[3 * t], x = r.j + g->taps[3 * t + 1];
  if (y >= hr) y = g->pad ? hr - 1 : 2 * (hr - 1) - y;
  if (x >= wr) x = g->pad ? wr - 1 : 2 * (wr - 1) - x;
  const affine m = rot_map(r.rot, g->H, g->W);
  return (int64_t)(r.p + g->taps[3 * t + 2] * g->N) * g->H * g->W + m.o + y * m.di + x * m.dj;
}

/* pred indices of the K outputs of the row at `r` (pixel shuffle, channel-major planes, rotation back) */
static inline void out_indices(const geom *g, rowpos r, int64_t *idx) {
  const int32_t s = g->s, hs = g->H * s, ws = g->W * s;
  const affine m = rot_map(r.rot, hs, ws);
  const int64_t base = m.o + (int64_t)r.i * s * m.di + (int64_t)r.j * s * m.dj, plane = (int64_t)hs * ws;
  int32_t k = 0;
  for (int32_t c = 0; c < g->C; c++) {
    for (int32_t a = 0; a < s; a++) {
      for (int32_t b = 0; b < s; b++) idx[k++] = (c * g->N + r.p) * plane + base + a * m.di + b * m.dj;
    }
  }
}

#define INLINE static inline __attribute__((always_inline))

/* c[0..mr) [j0..j0+NR) (ldc) = (acc ? c : 0) + a[0..mr) (lda) · b (ldb): mr×NR sums in registers, along k;
 * then + bias[j] (if bias) and max(·, 0) (if relu) */
INLINE void tile_nn(const float *a, int64_t lda, const float *b, int64_t ldb, float *c, int64_t ldc, int32_t k,
                    int32_t j0, const int mr, int acc, const float *bias, int relu) {
  v8 s[MR][2] = {{{0}}};
  if (acc) {
    for (int r = 0; r < mr; r++) {
      s[r][0] = *(const v8 *)(c + r * ldc + j0);
      s[r][1] = *(const v8 *)(c + r * ldc + j0 + 8);
    }
  }
  for (int32_t q = 0; q < k; q++) {
    const v8 b0 = *(const v8 *)(b + q * ldb + j0), b1 = *(const v8 *)(b + q * ldb + j0 + 8);
    for (int r = 0; r < mr; r++) {
      const float av = a[r * lda + q];
      s[r][0] = av * b0 + s[r][0];
      s[r][1] = av * b1 + s[r][1];
    }
  }
  for (int h = 0; h < 2; h++) {
    const v8 bh = bias ? *(const v8 *)(bias + j0 + 8 * h) : (v8){0};
    for (int r = 0; r < mr; r++) {
      v8 z = bias ? s[r][h] + bh : s[r][h];
      if (relu) z = (v8)((v8i)z & (z > (v8){0}));
      *(v8 *)(c + r * ldc + j0 + 8 * h) = z;
    }
  }
}

/* c [m,n] (ldc) = (acc ? c : 0) + a [m,k] (lda) · b [k,n] (ldb), every entry summed along k in order; then
 * + bias[j] (if bias) and max(·, 0) (if relu) */
static void gemm(const float *a, int64_t lda, const float *b, int64_t ldb, float *c, int64_t ldc, int32_t m,
                 int32_t k, int32_t n, int acc, const float *bias, int relu) {
  const int32_t nfull = n / NR * NR;
  int32_t i0 = 0;
  for (; i0 + MR <= m; i0 += MR) {
    for (int32_t j0 = 0; j0 < nfull; j0 += NR) tile_nn(a + i0 * lda, lda, b, ldb, c + i0 * ldc, ldc, k, j0, MR, acc, bias, relu);
  }
  for (int32_t j0 = 0; j0 < nfull; j0 += NR) { /* the last m % MR rows */
    const float *ar = a + i0 * lda;
    float *cr = c + i0 * ldc;
    switch (m - i0) {
    case 1: tile_nn(ar, lda, b, ldb, cr, ldc, k, j0, 1, acc, bias, relu); break;
    case 2: tile_nn(ar, lda, b, ldb, cr, ldc, k, j0, 2, acc, bias, relu); break;
    case 3: tile_nn(ar, lda, b, ldb, cr, ldc, k, j0, 3, acc, bias, relu); break;
    case 4: tile_nn(ar, lda, b, ldb, cr, ldc, k, j0, 4, acc, bias, relu); break;
    case 5: tile_nn(ar, lda, b, ldb, cr, ldc, k, j0, 5, acc, bias, relu); break;
    default: break;
    }
  }
  /* columns past the tiles (SPF-LUT's 1, 2 or 4 outputs): CH rows at once, CH independent sums along k */
  for (int32_t j = nfull; j < n; j++) {
    for (int32_t i0 = 0; i0 < m; i0 += CH) {
      const int32_t rows = m - i0 < CH ? m - i0 : CH;
      float s[CH];
      for (int r = 0; r < rows; r++) s[r] = acc ? c[(i0 + r) * ldc + j] : 0;
      for (int32_t q = 0; q < k; q++) {
        const float bq = b[q * ldb + j];
        for (int r = 0; r < rows; r++) s[r] = a[(i0 + r) * lda + q] * bq + s[r];
      }
      for (int r = 0; r < rows; r++) {
        const float z = bias ? s[r] + bias[j] : s[r];
        c[(i0 + r) * ldc + j] = relu && !(z > 0) ? 0 : z;
      }
    }
  }
}

/* p[q0..q0+mr) [j0..j0+NR) (ldp) += Σ_i a[i, q0..q0+mr)ᵀ b[i, j0..j0+NR) over rows i < m in order */
INLINE void tile_tn(const float *a, int64_t lda, const float *b, int64_t ldb, float *p, int64_t ldp, int32_t m,
                    int32_t q0, int32_t j0, const int mr) {
  v8 s[MR][2];
  for (int r = 0; r < mr; r++) {
    s[r][0] = *(const v8 *)(p + (q0 + r) * ldp + j0);
    s[r][1] = *(const v8 *)(p + (q0 + r) * ldp + j0 + 8);
  }
  for (int32_t i = 0; i < m; i++) {
    const float *ar = a + i * lda + q0;
    const v8 b0 = *(const v8 *)(b + i * ldb + j0), b1 = *(const v8 *)(b + i * ldb + j0 + 8);
    for (int r = 0; r < mr; r++) {
      s[r][0] = ar[r] * b0 + s[r][0];
      s[r][1] = ar[r] * b1 + s[r][1];
    }
  }
  for (int r = 0; r < mr; r++) {
    *(v8 *)(p + (q0 + r) * ldp + j0) = s[r][0];
    *(v8 *)(p + (q0 + r) * ldp + j0 + 8) = s[r][1];
  }
}

/* p [k,n] (ldp) += Σ_i a[i,:]ᵀ b[i,:] over rows i < m in order (a: lda, b: ldb) */
static void gemm_tn_acc(const float *a, int64_t lda, const float *b, int64_t ldb, float *p, int64_t ldp, int32_t m,
                        int32_t k, int32_t n) {
  const int32_t nfull = n / NR * NR;
  for (int32_t j0 = 0; j0 < nfull; j0 += NR) {
    int32_t q0 = 0;
    for (; q0 + MR <= k; q0 += MR) tile_tn(a, lda, b, ldb, p, ldp, m, q0, j0, MR);
    switch (k - q0) {
    case 1: tile_tn(a, lda, b, ldb, p, ldp, m, q0, j0, 1); break;
    case 2: tile_tn(a, lda, b, ldb, p, ldp, m, q0, j0, 2); break;
    case 3: tile_tn(a, lda, b, ldb, p, ldp, m, q0, j0, 3); break;
    case 4: tile_tn(a, lda, b, ldb, p, ldp, m, q0, j0, 4); break;
    case 5: tile_tn(a, lda, b, ldb, p, ldp, m, q0, j0, 5); break;
    default: break;
    }
  }
  /* columns past the tiles: CH entries of k at once, CH independent sums along the rows */
  for (int32_t j = nfull; j < n; j++) {
    for (int32_t q0 = 0; q0 < k; q0 += CH) {
      const int32_t qs = k - q0 < CH ? k - q0 : CH;
      float s[CH];
      for (int r = 0; r < qs; r++) s[r] = p[(q0 + r) * ldp + j];
      for (int32_t i = 0; i < m; i++) {
        const float bi = b[i * ldb + j];
        for (int r = 0; r < qs; r++) s[r] = a[i * lda + q0 + r] * bi + s[r];
      }
      for (int r = 0; r < qs; r++) p[(q0 + r) * ldp + j] = s[r];
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
  float *F = ctx->F.p + r0 * S;
  for (int32_t r = 0; r < rb; r++) {
    const rowpos pos = decode(g, r0 + r);
    for (int32_t t = 0; t < g->nin; t++) F[(int64_t)r * S + t] = x[tap_index(g, pos, t)] / 255.0f;
  }
  for (int k = 0; k < LAYERS; k++) {
    const float *wk = params + g->woff[k], *bk = params + g->boff[k];
    const int last = k == LAYERS - 1;
    float *dst = last ? ctx->O.p + r0 * K : g->act ? ctx->Z.p + r0 * 5 * w + k * w : F + g->nin + k * w;
    const int64_t ld = last ? K : g->act ? 5 * w : S;
    gemm(F + g->in0[k], S, wk, g->nout[k], dst, ld, rb, g->nin_l[k], g->nout[k], 0, bk, !last && !g->act);
    if (last && g->kind) {
      for (int64_t e = 0; e < (int64_t)rb * K; e++) dst[e] = tanhf(dst[e]);
    } else if (!last && g->act) {
      for (int32_t r = 0; r < rb; r++) {
        for (int32_t j = 0; j < w; j++) F[(int64_t)r * S + g->nin + k * w + j] = gelu(dst[r * ld + j]);
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
    ctx->F = take(g.M * g.S);
    ctx->O = take(g.M * g.K);
    if (g.act) ctx->Z = take(g.M * 5 * g.width);
  }
  if (!ctx || !ctx->F.p || !ctx->O.p || (g.act && !ctx->Z.p)) {
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
      int64_t idx[MAX_OUTPUTS];
      out_indices(&g, decode(&g, row), idx);
      for (int32_t k = 0; k < g.K; k++) {
        const float o = ctx->O.p[row * g.K + k], v = (o < -1.0f ? -1.0f : o > 1.0f ? 1.0f : o) * 127.0f;
        pred[idx[k]] += g.round ? nearbyintf(v) : v;
      }
    }
  }
  return ctx;
}

/* backward pass of rows [r0, r0+rb) into the partial gradient `part`; input gradients into dxr rows */
static void backward_block(const geom *g, const struct lutlab_srnet *ctx, const float *wt, const float *dpred,
                           int64_t r0, int32_t rb, float *part, float *dF, float *dO, float *dxr) {
  const int32_t S = g->S, w = g->width, K = g->K;
  const float *F = ctx->F.p + r0 * S, *O = ctx->O.p + r0 * K;
  for (int32_t r = 0; r < rb; r++) {
    int64_t idx[MAX_OUTPUTS];
    out_indices(g, decode(g, r0 + r), idx);
    for (int32_t k = 0; k < K; k++) {
      const float o = O[r * K + k];
      float d = dpred[idx[k]] * 127.0f;
      if (o < -1.0f || o > 1.0f) d = 0;
      dO[r * K + k] = g->kind ? d * (1.0f - o * o) : d;
    }
  }
  const int L = LAYERS - 1;
  gemm_tn_acc(F + g->in0[L], S, dO, K, part + g->woff[L], K, rb, g->nin_l[L], K);
  bias_grad(dO, K, part + g->boff[L], rb, K);
  /* the last layer writes every activation column of dF that a later product reads (SR-LUT: a4; MuLUT: all);
   * SR-LUT's layer k writes a(k-1) once, MuLUT's adds into a0..a(k-1) */
  gemm(dO, K, wt + g->woff[L], g->nin_l[L], dF + g->in0[L], S, rb, K, g->nin_l[L], 0, NULL, 0);
  for (int k = L - 1; k >= 0; k--) {
    float *dz = dF + g->nin + k * w;
    for (int32_t r = 0; r < rb; r++) {
      float *d = dz + (int64_t)r * S;
      if (g->act) {
        const float *z = ctx->Z.p + (r0 + r) * 5 * w + k * w;
        for (int32_t j = 0; j < w; j++) d[j] *= gelu_grad(z[j]);
      } else {
        const float *a = F + (int64_t)r * S + g->nin + k * w;
        for (int32_t j = 0; j < w; j++) d[j] = a[j] > 0 ? d[j] : 0;
      }
    }
    gemm_tn_acc(F + g->in0[k], S, dz, S, part + g->woff[k], w, rb, g->nin_l[k], w);
    bias_grad(dz, S, part + g->boff[k], rb, w);
    if (k > 0) gemm(dz, S, wt + g->woff[k], g->nin_l[k], dF + g->in0[k], S, rb, w, g->nin_l[k], g->kind, NULL, 0);
    else if (dxr) {
      float *dx = dxr + r0 * g->nin;
      gemm(dz, S, wt + g->woff[0], g->nin, dx, g->nin, rb, w, g->nin, 0, NULL, 0);
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
  const buf bparts = take(P * chunks), bwt = take(P), bscratch = take((size_t)threads * RB * (g->S + g->K));
  const buf bdxr = dx ? take(g->M * g->nin) : (buf){NULL, 0};
  float *parts = bparts.p, *wt = bwt.p, *scratch = bscratch.p, *dxr = bdxr.p;
  if (!parts || !wt || !scratch || (dx && !dxr)) {
    give(bparts), give(bwt), give(bscratch), give(bdxr);
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
  give(bparts), give(bwt), give(bscratch), give(bdxr);
  return LUTLAB_OK;
}

void lutlab_srnet_free(lutlab_srnet *ctx) {
  if (!ctx) return;
  give(ctx->F), give(ctx->Z), give(ctx->O), free(ctx);
}
