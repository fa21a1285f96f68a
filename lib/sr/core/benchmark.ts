/**
 * Scores of an SR model on a benchmark folder with the SR papers' protocol: HR modcropped to the scale, LR
 * from `<set>/LR_bicubic/X<s>/<name>` (or the degradation of the HR when that folder is missing), each colour
 * channel processed as its own plane, the output quantised to 8 bits, PSNR and SSIM (MATLAB convention) on
 * the Y channel with `scale` pixels shaved (used by `deno task eval`, the validation during training, storage).
 */
import { basename, join } from "@std/path";
import { writeFileAtomic } from "../../core/atomic.ts";
import { exists } from "../../core/read.ts";
import { listImages } from "../../image/files.ts";
import { readImage, writeImage } from "../../image/io.ts";
import { psnr, ssim } from "../../image/metrics.ts";
import { type Degradation, degrade, modcrop, taskScale } from "./degrade.ts";
import type { SrModel } from "./model.ts";
import { superResolve } from "./super_resolve.ts";

/** One image's scores. */
export type EvalRow = { name: string; psnr: number; ssim: number };
/** Scores of a benchmark folder, with their means. */
export type EvalSummary = { set: string; rows: EvalRow[]; psnr: number; ssim: number };

/**
 * Evaluates `model` on a benchmark folder `setDir` (with HR/ and optionally LR_bicubic/X<s>/); writes
 * `<outDir>/<name>.png` and `<outDir>/scores.csv` when `outDir` is given.
 */
export async function evalFolder(
  model: SrModel,
  setDir: string,
  deg: Degradation,
  opts: { outDir?: string; limit?: number; onImage?: (row: EvalRow, i: number, n: number) => void } = {},
): Promise<EvalSummary> {
  const s = taskScale(deg);
  if (s !== model.upscale) {
    throw new Error(`model upscale ${model.upscale} does not match the degradation (x${s})`);
  }
  const names = (await listImages(join(setDir, "HR"))).slice(0, opts.limit);
  const rows: EvalRow[] = [];
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const hr = modcrop(await readImage(join(setDir, "HR", name), { channels: 3 }), s);
    const lrPath = join(setDir, "LR_bicubic", `X${s}`, name);
    const lr = deg.kind === "bicubic" && await exists(lrPath)
      ? await readImage(lrPath, { channels: 3 })
      : await degrade(hr, deg, i);
    if (lr.height * s !== hr.height || lr.width * s !== hr.width) {
      throw new Error(`${lrPath}: LR ${lr.height}x${lr.width} is not HR ${hr.height}x${hr.width} / ${s}`);
    }
    const out = await superResolve(model, lr);
    const row = {
      name: basename(name).replace(/\.[^.]+$/, ""),
      psnr: psnr(hr, out, { y: true, shave: s }),
      ssim: ssim(hr, out, { y: true, shave: s, convention: "matlab" }),
    };
    rows.push(row);
    opts.onImage?.(row, i, names.length);
    if (opts.outDir) await writeImage(join(opts.outDir, `${row.name}.png`), out);
  }
  const mean = (k: "psnr" | "ssim") => rows.reduce((a, r) => a + r[k], 0) / rows.length;
  const summary = { set: basename(setDir), rows, psnr: mean("psnr"), ssim: mean("ssim") };
  if (opts.outDir) {
    const csv = [
      "image,psnr_y,ssim_y",
      ...rows.map((r) => `${r.name},${r.psnr.toFixed(4)},${r.ssim.toFixed(5)}`),
    ];
    csv.push(`mean,${summary.psnr.toFixed(4)},${summary.ssim.toFixed(5)}`);
    await writeFileAtomic(join(opts.outDir, "scores.csv"), csv.join("\n") + "\n");
  }
  return summary;
}
