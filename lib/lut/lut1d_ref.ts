/**
 * Plain TypeScript reference of the 1D LUT apply (kernels/lut1d.c): per-channel curves with linear
 * interpolation, forward and backward, written for clarity. Layouts: LUT lut[c][i] (index c*N + i),
 * `lutBatch` in {1, batch} LUTs of 3*N values; images planar NCHW [batch,3,H,W]. Values are clamped to
 * [0,1] (NaN -> 0); segment i = min(floor(x*(N-1)), N-2) in float32 like the kernels.
 */

/** Image and LUT geometry: images [batch,3,height,width], LUTs [lutBatch,3,size]. */
export interface Lut1dShape {
  batch: number;
  height: number;
  width: number;
  size: number;
  lutBatch: number;
}

/** Segment index and fraction of value `x` in an N-entry table (float32 maths, as the kernels). */
export function lut1dSegment(x: number, size: number): { i: number; f: number } {
  const c = x > 0 ? (x < 1 ? x : 1) : 0; // NaN -> 0
  const t = Math.fround(Math.fround(c) * (size - 1));
  const i = Math.min(Math.floor(t), size - 2);
  return { i, f: Math.fround(t - i) };
}

/** Offset of the table of channel plane `p` (= b*3 + c) in a LUT batch. */
const tableAt = (p: number, s: Lut1dShape) =>
  ((s.lutBatch === 1 ? 0 : Math.floor(p / 3)) * 3 + p % 3) * s.size;

/** Reference forward: out [batch,3,H,W] = per-channel LUT(img) with LUTs [lutBatch,3,N]. */
export function lut1dForwardRef(img: Float32Array, lut: Float32Array, shape: Lut1dShape): Float32Array {
  const hw = shape.height * shape.width, out = new Float32Array(img.length);
  for (let k = 0; k < img.length; k++) {
    const t = tableAt(Math.floor(k / hw), shape), { i, f } = lut1dSegment(img[k], shape.size);
    out[k] = lut[t + i] + Math.fround(Math.fround(lut[t + i + 1] - lut[t + i]) * f);
  }
  return out;
}

/** Reference backward of sum(gradOut * forward): gradLut [lutBatch,3,N], gradImg [batch,3,H,W] (0 where clamped). */
export function lut1dBackwardRef(
  img: Float32Array,
  lut: Float32Array,
  gradOut: Float32Array,
  shape: Lut1dShape,
): { gradLut: Float32Array; gradImg: Float32Array } {
  const hw = shape.height * shape.width;
  const gradLut = new Float64Array(lut.length), gradImg = new Float32Array(img.length);
  for (let k = 0; k < img.length; k++) {
    const t = tableAt(Math.floor(k / hw), shape), { i, f } = lut1dSegment(img[k], shape.size);
    gradLut[t + i] += gradOut[k] * (1 - f);
    gradLut[t + i + 1] += gradOut[k] * f;
    const inside = img[k] >= 0 && img[k] <= 1;
    gradImg[k] = inside ? gradOut[k] * (lut[t + i + 1] - lut[t + i]) * (shape.size - 1) : 0;
  }
  return { gradLut: Float32Array.from(gradLut), gradImg };
}
