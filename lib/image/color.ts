/**
 * Colour conversions on planar CHW float images in [0,1]: MATLAB's rgb2ycbcr (BT.601, studio swing) and
 * sRGB (D65) → CIE L*a*b* as skimage.color.rgb2lab computes it.
 */
import type { Image } from "./image.ts";

function requireRgb(img: Image, what: string): void {
  if (img.channels !== 3) {
    throw new Error(`${what}: expected a 3-channel RGB image, got ${img.channels} channels`);
  }
  if (img.data.length !== 3 * img.height * img.width) {
    throw new Error(`${what}: data length ${img.data.length} != 3*${img.height}*${img.width}`);
  }
}

/** MATLAB rgb2ycbcr luma of a [3,H,W] RGB image in [0,1]: Y = (16 + 65.481R + 128.553G + 24.966B)/255, [1,H,W]. */
export function rgbToY(img: Image): Image {
  requireRgb(img, "rgbToY");
  const n = img.height * img.width;
  const d = img.data;
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = (16 + 65.481 * d[i] + 128.553 * d[n + i] + 24.966 * d[2 * n + i]) / 255;
  }
  return { data: y, channels: 1, height: img.height, width: img.width };
}

/** MATLAB rgb2ycbcr of a [3,H,W] RGB image in [0,1] → [3,H,W] planar Y, Cb, Cr (also in [0,1] scale). */
export function rgbToYCbCr(img: Image): Image {
  requireRgb(img, "rgbToYCbCr");
  const n = img.height * img.width;
  const d = img.data;
  const o = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const r = d[i], g = d[n + i], b = d[2 * n + i];
    o[i] = (16 + 65.481 * r + 128.553 * g + 24.966 * b) / 255;
    o[n + i] = (128 - 37.797 * r - 74.203 * g + 112.0 * b) / 255;
    o[2 * n + i] = (128 + 112.0 * r - 93.786 * g - 18.214 * b) / 255;
  }
  return { data: o, channels: 3, height: img.height, width: img.width };
}

// Inverse of [[65.481, 128.553, 24.966], [-37.797, -74.203, 112], [112, -93.786, -18.214]] (numpy.linalg.inv).
const YI = [
  4.56621005e-03,
  1.18087999e-09,
  6.25892897e-03,
  4.56621005e-03,
  -1.53632369e-03,
  -3.18811095e-03,
  4.56621005e-03,
  7.91071623e-03,
  1.19774970e-08,
];

/** MATLAB ycbcr2rgb: inverse of `rgbToYCbCr`, [3,H,W] planar YCbCr → [3,H,W] RGB (not clamped). */
export function yCbCrToRgb(img: Image): Image {
  requireRgb(img, "yCbCrToRgb");
  const n = img.height * img.width;
  const d = img.data;
  const o = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const y = d[i] * 255 - 16, cb = d[n + i] * 255 - 128, cr = d[2 * n + i] * 255 - 128;
    o[i] = YI[0] * y + YI[1] * cb + YI[2] * cr;
    o[n + i] = YI[3] * y + YI[4] * cb + YI[5] * cr;
    o[2 * n + i] = YI[6] * y + YI[7] * cb + YI[8] * cr;
  }
  return { data: o, channels: 3, height: img.height, width: img.width };
}

// skimage.color: xyz_from_rgb and the D65 2° reference white.
const M = [0.412453, 0.357580, 0.180423, 0.212671, 0.715160, 0.072169, 0.019334, 0.119193, 0.950227];
const WHITE = [0.95047, 1.0, 1.08883];

function srgbToLinear(v: number): number {
  return v > 0.04045 ? Math.pow((v + 0.055) / 1.055, 2.4) : v / 12.92;
}

function labF(t: number): number {
  return t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116;
}

/** sRGB [3,H,W] in [0,1] → linear CIE XYZ [3,H,W] planar (D65, Y of white = 1; the matrix of rgbToLab). */
export function rgbToXyz(img: Image): Image {
  requireRgb(img, "rgbToXyz");
  const n = img.height * img.width, d = img.data, o = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const r = srgbToLinear(d[i]), g = srgbToLinear(d[n + i]), b = srgbToLinear(d[2 * n + i]);
    for (let c = 0; c < 3; c++) o[c * n + i] = M[3 * c] * r + M[3 * c + 1] * g + M[3 * c + 2] * b;
  }
  return { data: o, channels: 3, height: img.height, width: img.width };
}

/** sRGB [3,H,W] in [0,1] → CIE L*a*b* [3,H,W] planar (L in [0,100]), D65/2°, as skimage rgb2lab. */
export function rgbToLab(img: Image): Image {
  requireRgb(img, "rgbToLab");
  const n = img.height * img.width;
  const d = img.data;
  const o = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const r = srgbToLinear(d[i]), g = srgbToLinear(d[n + i]), b = srgbToLinear(d[2 * n + i]);
    const fx = labF((M[0] * r + M[1] * g + M[2] * b) / WHITE[0]);
    const fy = labF((M[3] * r + M[4] * g + M[5] * b) / WHITE[1]);
    const fz = labF((M[6] * r + M[7] * g + M[8] * b) / WHITE[2]);
    o[i] = 116 * fy - 16;
    o[n + i] = 500 * (fx - fy);
    o[2 * n + i] = 200 * (fy - fz);
  }
  return { data: o, channels: 3, height: img.height, width: img.width };
}

/** Channel `c` of a planar [C,H,W] image as a [1,H,W] image (a copy). */
export function channelOf(img: Image, c: number): Image {
  if (!Number.isInteger(c) || c < 0 || c >= img.channels) {
    throw new Error(`channelOf: channel ${c} out of range for a ${img.channels}-channel image`);
  }
  const n = img.height * img.width;
  return { data: img.data.slice(c * n, (c + 1) * n), channels: 1, height: img.height, width: img.width };
}

/** [1,H,W] gray → [3,H,W] by replicating the plane; 3-channel images are returned unchanged. */
export function grayToRgb(img: Image): Image {
  if (img.channels === 3) return img;
  if (img.channels !== 1) throw new Error(`grayToRgb: expected 1 or 3 channels, got ${img.channels}`);
  const n = img.height * img.width;
  const o = new Float32Array(3 * n);
  o.set(img.data, 0);
  o.set(img.data, n);
  o.set(img.data, 2 * n);
  return { data: o, channels: 3, height: img.height, width: img.width };
}
