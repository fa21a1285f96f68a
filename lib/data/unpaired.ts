/**
 * Unpaired photo data (Image-Adaptive 3DLUT's unpaired training): a folder of input photos and a folder of
 * target-style photos, not matched by name, any counts (each checked as paired.ts checks: RGB, opaque).
 * `data.root = "quickstart"` without folders: the first 4 of the 7 quickstart training photos as inputs,
 * the reference retouch (retouch.ts) of the other 3 as the style set -- no photo on both sides; the retouch
 * of the inputs themselves stays available to measure how far training moved them toward the style.
 */
import { join } from "@std/path";
import type { Image } from "../image/io.ts";
import { resolveShared } from "../core/shared.ts";
import { listImages, readRgb } from "./paired.ts";
import { quickstartPairs } from "./retouch.ts";

/** A named image. */
export type Named = { name: string; image: Image };

/** Inputs and target-style images of unpaired training. */
export type UnpairedData = { inputs: Named[]; styles: Named[] };

/** Quickstart training photos used as inputs (the rest give the style set). */
export const QUICKSTART_UNPAIRED_INPUTS = 4;

/** The checked RGB images of a folder ("shared:<path>" allowed), sorted by name. */
export async function loadFolder(dir: string): Promise<Named[]> {
  const root = resolveShared(dir);
  const files = await listImages(root);
  const out: Named[] = [];
  for (const stem of [...files.keys()].sort()) {
    out.push({ name: stem, image: await readRgb(join(root, files.get(stem)!)) });
  }
  return out;
}

/** Unpaired training data: the two folders, or the quickstart split (module doc) when `folders` is absent. */
export async function loadUnpaired(folders?: { inputs: string; styles: string }): Promise<UnpairedData> {
  if (folders) return { inputs: await loadFolder(folders.inputs), styles: await loadFolder(folders.styles) };
  const pairs = await quickstartPairs("train"), k = QUICKSTART_UNPAIRED_INPUTS;
  return {
    inputs: pairs.slice(0, k).map((p) => ({ name: p.name, image: p.input })),
    styles: pairs.slice(k).map((p) => ({ name: p.name, image: p.target })),
  };
}
