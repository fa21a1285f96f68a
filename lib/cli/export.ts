/**
 * `deno task export -e experiments/<name> [options]`: writes an experiment's LUT form.
 * - Photo experiments (3dlut, clutnet-*, bl-*, hashlut-*; lib/enhance/export.ts): under <exp>/export/,
 *   cubes/<image>.cube (each image's fused LUT) for `--image <file or folder>` (default: the test inputs)
 *   and basis/basis_<nn>.cube (the static form of each basis); `--pretrained` / `--trained` pick the
 *   weights (default: the checkpoint if present, else the pretrained weights).
 * - SR experiments: restores the trained network (<exp>/train/checkpoint.ckpt) and writes every LutModule's
 *   table into <exp>/luts by enumeration (progress with rate and ETA), int8 or float32 per [export] int8.
 *   `--dfc` also writes the DFC-compressed tables (lib/sr/core/dfc_export.ts) into <exp>/export/dfc/, with
 *   `--sampling-interval` / `--diagonal-width` overriding the config's [dfc] section; `--dfc --from
 *   exported|finetuned|pretrained` compresses existing tables instead of enumerating the network.
 * Every file is written atomically; errors name the experiment, file or key.
 */
import { join } from "@std/path";
import { loadExperiment } from "../experiment/config.ts";
import type { WeightSource } from "../enhance/nets.ts";
import type { SrConfig } from "../sr/core/config.ts";
import type { TableSource } from "../sr/core/experiment.ts";

const USAGE = "usage: deno task export -e experiments/<name>\n" +
  "  photo: [--image <file or folder>] [--pretrained | --trained] [--quiet]\n" +
  "  sr:    [--dfc [--sampling-interval <bits>] [--diagonal-width <steps>] [--from exported|finetuned|pretrained]]";

/** Options of `exportExperiment` (the CLI flags). */
export type ExportOptions = {
  /** photo: an image file or a folder of images (default: the experiment's test inputs) */
  image?: string;
  /** photo: which weights */
  source?: WeightSource;
  /** sr: also write DFC-compressed tables */
  dfc?: boolean;
  /** sr: DFC coarse sampling interval in bits (default [dfc] sampling_interval) */
  samplingInterval?: number;
  /** sr: DFC diagonal width in lattice steps (default [dfc] diagonal_width) */
  diagonalWidth?: number;
  /** sr: compress these existing tables instead of enumerating the trained network (needs dfc) */
  from?: TableSource;
  quiet?: boolean;
};

/** Exports the experiment at `path` (see module doc); returns the written paths. */
export async function exportExperiment(path: string, opts: ExportOptions = {}): Promise<string[]> {
  const ex = await loadExperiment(path);
  const sr = ex.task === "sr";
  const misplaced = sr
    ? [["--image", opts.image], ["--pretrained/--trained", opts.source]]
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
  const r = await exportPhoto(ex, { source: opts.source, images: opts.image, quiet: opts.quiet });
  return [...r.cubes, ...r.basis];
}

async function exportSr(config: SrConfig, file: string, opts: ExportOptions): Promise<string[]> {
  const { exportModel, exportSummary, printProgress } = await import("../sr/core/enumerate.ts");
  const { loadLutModel, loadNetModel, tableDir } = await import("../sr/core/experiment.ts");
  const log = (s: string) => opts.quiet || console.log(s);
  if (opts.from && !opts.dfc) {
    throw new Error(`${file}: --from selects the tables to compress: add --dfc`);
  }
  const settings = {
    samplingInterval: opts.samplingInterval ?? config.dfc.samplingInterval,
    diagonalWidth: opts.diagonalWidth ?? config.dfc.diagonalWidth,
  };
  const paths: string[] = [];
  const model = opts.from ? await loadLutModel(config, opts.from) : await loadNetModel(config);
  if (!opts.from) {
    const t0 = performance.now();
    paths.push(
      ...await exportModel(model, tableDir(config, "exported"), {
        int8: config.export.int8,
        batch: config.export.batch,
        onProgress: opts.quiet ? undefined : printProgress,
      }),
    );
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    log(`exported ${exportSummary(paths)} in ${secs}s:\n${paths.map((p) => `  ${p}`).join("\n")}`);
    log(`evaluate with: deno task eval -e ${config.dir}`);
  }
  if (opts.dfc) {
    const { exportDfc } = await import("../sr/core/dfc_export.ts");
    const r = await exportDfc(model, join(config.dir, "export", "dfc"), settings).catch((e) => {
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
  }
  return paths;
}

function parseArgs(args: string[]): { exp: string; opts: ExportOptions } {
  const valued = new Set([
    "-e",
    "--experiment",
    "--image",
    "--images",
    "--sampling-interval",
    "--diagonal-width",
    "--from",
  ]);
  const flags = new Set(["--pretrained", "--trained", "--dfc", "--quiet"]);
  const got = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (flags.has(a)) got.set(a, "");
    else if (valued.has(a) && args[i + 1] !== undefined) got.set(a, args[++i]);
    else throw new Error(valued.has(a) ? `${a} needs a value` : `unknown argument ${a}`);
  }
  const exp = got.get("-e") ?? got.get("--experiment");
  if (!exp) throw new Error("missing -e experiments/<name>");
  const int = (flag: string) => {
    const v = got.get(flag);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw new Error(`${flag} must be a non-negative integer, got "${v}"`);
    return Number(v);
  };
  const from = got.get("--from");
  if (from !== undefined && !["exported", "finetuned", "pretrained"].includes(from)) {
    throw new Error(`--from must be exported, finetuned or pretrained, got "${from}"`);
  }
  if (got.has("--pretrained") && got.has("--trained")) {
    throw new Error("--pretrained and --trained exclude each other");
  }
  return {
    exp,
    opts: {
      image: got.get("--image") ?? got.get("--images"),
      source: got.has("--pretrained") ? "pretrained" : got.has("--trained") ? "trained" : undefined,
      dfc: got.has("--dfc"),
      samplingInterval: int("--sampling-interval"),
      diagonalWidth: int("--diagonal-width"),
      from: from as TableSource | undefined,
      quiet: got.has("--quiet"),
    },
  };
}

if (import.meta.main) {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(Deno.args);
  } catch (e) {
    console.error(`export: ${(e as Error).message}\n${USAGE}`);
    Deno.exit(2);
  }
  try {
    await exportExperiment(parsed.exp, parsed.opts);
  } catch (e) {
    console.error(`export ${parsed.exp}: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
