/**
 * Degradations shared by the SR LUT machinery: bicubic downscaling (SR, MATLAB imresize on 8-bit),
 * additive Gaussian noise (denoising, σ in 8-bit levels, e.g. 15/25/50) and JPEG compression
 * (deblocking, quality 10/20/30/40 via sharp). Every result is requantised to 8 bits, as LUT inputs are.
 */
import { decodeImage, encodeImage, type Image } from "../../image/io.ts";
import { imresize } from "../../image/resize.ts";
import { Rng } from "../../core/rng.ts";

/** What turns a clean (HR) image into the model input. */
export type Degradation =
  | { kind: "bicubic"; scale: number }
  | { kind: "noise"; sigma: number }
  | { kind: "jpeg"; quality: number };

/** Output/input size ratio of the task: the bicubic scale, else 1. */
export function taskScale(d: Degradation): number {
  return d.kind === "bicubic" ? d.scale : 1;
}

/** Checks a degradation's parameters; throws naming the bad one. */
export function validateDegradation(d: Degradation): Degradation {
  if (d.kind === "bicubic" && !(Number.isInteger(d.scale) && d.scale >= 1 && d.scale <= 8)) {
    throw new Error(`degradation scale must be an integer in 1..8, got ${d.scale}`);
  }
  if (d.kind === "noise" && !(d.sigma >= 0 && d.sigma <= 255)) {
    throw new Error(`degradation sigma must be in 0..255 (8-bit levels), got ${d.sigma}`);
  }
  if (d.kind === "jpeg" && !(Number.isInteger(d.quality) && d.quality >= 1 && d.quality <= 100)) {
    throw new Error(`degradation quality must be an integer in 1..100, got ${d.quality}`);
  }
  return d;
}

function quantise8(data: Float32Array): Float32Array {
  return data.map((v) => Math.round(Math.min(Math.max(v, 0), 1) * 255) / 255);
}

/** Crops an image to a multiple of `m` in height and width (top-left, as MuLUT's modcrop). */
export function modcrop(img: Image, m: number): Image {
  const h = img.height - (img.height % m), w = img.width - (img.width % m);
  if (h === img.height && w === img.width) return img;
  if (h === 0 || w === 0) throw new Error(`modcrop: ${img.height}x${img.width} image smaller than ${m}`);
  const data = new Float32Array(img.channels * h * w);
  for (let c = 0; c < img.channels; c++) {
    for (let y = 0; y < h; y++) {
      const src = (c * img.height + y) * img.width;
      data.set(img.data.subarray(src, src + w), (c * h + y) * w);
    }
  }
  return { data, channels: img.channels, height: h, width: w };
}

/** Degrades `clean` ([C,H,W] in [0,1]) → 8-bit-valued input image; `seed` fixes the noise. */
export async function degrade(clean: Image, d: Degradation, seed = 0): Promise<Image> {
  validateDegradation(d);
  if (d.kind === "bicubic") {
    return d.scale === 1 ? clean : imresize(clean, { scale: 1 / d.scale }, { uint8: true });
  }
  if (d.kind === "noise") {
    const rng = new Rng(seed * 2654435761 + 17);
    const data = new Float32Array(clean.data.length);
    for (let i = 0; i < data.length; i++) data[i] = clean.data[i] + (d.sigma / 255) * rng.normal();
    return { ...clean, data: quantise8(data) };
  }
  const bytes = await encodeImage({ ...clean, data: quantise8(clean.data) }, "jpeg", { quality: d.quality });
  return await decodeImage(bytes, `jpeg q${d.quality}`, { channels: clean.channels as 1 | 3 });
}
