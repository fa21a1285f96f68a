/**
 * `deno task export -e experiments/<name> [options]`: writes an experiment's LUT form.
 * - Photo experiments (3dlut, clutnet-*, bl-*, hashlut-*; lib/enhance/export.ts): under <exp>/export/,
 *   cubes/<image>.cube (each image's fused LUT) for `--image <file or folder>` (default: the test inputs)
 *   and basis/basis_<nn>.cube (the static form of each basis); `--pretrained` / `--trained` pick the
 *   weights (default: the checkpoint if present, else the pretrained weights). `--format hald|3dl` writes
 *   Hald CLUT .png (`--hald-level L`, default 8; `--bits 8|16`, default 16) or .3dl (`--bits`, default 12)
 *   instead of .cube (lib/enhance/lut_export.ts); every file records the trained interpolation.
 * - SR experiments: restores the trained network (<exp>/train/checkpoint.ckpt) and writes every LutModule's
 *   table into <exp>/luts by enumeration (progress with rate and ETA), int8 or float32 per [export] int8.
 *   The checkpoint is [export_lut] checkpoint_iter (default the newest; `--step N|best` overrides it), and
 *   <exp>/luts/origin.json records its step. `[export_lut.dfc] enabled = true` (or `--dfc`, which overrides
 *   it) also writes the DFC-compressed tables (lib/sr/core/dfc_export.ts) into <exp>/export/dfc/, with
 *   `--sampling-interval` / `--diagonal-width` overriding [export_lut.dfc] sampling_interval / diagonal_width;
 *   `--dfc --from exported|finetuned|pretrained` compresses existing tables instead of enumerating the network.
 * - Photo experiments: `--step N|best` picks a kept training checkpoint (the cubes' titles and
 *   export/origin.json record the step).
 * Every file is written atomically; errors name the experiment, file or key.
 */
import { join } from "@std/path";
import { loadExperiment } from "./all_tasks.ts";
import type { WeightSource } from "../enhance/nets.ts";
import type { LutOutput } from "../enhance/lut_export.ts";
import type { LutFormat } from "../formats/lut_file.ts";
import type { SrConfig } from "../sr/config.ts";
import type { TableSource } from "../sr/experiment.ts";
import {
  CliExit,
  exclusive,
  experimentArg,
  int,
  parseTaskArgs,
  runCli,
  str,
  type TaskArgs,
  type TaskSpec,
  usageText,
} from "./args.ts";
import { parseStepChoice, type StepChoice } from "../experiment/step_choice.ts";

const SPEC: TaskSpec = {
  task: "export",
  usage: "-e experiments/<name>\n" +
    "  photo: [--image <file or folder>] [--pretrained | --trained] [--step N|best] [--format cube|hald|3dl]\n" +
    "         [--hald-level <L>] [--bits <n>] [--quiet]\n" +
    "  sr:    [--step N|best (overrides [export_lut] checkpoint_iter)]\n" +
    "         [--dfc (overrides [export_lut.dfc] enabled) [--sampling-interval <bits>] [--diagonal-width <steps>]\n" +
    "          (override [export_lut.dfc] sampling_interval / diagonal_width) [--from exported|finetuned|pretrained]]",
  boolean: ["pretrained", "trained", "dfc", "quiet"],
  string: [
    "experiment",
    "image",
    "sampling-interval",
    "diagonal-width",
    "from",
    "step",
    "format",
    "hald-level",
    "bits",
  ],
  alias: { e: "experiment", images: "image" },
};

