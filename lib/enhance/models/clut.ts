/**
 * CLUT-Net (Zhang et al., ACM MM 2022, "CLUT-Net: Learning Adaptively Compressed Representations of 3DLUTs
 * for Lightweight Image Enhancement"; Xian-Bei/CLUT models.py `CLUT`, mode "++"): N basis 3D LUTs stored
 * compressed as
 *   Ms [D,S] ("s_Layers"), Mw [W,D^2] ("w_Layers"), C [S*N*3, W] ("LUTs"),
 * reconstructed as cube = Ms x reshape(C x Mw, [S, N*3*D^2]) -> [D, N*3, D^2] -> [N,3,D,D,D] with axes
 * (i, j, k), where i is the compressed-by-S axis. `cube_to_lut` then puts i on the output channel's own
 * input axis: red output lut[n][0][b=j][g=k][r=i], green lut[n][1][b=j][g=i][r=k], blue lut[n][2][b=i][g=j][r=k]
 * (our layout lut[c][b][g][r]). The classifier head is Conv1x1(C->128), Hardswish, Dropout(0.2),
 * Conv1x1(128->N) on the average-pooled trunk; the output is residual: out = img + LUT_fused(img).
 *
 * BL-C ("fixed" compression): Ms and Mw are not learned but fixed orthonormal DCT-II bases (see
 * `dctBasis`): Ms = the S lowest-frequency 1-D DCT vectors (columns), Mw = the W lowest-frequency
 * separable 2-D DCT images over (j,k), ordered by u+v then u. Only C (and the CNN) is trained.
 */
import { tf } from "../../core/backend.ts";
import { matMul } from "../../nn/matmul.ts";
import { addConv, type BackboneInit, dropout } from "./backbone.ts";
import { param, type Params } from "../../nn/params.ts";
import type { Rng } from "../../core/rng.ts";

/** Compressed bank geometry: N LUTs of size D, S and W compressed sizes. */
export type ClutShape = { luts: number; dim: number; s: number; w: number };

/** Parameter names of the compressed bank (Ms, Mw, C). */
export const CLUT_NAMES = { ms: "clut.s", mw: "clut.w", c: "clut.luts" } as const;

/** Orthonormal DCT-II vector k of length n (value at i). */
function dct(k: number, i: number, n: number): number {
  return (k === 0 ? Math.sqrt(1 / n) : Math.sqrt(2 / n)) * Math.cos((Math.PI * (i + 0.5) * k) / n);
}

/** Fixed BL-C bases: Ms [D,S] (column k = DCT vector k), Mw [W,D^2] (row = DCT_u(j)*DCT_v(k), low u+v first). */
export function dctBasis(dim: number, s: number, w: number): { ms: Float32Array; mw: Float32Array } {
  if (s > dim || w > dim * dim) {
    throw new Error(`dctBasis: need S <= D and W <= D^2, got S=${s} W=${w} D=${dim}`);
  }
  const ms = new Float32Array(dim * s);
  for (let i = 0; i < dim; i++) for (let k = 0; k < s; k++) ms[i * s + k] = dct(k, i, dim);
  const pairs: [number, number][] = [];
  for (let u = 0; u < dim; u++) for (let v = 0; v < dim; v++) pairs.push([u, v]);
  pairs.sort((a, b) => a[0] + a[1] - b[0] - b[1] || a[0] - b[0]);
  const mw = new Float32Array(w * dim * dim);
  pairs.slice(0, w).forEach(([u, v], r) => {
    for (let j = 0; j < dim; j++) {
      for (let k = 0; k < dim; k++) mw[r * dim * dim + j * dim + k] = dct(u, j, dim) * dct(v, k, dim);
    }
  });
  return { ms, mw };
}

/**
 * Adds the compressed bank to `p` (learned: Ms, Mw ~ U(-0.1, 0.1), C = 0 as the original) or, with
 * `fixed`, only C to `p` and the DCT Ms/Mw to `buffers` (not trained, not counted as parameters).
 */
export function addClutBank(p: Params, buffers: Params, shape: ClutShape, fixed: boolean, rng: Rng): void {
  const { luts: n, dim: d, s, w } = shape;
  if (fixed) {
    const b = dctBasis(d, s, w);
    buffers.set(CLUT_NAMES.ms, tf.variable(tf.tensor2d(b.ms, [d, s]), false));
    buffers.set(CLUT_NAMES.mw, tf.variable(tf.tensor2d(b.mw, [w, d * d]), false));
  } else {
    const u = () => rng.uniform(-0.1, 0.1);
    p.set(CLUT_NAMES.ms, tf.variable(tf.tensor2d(rng.fill(d * s, u), [d, s]), true));
    p.set(CLUT_NAMES.mw, tf.variable(tf.tensor2d(rng.fill(w * d * d, u), [w, d * d]), true));
  }
  p.set(CLUT_NAMES.c, tf.variable(tf.zeros([s * n * 3, w]), true));
}

