/**
 * PSNR-B (Yim & Bovik, "Quality assessment of deblocked images", IEEE TIP 2011): PSNR with the blocking
 * effect factor (BEF) of the tested image added to its MSE, the deblocking score of the LUT papers (the
 * bPSNR of SPF-LUT+AutoLUT's common/utils.py, after quantization-guided-ac's metrics/psnrb.py). Per
 * channel, on values in [0,1]:
 *   BEF = log2(B)/log2(min(H,W)) · max(0, D_boundary - D_inner),
 * with D the mean squared difference of horizontally and vertically adjacent pixels across the 8×8 block
 * boundaries (columns/rows 7, 15, ... against the next) or inside the blocks (all other adjacent pairs),
 * each divided by the reference code's pair counts (H·(⌊W/8⌋-1) boundary pairs across columns, W·(⌊H/8⌋-1)
 * across rows; the rest inner); PSNR-B = 10·log10(1 / (MSE + BEF)), averaged over channels.
 */
import type { Image } from "./io.ts";

const BLOCK = 8;

/** BEF of one plane [H,W] (row-major, values in [0,1]), with the reference code's position sets and counts. */
export function blockingEffectFactor(p: ArrayLike<number>, h: number, w: number): number {
  let bound = 0, inner = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x + 1 < w; x++) {
      const d = (p[y * w + x] - p[y * w + x + 1]) ** 2;
      if (x % BLOCK === BLOCK - 1) bound += d;
      else inner += d;
    }
  }
  for (let y = 0; y + 1 < h; y++) {
    const across = y % BLOCK === BLOCK - 1;
    for (let x = 0; x < w; x++) {
      const d = (p[y * w + x] - p[(y + 1) * w + x]) ** 2;
      if (across) bound += d;
      else inner += d;
    }
  }
  const nBoundH = h * (Math.floor(w / BLOCK) - 1), nBoundV = w * (Math.floor(h / BLOCK) - 1);
  const nInner = h * (w - 1) - nBoundH + w * (h - 1) - nBoundV;
  const db = bound / (nBoundH + nBoundV), dn = inner / nInner;
  if (!(db > dn)) return 0;
  return (Math.log2(BLOCK) / Math.log2(Math.min(h, w))) * (db - dn);
}

/** PSNR-B of `test` against `ref` (same shape [C,H,W], values in [0,1]): mean over channels, dB. */
export function psnrB(ref: Image, test: Image): number {
  const { channels: c, height: h, width: w } = ref;
  if (test.channels !== c || test.height !== h || test.width !== w) {
    throw new Error(
      `psnrB: shape mismatch [${c},${h},${w}] vs [${test.channels},${test.height},${test.width}]`,
    );
  }
  if (h < 2 * BLOCK || w < 2 * BLOCK) {
    throw new Error(`psnrB: image ${h}x${w} is smaller than two 8x8 blocks`);
  }
  const n = h * w;
  let total = 0;
  for (let k = 0; k < c; k++) {
    const t = test.data.subarray(k * n, (k + 1) * n);
    let se = 0;
    for (let i = 0; i < n; i++) se += (ref.data[k * n + i] - t[i]) ** 2;
    total += 10 * Math.log10(1 / (se / n + blockingEffectFactor(t, h, w)));
  }
  return total / c;
}
