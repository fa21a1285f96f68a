/**
 * The SR section of an experiment config (experiments/<name>/config.toml with [experiment] task = "sr"):
 * typed, with defaults, and an error naming the file and key for unknown keys or out-of-range values (the
 * same `Reader` as the photo configs, lib/experiment/reader.ts); registered as the task "sr" of
 * lib/experiment/tasks.ts.
 *   [model]       kind (a family registered in lib/sr/models/sr_registry.ts: "srlut"|"mulut"|"autolut"|"spf"), variant, upscale, interval, width, modes, stages;
 *                 AutoLUT: base ("srlut"|"mulut"|"spf"), sample_size, sampler_init ("random"|"pattern"),
 *                 sampler_gap, adarl, act ("relu"|"gelu")
 *   [degradation] kind ("bicubic"|"noise"|"jpeg"), scale | sigma | quality
 *   [train]       data, crop, batch, iterations, lr, lr_min, seed, log_every, checkpoint_every,
 *                 keep_steps, keep_every (checkpoint history), eval_every (0 = off), eval_images
 *                 (validation during training: PSNR Y on the first eval_images of eval.sets[0]; the best
 *                 checkpoint is kept)
 *   [finetune]    iterations, lr, batch, crop (and the [train] keys)
 *   [export]      int8, batch
 *   [eval]        sets, benchmark (folder of sets), save_images, protocol ("sr": colour, Y, shave | "gray":
 *                 single channel, restoration only; lib/sr/gray_protocol.ts)
 *   [export_lut]  checkpoint_iter; [export_lut.dfc] enabled, diagonal_width, sampling_interval;
 *   [finetune_lut] export_lut_iter, total_iter, lr0 -- the DFC repository's names (workflow_config.ts)
 *   [dfc]         sampling_interval, diagonal_width (older names of [export_lut.dfc]'s)
 *   [pretrained]  tables (a .npy for SR-LUT or a folder for MuLUT; "shared:" prefix allowed)
 */
import { dirname } from "@std/path";
import type { Degradation } from "./core/degrade.ts";
import { type AutoLutConfig, DEFAULT_MODEL, type SrModelConfig } from "./models/model_config.ts";
import { PATTERNS } from "./core/pattern.ts";
import "./models/models.ts"; // registers the families of lib/sr/models
import { srModels } from "./models/sr_registry.ts";
import { configFile, type Raw, Reader, readToml } from "../experiment/reader.ts";
import { experimentTasks } from "../experiment/tasks.ts";
import {
  keepKeys,
  type LutWorkflow,
  parseLutWorkflow,
  WORKFLOW_SECTIONS,
} from "../experiment/workflow_config.ts";

/** Training loop settings (network or LUT fine-tuning). */
export type FitConfig = {
  data: string;
  crop: number;
  batch: number;
  iterations: number;
  lr: number;
  /** Cosine decay to lr_min over the run when set (MuLUT), else constant (SR-LUT). */
  lrMin?: number;
  seed: number;
  logEvery: number;
  checkpointEvery: number;
  keepSteps: number[];
  keepEvery: number;
  /** validation during the run every evalEvery steps (0: none) on evalImages images */
  evalEvery: number;
  evalImages: number;
};

/** A parsed SR experiment. */
export type SrConfig = {
  name: string;
  dir: string;
  model: SrModelConfig;
  degradation: Degradation;
  train: FitConfig;
  finetune: FitConfig;
  export: { int8: boolean; batch: number };
  eval: { sets: string[]; benchmark: string; saveImages: boolean; protocol: "sr" | "gray" };
  dfc: LutWorkflow["dfc"];
  /** [export_lut] / [finetune_lut] (workflow_config.ts) */
  workflow: LutWorkflow;
  pretrained?: string;
};

const FIT_KEYS = [
  "data",
  "crop",
  "batch",
  "iterations",
  "lr",
  "lr_min",
  "seed",
  "log_every",
  "checkpoint_every",
  "keep_steps",
  "keep_every",
  "eval_every",
  "eval_images",
];

const positive = (v: number) => (v > 0 ? undefined : "> 0");

