/**
 * Colour-histogram distance between two images: per RGB channel the 1-D Wasserstein distance (earth mover's)
 * between the normalised histograms of `bins` bins over [0,1] (the L1 distance of their cumulative
 * histograms, in [0,1] units), averaged over the channels. 0 for equal colour distributions whatever the
 * pixel arrangement: a measure of colour style that needs no pixel correspondence.
 */
import type { Image } from "./image.ts";

/** Normalised histogram [bins] of channel c of planar [3,H,W] `img`, values clamped to [0,1]. */
function histogram(img: Image, c: number, bins: number): Float64Array {
  const n = img.height * img.width, out = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const v = img.data[c * n + i];
    out[Math.min(bins - 1, Math.max(0, Math.floor(v * bins)))] += 1 / n;
  }
  return out;
}

/** Mean over R, G, B of the 1-D Wasserstein distance between the colour histograms of two RGB images. */
export function colourHistogramDistance(a: Image, b: Image, bins = 64): number {
  for (const [what, im] of [["a", a], ["b", b]] as const) {
    if (im.channels !== 3) {
      throw new Error(`colourHistogramDistance: image ${what} has ${im.channels} channels, expected 3`);
    }
  }
  let s = 0;
  for (let c = 0; c < 3; c++) {
    const ha = histogram(a, c, bins), hb = histogram(b, c, bins);
    let ca = 0, cb = 0;
    for (let k = 0; k < bins; k++) (ca += ha[k]), (cb += hb[k]), (s += Math.abs(ca - cb) / bins);
  }
  return s / 3;
}
