/**
 * Resampling of planar [C,H,W] float images: MATLAB imresize bicubic (the kernel that made the SR
 * benchmark LR images) and PyTorch F.interpolate bilinear (align_corners=False, no antialias).
 */
import type { Image } from "./io.ts";

/** Keys's cubic convolution kernel with a = -0.5 (MATLAB's "bicubic"). */
function cubic(x: number): number {
  const ax = Math.abs(x), ax2 = ax * ax, ax3 = ax2 * ax;
  if (ax <= 1) return 1.5 * ax3 - 2.5 * ax2 + 1;
  if (ax <= 2) return -0.5 * ax3 + 2.5 * ax2 - 4 * ax + 2;
  return 0;
}

/** Per-output-sample taps along one axis: `taps` input indices and weights per output index. */
type Taps = { taps: number; index: Int32Array; weight: Float64Array };

/**
 * MATLAB imresize `contributions`: u = x/scale + 0.5(1 - 1/scale) (1-based), kernel widened by 1/scale
 * when downscaling (antialiasing), weights normalised to sum 1, out-of-range indices mirrored
 * symmetrically (aux = [1:L, L:-1:1]).
 */
function contributions(inLen: number, outLen: number, scale: number): Taps {
  const aa = scale < 1;
  const kw = aa ? 4 / scale : 4;
  const taps = Math.ceil(kw) + 2;
  const index = new Int32Array(outLen * taps);
  const weight = new Float64Array(outLen * taps);
  const period = 2 * inLen;
  for (let x = 1; x <= outLen; x++) {
    const u = x / scale + 0.5 * (1 - 1 / scale);
    const left = Math.floor(u - kw / 2);
    let sum = 0;
    const base = (x - 1) * taps;
    for (let k = 0; k < taps; k++) {
      const j = left + k; // 1-based input position, possibly outside [1, inLen]
      const w = aa ? scale * cubic(scale * (u - j)) : cubic(u - j);
      weight[base + k] = w;
      sum += w;
      const m = (((j - 1) % period) + period) % period;
      index[base + k] = m < inLen ? m : period - 1 - m;
    }
    for (let k = 0; k < taps; k++) weight[base + k] /= sum;
  }
  return { taps, index, weight };
}

/** Resamples along H (axis 0) or W (axis 1) with precomputed taps; optional uint8 rounding of results. */
function resizeAxis(img: Image, axis: 0 | 1, outLen: number, t: Taps, roundUint8: boolean): Image {
  const { channels: C, height: H, width: W, data } = img;
  const oh = axis === 0 ? outLen : H, ow = axis === 0 ? W : outLen;
  const out = new Float32Array(C * oh * ow);
  const { taps, index, weight } = t;
  const finish = (v: number) => (roundUint8 ? Math.min(255, Math.max(0, Math.round(v * 255))) / 255 : v);
  for (let c = 0; c < C; c++) {
    const src = c * H * W, dst = c * oh * ow;
    if (axis === 0) {
      const acc = new Float64Array(W);
      for (let y = 0; y < oh; y++) {
        acc.fill(0);
        for (let k = 0; k < taps; k++) {
          const w = weight[y * taps + k];
          if (w === 0) continue;
          const row = src + index[y * taps + k] * W;
          for (let x = 0; x < W; x++) acc[x] += w * data[row + x];
        }
        for (let x = 0; x < W; x++) out[dst + y * ow + x] = finish(acc[x]);
      }
    } else {
      for (let y = 0; y < H; y++) {
        const row = src + y * W;
        for (let x = 0; x < ow; x++) {
          let s = 0;
          for (let k = 0; k < taps; k++) s += weight[x * taps + k] * data[row + index[x * taps + k]];
          out[dst + y * ow + x] = finish(s);
        }
      }
    }
  }
  return { data: out, channels: C, height: oh, width: ow };
}

/** Target of imresize: a scale factor (output = ceil(in·scale)) or an explicit output size. */
export type ResizeTarget = { scale: number } | { height: number; width: number };

