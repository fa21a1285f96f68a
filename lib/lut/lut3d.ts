/**
 * 3D LUT apply (kernels/lut3d.c) through FFI on host typed arrays: forward and backward for planar
 * float32 images, interleaved uint8/uint16 RGB and `Image`s -- no tfjs here (`deno task apply --cube`
 * loads none); the differentiable tfjs op built on these is lib/lut/lut3d_op.ts. Layouts as in
 * lib/lut/lut3d_ref.ts: images planar NCHW [B,3,H,W] float32, LUTs [B or 1,3,D,D,D] in layout
 * lut[c][b][g][r]. Every shape is validated here, before the native call.
 */
import type { Image } from "../image/io.ts";
import { check, lazyKernels } from "../core/native.ts";
import { gradBuffers, type GradOptions } from "./grad_buffers.ts";
import { expectF32, expectInt, expectMode, expectU16, expectU8 } from "../core/ffi_guard.ts";
import type { Lut3dMode, Lut3dShape } from "./lut3d_ref.ts";

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

/** The kernels' code of an interpolation mode (0 trilinear, 1 tetrahedral); throws naming `what` otherwise. */
export const lut3dModeCode = (what: string, mode: Lut3dMode): number => expectMode(what, "mode", mode, MODES);
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
  const m = lut3dModeCode(what, mode);
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
  opts: GradOptions = {},
): { gradLut?: Float32Array; gradImg?: Float32Array } {
  const what = "lut3dBackward";
  const s = resolveShape(what, img, lut, shape);
  const m = lut3dModeCode(what, mode);
  const { gradLut, gradImg } = gradBuffers(what, img, lut, gradOut, opts);
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
  const m = lut3dModeCode(what, mode);
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

/**
 * An RGB `Image` (planar CHW float32) through one LUT [3,D,D,D]; returns a new Image.
 *
 * @example A colour through the 2³ identity LUT, trilinear
 * ```ts
 * import { assertAlmostEquals } from "@std/assert";
 * import { applyLut3dImage } from "./lut3d.ts";
 *
 * const lut = new Float32Array(24); // lut[c][b][g][r], D = 2
 * for (let i = 0; i < 8; i++) for (let c = 0; c < 3; c++) lut[c * 8 + i] = (i >> c) & 1;
 * const img = { data: new Float32Array([0.2, 0.5, 0.9]), channels: 3, height: 1, width: 1 };
 * const out = applyLut3dImage(img, lut, 2, "trilinear");
 * assertAlmostEquals(out.data[1], 0.5, 1e-6);
 * ```
 */
export function applyLut3dImage(img: Image, lut: Float32Array, dim: number, mode: Lut3dMode): Image {
  if (img.channels !== 3) {
    throw new Error(`applyLut3dImage: image has ${img.channels} channels, expected 3 (RGB)`);
  }
  const data = applyLut3d(img.data, lut, { batch: 1, height: img.height, width: img.width, dim }, mode);
  return { data, channels: 3, height: img.height, width: img.width };
}
