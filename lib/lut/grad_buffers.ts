/**
 * The gradient buffers of a LUT op's backward pass (lib/lut/lut3d.ts, lib/lut/lut1d.ts): checks gradOut
 * (the image's length) and any caller-given buffers, and allocates the rest.
 */
import { expectF32 } from "../core/ffi_guard.ts";

/** Which gradients to compute (`lut`/`img` = false skips one) and buffers to write them into. */
export type GradOptions = { lut?: boolean; img?: boolean; gradLut?: Float32Array; gradImg?: Float32Array };

/** gradLut (lut.length) and gradImg (img.length) to fill, undefined where skipped; throws naming `what`. */
export function gradBuffers(
  what: string,
  img: Float32Array,
  lut: Float32Array,
  gradOut: Float32Array,
  opts: GradOptions,
): { gradLut?: Float32Array; gradImg?: Float32Array } {
  expectF32(what, "gradOut", gradOut, img.length, "the image shape");
  if (opts.gradLut !== undefined) expectF32(what, "gradLut", opts.gradLut, lut.length);
  if (opts.gradImg !== undefined) expectF32(what, "gradImg", opts.gradImg, img.length);
  return {
    gradLut: opts.lut === false ? undefined : opts.gradLut ?? new Float32Array(lut.length),
    gradImg: opts.img === false ? undefined : opts.gradImg ?? new Float32Array(img.length),
  };
}
