/**
 * Image quality metrics on planar [C,H,W] float images in [0,1]: PSNR and SSIM with the SR conventions
 * (border shave, Y channel of MATLAB rgb2ycbcr) and the photo-enhancement ones (RGB, skimage SSIM,
 * CIE76 ΔE in Lab). All accumulation is in float64.
 */
import type { Image } from "./io.ts";
import { rgbToLab, rgbToY } from "./color.ts";

/** Options shared by psnr/ssim: `shave` border pixels cut on each side, `y` compares MATLAB luma only. */
export type CompareOptions = { shave?: number; y?: boolean };

function checkPair(a: Image, b: Image, what: string): void {
  if (a.channels !== b.channels || a.height !== b.height || a.width !== b.width) {
    throw new Error(
      `${what}: shape mismatch [${a.channels},${a.height},${a.width}] vs [${b.channels},${b.height},${b.width}]`,
    );
  }
  for (const [im, n] of [[a, "first"], [b, "second"]] as const) {
    if (im.data.length !== im.channels * im.height * im.width) {
      throw new Error(
        `${what}: ${n} image data length ${im.data.length} != ${im.channels}*${im.height}*${im.width}`,
      );
    }
  }
}

/** Crops `s` pixels from each border of a planar image (a copy). */
export function shaveBorder(img: Image, s: number): Image {
  if (!Number.isInteger(s) || s < 0) throw new Error(`shave must be a non-negative integer, got ${s}`);
  if (s === 0) return img;
  const h = img.height - 2 * s, w = img.width - 2 * s;
  if (h <= 0 || w <= 0) throw new Error(`shave ${s} leaves nothing of a ${img.height}x${img.width} image`);
  const out = new Float32Array(img.channels * h * w);
  for (let c = 0; c < img.channels; c++) {
    for (let y = 0; y < h; y++) {
      const src = (c * img.height + y + s) * img.width + s;
      out.set(img.data.subarray(src, src + w), (c * h + y) * w);
    }
  }
  return { data: out, channels: img.channels, height: h, width: w };
}

function prepare(a: Image, b: Image, what: string, opts: CompareOptions): [Image, Image] {
  checkPair(a, b, what);
  if (opts.y && a.channels === 3) {
    a = rgbToY(a);
    b = rgbToY(b);
  } else if (opts.y && a.channels !== 1) {
    throw new Error(`${what}: y needs 1- or 3-channel images, got ${a.channels}`);
  }
  return [shaveBorder(a, opts.shave ?? 0), shaveBorder(b, opts.shave ?? 0)];
}

/** Mean squared error over all channels and pixels of two same-shape images. */
export function mse(a: Image, b: Image): number {
  checkPair(a, b, "mse");
  let s = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i] - b.data[i];
    s += d * d;
  }
  return s / a.data.length;
}

/** PSNR in dB = 10·log10(peak²/MSE) (peak defaults to 1); Infinity for identical images. */
export function psnr(a: Image, b: Image, opts: CompareOptions & { peak?: number } = {}): number {
  const [x, y] = prepare(a, b, "psnr", opts);
  const m = mse(x, y);
  const peak = opts.peak ?? 1;
  return m === 0 ? Infinity : 10 * Math.log10((peak * peak) / m);
}

/** SSIM conventions: "matlab" (SR papers) or "skimage" (structural_similarity defaults). */
export type SsimConvention = "matlab" | "skimage";

function gaussian1d(size: number, sigma: number): Float64Array {
  const k = new Float64Array(size);
  const r = (size - 1) / 2;
  let s = 0;
  for (let i = 0; i < size; i++) s += k[i] = Math.exp(-((i - r) ** 2) / (2 * sigma * sigma));
  for (let i = 0; i < size; i++) k[i] /= s;
  return k;
}

