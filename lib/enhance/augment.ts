/**
 * Training augmentation of the papers' data loaders, on planar [3,H,W] pairs, all randomness from an Rng:
 *   "3dlut" (Image-Adaptive-3DLUT ImageDataset_sRGB): crop of round(H*U(0.6,1)) x round(W*U(0.6,1)) at a
 *     random position, horizontal flip with p = 0.5; jitter: input brightness x U(0.8,1.2), then saturation
 *     x U(0.8,1.2) (torchvision adjust_brightness/adjust_saturation: gray = 0.299R+0.587G+0.114B, clamped);
 *   "clutnet" (Xian-Bei/CLUT datasets.py `augment`): jitter first (same factors), the same crop resized to
 *     256x256 (bilinear), horizontal and vertical flips with p = 0.5 each;
 *   "none": the pair as is.
 * A batch shares one crop size, computed from its smallest image, so batches stack.
 */
import type { Image } from "../image/io.ts";
import { resizeBilinear } from "../image/resize.ts";
import type { Pair } from "../data/retouch.ts";
import type { Rng } from "../core/rng.ts";

/** Augmentation scheme (see module doc). */
export type Augment = "3dlut" | "clutnet" | "none";

/** The h x w window of planar RGB `img` at row y, column x. */
export function crop(img: Image, y: number, x: number, h: number, w: number): Image {
  const data = new Float32Array(3 * h * w);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < h; i++) {
      const src = (c * img.height + y + i) * img.width + x;
      data.set(img.data.subarray(src, src + w), (c * h + i) * w);
    }
  }
  return { data, channels: 3, height: h, width: w };
}

/** `img` mirrored left-right (horizontal) or top-bottom. */
export function flip(img: Image, horizontal: boolean): Image {
  const { height: h, width: w } = img, data = new Float32Array(img.data.length);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const [si, sj] = horizontal ? [i, w - 1 - j] : [h - 1 - i, j];
        data[(c * h + i) * w + j] = img.data[(c * h + si) * w + sj];
      }
    }
  }
  return { ...img, data };
}

/** Brightness x b then saturation x s around the luma, clamped to [0,1] (torchvision semantics). */
export function jitterColour(img: Image, b: number, s: number): Image {
  const n = img.height * img.width, d = img.data, out = new Float32Array(d.length);
  const cl = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);
  for (let i = 0; i < n; i++) {
    const r = cl(d[i] * b), g = cl(d[n + i] * b), bl = cl(d[2 * n + i] * b);
    const y = 0.299 * r + 0.587 * g + 0.114 * bl;
    out[i] = cl(y + s * (r - y)), out[n + i] = cl(y + s * (g - y)), out[2 * n + i] = cl(y + s * (bl - y));
  }
  return { ...img, data: out };
}

/** Augments a batch of pairs (equal output sizes within the batch). */
export function augmentBatch(pairs: Pair[], scheme: Augment, jitter: boolean, rng: Rng): Pair[] {
  if (scheme === "none") {
    const { height, width } = pairs[0].input;
    for (const p of pairs) {
      if (p.input.height !== height || p.input.width !== width) {
        throw new Error(`train.augment = "none" with batch > 1 needs equal image sizes (${p.name} differs)`);
      }
    }
    return pairs.map((
      p,
    ) => (jitter ? { ...p, input: jitterColour(p.input, rng.uniform(0.8, 1.2), rng.uniform(0.8, 1.2)) } : p));
  }
  const minH = Math.min(...pairs.map((p) => p.input.height)),
    minW = Math.min(...pairs.map((p) => p.input.width));
  const ch = Math.max(1, Math.round(minH * rng.uniform(0.6, 1))),
    cw = Math.max(1, Math.round(minW * rng.uniform(0.6, 1)));
  return pairs.map((p) => {
    let input = p.input, target = p.target;
    if (jitter && scheme === "clutnet") {
      input = jitterColour(input, rng.uniform(0.8, 1.2), rng.uniform(0.8, 1.2));
    }
    const y = rng.int(input.height - ch + 1), x = rng.int(input.width - cw + 1);
    input = crop(input, y, x, ch, cw), target = crop(target, y, x, ch, cw);
    if (scheme === "clutnet") {
      (input = resizeBilinear(input, 256, 256)), (target = resizeBilinear(target, 256, 256));
    }
    if (rng.next() > 0.5) (input = flip(input, true)), (target = flip(target, true));
    if (scheme === "clutnet" && rng.next() > 0.5) {
      (input = flip(input, false)), (target = flip(target, false));
    }
    if (jitter && scheme === "3dlut") {
      input = jitterColour(input, rng.uniform(0.8, 1.2), rng.uniform(0.8, 1.2));
    }
    return { name: p.name, input, target };
  });
}
