/**
 * 1D LUT apply (kernels/lut1d.c) through FFI on host typed arrays: per-channel curves with linear
 * interpolation, forward and backward, for planar float32 images and `Image`s (no tfjs here; the
 * differentiable tfjs op is lib/lut/lut1d_op.ts). Layouts as lib/lut/lut1d_ref.ts: images [B,3,H,W],
 * LUTs [B or 1,3,N] in layout lut[c][i]. Every shape is validated here, before the native call.
 */
import type { Image } from "../image/io.ts";
import { lazyKernels } from "../core/native.ts";
import { gradBuffers, type GradOptions } from "./grad_buffers.ts";
import { expectF32, expectInt } from "../core/ffi_guard.ts";
import type { Lut1dShape } from "./lut1d_ref.ts";

export type { Lut1dShape };

const symbols = {
  lutlab_lut1d_forward: {
    parameters: ["buffer", "i32", "i32", "i32", "buffer", "i32", "i32", "buffer"],
    result: "i32",
  },
  lutlab_lut1d_backward: {
    parameters: ["buffer", "i32", "i32", "i32", "buffer", "i32", "i32", "buffer", "buffer", "buffer"],
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

const kernels = lazyKernels(symbols);

/** Largest 1D LUT (entries per channel): the Adobe Cube LUT Specification 1.0 limit. */
export const LUT1D_MAX_SIZE = 65536;

/** Validates an image/LUT pair against {batch,height,width,size}; returns the full shape. */
function resolveShape(
  what: string,
  img: Float32Array,
  lut: Float32Array,
  s: Omit<Lut1dShape, "lutBatch">,
): Lut1dShape {
  for (const k of ["batch", "height", "width"] as const) expectInt(what, k, s[k]);
  expectInt(what, "LUT size N", s.size, 2, LUT1D_MAX_SIZE);
  expectF32(
    what,
    "img",
    img,
    s.batch * 3 * s.height * s.width,
    `shape [${s.batch},3,${s.height},${s.width}]`,
  );
  expectF32(what, "lut", lut);
  const one = 3 * s.size;
  if (lut.length !== one && lut.length !== s.batch * one) {
    throw new Error(
      `${what}: lut has ${lut.length} values, expected ${one} (shape [1,3,${s.size}]) or ${s.batch * one} ` +
        `(shape [${s.batch},3,${s.size}])`,
    );
  }
  return { ...s, lutBatch: lut.length / one };
}

const label = (what: string, s: Lut1dShape) =>
  `${what}(img [${s.batch},3,${s.height},${s.width}], lut [${s.lutBatch},3,${s.size}])`;

/**
 * out [B,3,H,W] = per-channel LUT(img [B,3,H,W]) with `lut` holding 1 LUT (shared) or B LUTs [B,3,N]
 * (lut[c][i]); values clamped to [0,1], NaN -> 0. `out` is allocated when not given.
 */
export function applyLut1d(
  img: Float32Array,
  lut: Float32Array,
  shape: Omit<Lut1dShape, "lutBatch">,
  out: Float32Array = new Float32Array(img.length),
): Float32Array {
  const what = "applyLut1d";
  const s = resolveShape(what, img, lut, shape);
  expectF32(what, "out", out, img.length);
  kernels.call(
    label(what, s),
    "lutlab_lut1d_forward",
    img,
    s.batch,
    s.height,
    s.width,
    lut,
    s.lutBatch,
    s.size,
    out,
  );
  return out;
}

/**
 * Gradients of sum(gradOut * applyLut1d(img, lut)): gradLut [lutBatch,3,N] and gradImg [B,3,H,W] (zero
 * where a value was clamped). `opts.lut`/`opts.img` = false skips one; `opts.gradLut`/`opts.gradImg` are
 * buffers to write into instead of allocating.
 */
export function lut1dBackward(
  img: Float32Array,
  lut: Float32Array,
  gradOut: Float32Array,
  shape: Omit<Lut1dShape, "lutBatch">,
  opts: GradOptions = {},
): { gradLut?: Float32Array; gradImg?: Float32Array } {
  const what = "lut1dBackward";
  const s = resolveShape(what, img, lut, shape);
  const { gradLut, gradImg } = gradBuffers(what, img, lut, gradOut, opts);
  kernels.call(
    label(what, s),
    "lutlab_lut1d_backward",
    img,
    s.batch,
    s.height,
    s.width,
    lut,
    s.lutBatch,
    s.size,
    gradOut,
    gradLut ?? null,
    gradImg ?? null,
  );
  return { gradLut, gradImg };
}

/** An RGB `Image` (planar CHW float32) through one 1D LUT [3,N]; returns a new Image. */
export function applyLut1dImage(img: Image, lut: Float32Array, size: number): Image {
  if (img.channels !== 3) {
    throw new Error(`applyLut1dImage: image has ${img.channels} channels, expected 3 (RGB)`);
  }
  const data = applyLut1d(img.data, lut, { batch: 1, height: img.height, width: img.width, size });
  return { data, channels: 3, height: img.height, width: img.width };
}
