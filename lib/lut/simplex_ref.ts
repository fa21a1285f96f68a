/**
 * Plain TypeScript reference of the n-D simplex LUT lookup (SR-LUT "4D simplex", MuLUT, SPF-LUT), the
 * ground truth for kernels/simplex_lut.c and kernels/simplex_lut.cu. Definitions (shared by every implementation):
 * - table [L^n, K] (int8 or float32), L = 2^(8-intervalBits) + 1 levels per input, q = 2^intervalBits;
 *   row of the lattice point (i0..i_{n-1}) = ((i0·L + i1)·L + i2)·L + i3 (first pattern pixel most
 *   significant, as SR-LUT's `img_a1*L*L*L + img_b1*L*L + img_c1*L + img_d1`).
 * - an input value x is clamped to [0,255] (NaN → 0); cell i = floor(x/q), fraction f = x - i·q ∈ [0,q).
 * - simplex: dims sorted by fraction, descending (ties: lower dim first); vertex 0 = the cell base,
 *   vertex j = vertex j-1 + unit step along the j-th sorted dim; weights w0 = q - f(o0),
 *   wj = f(o_{j-1}) - f(oj), wn = f(o_{n-1}); out[k] = Σ wj·T[vj, k] / q (SR-LUT's integer arithmetic).
 * - `srlutOrder` (n = 4 only) reproduces SR-LUT's Test_Model_S.py branch cascade, which for
 *   fc > fd > fa > fb walks the order (c, a, d, b) instead of (c, d, a, b) (MuLUT/DFC fixed it).
 * Planes are [N, Hp, Wp] float32 with values in [0,255], already padded by the caller; the output grid is
 * [N, H, W] with H = Hp - max dy, W = Wp - max dx, and the output is [N, H, W, K] (K contiguous per pixel).
 */

/** Table element type. */
export type LutDtype = "int8" | "float32";

/** Lattice geometry of an n-input LUT: n inputs, sampling interval 2^intervalBits, K outputs per entry. */
export type LutGeometry = { n: number; intervalBits: number; outputs: number };

/** A pattern offset (dy, dx) of one LUT input relative to the anchor pixel (both ≥ 0). */
export type Offset = readonly [number, number];

/** Planes [N, height, width] (row-major) as a flat Float32Array plus its shape. */
export type PlaneShape = { planes: number; height: number; width: number };

/** Number of levels per input, L = 2^(8-intervalBits) + 1 (4 bits → 17; 0 bits → 257). */
export function lutLevels(intervalBits: number): number {
  if (!Number.isInteger(intervalBits) || intervalBits < 0 || intervalBits > 8) {
    throw new Error(`intervalBits must be an integer in 0..8, got ${intervalBits}`);
  }
  return 2 ** (8 - intervalBits) + 1;
}

/** Rows of a table: L^n. */
export function lutRows(g: LutGeometry): number {
  return lutLevels(g.intervalBits) ** g.n;
}

/** Bottom/right padding a pattern needs: [max dy, max dx]. */
export function patternPad(offsets: readonly Offset[]): [number, number] {
  let py = 0, px = 0;
  for (const [dy, dx] of offsets) {
    py = Math.max(py, dy);
    px = Math.max(px, dx);
  }
  return [py, px];
}

