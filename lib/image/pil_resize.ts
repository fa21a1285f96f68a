/**
 * PIL `Image.resize(size, BILINEAR)` of an 8-bit image, as torchvision `TF.resize` does on PIL images
 * (the HashLUT evaluation resizes its expert input this way): separable triangle filter whose support
 * grows with the downscale factor (antialiasing), horizontal pass first, each pass rounded to 8 bits.
 */
import type { Image } from "./io.ts";

type Taps = { start: Int32Array; count: Int32Array; weights: Float64Array; maxTaps: number };

/** PIL's precomputed taps of the triangle filter for one axis (ImagingResample's precompute_coeffs). */
function taps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 1 * filterScale;
  const maxTaps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize), count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * maxTaps);
  for (let x = 0; x < outSize; ++x) {
    const center = (x + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let total = 0;
    for (let k = 0; k < xmax; ++k) {
      const t = Math.abs((k + xmin - center + 0.5) / filterScale);
      const w = t < 1 ? 1 - t : 0;
      weights[x * maxTaps + k] = w;
      total += w;
    }
    for (let k = 0; k < xmax; ++k) weights[x * maxTaps + k] = total ? weights[x * maxTaps + k] / total : 0;
    start[x] = xmin;
    count[x] = xmax;
  }
  return { start, count, weights, maxTaps };
}

const to8 = (v: number) => Math.min(255, Math.max(0, Math.floor(v + 0.5)));

/** Resizes planar [C,H,W] values in [0,1] to height x width like PIL BILINEAR on uint8; output on the 1/255 grid. */
export function resizePilBilinear(img: Image, height: number, width: number): Image {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new Error(`resizePilBilinear: bad output size ${height}x${width}`);
  }
  const { channels: C, height: H, width: W, data } = img;
  if (data.length !== C * H * W) {
    throw new Error(`resizePilBilinear: data length ${data.length} != ${C}x${H}x${W}`);
  }
  const th = taps(W, width), tv = taps(H, height);
  const mid = new Float64Array(C * H * width);
  const out = new Float32Array(C * height * width);
  for (let c = 0; c < C; ++c) {
    for (let y = 0; y < H; ++y) {
      const row = c * H * W + y * W;
      for (let x = 0; x < width; ++x) {
        let s = 0;
        for (let k = 0; k < th.count[x]; ++k) {
          s += th.weights[x * th.maxTaps + k] * to8(data[row + th.start[x] + k] * 255);
        }
        mid[(c * H + y) * width + x] = W === width ? to8(data[row + x] * 255) : to8(s);
      }
    }
    for (let y = 0; y < height; ++y) {
      for (let x = 0; x < width; ++x) {
        let s = 0;
        for (let k = 0; k < tv.count[y]; ++k) {
          s += tv.weights[y * tv.maxTaps + k] * mid[(c * H + tv.start[y] + k) * width + x];
        }
        out[(c * height + y) * width + x] = (H === height ? mid[(c * H + y) * width + x] : to8(s)) / 255;
      }
    }
  }
  return { data: out, channels: C, height, width };
}
