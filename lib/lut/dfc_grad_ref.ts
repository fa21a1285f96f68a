/**
 * Plain TypeScript reference of the DFC lookup's gradients (lib/lut/dfc_ref.ts), the ground truth for
 * lutlab_dfc_backward (kernels/dfc.c/.cu) and the WGSL kernels: the lookup is Σ_j w_j·T[v_j] / q over the
 * anchor's simplex in the fine (band) or coarse table, so d/dT[v_j] = w_j / q (the kept band entries and the
 * subsampled rest each get the anchors that read them), and the input derivative along the j-th sorted input
 * is (T[v_{j+1}] - T[v_j]) / q, a vertex outside the band reading as 0 as in the forward pass (zero where a
 * value was clamped).
 */
import { dfcBandIndex, type DfcSpec, dfcVertices } from "./dfc_ref.ts";
import { type LutGeometry, lutLevels, type Offset, patternPad, type PlaneShape } from "./simplex_ref.ts";

/** Reference backward of sum(gradOut · dfcForwardRef): gradFine, gradCoarse (tables' shapes) and gradPlanes [N,Hp,Wp]. */
export function dfcBackwardRef(
  planes: Float32Array,
  shape: PlaneShape,
  offsets: readonly Offset[],
  fine: Float32Array,
  coarse: Float32Array,
  g: LutGeometry,
  spec: DfcSpec,
  gradOut: Float32Array,
): { gradFine: Float32Array; gradCoarse: Float32Array; gradPlanes: Float32Array } {
  const [py, px] = patternPad(offsets);
  const { planes: N, height: hp, width: wp } = shape, h = hp - py, w = wp - px, K = g.outputs;
  const { index } = dfcBandIndex(lutLevels(g.intervalBits), spec.compressedDims, spec.diagonalWidth);
  const gf = new Float64Array(fine.length), gc = new Float64Array(coarse.length);
  const gp = new Float64Array(planes.length);
  const vals = new Float64Array(g.n);
  for (let p = 0; p < N; p++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        offsets.forEach(([dy, dx], d) => vals[d] = planes[(p * hp + y + dy) * wp + x + dx]);
        const { inBand, rows, weights, order, inRange, q } = dfcVertices(vals, g, spec, index);
        const [t, gt] = inBand ? [fine, gf] : [coarse, gc];
        const o = ((p * h + y) * w + x) * K;
        const entry = (j: number, k: number) => rows[j] < 0 ? 0 : t[rows[j] * K + k];
        for (let j = 0; j <= g.n; j++) {
          if (rows[j] < 0) continue;
          for (let k = 0; k < K; k++) gt[rows[j] * K + k] += weights[j] * gradOut[o + k];
        }
        for (let j = 0; j < g.n; j++) {
          const d = order[j];
          if (!inRange[d]) continue;
          let s = 0;
          for (let k = 0; k < K; k++) s += gradOut[o + k] * (entry(j + 1, k) - entry(j, k));
          const [dy, dx] = offsets[d];
          gp[(p * hp + y + dy) * wp + x + dx] += s / q;
        }
      }
    }
  }
  return {
    gradFine: Float32Array.from(gf),
    gradCoarse: Float32Array.from(gc),
    gradPlanes: Float32Array.from(gp),
  };
}
