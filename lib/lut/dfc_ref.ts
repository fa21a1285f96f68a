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
 * - both use DFC's simplex order, the descending-fraction order of simplex_ref.ts (MuLUT's corrected
 *   branch cascade of DFC's `InterpTorchBatch_compress_*` and of its coarse branch), never SR-LUT's order,
 *   also for SR-LUT tables: with it every vertex of non-zero weight lies in the band, while SR-LUT's order
 *   can give a vertex outside the band a (negative) weight; a vertex outside the band has weight 0 and is
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

/** One anchor of a DFC lookup: fine (in band) or coarse table, its n+1 rows (-1: outside the band), weights / q. */
export type DfcVertices = {
  inBand: boolean;
  rows: number[];
  weights: number[];
  order: number[];
  inRange: boolean[];
  q: number;
};

/** The DFC simplex of n raw input values (clamped as simplex_ref.ts does) for `index` = dfcBandIndex(...).index. */
export function dfcVertices(
  values: ArrayLike<number>,
  g: LutGeometry,
  spec: DfcSpec,
  index: Int32Array,
): DfcVertices {
  const n = g.n, c = spec.compressedDims, dw = spec.diagonalWidth, L = lutLevels(g.intervalBits);
  const x = Array.from(values, (v) => Number.isNaN(v) ? 0 : Math.min(Math.max(v, 0), 255));
  const limit = dw * 2 ** g.intervalBits;
  let inBand = true;
  for (let d = 1; d < c; d++) inBand &&= Math.abs(x[d] - x[0]) <= limit;
  const geo = inBand ? g : { ...g, intervalBits: spec.samplingInterval };
  const { rows, weights, order, inRange } = simplexCorners(values, geo);
  if (inBand) {
    for (let j = 0; j <= n; j++) {
      const cell: number[] = [];
      for (let d = n - 1, row = rows[j]; d >= 0; d--, row = Math.floor(row / L)) cell[d] = row % L;
      const key = dfcBandKey(cell, c, dw);
      let row = key < 0 ? -1 : index[key];
      for (let d = c; d < n && row >= 0; d++) row = row * L + cell[d];
      if (row < 0 && weights[j] !== 0) {
        throw new Error(`dfc reference: out-of-band vertex with weight ${weights[j]}`);
      }
      rows[j] = row;
    }
  }
  return { inBand, rows, weights, order, inRange, q: 2 ** geo.intervalBits };
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
): Float32Array {
  const [py, px] = patternPad(offsets);
  const { planes: N, height: hp, width: wp } = shape, h = hp - py, w = wp - px, K = g.outputs;
  const { index } = dfcBandIndex(lutLevels(g.intervalBits), spec.compressedDims, spec.diagonalWidth);
  const out = new Float32Array(N * h * w * K);
  const vals = new Float64Array(g.n);
  for (let p = 0; p < N; p++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        offsets.forEach(([dy, dx], d) => vals[d] = planes[(p * hp + y + dy) * wp + x + dx]);
        const { inBand, rows, weights } = dfcVertices(vals, g, spec, index);
        const t = inBand ? fine : coarse, o = ((p * h + y) * w + x) * K;
        for (let k = 0; k < K; k++) {
          let sum = 0;
          for (let j = 0; j <= g.n; j++) if (rows[j] >= 0) sum += weights[j] * t[rows[j] * K + k];
          out[o + k] = sum;
        }
      }
    }
  }
  return out;
}
