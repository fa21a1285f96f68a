/**
 * Plain TypeScript reference of the AiLUT transform (kernels/ailut.c; AdaInt's adaptive-interval 3D LUT
 * lookup), forward and backward, written for clarity. Layouts: images planar NCHW [batch,3,H,W]; LUTs
 * [lutBatch,3,D,D,D] as lut[c][b][g][r]; vertices [vertBatch,3,D] as v[c][i], ascending. Each channel value
 * is clamped to [0,1] (NaN -> 0), its cell i = clamp(lowerBound(v, x) - 1, 0, D-2) and its fraction
 * f = (x - v[i]) / (v[i+1] - v[i] + 1e-10), as the original `ailut_transform`.
 */

/** Geometry of an AiLUT call. */
export interface AiLutShape {
  batch: number;
  height: number;
  width: number;
  dim: number;
  lutBatch: number;
  vertBatch: number;
}

/** The original's interval epsilon. */
export const AILUT_EPS = 1e-10;

/** Cell index, fraction and 1/width of value x among ascending vertices v[0..D). */
export function ailutLocate(v: ArrayLike<number>, x: number): { i: number; f: number; inv: number } {
  const d = v.length;
  let lo = 0, hi = d;
  while (lo < hi) {
    const mid = lo + ((hi - lo) >> 1);
    if (!(v[mid] >= x)) lo = mid + 1;
    else hi = mid;
  }
  const i = Math.min(Math.max(lo - 1, 0), d - 2);
  const inv = 1 / (v[i + 1] - v[i] + AILUT_EPS);
  return { i, f: (x - v[i]) * inv, inv };
}

const clamp01 = (x: number) => (x > 0 ? (x < 1 ? x : 1) : 0); // NaN -> 0

/** Per-pixel cell of one colour: per-axis locate results and the 8 corner offsets/weights. */
function cellOf(rgb: number[], verts: Float32Array, vo: number, dim: number) {
  const axes = [0, 1, 2].map((a) => ailutLocate(verts.subarray(vo + a * dim, vo + (a + 1) * dim), rgb[a]));
  const corners = Array.from({ length: 8 }, (_, k) => {
    const bit = (a: number) => (k >> a) & 1;
    const off = (axes[0].i + bit(0)) + dim * (axes[1].i + bit(1)) + dim * dim * (axes[2].i + bit(2));
    const w = [0, 1, 2].reduce((p, a) => p * (bit(a) ? axes[a].f : 1 - axes[a].f), 1);
    return { off, w, k };
  });
  return { axes, corners };
}

/** Reference forward: out [batch,3,H,W] = AiLUT(img) through lut on vertices. */
export function ailutForwardRef(
  img: Float32Array,
  lut: Float32Array,
  verts: Float32Array,
  s: AiLutShape,
): Float32Array {
  const hw = s.height * s.width, d3 = s.dim ** 3, out = new Float32Array(img.length);
  for (let n = 0; n < s.batch; n++) {
    const lo = (s.lutBatch === 1 ? 0 : n) * 3 * d3, vo = (s.vertBatch === 1 ? 0 : n) * 3 * s.dim;
    for (let k = 0; k < hw; k++) {
      const rgb = [0, 1, 2].map((a) => clamp01(img[(n * 3 + a) * hw + k]));
      const { corners } = cellOf(rgb, verts, vo, s.dim);
      for (let c = 0; c < 3; c++) {
        out[(n * 3 + c) * hw + k] = corners.reduce((acc, q) => acc + q.w * lut[lo + c * d3 + q.off], 0);
      }
    }
  }
  return out;
}

/** Reference backward of sum(gradOut * forward): gradLut, gradVertices and gradImg (0 where clamped). */
export function ailutBackwardRef(
  img: Float32Array,
  lut: Float32Array,
  verts: Float32Array,
  gradOut: Float32Array,
  s: AiLutShape,
): { gradLut: Float32Array; gradVertices: Float32Array; gradImg: Float32Array } {
  const hw = s.height * s.width, d3 = s.dim ** 3;
  const gradLut = new Float64Array(lut.length), gradVertices = new Float64Array(verts.length);
  const gradImg = new Float32Array(img.length);
  for (let n = 0; n < s.batch; n++) {
    const lo = (s.lutBatch === 1 ? 0 : n) * 3 * d3, vo = (s.vertBatch === 1 ? 0 : n) * 3 * s.dim;
    for (let k = 0; k < hw; k++) {
      const raw = [0, 1, 2].map((a) => img[(n * 3 + a) * hw + k]);
      const { axes, corners } = cellOf(raw.map(clamp01), verts, vo, s.dim);
      const gf = [0, 0, 0];
      for (let c = 0; c < 3; c++) {
        const g = gradOut[(n * 3 + c) * hw + k];
        for (const q of corners) {
          gradLut[lo + c * d3 + q.off] += g * q.w;
          for (let a = 0; a < 3; a++) {
            // d w_k / d f_a: the other two factors, signed by whether corner k is on the high side of axis a
            const dw = [0, 1, 2].reduce(
              (p, b) =>
                p * (b === a ? ((q.k >> a) & 1 ? 1 : -1) : ((q.k >> b) & 1 ? axes[b].f : 1 - axes[b].f)),
              1,
            );
            gf[a] += g * dw * lut[lo + c * d3 + q.off];
          }
        }
      }
      for (let a = 0; a < 3; a++) {
        const { i, f, inv } = axes[a];
        gradVertices[vo + a * s.dim + i] -= gf[a] * (1 - f) * inv;
        gradVertices[vo + a * s.dim + i + 1] -= gf[a] * f * inv;
        const x = raw[a];
        gradImg[(n * 3 + a) * hw + k] = x >= 0 && x <= 1 ? gf[a] * inv : 0;
      }
    }
  }
  return { gradLut: Float32Array.from(gradLut), gradVertices: Float32Array.from(gradVertices), gradImg };
}
