/**
 * Bench section "photo_4k": whole-model apply time of a 3840x2160 frame (median of 3 runs, all kernel
 * threads) for the LUT methods of issue 22 that have no single-LUT form or a cheap one: ICELUT (nibble
 * thumbnails + table lookups + one 33^3 trilinear apply) and LUTwithBGrid (CNN on the 256^2 thumbnail +
 * bilateral-grid slicing + 9->3 mix + 17^3 tetrahedral LUT, as tfjs ops on wasm). Synthetic smooth frame.
 */
import { initTf } from "../core/backend.ts";
import { Rng } from "../core/rng.ts";
import { resolveShared } from "../core/shared.ts";
import type { Image } from "../image/image.ts";
import { iceLutEnhance, readIceLut } from "../enhance/models/icelut.ts";
import { LutBGrid } from "../enhance/models/lutbgrid.ts";
import { type BenchReport, medianMs } from "./report.ts";

const SECTION = "photo_4k";

/** A smooth 3840x2160 RGB frame (planar). */
function frame(): Image {
  const H = 2160, W = 3840, data = new Float32Array(3 * H * W);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) data[(c * H + y) * W + x] = 0.5 + 0.45 * Math.sin(x / 300 + y / 170 + c);
    }
  }
  return { data, channels: 3, height: H, width: W };
}

/** Runs the section; rows in ms per 4K frame. */
export async function bench(report: BenchReport): Promise<void> {
  await initTf();
  const img = frame();
  const tables = await readIceLut(resolveShared("shared:pretrained/icelut"));
  report.row(SECTION, "ICELUT, 3840x2160 frame", await medianMs(() => iceLutEnhance(tables, img), 3), "ms");
  const model = new LutBGrid(new Rng(1)); // untrained weights: the time does not depend on them
  report.row(SECTION, "LUTwithBGrid, 3840x2160 frame", await medianMs(() => model.enhance(img), 3), "ms");
  model.dispose();
  report.note(SECTION, "host CPU (wasm tfjs + native C kernels); a loaded shared 2-core VM varies by +-20 %");
}
