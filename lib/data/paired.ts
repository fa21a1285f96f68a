/**
 * Paired photo-enhancement data on disk. Layouts (the FiveK convention of CLUT-Net / 3DLUT forks):
 *   <root>/input_train, target_train, input_test, target_test   (train and test splits), or
 *   <root>/input, target                                         (one set, used for both splits).
 * Pairs are matched by file stem (a0001.jpg <-> a0001.png is allowed). Checked before any use, with an
 * error naming the file: missing or extra names on either side, empty folders, undecodable files,
 * grayscale files (the models need RGB), RGBA with any transparent pixel (opaque alpha is dropped),
 * and input/target size mismatches. `root = "quickstart"` gives the embedded photos + reference retouch.
 */
import sharp from "sharp";
import { extname, join } from "@std/path";
import { readImage } from "../image/io.ts";
import { listImages } from "../image/files.ts";
import { readBytes } from "../core/read.ts";
import { type Pair, quickstartPairs } from "./retouch.ts";
import { resolveShared } from "../core/shared.ts";

export type { Pair };

async function exists(p: string): Promise<boolean> {
  try {
    return (await Deno.stat(p)).isDirectory;
  } catch {
    return false;
  }
}

/** The input and target folders of `split` under `root` (see module doc). */
export async function splitFolders(
  root: string,
  split: "train" | "test",
): Promise<{ input: string; target: string }> {
  const dir = resolveShared(root);
  if (await exists(join(dir, `input_${split}`))) {
    const target = join(dir, `target_${split}`);
    if (!(await exists(target))) {
      throw new Error(`${dir}: input_${split}/ exists but target_${split}/ is missing`);
    }
    return { input: join(dir, `input_${split}`), target };
  }
  if (await exists(join(dir, "input")) && await exists(join(dir, "target"))) {
    return { input: join(dir, "input"), target: join(dir, "target") };
  }
  throw new Error(`${dir}: no paired data: expected input_${split}/ + target_${split}/ or input/ + target/`);
}

/** The image files of `dir` by stem; two images with one stem are an error naming both. */
export async function imagesByStem(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of await listImages(dir)) {
    const stem = name.slice(0, -extname(name).length);
    if (out.has(stem)) {
      throw new Error(`${dir}: two images with the stem "${stem}" (${out.get(stem)}, ${name})`);
    }
    out.set(stem, name);
  }
  return out;
}

/** Input/target file paths of `split`, matched by stem and sorted by name. */
export async function listPairs(
  root: string,
  split: "train" | "test",
): Promise<{ name: string; input: string; target: string }[]> {
  const f = await splitFolders(root, split);
  const ins = await imagesByStem(f.input), tgs = await imagesByStem(f.target);
  const onlyIn = [...ins.keys()].filter((k) => !tgs.has(k));
  const onlyTg = [...tgs.keys()].filter((k) => !ins.has(k));
  if (onlyIn.length || onlyTg.length) {
    const few = (a: string[]) => a.slice(0, 5).join(", ") + (a.length > 5 ? `, ... (${a.length})` : "");
    throw new Error(
      `${f.input} and ${f.target} do not pair up by name` +
        (onlyIn.length ? `; no target for: ${few(onlyIn)}` : "") +
        (onlyTg.length ? `; no input for: ${few(onlyTg)}` : ""),
    );
  }
  return [...ins.keys()].sort().map((k) => ({
    name: k,
    input: join(f.input, ins.get(k)!),
    target: join(f.target, tgs.get(k)!),
  }));
}

/** Rejects transparent RGBA (opaque alpha is fine: readImage drops it). */
async function checkAlpha(path: string): Promise<void> {
  if (extname(path).toLowerCase() === ".bmp") return;
  const bytes = await readBytes(path, "paired data");
  const meta = await sharp(bytes).metadata();
  if (!meta.hasAlpha) return;
  const stats = await sharp(bytes).stats();
  const alpha = stats.channels[stats.channels.length - 1];
  if (alpha.min < 255) {
    throw new Error(`${path}: has transparent pixels (alpha min ${alpha.min}); flatten it to RGB first`);
  }
}

/** Reads one checked RGB image (errors name the file). */
export async function readRgb(path: string) {
  await checkAlpha(path);
  const img = await readImage(path);
  if (img.channels !== 3) {
    throw new Error(`${path}: grayscale image; colour enhancement needs RGB inputs and targets`);
  }
  return img;
}

/** Loads and checks the pairs of `split` (see module doc); `limit` keeps the first n by name. */
export async function loadPairs(root: string, split: "train" | "test", limit = 0): Promise<Pair[]> {
  if (root === "quickstart") return (await quickstartPairs(split)).slice(0, limit || undefined);
  const files = (await listPairs(root, split)).slice(0, limit || undefined);
  const out: Pair[] = [];
  for (const f of files) {
    const input = await readRgb(f.input), target = await readRgb(f.target);
    if (input.height !== target.height || input.width !== target.width) {
      throw new Error(
        `pair "${f.name}": input ${f.input} is ${input.width}x${input.height} but target ${f.target} is ${target.width}x${target.height}`,
      );
    }
    out.push({ name: f.name, input, target });
  }
  return out;
}
