/**
 * Training data for SR LUT models: clean (HR) images from a folder, the shared data ("shared:SRTrain/T91")
 * or the embedded @stdlib photos ("embedded"); the degraded input is made once per image (bicubic /
 * JPEG) or per patch (noise); batches are random aligned single-channel patch pairs with a random
 * flip/rotation, as planes [N, c, c] (input) and [N, c·s, c·s] (target), pixel values 0..255.
 */
import { join } from "@std/path";
import { embeddedPhotos, loadEmbedded } from "../../data/embedded.ts";
import { resolveShared } from "../../core/shared.ts";
import { type Image, readImage } from "../../image/io.ts";
import { listImages } from "../../image/files.ts";
import { type Degradation, degrade, modcrop, taskScale } from "./degrade.ts";
import { Rng } from "../../core/rng.ts";

/** A clean image and its degraded input, both [C,H,W] in 0..255 (input H/s × W/s). */
export type TrainPair = { clean: Image; input: Image };

/**
 * Resolves a data spec: "embedded" (all nine embedded photos: SR trains on single planes, so the monochrome
 * prints serve as well as colour), "shared:<path under shared data>", or a folder path.
 */
export async function loadCleanImages(spec: string, limit?: number): Promise<Image[]> {
  if (spec === "embedded") {
    const photos = await embeddedPhotos();
    return await Promise.all(photos.slice(0, limit).map((p) => loadEmbedded(p.name)));
  }
  const dir = resolveShared(spec);
  const names = (await listImages(dir)).slice(0, limit);
  return await Promise.all(names.map((n) => readImage(join(dir, n), { channels: 3 })));
}

function scale255(img: Image): Image {
  return { ...img, data: img.data.map((v) => Math.round(v * 255)) };
}

/** Builds the training pairs (noise is added per patch, so its input is the clean image). */
export async function makePairs(images: Image[], deg: Degradation): Promise<TrainPair[]> {
  const s = taskScale(deg);
  return await Promise.all(images.map(async (img) => {
    const clean = modcrop(img, s);
    const input = deg.kind === "noise" ? clean : await degrade(clean, deg);
    return { clean: scale255(clean), input: scale255(input) };
  }));
}

/** A batch of aligned single-channel patches: input [n, c, c], target [n, c·s, c·s] (0..255). */
export type Batch = { input: Float32Array; target: Float32Array; n: number; crop: number; scale: number };

function transformIndex(y: number, x: number, size: number, t: number): number {
  // t in 0..7: rotation t%4 quarter turns, then a horizontal flip when t >= 4.
  let yy = y, xx = t >= 4 ? size - 1 - x : x;
  for (let k = 0; k < t % 4; k++) [yy, xx] = [xx, size - 1 - yy];
  return yy * size + xx;
}

function cutPatch(
  img: Image,
  c: number,
  y0: number,
  x0: number,
  size: number,
  t: number,
  out: Float32Array,
  o: number,
) {
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      out[o + transformIndex(y, x, size, t)] = img.data[(c * img.height + y0 + y) * img.width + x0 + x];
    }
  }
}

/** Samples batch `iter` (deterministic in seed and iter, so a resumed run sees the same batches). */
export function sampleBatch(
  pairs: TrainPair[],
  deg: Degradation,
  n: number,
  crop: number,
  seed: number,
  iter: number,
): Batch {
  const s = taskScale(deg), cs = crop * s;
  if (pairs.length === 0) throw new Error("no training images: the training data folder gave no pairs");
  const rng = new Rng((seed * 1000003 + iter * 7919) >>> 0);
  const input = new Float32Array(n * crop * crop), target = new Float32Array(n * cs * cs);
  for (let i = 0; i < n; i++) {
    const p = pairs[Math.floor(rng.next() * pairs.length)];
    const h = p.input.height, w = p.input.width;
    if (h < crop || w < crop) throw new Error(`training image ${h}x${w} (input) smaller than crop ${crop}`);
    const y = Math.floor(rng.next() * (h - crop + 1)), x = Math.floor(rng.next() * (w - crop + 1));
    const c = Math.floor(rng.next() * p.input.channels), t = Math.floor(rng.next() * 8);
    cutPatch(p.input, c, y, x, crop, t, input, i * crop * crop);
    cutPatch(p.clean, c, y * s, x * s, cs, t, target, i * cs * cs);
  }
  if (deg.kind === "noise") {
    for (let i = 0; i < input.length; i++) {
      input[i] = Math.round(Math.min(Math.max(input[i] + deg.sigma * rng.normal(), 0), 255));
    }
  }
  return { input, target, n, crop, scale: s };
}
