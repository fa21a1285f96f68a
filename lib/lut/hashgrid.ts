/**
 * Multi-resolution hash-grid encoding (kernels/hashgrid.c/.cu) through FFI, plus a tfjs op with a
 * custom gradient with respect to the table. Layouts as in lib/lut/hashgrid_ref.ts: rgb [B,3,H,W] planar,
 * table [entries*F], features [B, L*F, H, W]. There is no gradient with respect to the colours: HashLUT
 * encodes the raw input image, which has no trainable upstream (the op returns zeros for it).
 */
import { onWebgpu, tf } from "../core/backend.ts";
import { hashGridForwardGpu, hashGridTableGradGpu } from "./webgpu/hashgrid_wgsl.ts";
import { lazyKernels } from "../core/native.ts";
import { expectF32, expectInt, expectU32 } from "../core/ffi_guard.ts";
import type { HashGridLevels } from "./hashgrid_ref.ts";

/** FFI arguments: rgb, batch, height, width; and levels, features, scales, resolutions, offsets. */
const RGB_ARGS = ["buffer", "i32", "i32", "i32"] as const;
const LEVEL_ARGS = ["i32", "i32", "buffer", "buffer", "buffer"] as const;

const kernels = lazyKernels({
  // ..., table, tableLen, ..., out
  lutlab_hashgrid_forward: {
    parameters: [...RGB_ARGS, "buffer", "i64", ...LEVEL_ARGS, "buffer"],
    result: "i32",
  },
  // ..., gradOut, ..., gradTable, gradTableLen
  lutlab_hashgrid_backward: {
    parameters: [...RGB_ARGS, "buffer", ...LEVEL_ARGS, "buffer", "i64"],
    result: "i32",
  },
});

/** A hash-grid pass over rgb [B,3,H,W] with a per-call array (table or gradOut) -> a Float32Array. */
type HashGridPass = (
  rgb: Float32Array,
  batch: number,
  height: number,
  width: number,
  data: Float32Array,
  levels: HashGridLevels,
) => Float32Array;

/** Validates rgb [B,3,H,W] and the level geometry; returns "[B,3,H,W]" and the FFI rgb/level arguments. */
function validate(
  what: string,
  rgb: Float32Array,
  batch: number,
  height: number,
  width: number,
  levels: HashGridLevels,
) {
  for (const [name, v] of [["batch", batch], ["height", height], ["width", width]] as const) {
    expectInt(what, name, v);
  }
  expectF32(what, "rgb", rgb, batch * 3 * height * width, `[${batch},3,${height},${width}]`);
  const { levels: L, featuresPerLevel: F } = levels.spec;
  const geometry = `${L} levels (use hashGridLevels)`;
  expectF32(what, "levels.scales", levels.scales, L, geometry);
  expectU32(what, "levels.resolutions", levels.resolutions, L, geometry);
  expectU32(what, "levels.offsets", levels.offsets, L + 1, geometry);
  if (levels.offsets[L] * F !== levels.tableLength) {
    throw new Error(
      `${what}: level geometry tableLength ${levels.tableLength} is inconsistent (use hashGridLevels)`,
    );
  }
  return {
    features: batch * L * F * height * width,
    rgbArgs: [rgb, batch, height, width] as const,
    levelArgs: [L, F, levels.scales, levels.resolutions, levels.offsets] as const,
  };
}

/** Encodes rgb [B,3,H,W] with table [entries*F] -> features [B, L*F, H, W] (native kernel). */
export const hashGridEncode: HashGridPass = (rgb, batch, height, width, table, levels) => {
  const what = `hashGridEncode(rgb [${batch},3,${height},${width}], table ${table.length})`;
  const { features, rgbArgs, levelArgs } = validate(what, rgb, batch, height, width, levels);
  expectF32(what, "table", table, levels.tableLength);
  const out = new Float32Array(features);
  kernels.call(what, "lutlab_hashgrid_forward", ...rgbArgs, table, BigInt(table.length), ...levelArgs, out);
  return out;
};

/** Table gradient [entries*F] of a loss with gradient gradOut [B, L*F, H, W] (native kernel). */
export const hashGridTableGrad: HashGridPass = (rgb, batch, height, width, gradOut, levels) => {
  const what = `hashGridTableGrad(rgb [${batch},3,${height},${width}], gradOut ${gradOut.length})`;
  const { features, rgbArgs, levelArgs } = validate(what, rgb, batch, height, width, levels);
  const LF = levels.spec.levels * levels.spec.featuresPerLevel;
  expectF32(what, "gradOut", gradOut, features, `[${batch},${LF},${height},${width}]`);
  const grad = new Float32Array(levels.tableLength);
  kernels.call(
    what,
    "lutlab_hashgrid_backward",
    ...rgbArgs,
    gradOut,
    ...levelArgs,
    grad,
    BigInt(grad.length),
  );
  return grad;
};

/** tfjs op: rgb [B,3,H,W] float32, table [entries*F] -> features [B, L*F, H, W]; grads wrt table. */
export function hashGrid(rgb: tf.Tensor4D, table: tf.Tensor1D, levels: HashGridLevels): tf.Tensor4D {
  const [batch, channels, height, width] = rgb.shape;
  if (rgb.rank !== 4 || channels !== 3 || rgb.dtype !== "float32") {
    throw new Error(`hashGrid: rgb must be float32 [B,3,H,W], got ${rgb.dtype} [${rgb.shape}]`);
  }
  if (table.rank !== 1 || table.size !== levels.tableLength || table.dtype !== "float32") {
    throw new Error(
      `hashGrid: table must be float32 [${levels.tableLength}], got ${table.dtype} [${table.shape}]`,
    );
  }
  const LF = levels.spec.levels * levels.spec.featuresPerLevel;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, t, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    if (onWebgpu()) { // WGSL kernels (lib/lut/webgpu/hashgrid_wgsl.ts)
      save([x]);
      const gradFunc = (
        dy: tf.Tensor,
        [xs]: tf.Tensor[],
      ) => [tf.zerosLike(xs), hashGridTableGradGpu(xs, dy, levels)];
      return { value: hashGridForwardGpu(x, t, levels) as tf.Tensor4D, gradFunc };
    }
    const px = x.dataSync() as Float32Array;
    save([x]);
    const value = tf.tensor4d(
      hashGridEncode(px, batch, height, width, t.dataSync() as Float32Array, levels),
      [batch, LF, height, width],
    );
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const g = hashGridTableGrad(px, batch, height, width, dy.dataSync() as Float32Array, levels);
      return [tf.zerosLike(saved[0]), tf.tensor1d(g)];
    };
    return { value, gradFunc };
  });
  return op(rgb, table) as tf.Tensor4D;
}