/** 'valid' separable correlation of an h×w plane with the 1-D kernel k along both axes. */
function filterValid(src: Float64Array, h: number, w: number, k: Float64Array): Float64Array {
  const n = k.length, ow = w - n + 1, oh = h - n + 1;
  const tmp = new Float64Array(h * ow);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let t = 0, p = y * w + x; t < n; t++, p++) s += k[t] * src[p];
      tmp[y * ow + x] = s;
    }
  }
  const out = new Float64Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let t = 0, p = y * ow + x; t < n; t++, p += ow) s += k[t] * tmp[p];
      out[y * ow + x] = s;
    }
  }
  return out;
}

/** Mean SSIM of one h×w plane pair over the 'valid' region of the window k⊗k. */
function ssimPlane(
  x: Float64Array,
  y: Float64Array,
  h: number,
  w: number,
  k: Float64Array,
  c1: number,
  c2: number,
  covNorm: number,
): number {
  const n = h * w;
  const xx = new Float64Array(n), yy = new Float64Array(n), xy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xx[i] = x[i] * x[i];
    yy[i] = y[i] * y[i];
    xy[i] = x[i] * y[i];
  }
  const mx = filterValid(x, h, w, k), my = filterValid(y, h, w, k);
  const sxx = filterValid(xx, h, w, k), syy = filterValid(yy, h, w, k), sxy = filterValid(xy, h, w, k);
  let total = 0;
  for (let i = 0; i < mx.length; i++) {
    const ux = mx[i], uy = my[i];
    const vx = covNorm * (sxx[i] - ux * ux),
      vy = covNorm * (syy[i] - uy * uy),
      vxy = covNorm * (sxy[i] - ux * uy);
    total += ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
  }
  return total / mx.length;
}

/**
 * Mean SSIM, averaged over channels. "matlab" (default): values ×255, Gaussian 11×11 σ=1.5 window,
 * K1=0.01, K2=0.03, L=255, 'valid' filtering (Wang et al.'s ssim.m, used by SR-LUT/MuLUT on Y).
 * "skimage": structural_similarity(data_range=1) defaults: 7×7 uniform window, sample covariance,
 * mean over the region 3 px inside the border.
 */
export function ssim(
  a: Image,
  b: Image,
  opts: CompareOptions & { convention?: SsimConvention } = {},
): number {
  const [p, q] = prepare(a, b, "ssim", opts);
  const matlab = (opts.convention ?? "matlab") === "matlab";
  if (!matlab && opts.convention !== "skimage") {
    throw new Error(`ssim: unknown convention ${opts.convention}`);
  }
  const win = matlab ? 11 : 7;
  const k = matlab ? gaussian1d(11, 1.5) : new Float64Array(7).fill(1 / 7);
  const scale = matlab ? 255 : 1;
  const c1 = (0.01 * scale) ** 2, c2 = (0.03 * scale) ** 2;
  const covNorm = matlab ? 1 : 49 / 48;
  const { height: h, width: w } = p;
  if (h < win || w < win) throw new Error(`ssim: image ${h}x${w} is smaller than the ${win}x${win} window`);
  const n = h * w;
  let total = 0;
  for (let c = 0; c < p.channels; c++) {
    const x = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = p.data[c * n + i] * scale;
      y[i] = q.data[c * n + i] * scale;
    }
    total += ssimPlane(x, y, h, w, k, c1, c2, covNorm);
  }
  return total / p.channels;
}

/** Mean CIE76 colour difference ΔE*ab between two sRGB [3,H,W] images (Lab as skimage rgb2lab). */
export function deltaE76(a: Image, b: Image): number {
  checkPair(a, b, "deltaE76");
  const la = rgbToLab(a), lb = rgbToLab(b);
  const n = a.height * a.width;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const dl = la.data[i] - lb.data[i];
    const da = la.data[n + i] - lb.data[n + i];
    const db = la.data[2 * n + i] - lb.data[2 * n + i];
    s += Math.sqrt(dl * dl + da * da + db * db);
  }
  return s / n;
}
