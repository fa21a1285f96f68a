/**
 * The SR section of an experiment config (experiments/<name>/config.toml with [experiment] task = "sr"):
 * typed, with defaults, and an error naming the file and key for unknown keys or bad values.
 *   [model]       kind ("srlut"|"mulut"|"autolut"|"spf"), variant, upscale, interval, width, modes, stages;
 *                 AutoLUT: base ("srlut"|"mulut"), sample_size, sampler_init ("random"|"pattern"),
 *                 sampler_gap, adarl, act ("relu"|"gelu")
 *   [degradation] kind ("bicubic"|"noise"|"jpeg"), scale | sigma | quality
 *   [train]       data, crop, batch, iterations, lr, lr_min, seed, log_every, checkpoint_every
 *   [finetune]    iterations, lr, batch, crop
 *   [export]      int8, batch
 *   [eval]        sets, benchmark (folder of sets), save_images
 *   [dfc]         sampling_interval, diagonal_width
 *   [pretrained]  tables (a .npy for SR-LUT or a folder for MuLUT; "shared:" prefix allowed)
 */
import { parse } from "@std/toml";
import { dirname } from "@std/path";
import type { Degradation } from "./degrade.ts";
import { validateDegradation } from "./degrade.ts";
import { DEFAULT_MODEL, type SrModelConfig } from "../models/config.ts";
import type { AutoLutConfig } from "../models/config.ts";
import { PATTERNS } from "./pattern.ts";

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
  eval: { sets: string[]; benchmark: string; saveImages: boolean };
  dfc: { samplingInterval: number; diagonalWidth: number };
  pretrained?: string;
};

type Raw = Record<string, unknown>;

function section(raw: Raw, key: string, allowed: string[], file: string): Raw {
  const v = raw[key] ?? {};
  if (typeof v !== "object" || Array.isArray(v)) throw new Error(`${file}: [${key}] must be a table`);
  for (const k of Object.keys(v as Raw)) {
    if (!allowed.includes(k)) {
      throw new Error(`${file}: unknown key "${key}.${k}" (allowed: ${allowed.join(", ")})`);
    }
  }
  return v as Raw;
}

function get<T>(sec: Raw, key: string, def: T, file: string, path: string): T {
  const v = sec[key];
  if (v === undefined) return def;
  const want = Array.isArray(def) ? "array" : typeof def;
  const got = Array.isArray(v) ? "array" : typeof v;
  if (def !== undefined && want !== got) {
    throw new Error(`${file}: ${path}.${key} must be a ${want}, got ${got}`);
  }
  return v as T;
}

function positiveInt(v: number, file: string, key: string): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${file}: ${key} must be a positive integer, got ${v}`);
  return v;
}

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
];

function fit(raw: Raw, key: string, def: FitConfig, file: string): FitConfig {
  const s = section(raw, key, FIT_KEYS, file);
  const g = <T>(k: string, d: T) => get(s, k, d, file, key);
  const out: FitConfig = {
    data: g("data", def.data),
    crop: positiveInt(g("crop", def.crop), file, `${key}.crop`),
    batch: positiveInt(g("batch", def.batch), file, `${key}.batch`),
    iterations: positiveInt(g("iterations", def.iterations), file, `${key}.iterations`),
    lr: g("lr", def.lr),
    lrMin: s.lr_min === undefined ? def.lrMin : g("lr_min", 0),
    seed: g("seed", def.seed),
    logEvery: positiveInt(g("log_every", def.logEvery), file, `${key}.log_every`),
    checkpointEvery: positiveInt(g("checkpoint_every", def.checkpointEvery), file, `${key}.checkpoint_every`),
  };
  if (!(out.lr > 0)) throw new Error(`${file}: ${key}.lr must be > 0, got ${out.lr}`);
  return out;
}

const AUTOLUT_KEYS = ["base", "sample_size", "sampler_init", "sampler_gap", "adarl", "act"];

function oneOf<T extends string>(v: T, allowed: readonly T[], file: string, key: string): T {
  if (!allowed.includes(v)) throw new Error(`${file}: ${key} must be ${allowed.join(" or ")}, got "${v}"`);
  return v;
}

/** AutoLUT settings of [model], with the paper's defaults per base (K 3/5, relu/gelu). */
function autolutConfig(m: Raw, file: string): AutoLutConfig {
  const g = <T>(k: string, d: T) => get(m, k, d, file, "model");
  const base = oneOf(g("base", "srlut" as "srlut" | "mulut"), ["srlut", "mulut"], file, "model.base");
  const cfg: AutoLutConfig = {
    base,
    sampleSize: positiveInt(g("sample_size", base === "srlut" ? 3 : 5), file, "model.sample_size"),
    samplerInit: oneOf(
      g("sampler_init", "random" as const),
      ["random", "pattern"],
      file,
      "model.sampler_init",
    ),
    samplerGap: g("sampler_gap", 8),
    adarl: g("adarl", true),
    act: oneOf(
      g("act", base === "srlut" ? "relu" : "gelu" as "relu" | "gelu"),
      ["relu", "gelu"],
      file,
      "model.act",
    ),
  };
  if (cfg.sampleSize < 2 || cfg.sampleSize > 9) {
    throw new Error(`${file}: model.sample_size must be in 2..9, got ${cfg.sampleSize}`);
  }
  if (cfg.samplerInit === "pattern" && cfg.sampleSize < 3 && base === "mulut") {
    throw new Error(`${file}: model.sampler_init = "pattern" on MuLUT's D/Y patterns needs sample_size >= 3`);
  }
  if (!(cfg.samplerGap > 0)) throw new Error(`${file}: model.sampler_gap must be > 0, got ${cfg.samplerGap}`);
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
};

