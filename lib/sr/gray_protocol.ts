/**
 * The grayscale restoration protocol of the LUT papers' denoising and deblocking tables (MuLUT, SPF-LUT +
 * DFC, AutoLUT; e.g. SPF-LUT+AutoLUT's dnoising/data.py DNBenchmark and dblocking/data.py DBBenchmark):
 * - sets: denoising on Set12 and BSD68 (σ = 15, 25, 50), deblocking on Classic5 and LIVE1 (JPEG quality 10,
 *   20, 30, 40); a set is a folder of images, or a folder with HR/ (the SR benchmark layout, whose LR folders
 *   are not read: inputs are made from the clean image);
 * - single channel: gray files are read as stored (1 channel); colour files (LIVE1) become the Y of MATLAB
 *   rgb2ycbcr rounded to 8 bits, as the papers' `rgb2ycbcr(uint8)` does before JPEG encoding;
 * - inputs: the degradation of lib/sr/core/degrade.ts on that plane (noise seeded by the image index; a
 *   grayscale JPEG, luminance tables only), requantised to 8 bits as LUT inputs are (the papers' network
 *   test feeds the noisy image unclipped in float);
 * - scores on the single channel, no border shave: PSNR, SSIM (MATLAB convention: the papers' cal_ssim,
 *   Gaussian 11×11 σ 1.5, 'valid'), and for JPEG also PSNR-B (lib/image/psnrb.ts); each also for the
 *   degraded input itself (the tables' "noisy"/"JPEG" rows).
 */
import { basename, join } from "@std/path";
import { type Image, readImage, writeImage } from "../image/io.ts";
import { psnr, ssim } from "../image/metrics.ts";
import { psnrB } from "../image/psnrb.ts";
import { writeFileAtomic } from "../core/atomic.ts";
import { type Degradation, degrade, taskScale } from "./core/degrade.ts";
import { listImages } from "../image/files.ts";
import { superResolve } from "./core/super_resolve.ts";
import type { SrModel } from "./core/model.ts";

/** PSNR-B of the output (JPEG only) and the degraded input's scores: what the protocol adds to an SR score. */
export type GrayScores = { psnrb?: number; inputPsnr: number; inputSsim: number; inputPsnrb?: number };

/**
 * One image's scores: the output's, and the degraded input's; an EvalRow of evaluate.ts (which dispatches
 * here, so its types are not imported back: no import cycle).
 */
export type GrayRow = { name: string; psnr: number; ssim: number } & GrayScores;

/** Scores of a set under the grayscale protocol, with their means (an EvalSummary of evaluate.ts). */
export type GraySummary = { set: string; rows: GrayRow[]; psnr: number; ssim: number } & GrayScores;

/** Reads an image as one 8-bit plane [1,H,W] in [0,1]: gray as stored, colour as round(255·Y)/255. */
export async function readGray(path: string): Promise<Image> {
  const img = await readImage(path, { channels: 1, gray: "y" });
  return { ...img, data: img.data.map((v) => Math.round(Math.min(Math.max(v, 0), 1) * 255) / 255) };
}

/** The folder holding a set's clean images: `<set>/HR` when it exists, else `<set>` itself. */
export async function cleanFolder(setDir: string): Promise<string> {
  try {
    if ((await Deno.stat(join(setDir, "HR"))).isDirectory) return join(setDir, "HR");
  } catch {
    // a flat folder of images (Set12/, BSD68/, classic5/, LIVE1/)
  }
  return setDir;
}

const mean = <T>(rows: T[], f: (r: T) => number) => rows.reduce((a, r) => a + f(r), 0) / rows.length;

/**
 * Evaluates a restoration model (upscale 1) on the set folder `setDir` under the grayscale protocol; writes
 * `<outDir>/<name>.png` and `<outDir>/scores.csv` when `outDir` is given.
 */
export async function evalGray(
  model: SrModel,
  setDir: string,
  deg: Degradation,
  opts: { outDir?: string; limit?: number } = {},
): Promise<GraySummary> {
  if (taskScale(deg) !== 1 || model.upscale !== 1) {
    throw new Error(
      `grayscale protocol: restoration models only (upscale 1, noise or jpeg), got x${model.upscale} ${deg.kind}`,
    );
  }
  const dir = await cleanFolder(setDir), jpeg = deg.kind === "jpeg";
  const names = (await listImages(dir)).slice(0, opts.limit);
  const rows: GrayRow[] = [];
  for (const [i, name] of names.entries()) {
    const clean = await readGray(join(dir, name));
    const input = await degrade(clean, deg, i);
    const out = await superResolve(model, input);
    rows.push({
      name: basename(name).replace(/\.[^.]+$/, ""),
      psnr: psnr(clean, out),
      ssim: ssim(clean, out, { convention: "matlab" }),
      ...(jpeg ? { psnrb: psnrB(clean, out) } : {}),
      inputPsnr: psnr(clean, input),
      inputSsim: ssim(clean, input, { convention: "matlab" }),
      ...(jpeg ? { inputPsnrb: psnrB(clean, input) } : {}),
    });
    if (opts.outDir) await writeImage(join(opts.outDir, `${rows.at(-1)!.name}.png`), out);
  }
  const summary: GraySummary = {
    set: basename(setDir),
    rows,
    psnr: mean(rows, (r) => r.psnr),
    ssim: mean(rows, (r) => r.ssim),
    ...(jpeg ? { psnrb: mean(rows, (r) => r.psnrb!) } : {}),
    inputPsnr: mean(rows, (r) => r.inputPsnr),
    inputSsim: mean(rows, (r) => r.inputSsim),
    ...(jpeg ? { inputPsnrb: mean(rows, (r) => r.inputPsnrb!) } : {}),
  };
  if (opts.outDir) await writeFileAtomic(join(opts.outDir, "scores.csv"), grayCsv(summary));
  return summary;
}

/** scores.csv of a gray evaluation: image, psnr, ssim[, psnrb], then the same for the input; a mean row. */
function grayCsv(s: GraySummary): string {
  const b = s.psnrb !== undefined;
  const line = (name: string, r: Omit<GrayRow, "name">) =>
    [
      name,
      r.psnr.toFixed(4),
      r.ssim.toFixed(5),
      ...(b ? [r.psnrb!.toFixed(4)] : []),
      r.inputPsnr.toFixed(4),
      r.inputSsim.toFixed(5),
      ...(b ? [r.inputPsnrb!.toFixed(4)] : []),
    ].join(",");
  const head = ["image,psnr,ssim", b ? ",psnrb" : "", ",input_psnr,input_ssim", b ? ",input_psnrb" : ""].join(
    "",
  );
  return [head, ...s.rows.map((r) => line(r.name, r)), line("mean", s)].join("\n") + "\n";
}