function fit(r: Reader, raw: Raw, key: string, def: FitConfig): FitConfig {
  const s = r.table(raw, key, FIT_KEYS);
  const lr = r.num(s, key, "lr", def.lr, positive);
  return {
    data: r.str(s, key, "data", def.data),
    crop: r.int(s, key, "crop", def.crop, 1, 4096),
    batch: r.int(s, key, "batch", def.batch, 1, 65536),
    iterations: r.int(s, key, "iterations", def.iterations, 1),
    lr,
    lrMin: s.lr_min === undefined
      ? def.lrMin
      : r.num(s, key, "lr_min", 0, (v) => (v >= 0 && v <= lr ? undefined : `in [0, ${key}.lr]`)),
    seed: r.int(s, key, "seed", def.seed, 0),
    logEvery: r.int(s, key, "log_every", def.logEvery),
    checkpointEvery: r.int(s, key, "checkpoint_every", def.checkpointEvery),
    ...keepKeys(r, s, key),
    evalEvery: r.int(s, key, "eval_every", def.evalEvery, 0),
    evalImages: r.int(s, key, "eval_images", def.evalImages, 1),
  };
}

const AUTOLUT_KEYS = ["base", "sample_size", "sampler_init", "sampler_gap", "adarl", "act"];

/** AutoLUT settings of [model], with the paper's defaults per base (K 3/5/5, relu/gelu/relu). */
function autolutConfig(r: Reader, m: Raw): AutoLutConfig {
  const base = r.str(m, "model", "base", "srlut" as AutoLutConfig["base"], ["srlut", "mulut", "spf"]);
  const cfg: AutoLutConfig = {
    base,
    sampleSize: r.int(m, "model", "sample_size", base === "srlut" ? 3 : 5, 2, 9),
    samplerInit: r.str(m, "model", "sampler_init", "random" as "random" | "pattern", ["random", "pattern"]),
    samplerGap: r.num(m, "model", "sampler_gap", 8, positive),
    adarl: r.bool(m, "model", "adarl", true),
    act: r.str(m, "model", "act", base === "mulut" ? "gelu" : "relu" as "relu" | "gelu", ["relu", "gelu"]),
  };
  if (cfg.samplerInit === "pattern" && cfg.sampleSize < 3 && base !== "srlut") {
    r.fail(`model.sampler_init = "pattern" on the D/Y patterns needs sample_size >= 3`);
  }
  return cfg;
}

/** Short CPU defaults (the presets carry the papers' schedules). */
export const DEFAULT_FIT: FitConfig = {
  data: "embedded",
  crop: 24,
  batch: 8,
  iterations: 200,
  lr: 1e-3,
  seed: 1,
  logEvery: 10,
  checkpointEvery: 100,
  keepSteps: [],
  keepEvery: 0,
  evalEvery: 0,
  evalImages: 2,
};

const SECTIONS = [
  "experiment",
  "model",
  "degradation",
  "train",
  "finetune",
  "export",
  "eval",
  "dfc",
  ...WORKFLOW_SECTIONS,
  "pretrained",
];

function parseModel(r: Reader, raw: Raw): SrModelConfig {
  const m = r.table(raw, "model", [
    "kind",
    "variant",
    "upscale",
    "interval",
    "width",
    "modes",
    "stages",
    ...AUTOLUT_KEYS,
  ]);
  const patterns = Object.keys(PATTERNS);
  const model: SrModelConfig = {
    kind: r.str(m, "model", "kind", DEFAULT_MODEL.kind, srModels.names()),
    variant: r.str(m, "model", "variant", DEFAULT_MODEL.variant, patterns),
    upscale: r.int(m, "model", "upscale", DEFAULT_MODEL.upscale, 1, 8),
    interval: r.int(m, "model", "interval", DEFAULT_MODEL.interval, 0, 8),
    width: r.int(m, "model", "width", DEFAULT_MODEL.width, 1, 4096),
    modes: r.strings(m, "model", "modes", DEFAULT_MODEL.modes),
    stages: r.int(m, "model", "stages", DEFAULT_MODEL.stages, 1, 16),
  };
  const badMode = model.modes.find((p) => !patterns.includes(p));
  if (badMode !== undefined || model.modes.length === 0) {
    r.fail(`model.modes must list patterns among ${patterns.join(", ")}, got ${JSON.stringify(model.modes)}`);
  }
  const autoKeys = AUTOLUT_KEYS.filter((k) => m[k] !== undefined);
  if (model.kind !== "autolut" && autoKeys.length > 0) {
    r.fail(`model.${autoKeys[0]} is an AutoLUT setting (model.kind = "autolut")`);
  }
  if (model.kind === "autolut") model.autolut = autolutConfig(r, m);
  return model;
}

