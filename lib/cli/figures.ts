/**
 * `deno task figures [-e experiments/x] [--out out/figures] [--no-png] [--only name,...]`: writes every
 * analysis figure of lib/analysis/ as HTML (plotly.js written once beside them) and, when Chromium is
 * installed, as PNG and SVG (--no-png: HTML only). The LUT figures use the pretrained CLUT-Net 20+05+10 (its LUT for a FiveK photo;
 * the Image-Adaptive 3DLUT basis LUT when CLUT-Net is absent) and its Ms/Mw beside BL-C's DCT bases;
 * occupancy uses the FiveK inputs (or the embedded photos); training curves read the experiment's JSONL
 * logs (-e); the SR storage figure evaluates the published SR-LUT / MuLUT tables on Set5, full and with
 * DFC at sampling intervals 5-7, plus an SR experiment's own exported tables (-e, e.g. SPF-LUT); the
 * AutoLUT figures show the AutoSample and AdaRL weights of an AutoLUT experiment's exported model (-e).
 * A figure whose data is missing is skipped with the reason. The figures that show the -e experiment are
 * written as `<out>/<experiment folder name>_<figure>.{html,png,svg}`, so `-e A` and `-e B` keep both;
 * `--help` lists the figure names (`--only`).
 */
import { basename, join, relative, resolve } from "@std/path";
import { initTf } from "../core/backend.ts";
import { sharedPath } from "../core/shared.ts";
import { embeddedPhotos, loadEmbedded } from "../data/embedded.ts";
import { readPth, tensorToFloat32 } from "../formats/pth.ts";
import { type Image, readImage } from "../image/io.ts";
import { imresize } from "../image/resize.ts";
import { hashLutGridSpec } from "../enhance/models/hashlut.ts";
import { hashLutPreset } from "../enhance/hashnet.ts";
import { CLUT_NAMES, dctBasis } from "../enhance/models/clut.ts";
import { importPretrained } from "../enhance/models/import.ts";
import { gridOccupancy } from "../enhance/models/occupancy.ts";
import { loadExperiment } from "./all_tasks.ts";
import type { SrConfig } from "../sr/config.ts";
import { evalFolder } from "../sr/core/benchmark.ts";
import { loadSrSource, ownSources } from "../sr/artifacts.ts";
import { loadMulut, loadSrlut, mulutTableDir, srlutTablePath } from "../sr/models/pretrained.ts";
import type { SrModel } from "../sr/core/model.ts";
import { storageBytes, type StoragePoint, storageSweep } from "../sr/storage.ts";
import { type AutoLutModel, autolutWeights } from "../sr/models/autolut.ts";
import { adarlFigure, samplerWeightsFigure } from "../analysis/autosample.ts";
import { matrixFigure, strongCorrelationFigure, weakCorrelationFigure } from "../analysis/clut.ts";
import { readJsonl, trainingCurvesFigure } from "../analysis/curves.ts";
import { storageFigure } from "../analysis/tradeoff.ts";
import type { Figure } from "../analysis/figure.ts";
import { lutLatticeFigure } from "../analysis/lut.ts";
import { occupancyFigure } from "../analysis/occupancy.ts";
import { findChromium, saveHtml, savePng, saveSvg } from "../analysis/save.ts";
import { parseTaskArgs, runCli, str, type TaskSpec } from "./args.ts";

/**
 * A figure of the list: its file name, how to build it (a string = skipped, with the reason) and whether it
 * shows the -e experiment (then its files are named `<experiment>_<name>`, so two experiments' figures
 * never overwrite each other).
 */
type FigureJob = { name: string; make: () => Promise<Figure | string>; perExperiment?: boolean };

/** A LUT [3,D,D,D] (lut[c][b][g][r]) to analyse, with where it came from. */
type LutSource = { label: string; lut: Float32Array; dim: number };

/** Shared-data path of the pretrained CLUT-Net 20+05+10 (FiveK), or undefined. */
function clutNetPath(): string | undefined {
  return sharedPath("pretrained", "clutnet_hashlut", "FiveK", "CLUTNet_20+05+10", "model0310.pth");
}

/**
 * The LUT to analyse: the pretrained CLUT-Net 20+05+10's image-adaptive LUT for the first FiveK input
 * (its basis 0 when the photos are absent), else basis LUT 0 of the pretrained Image-Adaptive 3DLUT.
 */
