/** Shared fixtures of the photo-training tests. */
import type { Image } from "../lib/image/io.ts";
import type { Rng } from "../lib/core/rng.ts";

/** A smooth RGB image [3,h,w] in [0.05, 0.95] (sines of random frequency and phase per channel), from `rng`. */
export function smoothImage(rng: Rng, h: number, w: number): Image {
  const data = new Float32Array(3 * h * w), f = [rng.uniform(1, 4), rng.uniform(1, 4), rng.uniform(0, 6)];
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        data[(c * h + y) * w + x] = 0.5 + 0.45 * Math.sin(f[0] * x / w + f[1] * y / h + f[2] + c);
      }
    }
  }
  return { data, channels: 3, height: h, width: w };
}
