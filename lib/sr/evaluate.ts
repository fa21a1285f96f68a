/**
 * Benchmark evaluation of an SR experiment's LUT form on its [eval] sets (the papers' protocol,
 * lib/sr/core/benchmark.ts): per-set CSV and output PNGs, the JSON summary with the tables' step.
 * `evalSr(config, opts)` is `deno task eval` for experiments with task "sr".
 */
import { join } from "@std/path";
import { writeJsonAtomic } from "../core/atomic.ts";
import { exists } from "../core/read.ts";
import type { SrConfig } from "./config.ts";
import { resolveShared } from "../core/shared.ts";
import { evalFolder, type EvalSummary } from "./core/benchmark.ts";
import { chooseSource, loadSrSource, sourceDir } from "./artifacts.ts";
import { readOrigin, writeOrigin } from "../experiment/origin.ts";
import { requireSourceStep } from "./steps.ts";
import type { SrModel } from "./core/model.ts";
import { evalGray } from "./gray_protocol.ts";

/**
 * `deno task eval` for task "sr": evaluates the LUT form on the config's benchmark sets, with the tables of
 * `source` (a --from value, checked by chooseSource; default: the experiment's own newest,
 * lib/sr/artifacts.ts; `pretrained`: the published).
 */
export async function evalSr(
  config: SrConfig,
  opts: { source?: string; pretrained?: boolean; step?: number; sets?: string[]; quiet?: boolean } = {},
): Promise<EvalSummary[]> {
  const { source, note } = await chooseSource(config, { from: opts.source, pretrained: opts.pretrained });
  if (!opts.quiet) console.log(`eval: using ${note}`);
  await requireSourceStep(config, source, opts.step);
  const origin = source === "pretrained" ? undefined : await readOrigin(sourceDir(config, source));
  const model = await loadSrSource(config, source);
  const bench = resolveShared(config.eval.benchmark);
  const out: EvalSummary[] = [];
  for (const set of opts.sets ?? config.eval.sets) {
    const outDir = config.eval.saveImages ? join(config.dir, "eval", source, set) : undefined;
    const s = config.eval.protocol === "gray"
      ? await evalGray(model, join(bench, set), config.degradation, { outDir })
      : await evalFolder(model, join(bench, set), config.degradation, { outDir });
    out.push(s);
    if (outDir) await writeOrigin(outDir, origin);
    if (!opts.quiet) {
      const b = "psnrb" in s && typeof s.psnrb === "number" ? ` PSNR-B ${s.psnrb.toFixed(2)} dB` : "";
      console.log(
        `${config.name} [${source}] ${set}: PSNR ${s.psnr.toFixed(2)} dB SSIM ${s.ssim.toFixed(4)}${b}`,
      );
    }
  }
  await writeJsonAtomic(
    join(config.dir, "eval", `${source}.json`),
    out.map((s) => ({ ...s, step: origin?.step })),
  );
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