async function pretrainedLut(): Promise<LutSource | string> {
  const clut = clutNetPath();
  if (clut) {
    await initTf();
    const net = await importPretrained([clut]);
    try {
      const dir = sharedPath("FiveK", "dpe_expertC_pairs", "input");
      const first = dir &&
        [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".png")).sort()[0];
      if (dir && first) {
        const { lut } = await net.fusedLut(await readImage(join(dir, first), { channels: 3 }));
        return { label: `CLUT-Net 20+05+10 LUT for FiveK ${first}`, lut, dim: net.spec.dim };
      }
      return { label: "CLUT-Net 20+05+10 basis 0", lut: (await net.basisLuts())[0], dim: net.spec.dim };
    } finally {
      net.dispose();
    }
  }
  const path = sharedPath("pretrained", "image_adaptive_3dlut", "sRGB", "LUTs.pth");
  if (!path) return "shared data absent (pretrained CLUT-Net or Image-Adaptive 3DLUT weights)";
  const t = (await readPth(path)).get("0.LUT");
  if (!t || t.shape.length !== 4 || t.shape[0] !== 3) {
    throw new Error(`${path}: expected key "0.LUT" of shape [3,D,D,D], got ${t ? `[${t.shape}]` : "none"}`);
  }
  return { label: "Image-Adaptive 3DLUT basis 0 (sRGB)", lut: tensorToFloat32(t), dim: t.shape[1] };
}

/** Learned Ms/Mw of the pretrained CLUT-Net 20+05+10 beside BL-C's fixed DCT bases of the same size. */
async function clutMatrices(): Promise<Figure | string> {
  const path = clutNetPath();
  if (!path) return "shared data absent (pretrained/clutnet_hashlut/FiveK/CLUTNet_20+05+10)";
  await initTf();
  const net = await importPretrained([path]);
  try {
    const ms = net.params.get(CLUT_NAMES.ms)!, mw = net.params.get(CLUT_NAMES.mw)!;
    const [dim, s] = ms.shape, w = mw.shape[0];
    const fixed = dctBasis(dim, s, w);
    return matrixFigure([
      {
        name: "learned (20+05+10)",
        matrices: { ms: await ms.data() as Float32Array, mw: await mw.data() as Float32Array, dim, s, w },
      },
      { name: "BL-C fixed (DCT)", matrices: { ...fixed, dim, s, w } },
    ]);
  } finally {
    net.dispose();
  }
}

/** Photos for the occupancy figure: the FiveK inputs, else the embedded photos (quarter size). */
async function occupancyPhotos(): Promise<{ label: string; images: Image[] }> {
  const dir = sharedPath("FiveK", "dpe_expertC_pairs", "input");
  if (dir) {
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".png")).sort();
    return {
      label: `${names.length} FiveK inputs`,
      images: await Promise.all(names.map((n) => readImage(join(dir, n), { channels: 3 }))),
    };
  }
  const photos = await embeddedPhotos();
  return {
    label: `${photos.length} embedded photos`,
    images: await Promise.all(photos.map(async (p) => imresize(await loadEmbedded(p.name), { scale: 0.25 }))),
  };
}

/** JSONL logs under an experiment folder (recursive), sorted. */
function jsonlFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      if (e.isDirectory) walk(join(d, e.name));
      else if (e.isFile && e.name.endsWith(".jsonl")) out.push(join(d, e.name));
    }
  };
  walk(dir);
  return out.sort();
}

/** An SR experiment with its LUT-form model, or why there is none. */
type SrExperimentModel = { config: SrConfig; model: SrModel } | string;

/** The SR experiment at `exp` with its newest own full tables (exported or fine-tuned), or why there is none. */
async function srExperimentModel(exp: string | undefined): Promise<SrExperimentModel> {
  if (!exp) return "no experiment given (-e experiments/x)";
  const ex = await loadExperiment(exp);
  if (ex.task !== "sr") return `${exp} is not an SR experiment`;
  const config = ex.config as SrConfig;
  const [newest] = await ownSources(config, ["exported", "finetuned"]);
  if (!newest) return `${exp} has no exported tables yet (deno task export -e ${exp})`;
  console.log(`  ${exp}: the ${newest.source} tables in ${newest.dir}`);
  return { config, model: await loadSrSource(config, newest.source) };
}

/**
 * PSNR (Y, Set5 ×4) against storage: the published SR-LUT variants, SR-LUT-S and MuLUT-SDY-X2 also with DFC
 * (diagonal width 4, sampling intervals 5-7, no DFC fine-tuning: the README table), and the tables of the
 * -e SR experiment (`own`, loaded when given).
 */
