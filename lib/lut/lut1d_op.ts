/**
 * The differentiable 1D LUT op (per-channel curves; SepLUT's component-wise stage, the shaper of a
 * 1D+3D .cube): tfjs op with gradients w.r.t. the image and the LUT, on the native kernels of
 * lib/lut/lut1d.ts (host typed arrays; no WGSL kernel, so not on the webgpu backend). Layouts as
 * lib/lut/lut1d_ref.ts.
 */
import { type tf, withData } from "../core/backend.ts";
import { imageLutOp } from "./image_lut_op.ts";
import { applyLut1d, lut1dBackward } from "./lut1d.ts";
import type { Lut1dShape } from "./lut1d_ref.ts";

/** Shape of a lut1dApply call, from the tensors: image [B,3,H,W], LUT [B|1,3,N]. */
function tensorShape(img: tf.Tensor, lut: tf.Tensor): Omit<Lut1dShape, "lutBatch"> {
  const what = "lut1dApply";
  if (img.rank !== 4 || img.shape[1] !== 3) {
    throw new Error(`${what}: img must be [B,3,H,W], got [${img.shape}]`);
  }
  const [batch, , height, width] = img.shape;
  const [lb, c, n] = lut.shape;
  if (lut.rank !== 3 || c !== 3 || (lb !== 1 && lb !== batch)) {
    throw new Error(`${what}: lut must be [${batch} or 1,3,N] for img [${img.shape}], got [${lut.shape}]`);
  }
  for (const [name, t] of [["img", img], ["lut", lut]] as const) {
    if (t.dtype !== "float32") throw new Error(`${what}: ${name} must be float32, got ${t.dtype}`);
  }
  return { batch, height, width, size: n };
}

/**
 * tfjs op: out [B,3,H,W] = per-channel LUT(img [B,3,H,W]) with lut [B or 1,3,N] (lut[c][i]), with
 * gradients w.r.t. the LUT and, unless `imgGrad` is false, the image (zero where values were clamped).
 */
export function lut1dApply(img: tf.Tensor4D, lut: tf.Tensor3D, imgGrad = true): tf.Tensor4D {
  const shape = tensorShape(img, lut);
  const forward = (x: tf.Tensor, l: tf.Tensor) =>
    withData([x, l], [x.shape], ([xs, ls], [out]) => void applyLut1d(xs, ls, shape, out))[0];
  const backward = (dy: tf.Tensor, x: tf.Tensor, l: tf.Tensor) =>
    withData([x, l, dy], imgGrad ? [x.shape, l.shape] : [l.shape], ([xs, ls, g], outs) => {
      const [gradImg, gradLut] = imgGrad ? outs : [undefined, outs[0]];
      lut1dBackward(xs, ls, g, shape, { img: imgGrad, gradImg, gradLut });
    });
  return imageLutOp(img, lut, forward, backward, imgGrad);
}
