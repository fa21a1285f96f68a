/**
 * Scores of an enhanced photo against its target, as the papers report them: the output is rounded
 * to 8 bits first (what the PNG holds; Image-Adaptive 3DLUT's `calculate_psnr` rounds both to 0..255),
 * then PSNR (RGB, peak 1), SSIM (RGB, skimage convention: 7x7 uniform window) and mean CIE76 ΔE (Lab).
 */
import type { Image } from "../image/io.ts";
import { deltaE76, psnr, ssim } from "../image/metrics.ts";

/** PSNR (dB), SSIM and ΔE76 of one image pair. */
export type Scores = { psnr: number; ssim: number; deltaE: number };

/** `img` rounded to 8-bit levels and clamped to [0,1] (a copy). */
export function quantize8(img: Image): Image {
  const data = new Float32Array(img.data.length);
  for (let i = 0; i < data.length; i++) {
    data[i] = Math.round(Math.min(1, Math.max(0, img.data[i])) * 255) / 255;
  }
  return { ...img, data };
}

/** Scores of `out` (quantized to 8 bits) against `target` [3,H,W]. */
export function scorePair(out: Image, target: Image): Scores {
  const q = quantize8(out);
  return {
    psnr: psnr(q, target),
    ssim: ssim(q, target, { convention: "skimage" }),
    deltaE: deltaE76(q, target),
  };
}

/** Mean of each score over a list. */
export function meanScores(rows: Scores[]): Scores {
  const n = Math.max(rows.length, 1);
  const sum = (k: keyof Scores) => rows.reduce((s, r) => s + r[k], 0) / n;
  return { psnr: sum("psnr"), ssim: sum("ssim"), deltaE: sum("deltaE") };
}
