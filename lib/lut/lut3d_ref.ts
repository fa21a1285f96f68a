/**
 * Plain TypeScript reference of the 3D LUT apply (kernels/lut3d.c): trilinear and tetrahedral
 * interpolation, forward and backward, written for clarity, not speed. Layouts: LUT lut[c][b][g][r]
 * (index ((c*D + b)*D + g)*D + r), `lutBatch` in {1, batch} LUTs of 3*D^3 values; images planar NCHW
 * [batch,3,H,W]. Colours are clamped to [0,1] (NaN -> 0); the cell index is min(floor(x*(D-1)), D-2)
 * computed in float32 like the kernels, so both pick the same cell at exact grid points.
 */

/** Interpolation scheme of a 3D LUT lookup. */
export type Lut3dMode = "trilinear" | "tetrahedral";

/** Image and LUT geometry: images [batch,3,height,width], LUTs [lutBatch,3,dim,dim,dim]. */
export interface Lut3dShape {
  batch: number;
  height: number;
  width: number;
  dim: number;
  lutBatch: number;
}

type Vec3 = [number, number, number];

function clamp01(x: number): number {
  return x > 0 ? (x < 1 ? x : 1) : 0; // NaN -> 0
}

/** Cell index and fraction of one colour value along one axis (float32 maths). */
function cell(x: number, dim: number): { i: number; f: number } {
  const t = Math.fround(Math.fround(clamp01(x)) * (dim - 1));
  const i = Math.min(Math.floor(t), dim - 2);
  return { i, f: t - i };
}

/**
 * The interpolation of one colour as a list of (vertex [r,g,b], weight) pairs, and d(weight)/d(fraction)
 * for each of the three axes (fractions, not colours: multiply by D-1 for d/dx).
 */
function corners(
  x: Vec3,
  dim: number,
  mode: Lut3dMode,
): { vertex: Vec3; weight: number; dw: Vec3 }[] {
  const c = x.map((v) => cell(v, dim));
  const [fr, fg, fb] = c.map((e) => e.f);
  const at = (dr: number, dg: number, db: number): Vec3 => [c[0].i + dr, c[1].i + dg, c[2].i + db];
  if (mode === "trilinear") {
    const out = [];
    for (const db of [0, 1]) {
      for (const dg of [0, 1]) {
        for (const dr of [0, 1]) {
          const wr = dr ? fr : 1 - fr, wg = dg ? fg : 1 - fg, wb = db ? fb : 1 - fb;
          const sr = dr ? 1 : -1, sg = dg ? 1 : -1, sb = db ? 1 : -1;
          out.push({
            vertex: at(dr, dg, db),
            weight: wr * wg * wb,
            dw: [sr * wg * wb, wr * sg * wb, wr * wg * sb] as Vec3,
          });
        }
      }
    }
    return out;
  }
  // Tetrahedral: walk from the base corner along the axes in decreasing order of fraction.
  const order = [0, 1, 2].sort((a, b) => (c[b].f - c[a].f) || (a - b));
  const f = order.map((a) => c[a].f);
  const step: Vec3 = [0, 0, 0];
  const path: Vec3[] = [at(0, 0, 0)];
  for (const a of order) {
    step[a] = 1;
    path.push(at(step[0], step[1], step[2]));
  }
  // Sorted fractions f0 >= f1 >= f2: weight k = f_{k-1} - f_k (f_{-1} = 1, f_3 = 0), so the fraction
  // of axis order[k] enters weight k with -1 and weight k+1 with +1.
  const weights = [1 - f[0], f[0] - f[1], f[1] - f[2], f[2]];
  const dws: Vec3[] = [[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]];
  order.forEach((axis, k) => {
    dws[k][axis] -= 1;
    dws[k + 1][axis] += 1;
  });
  return path.map((vertex, k) => ({ vertex, weight: weights[k], dw: dws[k] }));
}

function lutIndex(c: number, v: Vec3, dim: number): number {
  return ((c * dim + v[2]) * dim + v[1]) * dim + v[0];
}

function checkShape(s: Lut3dShape, imgLen: number, lutLen: number): void {
  const { batch, height, width, dim, lutBatch } = s;
  if (imgLen !== batch * 3 * height * width) throw new Error(`ref lut3d: image length ${imgLen}`);
  if (lutLen !== lutBatch * 3 * dim ** 3) throw new Error(`ref lut3d: LUT length ${lutLen}`);
  if (lutBatch !== 1 && lutBatch !== batch) throw new Error(`ref lut3d: LUT batch ${lutBatch}`);
}

/** Reference forward: out [batch,3,H,W] = LUT(img [batch,3,H,W]) with LUTs [lutBatch,3,D,D,D]. */
export function lut3dForwardRef(
  img: Float32Array,
  lut: Float32Array,
  shape: Lut3dShape,
  mode: Lut3dMode,
): Float32Array {
  checkShape(shape, img.length, lut.length);
  const { batch, height, width, dim, lutBatch } = shape;
  const hw = height * width, d3 = dim ** 3;
  const out = new Float32Array(img.length);
  for (let b = 0; b < batch; b++) {
    const lutOff = (lutBatch === 1 ? 0 : b) * 3 * d3;
    for (let p = 0; p < hw; p++) {
      const x: Vec3 = [img[(b * 3) * hw + p], img[(b * 3 + 1) * hw + p], img[(b * 3 + 2) * hw + p]];
      for (const { vertex, weight } of corners(x, dim, mode)) {
        for (let c = 0; c < 3; c++) {
          out[(b * 3 + c) * hw + p] += weight * lut[lutOff + lutIndex(c, vertex, dim)];
        }
      }
    }
  }
  return out;
}

/**
 * Reference backward of sum(gradOut * forward(img, lut)): gradLut [lutBatch,3,D,D,D] and gradImg
 * [batch,3,H,W] (zero where a colour was outside [0,1] or NaN, i.e. clamped).
 */
export function lut3dBackwardRef(
  img: Float32Array,
  lut: Float32Array,
  gradOut: Float32Array,
  shape: Lut3dShape,
  mode: Lut3dMode,
): { gradLut: Float32Array; gradImg: Float32Array } {
  checkShape(shape, img.length, lut.length);
  const { batch, height, width, dim, lutBatch } = shape;
  const hw = height * width, d3 = dim ** 3;
  const gradLut = new Float32Array(lut.length);
  const gradImg = new Float32Array(img.length);
  for (let b = 0; b < batch; b++) {
    const lutOff = (lutBatch === 1 ? 0 : b) * 3 * d3;
    for (let p = 0; p < hw; p++) {
      const x: Vec3 = [img[(b * 3) * hw + p], img[(b * 3 + 1) * hw + p], img[(b * 3 + 2) * hw + p]];
      const g: Vec3 = [
        gradOut[(b * 3) * hw + p],
        gradOut[(b * 3 + 1) * hw + p],
        gradOut[(b * 3 + 2) * hw + p],
      ];
      const dx: Vec3 = [0, 0, 0];
      for (const { vertex, weight, dw } of corners(x, dim, mode)) {
        for (let c = 0; c < 3; c++) {
          const k = lutOff + lutIndex(c, vertex, dim);
          gradLut[k] += weight * g[c];
          for (let a = 0; a < 3; a++) dx[a] += dw[a] * lut[k] * g[c];
        }
      }
      for (let a = 0; a < 3; a++) {
        const inside = x[a] >= 0 && x[a] <= 1;
        gradImg[(b * 3 + a) * hw + p] = inside ? dx[a] * (dim - 1) : 0;
      }
    }
  }
  return { gradLut, gradImg };
}