const KEY_OF = { bicubic: "scale", noise: "sigma", jpeg: "quality" } as const;

function parseDegradation(r: Reader, raw: Raw, upscale: number): Degradation {
  const d = r.table(raw, "degradation", ["kind", "scale", "sigma", "quality"]);
  const kind = r.str(d, "degradation", "kind", "bicubic", ["bicubic", "noise", "jpeg"] as const);
  const extra = ["scale", "sigma", "quality"].filter((k) => d[k] !== undefined && k !== KEY_OF[kind]);
  if (extra.length) r.fail(`degradation.${extra[0]} does not apply to degradation.kind = "${kind}"`);
  if (kind === "noise") {
    return {
      kind,
      sigma: r.num(d, "degradation", "sigma", 25, (v) => (v >= 0 && v <= 255 ? undefined : "in [0, 255]")),
    };
  }
  if (kind === "jpeg") return { kind, quality: r.int(d, "degradation", "quality", 10, 1, 100) };
  const scale = r.int(d, "degradation", "scale", upscale, 1, 8);
  if (scale !== upscale) r.fail(`model.upscale ${upscale} does not match the degradation (scale ${scale})`);
  return { kind, scale };
}

/** Validates a parsed TOML object (whole file) as an SR experiment rooted at `dir`. */
export function parseSrConfig(raw: Raw, file: string, dir = dirname(file)): SrConfig {
  const r = new Reader(file);
  for (const k of Object.keys(raw)) {
    if (!SECTIONS.includes(k)) r.fail(`unknown section [${k}] (allowed: ${SECTIONS.join(", ")})`);
  }
  const ex = r.table(raw, "experiment", ["name", "task", "description"]);
  r.str(ex, "experiment", "task", "sr", ["sr"] as const);
  r.str(ex, "experiment", "description", "");
  const model = parseModel(r, raw);
  const degradation = parseDegradation(r, raw, model.upscale);
  if (degradation.kind !== "bicubic" && model.upscale !== 1) {
    r.fail(`model.upscale ${model.upscale} does not match the degradation (${degradation.kind}: upscale 1)`);
  }
  const workflow = parseLutWorkflow(r, raw);
  const train = fit(r, raw, "train", DEFAULT_FIT);
  if (workflow.checkpointIter !== undefined) train.keepSteps.push(workflow.checkpointIter);
  const finetune = fit(r, raw, "finetune", {
    ...DEFAULT_FIT,
    lr: workflow.lr0 ?? 1e-4,
    iterations: workflow.totalIter ?? DEFAULT_FIT.iterations,
    data: train.data,
  });
  const e = r.table(raw, "export", ["int8", "batch"]);
  const v = r.table(raw, "eval", ["sets", "benchmark", "save_images", "protocol"]);
  const protocol = r.str(v, "eval", "protocol", "sr" as "sr" | "gray", ["sr", "gray"]);
  if (protocol === "gray" && degradation.kind === "bicubic") {
    r.fail(`eval.protocol = "gray" is the restoration protocol (degradation.kind "noise" or "jpeg")`);
  }
  const p = r.table(raw, "pretrained", ["tables"]);
  const tables = r.str(p, "pretrained", "tables", "");
  return {
    name: r.str(ex, "experiment", "name", "") || dir.split("/").pop()!,
    dir,
    model,
    degradation,
    train,
    finetune,
    export: { int8: r.bool(e, "export", "int8", true), batch: r.int(e, "export", "batch", 16384) },
    eval: {
      sets: r.strings(v, "eval", "sets", ["Set5"]),
      benchmark: r.str(v, "eval", "benchmark", "shared:SRBenchmark"),
      saveImages: r.bool(v, "eval", "save_images", true),
      protocol,
    },
    dfc: workflow.dfc,
    workflow,
    pretrained: tables || undefined,
  };
}

/** Reads and validates experiments/<name>/config.toml (or a direct .toml path). */
export async function loadSrConfig(path: string): Promise<SrConfig> {
  const file = configFile(path);
  return parseSrConfig(await readToml(file), file);
}

/** An SR experiment: its config file and the validated config. */
export type SrExperiment = { task: "sr"; file: string; config: SrConfig };

declare module "../experiment/tasks.ts" {
  interface ExperimentTasks {
    sr: SrExperiment;
  }
}

experimentTasks.register("sr", (raw, file) => ({ task: "sr", file, config: parseSrConfig(raw, file) }));