async function srStorage(
  exp: string | undefined,
  own: () => Promise<SrExperimentModel>,
): Promise<Figure | string> {
  const set5 = sharedPath("SRBenchmark", "Set5");
  if (!set5) return "shared data absent (SRBenchmark/Set5)";
  await initTf();
  const deg = { kind: "bicubic", scale: 4 } as const;
  const dfc = { samplingIntervals: [5, 6, 7], diagonalWidth: 4 };
  const candidates: {
    method: string;
    variant: string;
    path?: string;
    load: (p: string) => Promise<SrModel>;
    dfc?: boolean;
  }[] = [
    ...[4, 5, 6, 7].map((bits) => ({
      method: "SR-LUT-S",
      variant: `${bits}-bit`,
      path: srlutTablePath("S", 4, bits),
      load: loadSrlut,
      dfc: bits === 4,
    })),
    { method: "SR-LUT-V", variant: "full", path: srlutTablePath("V", 4, 0), load: loadSrlut },
    { method: "SR-LUT-F", variant: "4-bit", path: srlutTablePath("F", 4, 4), load: loadSrlut },
    { method: "MuLUT", variant: "SDY-X2", path: mulutTableDir(), load: (p) => loadMulut(p), dfc: true },
  ];
  const points: StoragePoint[] = [];
  const report = (ps: StoragePoint[]) => {
    for (const p of ps) {
      console.log(
        `  sr-storage: ${p.method} ${p.variant}: ${(p.bytes / 1024).toFixed(0)} KB, ${p.psnr.toFixed(2)} dB`,
      );
    }
    points.push(...ps);
  };
  for (const c of candidates) {
    if (!c.path) {
      console.log(`  sr-storage: ${c.method} ${c.variant}: table absent, skipped`);
      continue;
    }
    const model = await c.load(c.path);
    if (c.dfc) {
      report(
        (await storageSweep(model, c.method, set5, deg, dfc)).map((p) =>
          p.variant === "full" ? { ...p, variant: c.variant } : p
        ),
      );
    } else {
      const s = await evalFolder(model, set5, deg);
      report([{ method: c.method, variant: c.variant, bytes: storageBytes(model), psnr: s.psnr }]);
    }
  }
  if (exp) {
    const e = await own();
    if (typeof e === "string") console.log(`  sr-storage: ${e}`);
    else if (e.model.upscale !== 4) console.log(`  sr-storage: ${exp} is not ×4, skipped`);
    else report(await storageSweep(e.model, e.config.name, set5, deg, dfc));
  }
  if (points.length === 0) return "no published SR tables in the shared data";
  return storageFigure(points, { dataset: "Set5 ×4, Y channel" });
}

/** AutoSample (which=samplers) or AdaRL weights of the -e AutoLUT experiment's LUT-form model `own`. */
async function autolutFigure(
  own: () => Promise<SrExperimentModel>,
  which: "samplers" | "adarl",
): Promise<Figure | string> {
  const e = await own();
  if (typeof e === "string") return e;
  if (e.config.model.kind !== "autolut") return `${e.config.dir} is not an AutoLUT experiment`;
  const w = await autolutWeights(e.model as AutoLutModel);
  const title = `${e.config.name}: ${which === "samplers" ? "AutoSample weights" : "AdaRL weights"}`;
  if (which === "samplers") return samplerWeightsFigure(w.samplers, { title });
  return w.adarl.length ? adarlFigure(w.adarl, { title }) : `${e.config.dir} has no AdaRL units`;
}

