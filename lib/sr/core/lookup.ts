/**
 * Thin adapter from a LutModule's LUT form to the SR kernels' tfjs op (lib/lut/simplex.ts simplexOp): padded
 * planes [N, Hp, Wp] (0..255) and a float table [L^n, K = C·r²] in table units → pixel-shuffled planes
 * [C·N, H·r, W·r] (channel-major), differentiable with respect to the table (LUT fine-tuning) and the planes (stages).
 */
import { onWebgpu, tf } from "../../core/backend.ts";
import { dfcLookupGpu } from "../../lut/webgpu/dfc_wgsl.ts";
import { dfcLookup, type DfcLut } from "../../lut/dfc.ts";
import { simplexOp } from "../../lut/simplex.ts";
import type { Pattern } from "./pattern.ts";
import { pixelShuffle } from "./pattern.ts";

/** Simplex lookup of `table` on padded planes with `pattern`, pixel-shuffled by `r`. */
export function simplexLookupPlanes(
  xp: tf.Tensor3D,
  table: tf.Tensor2D,
  pattern: Pattern,
  interval: number,
  r: number,
  srlutOrder: boolean,
): tf.Tensor3D {
  const [n, hp, wp] = xp.shape;
  const h = hp - pattern.pad[0], w = wp - pattern.pad[1];
  const out = simplexOp(xp, table, pattern.offsets, interval, { srlutOrder });
  const k = table.shape[1];
  return pixelShuffle(tf.reshape(out, [n * h * w, k]), n, h, w, r, k / (r * r));
}

/** DFC-compressed lookup (inference; DFC's simplex order for every table) on padded planes, pixel-shuffled by `r`. */
export function dfcLookupPlanes(xp: tf.Tensor3D, lut: DfcLut, pattern: Pattern, r: number) {
  const [n, hp, wp] = xp.shape;
  const h = hp - pattern.pad[0], w = wp - pattern.pad[1];
  if (onWebgpu()) { // WGSL kernel (lib/lut/webgpu/dfc_wgsl.ts)
    const gpu = dfcLookupGpu(xp, pattern.offsets, lut);
    const shuffled = pixelShuffle(
      tf.reshape(gpu, [n * h * w, lut.outputs]),
      n,
      h,
      w,
      r,
      lut.outputs / (r * r),
    );
    gpu.dispose();
    return shuffled;
  }
  const out = dfcLookup(
    xp.dataSync() as Float32Array,
    { planes: n, height: hp, width: wp },
    pattern.offsets,
    lut,
  );
  return pixelShuffle(tf.tensor2d(out, [n * h * w, lut.outputs]), n, h, w, r, lut.outputs / (r * r));
}
