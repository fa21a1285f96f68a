/**
 * 3D LUT apply (kernels/lut3d.c/.cu) through FFI: typed-array functions for inference and a tfjs op
 * with gradients w.r.t. both the image and the LUT for training (Image-Adaptive 3DLUT, CLUT-Net).
 * Layouts as in lib/lut/lut3d_ref.ts: images planar NCHW [B,3,H,W] float32, LUTs [B or 1,3,D,D,D] in
 * layout lut[c][b][g][r]. Every shape is validated here, before the native call.
 */
import { onWebgpu, tf, withData } from "../core/backend.ts";
import type { Image } from "../image/io.ts";
import { check, lazyKernels } from "../core/native.ts";
import { expectF32, expectInt, expectMode, expectU16, expectU8 } from "../core/ffi_guard.ts";
import type { Lut3dMode, Lut3dShape } from "./lut3d_ref.ts";
import { lut3dBackwardGpu, lut3dForwardGpu } from "./webgpu/lut3d.ts";

export type { Lut3dMode, Lut3dShape };

const symbols = {
  lutlab_lut3d_forward: {
    parameters: ["buffer", "i32", "i32", "i32", "buffer", "i32", "i32", "i32", "buffer"],
    result: "i32",
  },
  lutlab_lut3d_backward: {
    parameters: ["buffer", "i32", "i32", "i32", "buffer", "i32", "i32", "i32", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  lutlab_lut3d_apply_u8: {
    parameters: ["buffer", "i32", "i32", "buffer", "i32", "i32", "buffer"],
    result: "i32",
  },
  lutlab_lut3d_apply_u16: {
    parameters: ["buffer", "i32", "i32", "buffer", "i32", "i32", "buffer"],
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

const kernels = lazyKernels(symbols);

const MODES: Record<Lut3dMode, number> = { trilinear: 0, tetrahedral: 1 };
const MAX_DIM = 256;

const modeCode = (what: string, mode: Lut3dMode) => expectMode(what, "mode", mode, MODES);
const checkDim = (what: string, dim: number) => expectInt(what, "LUT size D", dim, 2, MAX_DIM);

/** Validates an image/LUT pair (Float32Arrays) against {batch,height,width,dim}; returns the full shape. */
function resolveShape(
  what: string,
  img: Float32Array,
  lut: Float32Array,
  s: Omit<Lut3dShape, "lutBatch">,
): Lut3dShape {
  for (const k of ["batch", "height", "width"] as const) expectInt(what, k, s[k]);
  checkDim(what, s.dim);
  const want = s.batch * 3 * s.height * s.width;
  expectF32(what, "img", img, want, `shape [${s.batch},3,${s.height},${s.width}]`);
  expectF32(what, "lut", lut);
  const lutLen = lut.length, one = 3 * s.dim ** 3;
  if (lutLen !== one && lutLen !== s.batch * one) {
    throw new Error(
      `${what}: lut has ${lutLen} values, expected ${one} (shape [1,3,${s.dim},${s.dim},${s.dim}]) or ` +
        `${s.batch * one} (shape [${s.batch},3,${s.dim},${s.dim},${s.dim}])`,
    );
  }
  return { ...s, lutBatch: lutLen / one };
}

/**
 * out [B,3,H,W] = LUT(img [B,3,H,W]) with `lut` holding 1 LUT (shared) or B LUTs [B,3,D,D,D]
 * (lut[c][b][g][r]); colours clamped to [0,1], NaN -> 0. `out` is allocated when not given.
 */
export function applyLut3d(
  img: Float32Array,
  lut: Float32Array,
  shape: Omit<Lut3dShape, "lutBatch">,
  mode: Lut3dMode,
  out: Float32Array = new Float32Array(img.length),
): Float32Array {
  const what = "applyLut3d";
  const s = resolveShape(what, img, lut, shape);
  const m = modeCode(what, mode);
  expectF32(what, "out", out, img.length);
  const k = kernels();
  check(
    k,
    k.lutlab_lut3d_forward(img, s.batch, s.height, s.width, lut, s.lutBatch, s.dim, m, out),
    `${what}(img [${s.batch},3,${s.height},${s.width}], lut [${s.lutBatch},3,${s.dim},${s.dim},${s.dim}])`,
  );
  return out;
}

/**
 * Gradients of sum(gradOut * applyLut3d(img, lut)): gradLut [lutBatch,3,D,D,D] and gradImg [B,3,H,W]
 * (zero where a colour was clamped). `opts.lut`/`opts.img` = false skips one (returned undefined);
 * `opts.gradLut`/`opts.gradImg` are buffers to write into instead of allocating.
 */
export function lut3dBackward(
  img: Float32Array,
  lut: Float32Array,
  gradOut: Float32Array,
  shape: Omit<Lut3dShape, "lutBatch">,
  mode: Lut3dMode,
  opts: { lut?: boolean; img?: boolean; gradLut?: Float32Array; gradImg?: Float32Array } = {},
): { gradLut?: Float32Array; gradImg?: Float32Array } {
  const what = "lut3dBackward";
  const s = resolveShape(what, img, lut, shape);
  const m = modeCode(what, mode);
  expectF32(what, "gradOut", gradOut, img.length, "the image shape");
  if (opts.gradLut !== undefined) expectF32(what, "gradLut", opts.gradLut, lut.length);
  if (opts.gradImg !== undefined) expectF32(what, "gradImg", opts.gradImg, img.length);
  const gradLut = opts.lut === false ? undefined : opts.gradLut ?? new Float32Array(lut.length);
  const gradImg = opts.img === false ? undefined : opts.gradImg ?? new Float32Array(img.length);
  const k = kernels();
  check(
    k,
    k.lutlab_lut3d_backward(
      img,
      s.batch,
      s.height,
      s.width,
      lut,
      s.lutBatch,
      s.dim,
      m,
      gradOut,
      gradLut ?? null,
      gradImg ?? null,
    ),
    `${what}(img [${s.batch},3,${s.height},${s.width}], lut [${s.lutBatch},3,${s.dim},${s.dim},${s.dim}])`,
  );
  return { gradLut, gradImg };
}

/** Name and sample check of the interleaved entry points. */
const U8 = ["applyLut3dU8", expectU8] as const, U16 = ["applyLut3dU16", expectU16] as const;

function applyInterleaved<T extends Uint8Array | Uint16Array>(
  [what, expect]: typeof U8 | typeof U16,
  rgb: T,
  height: number,
  width: number,
  lut: Float32Array,
  dim: number,
  mode: Lut3dMode,
  out: T,
): T {
  expectInt(what, "height", height);
  expectInt(what, "width", width);
  checkDim(what, dim);
  const m = modeCode(what, mode);
  expect(what, "rgb", rgb, height * width * 3, `[${height},${width},3]`);
  expectF32(what, "lut", lut, 3 * dim ** 3, `[3,${dim},${dim},${dim}]`);
  expect(what, "out", out, rgb.length);
  const k = kernels();
  const fn = rgb instanceof Uint8Array ? k.lutlab_lut3d_apply_u8 : k.lutlab_lut3d_apply_u16;
  check(k, fn(rgb, height, width, lut, dim, m, out), `${what}(rgb [${height},${width},3], D=${dim})`);
  return out;
}

/** Interleaved RGB uint8 [H,W,3] through one LUT [3,D,D,D] (values /255, output rounded to nearest). */
export function applyLut3dU8(
  rgb: Uint8Array,
  height: number,
  width: number,
  lut: Float32Array,
  dim: number,
  mode: Lut3dMode,
): Uint8Array {
  return applyInterleaved(U8, rgb, height, width, lut, dim, mode, new Uint8Array(rgb.length));
}

/** Interleaved RGB uint16 [H,W,3] through one LUT [3,D,D,D] (values /65535, output rounded to nearest). */
export function applyLut3dU16(
  rgb: Uint16Array,
  height: number,
  width: number,
  lut: Float32Array,
  dim: number,
  mode: Lut3dMode,
): Uint16Array {
  return applyInterleaved(U16, rgb, height, width, lut, dim, mode, new Uint16Array(rgb.length));
}

/** An RGB `Image` (planar CHW float32) through one LUT [3,D,D,D]; returns a new Image. */
export function applyLut3dImage(img: Image, lut: Float32Array, dim: number, mode: Lut3dMode): Image {
  if (img.channels !== 3) {
    throw new Error(`applyLut3dImage: image has ${img.channels} channels, expected 3 (RGB)`);
  }
  const data = applyLut3d(img.data, lut, { batch: 1, height: img.height, width: img.width, dim }, mode);
  return { data, channels: 3, height: img.height, width: img.width };
}

/** Shape of a lut3dApply call, from the tensors: image [B,3,H,W], LUT [B|1,3,D,D,D]. */
function tensorShape(img: tf.Tensor, lut: tf.Tensor): Omit<Lut3dShape, "lutBatch"> {
  const what = "lut3dApply";
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
  const shape = tensorShape(img, lut);
  modeCode("lut3dApply", mode);
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
  if (!imgGrad) {
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [l, save] = args as [tf.Tensor, tf.GradSaveFunc];
      save([img, l]);
      return { value: forward(img, l), gradFunc: (dy, [x, ls]) => backward(dy, x, ls) };
    });
    return op(lut) as tf.Tensor4D;
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, l, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([x, l]);
    return { value: forward(x, l), gradFunc: (dy, [xs, ls]) => backward(dy, xs, ls) };
  });
  return op(img, lut) as tf.Tensor4D;
}
