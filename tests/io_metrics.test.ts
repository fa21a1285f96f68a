import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import type { Image } from "../lib/image/io.ts";
import { deltaE76, mse, psnr, shaveBorder, ssim } from "../lib/image/metrics.ts";
import { rgbToLab, rgbToY } from "../lib/image/color.ts";

function rand(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function randomImage(c: number, h: number, w: number, seed: number): Image {
  const r = rand(seed);
  return { data: Float32Array.from({ length: c * h * w }, () => r()), channels: c, height: h, width: w };
}

function mapImage(img: Image, f: (v: number, i: number) => number): Image {
  return { ...img, data: Float32Array.from(img.data, f) };
}

Deno.test("psnr: identical → Infinity, constant offset and ±σ noise match 10·log10(1/MSE)", () => {
  const a = randomImage(3, 20, 30, 1);
  assertEquals(psnr(a, a), Infinity);
  const base = mapImage(a, () => 0.5);
  assertAlmostEquals(psnr(base, mapImage(base, (v) => v + 0.1)), 20, 1e-5); // MSE 0.01
  // Zero-mean ±σ noise (alternating signs): MSE = σ² exactly.
  const sigma = 0.02;
  const noisy = mapImage(base, (v, i) => v + (i % 2 ? sigma : -sigma));
  assertAlmostEquals(mse(base, noisy), sigma * sigma, 1e-9);
  assertAlmostEquals(psnr(base, noisy), -20 * Math.log10(sigma), 1e-4);
  assertAlmostEquals(psnr(base, noisy, { peak: 255 }), 20 * Math.log10(255 / sigma), 1e-4);
});

Deno.test("psnr: shave ignores the border, y compares MATLAB luma only", () => {
  const a = mapImage(randomImage(3, 12, 10, 2), (v) => 0.2 + 0.5 * v);
  const b = mapImage(a, (v, i) => {
    const x = i % 10, y = Math.floor(i / 10) % 12;
    return x < 2 || y < 2 || x >= 8 || y >= 10 ? v + 0.3 : v;
  });
  assert(Number.isFinite(psnr(a, b)));
  assertEquals(psnr(a, b, { shave: 2 }), Infinity);
  assertEquals(shaveBorder(a, 2).height, 8);
  // Blue channel shifted by δ: Y changes by 24.966·δ/255 everywhere.
  const d = 0.1;
  const blue = mapImage(a, (v, i) => (i >= 2 * 120 ? v + d : v));
  assertAlmostEquals(psnr(a, blue, { y: true }), -20 * Math.log10((24.966 * d) / 255), 1e-3);
  assertThrows(() => psnr(a, randomImage(3, 12, 11, 3)), Error, "shape mismatch");
  assertThrows(() => psnr(a, b, { shave: 6 }), Error, "shave 6");
});

/** SSIM of y = αx + β over one window with weights w (sum 1), from the weighted moments (hand formula). */
function affineSsim(
  x: number[],
  wts: number[],
  alpha: number,
  beta: number,
  c1: number,
  c2: number,
  norm: number,
) {
  const mx = x.reduce((s, v, i) => s + wts[i] * v, 0);
  const vx = norm * x.reduce((s, v, i) => s + wts[i] * (v - mx) ** 2, 0);
  const my = alpha * mx + beta;
  return ((2 * mx * my + c1) * (2 * alpha * vx + c2)) /
    ((mx * mx + my * my + c1) * (vx + alpha * alpha * vx + c2));
}

Deno.test("ssim: identical → 1; single-window affine pair matches the closed form (both conventions)", () => {
  const a = randomImage(3, 16, 16, 4);
  assertAlmostEquals(ssim(a, a), 1, 1e-12);
  assertAlmostEquals(ssim(a, a, { convention: "skimage" }), 1, 1e-12);
  const alpha = 0.6, beta = 0.15;
  // skimage: 7×7 uniform window, sample covariance (×49/48), C = (K·1)².
  const x7 = randomImage(1, 7, 7, 5);
  const y7 = mapImage(x7, (v) => alpha * v + beta);
  const want7 = affineSsim(Array.from(x7.data), new Array(49).fill(1 / 49), alpha, beta, 1e-4, 9e-4, 49 / 48);
  assertAlmostEquals(ssim(x7, y7, { convention: "skimage" }), want7, 1e-5);
  // matlab: 11×11 Gaussian σ=1.5 window on ×255 values, C = (K·255)².
  const x11 = randomImage(1, 11, 11, 6);
  const y11 = mapImage(x11, (v) => alpha * v + beta);
  const g = Array.from({ length: 11 }, (_, i) => Math.exp(-((i - 5) ** 2) / (2 * 1.5 * 1.5)));
  const gs = g.reduce((s, v) => s + v, 0);
  const w2 = Array.from({ length: 121 }, (_, i) => (g[Math.floor(i / 11)] * g[i % 11]) / (gs * gs));
  const want11 = affineSsim(Array.from(x11.data, (v) => 255 * v), w2, alpha, 255 * beta, 6.5025, 58.5225, 1);
  assertAlmostEquals(ssim(x11, y11), want11, 1e-5);
  // Constant images: SSIM reduces to the luminance term (2ab + C1)/(a² + b² + C1).
  const ca = mapImage(x11, () => 0.4), cb = mapImage(x11, () => 0.6);
  const [A, B] = [0.4 * 255, 0.6 * 255];
  assertAlmostEquals(ssim(ca, cb), (2 * A * B + 6.5025) / (A * A + B * B + 6.5025), 1e-6);
});

Deno.test("ssim: separable 'valid' filtering equals a direct per-window computation on a larger image", () => {
  const x = randomImage(1, 15, 19, 7);
  const y = mapImage(x, (v, i) => Math.min(1, Math.max(0, v + 0.2 * Math.sin(i))));
  for (const convention of ["matlab", "skimage"] as const) {
    const win = convention === "matlab" ? 11 : 7;
    const scale = convention === "matlab" ? 255 : 1;
    const g = convention === "matlab"
      ? Array.from({ length: 11 }, (_, i) => Math.exp(-((i - 5) ** 2) / 4.5))
      : new Array(7).fill(1);
    const gs = g.reduce((s, v) => s + v, 0);
    const norm = convention === "matlab" ? 1 : 49 / 48;
    const c1 = (0.01 * scale) ** 2, c2 = (0.03 * scale) ** 2;
    let total = 0, count = 0;
    for (let r = 0; r + win <= 15; r++) {
      for (let c = 0; c + win <= 19; c++) {
        let mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
        for (let i = 0; i < win; i++) {
          for (let j = 0; j < win; j++) {
            const w = (g[i] * g[j]) / (gs * gs);
            const p = scale * x.data[(r + i) * 19 + c + j], q = scale * y.data[(r + i) * 19 + c + j];
            mx += w * p, my += w * q, sxx += w * p * p, syy += w * q * q, sxy += w * p * q;
          }
        }
        const vx = norm * (sxx - mx * mx), vy = norm * (syy - my * my), vxy = norm * (sxy - mx * my);
        total += ((2 * mx * my + c1) * (2 * vxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
        count++;
      }
    }
    assertAlmostEquals(ssim(x, y, { convention }), total / count, 1e-6);
  }
  assertThrows(() => ssim(randomImage(1, 8, 8, 1), randomImage(1, 8, 8, 2)), Error, "smaller than the 11x11");
});

Deno.test("ssim y + shave equals ssim of the shaved luma planes", () => {
  const a = randomImage(3, 30, 28, 8);
  const b = mapImage(a, (v) => v * 0.9 + 0.05);
  const want = ssim(shaveBorder(rgbToY(a), 4), shaveBorder(rgbToY(b), 4));
  assertAlmostEquals(ssim(a, b, { y: true, shave: 4 }), want, 1e-12);
});

Deno.test("rgbToY/rgbToLab reference values; deltaE76 of identical, black/white and red/black", () => {
  const px = (r: number, g: number, b: number): Image => ({
    data: new Float32Array([r, g, b]),
    channels: 3,
    height: 1,
    width: 1,
  });
  assertAlmostEquals(rgbToY(px(1, 1, 1)).data[0], 235 / 255, 1e-6);
  assertAlmostEquals(rgbToY(px(0, 0, 0)).data[0], 16 / 255, 1e-6);
  // skimage.color.rgb2lab([[[1, 0, 0]]]) = [53.2408, 80.0925, 67.2032]
  const red = rgbToLab(px(1, 0, 0)).data;
  assertAlmostEquals(red[0], 53.2408, 1e-3);
  assertAlmostEquals(red[1], 80.0925, 1e-3);
  assertAlmostEquals(red[2], 67.2032, 1e-3);
  const white = rgbToLab(px(1, 1, 1)).data;
  assertAlmostEquals(white[0], 100, 1e-3);
  const a = randomImage(3, 4, 5, 9);
  assertEquals(deltaE76(a, a), 0);
  assertAlmostEquals(deltaE76(px(1, 1, 1), px(0, 0, 0)), 100, 1e-2);
  assertAlmostEquals(deltaE76(px(1, 0, 0), px(0, 0, 0)), Math.hypot(53.2408, 80.0925, 67.2032), 1e-2);
});
