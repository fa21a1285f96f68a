/**
 * Benchmark evaluation of SR LUT models, with the SR papers' protocol: HR modcropped to the scale, LR
 * from `<set>/LR_bicubic/X<s>/<name>` (or MATLAB imresize of the HR when that folder is missing), each
 * colour channel processed as its own plane, the output quantised to 8 bits, PSNR and SSIM (MATLAB
 * convention) on the Y channel of rgb2ycbcr with `scale` pixels shaved. Writes a CSV and the output PNGs.
 * `evalSr(config, opts)` is `deno task eval` for experiments with task "sr".
 */
import { basename, join } from "@std/path";
import { readImage, writeImage } from "../image/io.ts";
import { writeFileAtomic, writeJsonAtomic } from "../core/atomic.ts";
import { psnr, ssim } from "../image/metrics.ts";
import { type Degradation, degrade, modcrop, taskScale } from "./core/degrade.ts";
import type { SrConfig } from "./config.ts";
import { resolveShared } from "../core/shared.ts";
import { listImages } from "../image/files.ts";
import { chooseSource, loadSrSource } from "./artifacts.ts";
import type { SrModel } from "./core/model.ts";
import { evalGray } from "./gray_protocol.ts";
import { superResolve } from "./core/super_resolve.ts";

export { superResolve } from "./core/super_resolve.ts";

/** One image's scores. */
export type EvalRow = { name: string; psnr: number; ssim: number };
/** Scores of a benchmark folder, with their means. */
export type EvalSummary = { set: string; rows: EvalRow[]; psnr: number; ssim: number };

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

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

/**
 * `deno task eval` for task "sr": evaluates the LUT form on the config's benchmark sets, with the tables of
 * `source` (a --from value, checked by chooseSource; default: the experiment's own newest,
 * lib/sr/artifacts.ts; `pretrained`: the published).
 */
export async function evalSr(
  config: SrConfig,
  opts: { source?: string; pretrained?: boolean; sets?: string[]; quiet?: boolean } = {},
): Promise<EvalSummary[]> {
  const { source, note } = await chooseSource(config, { from: opts.source, pretrained: opts.pretrained });
  if (!opts.quiet) console.log(`eval: using ${note}`);
  const model = await loadSrSource(config, source);
  const bench = resolveShared(config.eval.benchmark);
  const out: EvalSummary[] = [];
  for (const set of opts.sets ?? config.eval.sets) {
    const outDir = config.eval.saveImages ? join(config.dir, "eval", source, set) : undefined;
    const s = config.eval.protocol === "gray"
      ? await evalGray(model, join(bench, set), config.degradation, { outDir })
      : await evalFolder(model, join(bench, set), config.degradation, { outDir });
    out.push(s);
    if (!opts.quiet) {
      const b = "psnrb" in s && typeof s.psnrb === "number" ? ` PSNR-B ${s.psnrb.toFixed(2)} dB` : "";
      console.log(
        `${config.name} [${source}] ${set}: PSNR ${s.psnr.toFixed(2)} dB SSIM ${s.ssim.toFixed(4)}${b}`,
      );
    }
  }
  await writeJsonAtomic(join(config.dir, "eval", `${source}.json`), out);
  return out;
}

/** Network vs table PSNR of a model that holds both forms (after export): the quantisation gap. */
export type QuantisationGap = { set: string; images: number; net: number; lut: number };

/**
 * PSNR of `model`'s network and LUT forms on the first `limit` images of the config's first eval set, under
 * its eval protocol (model left in the LUT form); undefined when the benchmark folder is absent.
 */
export async function quantisationGap(
  model: SrModel,
  config: SrConfig,
  limit = 3,
): Promise<QuantisationGap | undefined> {
  const set = config.eval.sets[0];
  let dir: string;
  try {
    dir = join(resolveShared(config.eval.benchmark), set ?? "");
  } catch {
    return undefined; // no shared data
  }
  const gray = config.eval.protocol === "gray"; // a flat folder of images, or one with HR/
  if (!set || !await exists(gray ? dir : join(dir, "HR"))) return undefined;
  const score = gray ? evalGray : evalFolder;
  model.setForm("net");
  const net = await score(model, dir, config.degradation, { limit });
  model.setForm("lut");
  const lut = await score(model, dir, config.degradation, { limit });
  return { set, images: lut.rows.length, net: net.psnr, lut: lut.psnr };
}
