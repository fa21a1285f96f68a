/**
 * Unpaired photo data (Image-Adaptive 3DLUT's unpaired training): a folder of input photos and a folder of
 * target-style photos, not matched by name, any counts (each checked as paired.ts checks: RGB, opaque).
 * `data.root = "quickstart"` without folders: the 7 quickstart training photos as inputs and their reference
 * retouch (retouch.ts) as the style set. The pairing is never used (unpaired training draws the style image
 * at random and crops it on its own); the two sets share their content, as FiveK's two disjoint halves share
 * theirs in distribution. With 7 photos, disjoint sets would let the critic tell the sets apart by content
 * instead of by colour style (measured: the critic then separates its training sets but not a held-out
 * photo from its retouch).
 */
import { join } from "@std/path";
import type { Image } from "../image/io.ts";
import { resolveShared } from "../core/shared.ts";
import { imagesByStem, readRgb } from "./paired.ts";
import { quickstartPairs } from "./retouch.ts";

/** A named image. */
export type Named = { name: string; image: Image };

/** Inputs and target-style images of unpaired training. */
export type UnpairedData = { inputs: Named[]; styles: Named[] };

/** The checked RGB images of a folder ("shared:<path>" allowed), sorted by name. */
export async function loadFolder(dir: string): Promise<Named[]> {
  const root = resolveShared(dir);
  const files = await imagesByStem(root);
  const out: Named[] = [];
  for (const stem of [...files.keys()].sort()) {
    out.push({ name: stem, image: await readRgb(join(root, files.get(stem)!)) });
  }
  return out;
}

/** Unpaired training data: the two folders, or the quickstart split (module doc) when `folders` is absent. */
export async function loadUnpaired(folders?: { inputs: string; styles: string }): Promise<UnpairedData> {
  if (folders) return { inputs: await loadFolder(folders.inputs), styles: await loadFolder(folders.styles) };
  const pairs = await quickstartPairs("train");
  return {
    inputs: pairs.map((p) => ({ name: p.name, image: p.input })),
    styles: pairs.map((p) => ({ name: `${p.name}-retouch`, image: p.target })),
  };
}
