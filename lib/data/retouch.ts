/**
 * The reference retouch of the quickstart: a fixed, smooth, global colour grade applied per pixel, so a
 * single 3D LUT represents it (up to interpolation error) and the LUT models can learn it:
 *   1. warm white balance: R x 1.08, G x 1.00, B x 0.90;
 *   2. S-curve per channel: s(x) = x - 0.5 sin(2 pi x) / (2 pi)  (monotone; slope 0.5 at 0 and 1, 1.5 at 0.5);
 *   3. saturation boost x 1.3 around the luma Y = 0.299 R + 0.587 G + 0.114 B;
 * each step clamped to [0,1]. `quickstartPairs` applies it to the embedded @stdlib photos.
 */
import type { Image } from "../image/io.ts";
import { imresize } from "../image/resize.ts";
import { embeddedPhotos, loadEmbedded } from "./embedded.ts";

const WB = [1.08, 1.0, 0.9];
const SATURATION = 1.3;
const clamp = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x);
const sCurve = (x: number) => x - (0.5 * Math.sin(2 * Math.PI * x)) / (2 * Math.PI);

/** The retouch of one RGB colour in [0,1]^3. */
export function retouchPixel(r: number, g: number, b: number): [number, number, number] {
  const c = [r, g, b].map((v, i) => clamp(sCurve(clamp(v * WB[i]))));
  const y = 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
  return c.map((v) => clamp(y + SATURATION * (v - y))) as [number, number, number];
}

/** The retouch of a planar RGB image [3,H,W] (a new image). */
export function retouchImage(img: Image): Image {
  if (img.channels !== 3) {
    throw new Error(`retouchImage: expected an RGB image, got ${img.channels} channels`);
  }
  const n = img.height * img.width, d = img.data, out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const [r, g, b] = retouchPixel(d[i], d[n + i], d[2 * n + i]);
    out[i] = r, out[n + i] = g, out[2 * n + i] = b;
  }
  return { ...img, data: out };
}

/** The retouch sampled on a D^3 lattice: LUT [3,D,D,D] in layout lut[c][b][g][r]. */
export function retouchLut(dim: number): Float32Array {
  const n = dim ** 3, out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const rgb = retouchPixel(
      (i % dim) / (dim - 1),
      (Math.floor(i / dim) % dim) / (dim - 1),
      Math.floor(i / dim / dim) / (dim - 1),
    );
    for (let c = 0; c < 3; c++) out[c * n + i] = rgb[c];
  }
  return out;
}

/** A named input/target pair of planar RGB images of equal size. */
export type Pair = { name: string; input: Image; target: Image };

/** Long side of the quickstart photos (bicubic downscale of the ~1024 px originals, for CPU speed). */
export const QUICKSTART_SIDE = 384;
/** Photos held out for the quickstart test split (the rest train). */
const QUICKSTART_TEST = 2;

/** A value in [0,1] rounded to the nearest of 256 levels: what an 8-bit PNG stores. */
const to8bit = (x: number) => Math.round(clamp(x) * 255) / 255;

/**
 * Quickstart pairs (embedded photo -> its retouch) of `split`: 7 train photos, 2 test photos; input and
 * target both 8-bit valued, so the PNGs `deno task quickstart` writes hold exactly these pairs.
 */
export async function quickstartPairs(split: "train" | "test"): Promise<Pair[]> {
  const photos = await embeddedPhotos();
  const chosen = split === "test" ? photos.slice(-QUICKSTART_TEST) : photos.slice(0, -QUICKSTART_TEST);
  return await Promise.all(chosen.map(async (p) => {
    const full = await loadEmbedded(p.name);
    const scale = QUICKSTART_SIDE / Math.max(full.height, full.width);
    const input = imresize(full, {
      height: Math.round(full.height * scale),
      width: Math.round(full.width * scale),
    });
    for (let i = 0; i < input.data.length; i++) input.data[i] = to8bit(input.data[i]);
    const target = retouchImage(input);
    for (let i = 0; i < target.data.length; i++) target.data[i] = to8bit(target.data[i]);
    return { name: p.name, input, target };
  }));
}