/** Reconstructs the N standard LUTs [N,3,D,D,D] (layout lut[c][b][g][r]) from Ms [D,S], Mw [W,D^2], C [S*N*3,W]. */
export function reconstructLuts(ms: tf.Tensor2D, mw: tf.Tensor2D, c: tf.Tensor2D, luts: number): tf.Tensor {
  const [d, s] = ms.shape, w = mw.shape[0];
  if (mw.shape[1] !== d * d || c.shape[0] !== s * luts * 3 || c.shape[1] !== w) {
    throw new Error(
      `reconstructLuts: shapes Ms [${ms.shape}], Mw [${mw.shape}], C [${c.shape}] do not fit N=${luts}`,
    );
  }
  return tf.tidy(() => {
    const cw = matMul(c, mw).reshape([s, luts * 3 * d * d]);
    const cube = matMul(ms, cw as tf.Tensor2D).reshape([d, luts * 3, d * d]).transpose([1, 0, 2]).reshape([
      luts,
      3,
      d ** 3,
    ]);
    // rank <= 4 views only: wasm slices/unstacks of rank-5 tensors (also in tf.stack's gradient) are ~100x slower
    const [r, g, b] = [0, 1, 2].map((ch) =>
      cube.slice([0, ch, 0], [luts, 1, d ** 3]).reshape([luts, d, d, d])
    );
    const parts = [r.transpose([0, 2, 3, 1]), g.transpose([0, 2, 1, 3]), b].map((t) =>
      t.reshape([luts, 1, d ** 3])
    );
    return tf.concat(parts, 1).reshape([luts, 3, d, d, d]);
  });
}

/** Cube axes (i, j, k) of LUT entry (b, g, r) of output channel `ch` (i = the channel's own axis). */
export function cubeAxes(ch: number, b: number, g: number, r: number): [number, number, number] {
  return ch === 0 ? [r, b, g] : ch === 1 ? [g, b, r] : [b, g, r];
}

/**
 * Calls `fn(l, ch, idx, i, j, k)` for every entry of a bank [N,3,D,D,D]: LUT l, output channel ch, flat
 * index idx of lut[l][ch][b][g][r], and its cube axes (i, j, k) (see `cubeAxes`).
 */
export function forEachLutEntry(
  n: number,
  d: number,
  fn: (l: number, ch: number, idx: number, i: number, j: number, k: number) => void,
): void {
  for (let l = 0; l < n; l++) {
    for (let ch = 0; ch < 3; ch++) {
      for (let b = 0; b < d; b++) {
        for (let g = 0; g < d; g++) {
          for (let r = 0; r < d; r++) {
            fn(l, ch, (((l * 3 + ch) * d + b) * d + g) * d + r, ...cubeAxes(ch, b, g, r));
          }
        }
      }
    }
  }
}

/** Plain loop reference of `reconstructLuts` (for tests and the PCA fit): Float32Array [N,3,D,D,D]. */
export function reconstructLutsRef(
  ms: Float32Array,
  mw: Float32Array,
  c: Float32Array,
  shape: ClutShape,
): Float32Array {
  const { luts: n, dim: d, s, w } = shape;
  const out = new Float32Array(n * 3 * d * d * d);
  forEachLutEntry(n, d, (l, ch, idx, i, j, k) => {
    let acc = 0;
    for (let si = 0; si < s; si++) {
      const row = (si * n + l) * 3 + ch;
      for (let wi = 0; wi < w; wi++) acc += ms[i * s + si] * c[row * w + wi] * mw[wi * d * d + j * d + k];
    }
    out[idx] = acc;
  });
  return out;
}

/** Adds the CLUT-Net classifier head (in -> 128 -> N): `classifier.fc{0,1}.weight` [in,out], `.bias` [out]. */
export function addClutHead(p: Params, inChannels: number, luts: number, init: BackboneInit, rng: Rng): void {
  // 1x1 convolutions are stored as [in,out] matrices (the [1,1,in,out] HWIO kernel without its unit axes)
  for (
    const [name, ci, co] of [["classifier.fc0", inChannels, 128], ["classifier.fc1", 128, luts]] as const
  ) {
    const tmp: Params = new Map();
    addConv(tmp, name, 1, ci, co, init, rng);
    p.set(
      `${name}.weight`,
      tf.variable(tmp.get(`${name}.weight`)!.reshape([ci, co]), true),
    );
    p.set(`${name}.bias`, tmp.get(`${name}.bias`)!);
    tmp.get(`${name}.weight`)!.dispose();
  }
}

/** CLUT-Net head: trunk features NHWC [B,h,w,C] -> weights [B,N] (pool, fc0, Hardswish, Dropout(0.2), fc1). */
export function clutHeadForward(p: Params, feat: tf.Tensor4D, training: boolean, rng?: Rng): tf.Tensor2D {
  return tf.tidy(() => {
    const pooled = tf.mean(feat, [1, 2]) as tf.Tensor2D;
    const h = tf.add(
      tf.matMul(pooled, param(p, "classifier.fc0.weight") as tf.Tensor2D),
      param(p, "classifier.fc0.bias"),
    );
    const hs = tf.mul(h, tf.div(tf.relu6(tf.add(h, 3)), 6)) as tf.Tensor2D;
    const dropped = dropout(hs, 0.2, training, rng);
    return tf.add(
      tf.matMul(dropped, param(p, "classifier.fc1.weight") as tf.Tensor2D),
      param(p, "classifier.fc1.bias"),
    );
  });
}