/**
 * MATLAB `imresize(img, scale | [h w], 'bicubic')` on a planar [C,H,W] image → [C,h,w]: cubic a=-0.5,
 * antialiasing when downscaling, symmetric padding, the axis with the smaller scale first.
 * `uint8: true` emulates MATLAB on uint8 input (each pass rounded to 8 bits and clamped).
 */
export function imresize(img: Image, target: ResizeTarget, opts: { uint8?: boolean } = {}): Image {
  const { height: H, width: W } = img;
  let oh: number, ow: number, sh: number, sw: number;
  if ("scale" in target) {
    const s = target.scale;
    if (!(s > 0) || !Number.isFinite(s)) {
      throw new Error(`imresize: scale must be a positive number, got ${s}`);
    }
    // MATLAB: ceil(in*scale); the epsilon absorbs float error such as 512 * (1/3) * 3.
    oh = Math.ceil(H * s - 1e-9), ow = Math.ceil(W * s - 1e-9);
    sh = sw = s;
  } else {
    oh = target.height, ow = target.width;
    if (!Number.isInteger(oh) || !Number.isInteger(ow) || oh <= 0 || ow <= 0) {
      throw new Error(`imresize: output size must be positive integers, got ${oh}x${ow}`);
    }
    sh = oh / H, sw = ow / W;
  }
  if (H <= 0 || W <= 0 || img.data.length !== img.channels * H * W) {
    throw new Error(`imresize: bad input image [${img.channels},${H},${W}] with ${img.data.length} values`);
  }
  const round = opts.uint8 ?? false;
  const alongH = (im: Image) =>
    oh === H && sh === 1 ? im : resizeAxis(im, 0, oh, contributions(H, oh, sh), round);
  const alongW = (im: Image) =>
    ow === W && sw === 1 ? im : resizeAxis(im, 1, ow, contributions(W, ow, sw), round);
  return sh <= sw ? alongW(alongH(img)) : alongH(alongW(img));
}

/**
 * PyTorch `F.interpolate(x, size=(height, width), mode="bilinear", align_corners=False, antialias=False)`
 * on a planar [C,H,W] image → [C,height,width] (source coordinate (i + 0.5)·in/out − 0.5, clamped at 0).
 */
export function resizeBilinear(img: Image, height: number, width: number): Image {
  const { channels: C, height: H, width: W, data } = img;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height <= 0 || width <= 0) {
    throw new Error(`resizeBilinear: output size must be positive integers, got ${height}x${width}`);
  }
  if (data.length !== C * H * W) {
    throw new Error(`resizeBilinear: data length ${data.length} != ${C}*${H}*${W}`);
  }
  const axis = (inLen: number, outLen: number) => {
    const i0 = new Int32Array(outLen), i1 = new Int32Array(outLen), l = new Float32Array(outLen);
    const scale = inLen / outLen;
    for (let o = 0; o < outLen; o++) {
      const src = Math.max(scale * (o + 0.5) - 0.5, 0);
      const f = Math.floor(src);
      i0[o] = f;
      i1[o] = f < inLen - 1 ? f + 1 : f;
      l[o] = src - f;
    }
    return { i0, i1, l };
  };
  const ay = axis(H, height), ax = axis(W, width);
  const out = new Float32Array(C * height * width);
  for (let c = 0; c < C; c++) {
    const src = c * H * W;
    for (let y = 0; y < height; y++) {
      const r0 = src + ay.i0[y] * W, r1 = src + ay.i1[y] * W, ly = ay.l[y];
      const o = (c * height + y) * width;
      for (let x = 0; x < width; x++) {
        const lx = ax.l[x], a = ax.i0[x], b = ax.i1[x];
        const top = (1 - lx) * data[r0 + a] + lx * data[r0 + b];
        const bot = (1 - lx) * data[r1 + a] + lx * data[r1 + b];
        out[o + x] = (1 - ly) * top + ly * bot;
      }
    }
  }
  return { data: out, channels: C, height, width };
}