/** Validates a parsed TOML object (whole file) as an SR experiment rooted at `dir`. */
export function parseSrConfig(raw: Raw, file: string, dir = dirname(file)): SrConfig {
  const known = [
    "experiment",
    "model",
    "degradation",
    "train",
    "finetune",
    "export",
    "eval",
    "dfc",
    "pretrained",
  ];
  for (const k of Object.keys(raw)) {
    if (!known.includes(k)) throw new Error(`${file}: unknown section [${k}] (allowed: ${known.join(", ")})`);
  }
  const ex = section(raw, "experiment", ["name", "task", "description"], file);
  const task = get(ex, "task", "sr", file, "experiment");
  if (task !== "sr") throw new Error(`${file}: experiment.task is "${task}", this loader handles "sr"`);
  const m = section(
    raw,
    "model",
    ["kind", "variant", "upscale", "interval", "width", "modes", "stages", ...AUTOLUT_KEYS],
    file,
  );
  const gm = <T>(k: string, d: T) => get(m, k, d, file, "model");
  const model: SrModelConfig = {
    kind: gm("kind", DEFAULT_MODEL.kind),
    variant: gm("variant", DEFAULT_MODEL.variant),
    upscale: positiveInt(gm("upscale", DEFAULT_MODEL.upscale), file, "model.upscale"),
    interval: gm("interval", DEFAULT_MODEL.interval),
    width: positiveInt(gm("width", DEFAULT_MODEL.width), file, "model.width"),
    modes: gm("modes", DEFAULT_MODEL.modes),
    stages: positiveInt(gm("stages", DEFAULT_MODEL.stages), file, "model.stages"),
  };
  if (!["srlut", "mulut", "autolut", "spf"].includes(model.kind)) {
    throw new Error(`${file}: model.kind must be "srlut", "mulut", "autolut" or "spf", got "${model.kind}"`);
  }
  const autoKeys = AUTOLUT_KEYS.filter((k) => m[k] !== undefined);
  if (model.kind !== "autolut" && autoKeys.length > 0) {
    throw new Error(`${file}: model.${autoKeys[0]} is an AutoLUT setting (model.kind = "autolut")`);
  }
  if (model.kind === "autolut") model.autolut = autolutConfig(m, file);
  if (!(model.variant in PATTERNS)) {
    throw new Error(
      `${file}: model.variant must be one of ${Object.keys(PATTERNS).join(", ")}, got "${model.variant}"`,
    );
  }
  const d = section(raw, "degradation", ["kind", "scale", "sigma", "quality"], file);
  const kind = get(d, "kind", "bicubic", file, "degradation");
  const degradation = validateDegradation(
    kind === "bicubic"
      ? { kind, scale: get(d, "scale", model.upscale, file, "degradation") }
      : kind === "noise"
      ? { kind, sigma: get(d, "sigma", 25, file, "degradation") }
      : kind === "jpeg"
      ? { kind, quality: get(d, "quality", 10, file, "degradation") }
      : (() => {
        throw new Error(`${file}: degradation.kind must be bicubic, noise or jpeg, got "${kind}"`);
      })(),
  );
  if ((degradation.kind === "bicubic" ? degradation.scale : 1) !== model.upscale) {
    throw new Error(`${file}: model.upscale ${model.upscale} does not match the degradation`);
  }
  const train = fit(raw, "train", DEFAULT_FIT, file);
  const finetune = fit(raw, "finetune", { ...DEFAULT_FIT, lr: 1e-4, data: train.data }, file);
  const e = section(raw, "export", ["int8", "batch"], file);
  const v = section(raw, "eval", ["sets", "benchmark", "save_images"], file);
  const f = section(raw, "dfc", ["sampling_interval", "diagonal_width"], file);
  const p = section(raw, "pretrained", ["tables"], file);
  return {
    name: get(ex, "name", "", file, "experiment") || dir.split("/").pop()!,
    dir,
    model,
    degradation,
    train,
    finetune,
    export: {
      int8: get(e, "int8", true, file, "export"),
      batch: positiveInt(get(e, "batch", 16384, file, "export"), file, "export.batch"),
    },
    eval: {
      sets: get(v, "sets", ["Set5"], file, "eval"),
      benchmark: get(v, "benchmark", "shared:SRBenchmark", file, "eval"),
      saveImages: get(v, "save_images", true, file, "eval"),
    },
    dfc: {
      samplingInterval: get(f, "sampling_interval", 5, file, "dfc"),
      diagonalWidth: get(f, "diagonal_width", 4, file, "dfc"),
    },
    pretrained: get(p, "tables", undefined as string | undefined, file, "pretrained"),
  };
}

/** Reads and validates experiments/<name>/config.toml (or a direct .toml path). */
export async function loadSrConfig(path: string): Promise<SrConfig> {
  const file = path.endsWith(".toml") ? path : `${path}/config.toml`;
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    throw new Error(`cannot read experiment config ${file}: ${(e as Error).message}`, { cause: e });
  }
  let raw: Raw;
  try {
    raw = parse(text) as Raw;
  } catch (e) {
    throw new Error(`${file}: invalid TOML: ${(e as Error).message}`, { cause: e });
  }
  return parseSrConfig(raw, file);
}
