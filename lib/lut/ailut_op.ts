/**
 * The differentiable AiLUT op (AdaInt): tfjs op with gradients w.r.t. the LUT, the vertices and (unless
 * the image is data) the image, on the native kernels of lib/lut/ailut.ts or, on the webgpu backend, the
 * WGSL kernels of lib/lut/webgpu/ailut_wgsl.ts. Layouts as lib/lut/ailut_ref.ts.
 */
import { onWebgpu, tf, withData } from "../core/backend.ts";
import { aiLutBackward, type AiLutImageShape, applyAiLut } from "./ailut.ts";
import { imageLut3dShape } from "./lut3d_op.ts";
import { ailutBackwardGpu, ailutForwardGpu } from "./webgpu/ailut_wgsl.ts";

/** Shape of an ailutApply call from the tensors: image [B,3,H,W], LUT [B|1,3,D,D,D], vertices [B|1,3,D]. */
function tensorShape(img: tf.Tensor, lut: tf.Tensor, verts: tf.Tensor): AiLutImageShape {
  const what = "ailutApply";
  const shape = imageLut3dShape(what, img, lut), { batch, dim } = shape;
  const [vb, vc, vd] = verts.shape;
  if (verts.rank !== 3 || vc !== 3 || vd !== dim || (vb !== 1 && vb !== batch)) {
    throw new Error(
      `${what}: vertices must be [${batch} or 1,3,${dim}] for lut [${lut.shape}], got [${verts.shape}]`,
    );
  }
  if (verts.dtype !== "float32") throw new Error(`${what}: vertices must be float32, got ${verts.dtype}`);
  return shape;
}

/**
 * tfjs op: out [B,3,H,W] = AiLUT(img [B,3,H,W]) through lut [B|1,3,D,D,D] (lut[c][b][g][r]) on vertices
 * [B|1,3,D] (ascending per channel), with gradients w.r.t. lut, vertices and, if `imgGrad`, the image.
 */
export function ailutApply(
  img: tf.Tensor4D,
  lut: tf.Tensor,
  verts: tf.Tensor3D,
  imgGrad = false,
): tf.Tensor4D {
  const shape = tensorShape(img, lut, verts);
  const gpu = onWebgpu() ? { ...shape, lutBatch: lut.shape[0], vertBatch: verts.shape[0] } : undefined;
  const forward = (x: tf.Tensor, l: tf.Tensor, v: tf.Tensor) =>
    gpu
      ? ailutForwardGpu(x, l, v, gpu)
      : withData([x, l, v], [x.shape], ([xs, ls, vs], [out]) => void applyAiLut(xs, ls, vs, shape, out))[0];
  const backward = (dy: tf.Tensor, x: tf.Tensor, l: tf.Tensor, v: tf.Tensor) =>
    gpu ? ailutBackwardGpu(x, l, v, dy, gpu, imgGrad) : withData(
      [x, l, v, dy],
      [l.shape, v.shape, ...(imgGrad ? [x.shape] : [])],
      ([xs, ls, vs, g], outs) => {
        aiLutBackward(xs, ls, vs, g, shape, {
          gradLut: outs[0],
          gradVertices: outs[1],
          gradImg: imgGrad ? outs[2] : null,
        });
      },
    );
  if (!imgGrad) {
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [l, v, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      save([l, v]);
      return { value: forward(img, l, v), gradFunc: (dy, [ls, vs]) => backward(dy, img, ls, vs) };
    });
    return op(lut, verts) as tf.Tensor4D;
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, l, v, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([x, l, v]);
    return {
      value: forward(x, l, v),
      gradFunc: (dy, [xs, ls, vs]) => {
        const [gl, gv, gx] = backward(dy, xs, ls, vs);
        return [gx, gl, gv];
      },
    };
  });
  return op(img, lut, verts) as tf.Tensor4D;
}
