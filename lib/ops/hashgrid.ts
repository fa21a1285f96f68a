/**
 * Multi-resolution hash-grid encoding (kernels/hashgrid.c/.cu) through FFI, plus a tfjs op with a
 * custom gradient with respect to the table. Layouts as in lib/ref/hashgrid.ts: rgb [B,3,H,W] planar,
 * table [entries*F], features [B, L*F, H, W]. There is no gradient with respect to the colours: HashLUT
 * encodes the raw input image, which has no trainable upstream (the op returns zeros for it).
 */
import { tf } from "../backend.ts";
import { check, openKernels } from "../native/kernels.ts";
import type { HashGridLevels } from "../ref/hashgrid.ts";

const symbols = {
  lutlab_hashgrid_forward: {
    parameters: [
      "buffer",
      "i32",
      "i32",
      "i32",
      "buffer",
      "i64",
      "i32",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  lutlab_hashgrid_backward: {
    parameters: [
      "buffer",
      "i32",
      "i32",
      "i32",
      "buffer",
      "i32",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "i64",
    ],
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

let lib: ReturnType<typeof openKernels<typeof symbols>> | undefined;
function kernels() {
  lib ??= openKernels(symbols);
  return lib;
}

function shapeOf(batch: number, height: number, width: number): string {
  return `[${batch},3,${height},${width}]`;
}

function validate(
  what: string,
  rgb: Float32Array,
  batch: number,
  height: number,
  width: number,
  levels: HashGridLevels,
): void {
  for (const [name, v] of [["batch", batch], ["height", height], ["width", width]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 2 ** 31 - 1) {
      throw new Error(`${what}: ${name}=${v} is not a positive int32`);
    }
  }
  if (!(rgb instanceof Float32Array)) throw new Error(`${what}: rgb must be a Float32Array`);
  if (rgb.length !== batch * 3 * height * width) {
    throw new Error(`${what}: rgb has ${rgb.length} values, expected ${shapeOf(batch, height, width)}`);
  }
  const L = levels.spec.levels;
  if (levels.scales.length !== L || levels.resolutions.length !== L || levels.offsets.length !== L + 1) {
    throw new Error(`${what}: level geometry arrays do not match ${L} levels (use hashGridLevels)`);
  }
  if (levels.offsets[L] * levels.spec.featuresPerLevel !== levels.tableLength) {
    throw new Error(
      `${what}: level geometry tableLength ${levels.tableLength} is inconsistent (use hashGridLevels)`,
    );
  }
}

/** Encodes rgb [B,3,H,W] with table [entries*F] -> features [B, L*F, H, W] (native kernel). */
export function hashGridEncode(
  rgb: Float32Array,
  batch: number,
  height: number,
  width: number,
  table: Float32Array,
  levels: HashGridLevels,
): Float32Array {
  const what = `hashGridEncode(rgb ${shapeOf(batch, height, width)}, table ${table.length})`;
  validate(what, rgb, batch, height, width, levels);
  if (!(table instanceof Float32Array) || table.length !== levels.tableLength) {
    throw new Error(`${what}: table must be a Float32Array of ${levels.tableLength} values`);
  }
  const { levels: L, featuresPerLevel: F } = levels.spec;
  const out = new Float32Array(batch * L * F * height * width);
  const k = kernels();
  const st = k.lutlab_hashgrid_forward(
    rgb,
    batch,
    height,
    width,
    table,
    BigInt(table.length),
    L,
    F,
    levels.scales,
    levels.resolutions,
    levels.offsets,
    out,
  );
  check(k, st, what);
  return out;
}

/** Table gradient [entries*F] of a loss with gradient gradOut [B, L*F, H, W] (native kernel). */
export function hashGridTableGrad(
  rgb: Float32Array,
  batch: number,
  height: number,
  width: number,
  gradOut: Float32Array,
  levels: HashGridLevels,
): Float32Array {
  const what = `hashGridTableGrad(rgb ${shapeOf(batch, height, width)}, gradOut ${gradOut.length})`;
  validate(what, rgb, batch, height, width, levels);
  const { levels: L, featuresPerLevel: F } = levels.spec;
  if (!(gradOut instanceof Float32Array) || gradOut.length !== batch * L * F * height * width) {
    throw new Error(`${what}: gradOut must be a Float32Array [${batch},${L * F},${height},${width}]`);
  }
  const grad = new Float32Array(levels.tableLength);
  const k = kernels();
  const st = k.lutlab_hashgrid_backward(
    rgb,
    batch,
    height,
    width,
    gradOut,
    L,
    F,
    levels.scales,
    levels.resolutions,
    levels.offsets,
    grad,
    BigInt(grad.length),
  );
  check(k, st, what);
  return grad;
}

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
    const px = x.dataSync() as Float32Array;
    save([x]);
    const value = tf.tensor4d(
      hashGridEncode(px, batch, height, width, t.dataSync() as Float32Array, levels),
      [batch, LF, height, width],
    );
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const g = hashGridTableGrad(
        saved[0].dataSync() as Float32Array,
        batch,
        height,
        width,
        dy.dataSync() as Float32Array,
        levels,
      );
      return [tf.zerosLike(saved[0]), tf.tensor1d(g)];
    };
    return { value, gradFunc };
  });
  return op(rgb, table) as tf.Tensor4D;
}
