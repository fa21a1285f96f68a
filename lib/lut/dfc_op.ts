/**
 * tfjs op of the DFC lookup for fine-tuning compressed tables (DFC's 3_finetune_compress_lut): padded planes
 * [N,Hp,Wp] float32 (values in [0,255]) and trainable float32 fine [fineRows, K] and coarse [Lc^n, K] tables
 * (lib/lut/dfc.ts layouts) → [N, Hp-maxdy, Wp-maxdx, K], with gradients for both tables and the planes:
 * the native kernels (kernels/dfc.c/.cu) on the CPU backends, the WGSL ones (lib/lut/webgpu/dfc_wgsl.ts) on webgpu.
 */
import { onWebgpu, tf, withData } from "../core/backend.ts";
import { dfcBackward, dfcLookup, withStorage } from "./dfc.ts";
import { dfcBackwardGpu, dfcForwardGpu, type DfcGpuSpec } from "./webgpu/dfc_wgsl.ts";
import { checkPlaneShape, type Offset } from "./simplex.ts";

/** DFC lookup op with gradients wrt fine, coarse and planes (shapes checked by the kernels' wrappers). */
export function dfcOp(
  planes: tf.Tensor3D,
  fine: tf.Tensor2D,
  coarse: tf.Tensor2D,
  offsets: readonly Offset[],
  spec: DfcGpuSpec,
): tf.Tensor4D {
  const [n, hp, wp] = planes.shape;
  const what = `dfcOp(planes [${planes.shape}], fine [${fine.shape}], coarse [${coarse.shape}])`;
  for (const [name, t, rank] of [["planes", planes, 3], ["fine", fine, 2], ["coarse", coarse, 2]] as const) {
    if (t.rank !== rank || t.dtype !== "float32") {
      throw new Error(`${what}: ${name} must be float32 of rank ${rank}`);
    }
  }
  if (fine.shape[1] !== spec.outputs || coarse.shape[1] !== spec.outputs) {
    throw new Error(`${what}: tables need K = ${spec.outputs} columns`);
  }
  const shape = { planes: n, height: hp, width: wp };
  const [h, w] = checkPlaneShape(shape, offsets, what);
  const lut = (f: Float32Array, c: Float32Array) => withStorage(spec, spec, f, c);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, f, c, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([x, f, c]);
    if (onWebgpu()) {
      const gradFunc = (dy: tf.Tensor, [xs, fs, cs]: tf.Tensor[]) =>
        dfcBackwardGpu(xs, fs, cs, dy, offsets, spec);
      return { value: dfcForwardGpu(x, f, c, offsets, spec) as tf.Tensor4D, gradFunc };
    }
    const [value] = withData([x, f, c], [[n, h, w, spec.outputs]], ([xv, fv, cv], [out]) => {
      dfcLookup(xv, shape, offsets, lut(fv, cv), { out });
    }) as [tf.Tensor4D];
    const gradFunc = (dy: tf.Tensor, [xs, fs, cs]: tf.Tensor[]) =>
      withData([xs, fs, cs, dy], [[n, hp, wp], fine.shape, coarse.shape], ([xv, fv, cv, g], outs) => {
        dfcBackward(xv, shape, offsets, lut(fv, cv), g, { planes: outs[0], fine: outs[1], coarse: outs[2] });
      });
    return { value, gradFunc };
  });
  return op(planes, fine, coarse) as tf.Tensor4D;
}