/** One simplex evaluation: the n+1 table rows and weights (already divided by q) of n input values. */
export function simplexCorners(
  values: ArrayLike<number>,
  g: LutGeometry,
  srlutOrder = false,
): { rows: number[]; weights: number[]; order: number[]; inRange: boolean[] } {
  const n = g.n, q = 2 ** g.intervalBits, L = lutLevels(g.intervalBits);
  const cell: number[] = [], frac: number[] = [], inRange: boolean[] = [];
  for (let d = 0; d < n; d++) {
    const v = values[d];
    const x = Number.isNaN(v) ? 0 : Math.min(Math.max(v, 0), 255);
    inRange.push(v >= 0 && v <= 255);
    const i = Math.min(Math.floor(x / q), L - 2);
    cell.push(i);
    frac.push(Math.fround(x - i * q));
  }
  let order = [...Array(n).keys()].sort((a, b) => frac[b] - frac[a] || a - b);
  if (srlutOrder && n === 4 && frac[2] > frac[3] && frac[3] > frac[0] && frac[0] > frac[1]) {
    order = [2, 0, 3, 1];
  }
  let row = 0;
  for (let d = 0; d < n; d++) row = row * L + cell[d];
  const rows = [row], weights = [(q - frac[order[0]]) / q];
  for (let j = 0; j < n; j++) {
    row += L ** (n - 1 - order[j]);
    rows.push(row);
    weights.push((j + 1 < n ? frac[order[j]] - frac[order[j + 1]] : frac[order[j]]) / q);
  }
  return { rows, weights, order, inRange };
}

function checkRef(planes: Float32Array, shape: PlaneShape, offsets: readonly Offset[]): [number, number] {
  const [py, px] = patternPad(offsets);
  const h = shape.height - py, w = shape.width - px;
  if (h < 1 || w < 1 || planes.length !== shape.planes * shape.height * shape.width) {
    throw new Error(`simplex reference: bad planes [${shape.planes},${shape.height},${shape.width}]`);
  }
  return [h, w];
}

/** Reference forward: padded planes [N,Hp,Wp] → out [N, Hp-maxdy, Wp-maxdx, K] (float64 sums, float32 out). */
export function simplexForwardRef(
  planes: Float32Array,
  shape: PlaneShape,
  offsets: readonly Offset[],
  table: Int8Array | Float32Array,
  g: LutGeometry,
  srlutOrder = false,
): Float32Array {
  const [h, w] = checkRef(planes, shape, offsets);
  const K = g.outputs, { height: hp, width: wp } = shape;
  const out = new Float32Array(shape.planes * h * w * K);
  const vals = new Float64Array(g.n);
  for (let p = 0; p < shape.planes; p++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        offsets.forEach(([dy, dx], d) => vals[d] = planes[(p * hp + y + dy) * wp + x + dx]);
        const { rows, weights } = simplexCorners(vals, g, srlutOrder);
        const o = ((p * h + y) * w + x) * K;
        for (let k = 0; k < K; k++) {
          let s = 0;
          for (let j = 0; j <= g.n; j++) s += weights[j] * table[rows[j] * K + k];
          out[o + k] = s;
        }
      }
    }
  }
  return out;
}

/**
 * Reference backward of sum(gradOut · forward): gradTable [L^n, K] and gradPlanes [N,Hp,Wp] (the
 * derivative of the piecewise-linear interpolant inside the chosen simplex; zero where a value was clamped).
 */
export function simplexBackwardRef(
  planes: Float32Array,
  shape: PlaneShape,
  offsets: readonly Offset[],
  table: Float32Array,
  g: LutGeometry,
  gradOut: Float32Array,
  srlutOrder = false,
): { gradTable: Float32Array; gradPlanes: Float32Array } {
  const [h, w] = checkRef(planes, shape, offsets);
  const K = g.outputs, q = 2 ** g.intervalBits, { height: hp, width: wp } = shape;
  const gt = new Float64Array(table.length), gp = new Float64Array(planes.length);
  const vals = new Float64Array(g.n);
  for (let p = 0; p < shape.planes; p++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        offsets.forEach(([dy, dx], d) => vals[d] = planes[(p * hp + y + dy) * wp + x + dx]);
        const { rows, weights, order, inRange } = simplexCorners(vals, g, srlutOrder);
        const o = ((p * h + y) * w + x) * K;
        for (let j = 0; j <= g.n; j++) {
          for (let k = 0; k < K; k++) gt[rows[j] * K + k] += weights[j] * gradOut[o + k];
        }
        for (let j = 0; j < g.n; j++) {
          const d = order[j];
          if (!inRange[d]) continue;
          let s = 0;
          for (let k = 0; k < K; k++) {
            s += gradOut[o + k] * (table[rows[j + 1] * K + k] - table[rows[j] * K + k]);
          }
          const [dy, dx] = offsets[d];
          gp[(p * hp + y + dy) * wp + x + dx] += s / q;
        }
      }
    }
  }
  return { gradTable: Float32Array.from(gt), gradPlanes: Float32Array.from(gp) };
}

