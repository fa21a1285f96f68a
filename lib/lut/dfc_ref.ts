/**
 * Plain TypeScript reference of DFC (diagonal-first compression, Li et al. CVPR 2024, leenas233/DFC) for
 * n-D simplex LUTs, the ground truth for kernels/dfc.c. Definitions, following DFC's
 * `compress_from_lut_xy/xyz/xyzt` and `FourSimplexInterpFaster_compress`:
 * - the first `compressedDims` (c) pattern inputs are "diagonal" when |x_i - x_0| ≤ diagonalWidth·q for
 *   every i < c (pixel values, q = 2^intervalBits); those pixels use the FINE table, whose rows are the
 *   band lattice points (i_0..i_{c-1}) with |i_j - i_0| ≤ diagonalWidth in lexicographic order (DFC's
 *   `ref2index`), each times L^(n-c) for the remaining inputs: fine [bandPoints·L^(n-c), K];
 * - the others use the COARSE table lut[::s, ::s, ...] with s = 2^(samplingInterval - intervalBits),
 *   i.e. a full table [Lc^n, K] sampled every 2^samplingInterval (Lc = 2^(8-samplingInterval)+1);
 * - both use the simplex of simplex_ref.ts; a simplex vertex outside the band always has weight 0 and is
 *   skipped (its DFC index would be invalid).
 */
import {
  type LutGeometry,
  lutLevels,
  type Offset,
  patternPad,
  type PlaneShape,
  simplexCorners,
} from "./simplex_ref.ts";

/** DFC settings: diagonal width (lattice steps), coarse sampling interval in bits (DFC `--si`), c. */
export type DfcSpec = { diagonalWidth: number; samplingInterval: number; compressedDims: number };

/** DFC's ref2index: band point (i_0, i_1-i_0+dw, …) of [L][2dw+1]^(c-1) → fine row, or -1; and the count. */
export function dfcBandIndex(levels: number, c: number, dw: number): { index: Int32Array; count: number } {
  const diag = 2 * dw + 1, per = diag ** (c - 1);
  const index = new Int32Array(levels * per).fill(-1);
  let count = 0;
  for (let x = 0; x < levels; x++) {
    for (let e = 0; e < per; e++) {
      let rest = e, ok = true;
      for (let i = c - 1; i >= 1; i--) {
        const y = x + (rest % diag) - dw;
        rest = Math.floor(rest / diag);
        ok &&= y >= 0 && y < levels;
      }
      if (ok) index[x * per + e] = count++;
    }
  }
  return { index, count };
}

/** Key of lattice point `cell` in the band index, or -1 outside the band. */
export function dfcBandKey(cell: readonly number[], c: number, dw: number): number {
  const diag = 2 * dw + 1;
  let e = 0, mul = 1;
  for (let i = c - 1; i >= 1; i--) {
    const o = cell[i] - cell[0] + dw;
    if (o < 0 || o >= diag) return -1;
    e += o * mul;
    mul *= diag;
  }
  return cell[0] * mul + e;
}

/** Reference DFC forward: padded planes [N,Hp,Wp] → [N, Hp-maxdy, Wp-maxdx, K] (layout of simplex_ref.ts). */
export function dfcForwardRef(
  planes: Float32Array,
  shape: PlaneShape,
  offsets: readonly Offset[],
  fine: Int8Array | Float32Array,
  coarse: Int8Array | Float32Array,
  g: LutGeometry,
  spec: DfcSpec,
  srlutOrder = false,
): Float32Array {
  const [py, px] = patternPad(offsets);
  const { planes: N, height: hp, width: wp } = shape, h = hp - py, w = wp - px, K = g.outputs, n = g.n;
  const L = lutLevels(g.intervalBits), c = spec.compressedDims, dw = spec.diagonalWidth;
  const { index } = dfcBandIndex(L, c, dw);
  const coarseGeo = { ...g, intervalBits: spec.samplingInterval };
  const limit = dw * 2 ** g.intervalBits;
  const out = new Float32Array(N * h * w * K);
  const vals = new Float64Array(n);
  for (let p = 0; p < N; p++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        offsets.forEach(([dy, dx], d) => {
          const v = planes[(p * hp + y + dy) * wp + x + dx];
          vals[d] = Number.isNaN(v) ? 0 : Math.min(Math.max(v, 0), 255);
        });
        let inBand = true;
        for (let d = 1; d < c; d++) inBand &&= Math.abs(vals[d] - vals[0]) <= limit;
        const geo = inBand ? g : coarseGeo;
        const { rows, weights } = simplexCorners(vals, geo, srlutOrder);
        const Lg = lutLevels(geo.intervalBits);
        const o = ((p * h + y) * w + x) * K;
        for (let j = 0; j <= n; j++) {
          let row = rows[j], tableRow = row;
          if (inBand) {
            const cell: number[] = [];
            for (let d = n - 1; d >= 0; d--, row = Math.floor(row / Lg)) cell[d] = row % Lg;
            const key = dfcBandKey(cell, c, dw);
            if (key < 0 || index[key] < 0) {
              if (weights[j] !== 0) {
                throw new Error(`dfc reference: out-of-band vertex with weight ${weights[j]}`);
              }
              continue;
            }
            tableRow = index[key];
            for (let d = c; d < n; d++) tableRow = tableRow * L + cell[d];
          }
          const t = inBand ? fine : coarse;
          for (let k = 0; k < K; k++) out[o + k] += weights[j] * t[tableRow * K + k];
        }
      }
    }
  }
  return out;
}
