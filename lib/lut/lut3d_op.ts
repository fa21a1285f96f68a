/**
 * The differentiable 3D LUT op for training (Image-Adaptive 3DLUT, CLUT-Net): tfjs op with gradients
 * w.r.t. both the image and the LUT, on the native kernels of lib/lut/lut3d.ts (host typed arrays) or the
 * WGSL kernels of lib/lut/webgpu/lut3d_wgsl.ts on the webgpu backend. Layouts as lib/lut/lut3d_ref.ts.
 */
import { onWebgpu, type tf, withData } from "../core/backend.ts";
import { imageLutOp } from "./image_lut_op.ts";
import { applyLut3d, lut3dBackward, lut3dModeCode } from "./lut3d.ts";
import type { Lut3dMode, Lut3dShape } from "./lut3d_ref.ts";
import { lut3dBackwardGpu, lut3dForwardGpu } from "./webgpu/lut3d_wgsl.ts";

/** Shape of a call `what` mapping image [B,3,H,W] through LUT [B|1,3,D,D,D] (float32), from the tensors. */
export function imageLut3dShape(what: string, img: tf.Tensor, lut: tf.Tensor): Omit<Lut3dShape, "lutBatch"> {
  if (img.rank !== 4 || img.shape[1] !== 3) {
    throw new Error(`${what}: img must be [B,3,H,W], got [${img.shape}]`);
  }
  const [batch, , height, width] = img.shape;
  const [lb, c, d0, d1, d2] = lut.shape;
  if (lut.rank !== 5 || c !== 3 || d0 !== d1 || d1 !== d2 || (lb !== 1 && lb !== batch)) {
    throw new Error(
      `${what}: lut must be [${batch} or 1,3,D,D,D] for img [${img.shape}], got [${lut.shape}]`,
    );
  }
  for (const [name, t] of [["img", img], ["lut", lut]] as const) {
    if (t.dtype !== "float32") throw new Error(`${what}: ${name} must be float32, got ${t.dtype}`);
  }
  return { batch, height, width, dim: d0 };
}

/**
 * tfjs op: out [B,3,H,W] = LUT(img [B,3,H,W]) with lut [B or 1,3,D,D,D] (lut[c][b][g][r]), with
 * gradients w.r.t. the LUT and, unless `imgGrad` is false (the image is data), the image (native
 * backward; the image gradient is zero where colours were clamped). The kernels read and write the
 * tensors' memory in place (`withData`).
 */
export function lut3dApply(img: tf.Tensor4D, lut: tf.Tensor, mode: Lut3dMode, imgGrad = true): tf.Tensor4D {
  const shape = imageLut3dShape("lut3dApply", img, lut);
  lut3dModeCode("lut3dApply", mode);
  const gpu = onWebgpu() ? { ...shape, lutBatch: lut.shape[0] } : undefined; // WGSL kernels on webgpu
  const forward = (x: tf.Tensor, l: tf.Tensor) =>
    gpu
      ? lut3dForwardGpu(x, l, gpu, mode)
      : withData([x, l], [x.shape], ([xs, ls], [out]) => void applyLut3d(xs, ls, shape, mode, out))[0];
  const backward = (dy: tf.Tensor, x: tf.Tensor, l: tf.Tensor) =>
    gpu
      ? lut3dBackwardGpu(x, l, dy, gpu, mode, imgGrad)
      : withData([x, l, dy], imgGrad ? [x.shape, l.shape] : [l.shape], ([xs, ls, g], outs) => {
        const [gradImg, gradLut] = imgGrad ? outs : [undefined, outs[0]];
        lut3dBackward(xs, ls, g, shape, mode, { img: imgGrad, gradImg, gradLut });
      });
  return imageLutOp(img, lut, forward, backward, imgGrad);
}