/** Border mode of the bottom/right padding: "edge" (MuLUT, replicate) or "reflect" (SR-LUT, numpy reflect). */
export type PadMode = "edge" | "reflect";

function padIndex(i: number, n: number, mode: PadMode): number {
  if (i < n) return i;
  return mode === "edge" ? n - 1 : 2 * (n - 1) - i;
}

/** np.rot90(plane, k) of one [h, w] plane (counter-clockwise k quarter turns) → [h', w'] plane. */
export function rot90Plane(src: Float32Array, h: number, w: number, k: number): Float32Array {
  const r = ((k % 4) + 4) % 4;
  const out = new Float32Array(h * w);
  const [oh, ow] = r % 2 ? [w, h] : [h, w];
  for (let i = 0; i < oh; i++) {
    for (let j = 0; j < ow; j++) {
      const [y, x] = r === 0
        ? [i, j]
        : r === 1
        ? [j, w - 1 - i]
        : r === 2
        ? [h - 1 - i, w - 1 - j]
        : [h - 1 - j, i];
      out[i * ow + j] = src[y * w + x];
    }
  }
  return out;
}

/**
 * Reference of SR-LUT's rotation ensemble on planes [N,H,W] (unpadded): for k = 0..3, rotate by k quarter
 * turns (np.rot90), pad bottom/right by the pattern's (max dy, max dx) with `pad`, look up, pixel-shuffle
 * (out channel u·r+v → sub-pixel (u,v)), rotate back, and SUM → [N, H·r, W·r] (not averaged).
 */
export function rotationEnsembleRef(
  planes: Float32Array,
  shape: PlaneShape,
  offsets: readonly Offset[],
  table: Int8Array | Float32Array,
  g: LutGeometry,
  upscale: number,
  pad: PadMode,
  srlutOrder = false,
): Float32Array {
  const { planes: N, height: H, width: W } = shape, r = upscale, K = g.outputs;
  if (r * r !== K) {
    throw new Error(`rotation ensemble: upscale ${r} needs K = ${r * r} outputs, table has ${K}`);
  }
  const [py, px] = patternPad(offsets);
  const out = new Float32Array(N * H * r * W * r);
  for (let p = 0; p < N; p++) {
    const plane = planes.subarray(p * H * W, (p + 1) * H * W);
    const acc = new Float64Array(H * r * W * r);
    for (let k = 0; k < 4; k++) {
      const [h, w] = k % 2 ? [W, H] : [H, W];
      const rot = rot90Plane(plane, H, W, k);
      const hp = h + py, wp = w + px;
      const padded = new Float32Array(hp * wp);
      for (let y = 0; y < hp; y++) {
        for (let x = 0; x < wp; x++) padded[y * wp + x] = rot[padIndex(y, h, pad) * w + padIndex(x, w, pad)];
      }
      const lr = simplexForwardRef(
        padded,
        { planes: 1, height: hp, width: wp },
        offsets,
        table,
        g,
        srlutOrder,
      );
      const hr = new Float32Array(h * r * w * r);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          for (let u = 0; u < r; u++) {
            for (let v = 0; v < r; v++) hr[(y * r + u) * w * r + x * r + v] = lr[(y * w + x) * K + u * r + v];
          }
        }
      }
      const back = rot90Plane(hr, h * r, w * r, 4 - k);
      for (let i = 0; i < acc.length; i++) acc[i] += back[i];
    }
    out.set(acc, p * H * r * W * r);
  }
  return out;
}