/** The figure list; `exp` is an experiment folder (training curves, its SR tables, AutoLUT weights). */
function jobs(exp: string | undefined): FigureJob[] {
  let lut: Promise<LutSource | string> | undefined;
  let sr: Promise<SrExperimentModel> | undefined;
  const own = () => sr ??= srExperimentModel(exp); // loaded once for the figures that use it
  const withLut = (f: (s: LutSource) => Figure) => async () => {
    lut ??= pretrainedLut();
    const s = await lut;
    return typeof s === "string" ? s : f(s);
  };
  return [
    {
      name: "clut_strong_correlation",
      make: withLut((s) =>
        strongCorrelationFigure(s.lut, s.dim, { title: `Strong correlation: ${s.label}` })
      ),
    },
    {
      name: "clut_weak_correlation",
      make: withLut((s) =>
        weakCorrelationFigure(s.lut, s.dim, { title: `Weak correlation (red): ${s.label}` })
      ),
    },
    { name: "clut_matrices", make: clutMatrices },
    { name: "lut_lattice", make: withLut((s) => lutLatticeFigure(s.lut, s.dim, { name: s.label })) },
    {
      name: "grid_occupancy",
      make: async () => {
        const photos = await occupancyPhotos();
        const occ = gridOccupancy(photos.images, {
          lutSizes: [17, 33, 65],
          hash: hashLutGridSpec(await hashLutPreset("hashlut-7+13")),
        });
        return occupancyFigure(occ, {
          title: `Grid occupancy of ${photos.label}: 3D LUTs vs HashLUT 7+13 levels`,
        });
      },
    },
    {
      name: "training_curves",
      perExperiment: true,
      make: async () => {
        if (!exp) return "no experiment given (-e experiments/x)";
        const logs = jsonlFiles(exp);
        if (logs.length === 0) return `no *.jsonl log under ${exp}`;
        const runs = await Promise.all(
          logs.map(async (p) => ({ name: relative(exp, p), records: await readJsonl(p) })),
        );
        return trainingCurvesFigure(runs.filter((r) => r.records.length > 0), {
          title: `Training curves: ${exp}`,
        });
      },
    },
    { name: "sr_storage_psnr", perExperiment: true, make: () => srStorage(exp, own) },
    { name: "autolut_samplers", perExperiment: true, make: () => autolutFigure(own, "samplers") },
    { name: "autolut_adarl", perExperiment: true, make: () => autolutFigure(own, "adarl") },
  ];
}

const SPEC: TaskSpec = {
  task: "figures",
  usage: "[-e experiments/x] [--out dir] [--no-png] [--only name,...]\n" +
    `  names (--only): ${jobs(undefined).map((j) => j.name).join(", ")}\n` +
    "  into --out (default out/figures); with -e experiments/x the figures that show it are named\n" +
    `  x_<name> (${jobs(undefined).filter((j) => j.perExperiment).map((j) => j.name).join(", ")})`,
  boolean: ["no-png"],
  string: ["experiment", "out", "only"],
  alias: { e: "experiment" },
};

/** The name of experiment folder `exp` in figure file names: its folder name. */
function experimentName(exp: string): string {
  return basename(resolve(exp));
}

/** Writes the figures into opts.out; returns the files written and the figures skipped. */
export async function writeFigures(
  opts: { exp?: string; out: string; png: boolean; only?: string[] },
): Promise<{ written: string[]; skipped: string[] }> {
  if (opts.exp) {
    const info = await Deno.stat(opts.exp).catch(() => undefined);
    if (!info?.isDirectory) throw new Error(`experiment folder ${opts.exp} does not exist`);
  }
  const all = jobs(opts.exp);
  const unknown = (opts.only ?? []).filter((n) => !all.some((j) => j.name === n));
  if (unknown.length) {
    throw new Error(`unknown figure(s) ${unknown.join(", ")}; known: ${all.map((j) => j.name).join(", ")}`);
  }
  const png = opts.png && findChromium() !== undefined;
  if (opts.png && !png) {
    console.log("figures: chromium not installed: HTML only (apt-get install chromium for PNG/SVG)");
  }
  const written: string[] = [], skipped: string[] = [];
  for (const job of all.filter((j) => !opts.only || opts.only.includes(j.name))) {
    const t0 = performance.now();
    const fig = await job.make();
    if (typeof fig === "string") {
      console.log(`${job.name}: skipped: ${fig}`);
      skipped.push(job.name);
      continue;
    }
    const file = join(
      opts.out,
      job.perExperiment && opts.exp ? `${experimentName(opts.exp)}_${job.name}` : job.name,
    );
    await saveHtml(fig, `${file}.html`, { plotly: "sibling" });
    written.push(`${file}.html`);
    if (png) {
      await savePng(fig, `${file}.png`);
      await saveSvg(fig, `${file}.svg`);
      written.push(`${file}.png`, `${file}.svg`);
    }
    console.log(
      `${job.name}: ${png ? "html + png + svg" : "html"} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
  }
  return { written, skipped };
}

/** `deno task figures` with `args` (see module doc). */
export async function main(args: string[]): Promise<void> {
  const a = parseTaskArgs(args, SPEC);
  const out = resolve(str(a, "out") ?? "out/figures");
  const { written, skipped } = await writeFigures({
    exp: str(a, "experiment"),
    out,
    png: a.flags["no-png"] !== true,
    only: str(a, "only")?.split(","),
  });
  console.log(
    `figures: ${written.length} files in ${out}${skipped.length ? `, skipped ${skipped.join(", ")}` : ""}`,
  );
}

if (import.meta.main) await runCli("figures", () => main(Deno.args));