/** Options of `exportExperiment` (the CLI flags). */
export type ExportOptions = {
  /** photo: an image file or a folder of images (default: the experiment's test inputs) */
  image?: string;
  /** photo: which weights */
  source?: WeightSource;
  /** photo: the LUT file format and its options (default .cube) */
  output?: LutOutput;
  /** sr: also write DFC-compressed tables (default [export_lut.dfc] enabled) */
  dfc?: boolean;
  /** the training checkpoint (photo and sr; sr default [export_lut] checkpoint_iter, else the newest) */
  step?: StepChoice;
  /** sr: DFC coarse sampling interval in bits (default [dfc] sampling_interval) */
  samplingInterval?: number;
  /** sr: DFC diagonal width in lattice steps (default [dfc] diagonal_width) */
  diagonalWidth?: number;
  /** sr: compress these existing tables (exported, finetuned or pretrained; checked by chooseSource) instead
   * of enumerating the trained network (needs dfc) */
  from?: string;
  quiet?: boolean;
};

/** Exports the experiment at `path` (see module doc); returns the written paths. */
export async function exportExperiment(path: string, opts: ExportOptions = {}): Promise<string[]> {
  const ex = await loadExperiment(path);
  const sr = ex.task === "sr";
  const misplaced = sr
    ? [["--image", opts.image], ["--pretrained/--trained", opts.source], [
      "--format/--hald-level/--bits",
      opts.output,
    ]]
    : [["--dfc", opts.dfc], ["--from", opts.from], ["--sampling-interval", opts.samplingInterval], [
      "--diagonal-width",
      opts.diagonalWidth,
    ]];
  const bad = misplaced.filter(([, v]) => v !== undefined && v !== false).map(([k]) => k);
  if (bad.length) {
    throw new Error(`${ex.file}: ${bad.join(", ")}: only for ${sr ? "photo" : "SR"} experiments`);
  }
  if (sr) return await exportSr(ex.config as SrConfig, ex.file, opts);
  const { initTf } = await import("../core/backend.ts");
  const { exportPhoto } = await import("../enhance/export.ts");
  await initTf();
  const r = await exportPhoto(ex, {
    source: opts.source,
    step: opts.step,
    images: opts.image,
    quiet: opts.quiet,
    output: opts.output,
  });
  if (!opts.quiet) {
    console.log(`apply the model to your photos with: deno task apply -e ${path} <image or folder> <output>`);
  }
  return [...r.cubes, ...r.basis];
}

async function exportSr(config: SrConfig, file: string, opts: ExportOptions): Promise<string[]> {
  const { exportModel, exportSummary, printProgress } = await import("../sr/core/enumerate.ts");
  const { loadLutModel, loadNetModel, netCheckpoint, tableDir } = await import("../sr/experiment.ts");
  const { readOrigin, writeOrigin } = await import("../experiment/origin.ts");
  const log = (s: string) => opts.quiet || console.log(s);
  const dfc = opts.dfc || config.workflow.dfc.enabled;
  if (opts.from !== undefined && !dfc) {
    throw new Error(`${file}: --from selects the tables to compress: add --dfc`);
  }
  const { chooseSource } = await import("../sr/artifacts.ts");
  const from = opts.from === undefined
    ? undefined
    : (await chooseSource(config, { from: opts.from, allowed: ["exported", "finetuned"] }))
      .source as TableSource;
  const settings = {
    samplingInterval: opts.samplingInterval ?? config.dfc.samplingInterval,
    diagonalWidth: opts.diagonalWidth ?? config.dfc.diagonalWidth,
  };
  const paths: string[] = [];
  if (from && opts.step !== undefined) {
    throw new Error(`${file}: --step picks the checkpoint to enumerate: not with --from`);
  }
  const at = from ? undefined : await netCheckpoint(config, opts.step ?? config.workflow.checkpointIter);
  const model = from ? await loadLutModel(config, from) : await loadNetModel(config, at!.step);
  if (at) {
    log(`exporting the network of step ${at.step} (${at.path})`);
    const t0 = performance.now();
    paths.push(
      ...await exportModel(model, tableDir(config, "exported"), {
        int8: config.export.int8,
        batch: config.export.batch,
        onProgress: opts.quiet ? undefined : printProgress,
      }),
    );
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    await writeOrigin(tableDir(config, "exported"), { step: at.step, checkpoint: at.path });
    log(`exported ${exportSummary(paths)} in ${secs}s:\n${paths.map((p) => `  ${p}`).join("\n")}`);
    if (!opts.quiet) {
      const { quantisationGap } = await import("../sr/evaluate.ts");
      const gap = await quantisationGap(model, config);
      log(
        gap
          ? `quantisation gap on ${gap.set} (first ${gap.images} images, PSNR Y): network ${
            gap.net.toFixed(2)
          } dB, tables ${gap.lut.toFixed(2)} dB (${(gap.lut - gap.net).toFixed(2)} dB)`
          : `quantisation gap: skipped (benchmark ${config.eval.benchmark}/${config.eval.sets[0]} absent)`,
      );
    }
  }
  if (dfc) {
    const { exportDfc } = await import("../sr/core/dfc_export.ts");
    const r = await exportDfc(model, join(config.dir, "export", "dfc"), settings, from ?? "exported")
      .catch((e) => {
        throw new Error(`${file} [dfc]: ${(e as Error).message}`, { cause: e });
      });
    const kb = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
    log(
      `DFC (diagonal_width ${settings.diagonalWidth}, sampling_interval ${settings.samplingInterval}): ` +
        `${kb(r.fullBytes)} -> ${kb(r.dfcBytes)}\n${
          [...r.paths, r.manifest].map((p) => `  ${p}`).join("\n")
        }`,
    );
    paths.push(...r.paths, r.manifest);
    const base = from === "pretrained" ? undefined : await readOrigin(tableDir(config, from ?? "exported"));
    await writeOrigin(join(config.dir, "export", "dfc"), base && { ...base, source: from ?? "exported" });
  }
  const e = config.dir;
  log(
    dfc
      ? `evaluate the DFC tables with: deno task eval -e ${e} --from dfc (the default: they are the newest)`
      : `next, with these tables: deno task eval -e ${e}; deno task finetune -e ${e}; ` +
        `deno task apply -e ${e} <LR image or folder> <output>; deno task export -e ${e} --dfc --from exported`,
  );
  return paths;
}

/** `deno task export` with `args` (see module doc). */
export async function main(args: string[]): Promise<void> {
  const a = parseTaskArgs(args, SPEC);
  const exp = experimentArg(a, SPEC);
  exclusive(a, ["pretrained", "trained"], SPEC);
  await exportExperiment(exp, {
    image: str(a, "image"),
    source: a.flags.pretrained ? "pretrained" : a.flags.trained ? "trained" : undefined,
    dfc: a.flags.dfc === true || undefined,
    step: parseStepChoice(str(a, "step")),
    samplingInterval: int(a, "sampling-interval", SPEC),
    diagonalWidth: int(a, "diagonal-width", SPEC),
    from: str(a, "from"),
    quiet: a.flags.quiet === true,
    output: lutOutput(a),
  });
}

/** The photo LUT file options of the flags (undefined when none is given). */
function lutOutput(a: TaskArgs): LutOutput | undefined {
  const format = str(a, "format"), haldLevel = int(a, "hald-level", SPEC), bits = int(a, "bits", SPEC);
  if (format === undefined && haldLevel === undefined && bits === undefined) return undefined;
  if (format !== undefined && !["cube", "hald", "3dl"].includes(format)) {
    throw new CliExit(2, `--format must be cube, hald or 3dl, got "${format}"\n${usageText(SPEC)}`);
  }
  const f = (format ?? "cube") as LutFormat;
  if (haldLevel !== undefined && f !== "hald") throw new CliExit(2, `--hald-level is for --format hald`);
  if (bits !== undefined && f === "cube") throw new CliExit(2, `--bits is for --format hald or 3dl`);
  return { format: f, haldLevel, bits };
}

if (import.meta.main) await runCli("export", () => main(Deno.args));
