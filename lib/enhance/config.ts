/**
 * Photo-enhancement experiment configuration (`experiments/<name>/config.toml` with task = "enhance", the
 * default), typed and validated, registered as the task "enhance" of lib/experiment/tasks.ts. Every unknown
 * key and every wrongly typed value is an error naming the file and the key path, e.g.
 * `experiments/x/config.toml: train.lr must be a number, got "abc"`.
 *
 * [experiment]  name (default: folder name), task = "enhance", seed, description
 * [model]  family = "3dlut" | "clutnet" | "pca" | "hashlut" | "adaint" | "seplut" | "lutbgrid" | "icelut"
 *          3dlut:   luts (N, 3), dim (D, 33), backbone ("Backbone"; "Unpaired" = Classifier_unpaired),
 *                   thumb (256 only: 8x8 conv head), interpolation ("trilinear" | "tetrahedral"),
 *                   input_space ("srgb" | "xyz": what the model expects)   -- paper 3DLUT; BL-A with dim 17/9
 *          clutnet: luts (20), dim (33), s (5), w (10), compression ("learned" | "fixed" = BL-C DCT bases),
 *                   backbone, thumb (side of the CNN's thumbnail in training, eval and apply; a multiple
 *                   of 32, default 256 as the paper), interpolation         -- CLUT-Net N+S+W
 *          pca:     source (experiment folder of a trained 3dlut), s, w, interpolation -- BL-B (lib/enhance/models/pca.ts)
 *          hashlut: levels, log2_table_size, base_resolution, max_resolution, backbone -- lib/enhance/models/hashlut.ts
 *          adaint:  luts (3), dim (33), share (false: per-channel intervals), lr_mult (0.1: the interval
 *                   branch's lr multiplier), fix_steps (0; paper 22500: steps with that branch frozen)
 *                   -- AdaInt (lib/enhance/models/adaint.ts)
 *          seplut:  base_feats (8), dim3d (17), dim1d (17), luts (3)    -- SepLUT (lib/enhance/models/seplut.ts)
 *          (pca, hashlut, adaint and seplut refuse thumb: their CNNs see 256x256 thumbnails; pca refuses backbone: BL-B
 *          keeps its source's CNN, backbone included)
 * [data]   root: a folder in the FiveK layout (input_train/, target_train/, input_test/, target_test/) or
 *          with input/ + target/ (then train = test), "shared:<path>" for the shared data folder, or
 *          "quickstart" (the embedded photos + the reference retouch of lib/data/retouch.ts)
 * [train]  mode ("paired" | "unpaired": WGAN-GP, lib/enhance/unpaired_config.ts, with lambda_pixel,
 *          lambda_gp, n_critic and [data] inputs / styles), steps, batch, lr, beta1, beta2 (Adam), losses (["mse"] | ["l1", "cos"] ...), lambda_smooth,
 *          lambda_mono, lambda_weights, augment ("3dlut" | "clutnet" | "none"), jitter (brightness/saturation),
 *          log_every, eval_every, checkpoint_every, keep_steps (steps whose checkpoints are kept, e.g. [310]),
 *          keep_every (keep every N-th step's checkpoint; 0 = none) -- lib/experiment/history.ts; the best
 *          checkpoint by eval PSNR is always kept (`--step best`)
 * [eval]   save_images, save_cubes, max_images (0 = all)
 * [pretrained] weights: the original checkpoint(s) to import instead of training (lib/enhance/models/import.ts)
 */
import { basename, dirname, resolve } from "@std/path";
import type { BackboneKind } from "./models/backbone.ts";
import type { LutNetSpec } from "./models/lut3dnet.ts";
import type { HashLutConfig } from "./models/hashlut.ts";
import type { AdaIntConfig, AdaIntTraining } from "./models/adaint.ts";
import type { SepLutConfig } from "./models/seplut.ts";
import type { Lut3dMode } from "../lut/lut3d.ts";
import { configFile, type Raw, Reader, readToml } from "../experiment/reader.ts";
import { experimentTasks, taskOf } from "../experiment/tasks.ts";
import {
  GAN_TRAIN_KEYS,
  type GanConfig,
  parseGan,
  parseUnpairedData,
  trainMode,
  UNPAIRED_DATA_KEYS,
  unpairedDefaults,
} from "./unpaired_config.ts";
import { keepKeys } from "../experiment/workflow_config.ts";

/** Model family and its parameters. */
export type PhotoModelConfig =
  | { family: "3dlut" | "clutnet"; spec: LutNetSpec }
  | { family: "pca"; source: string; s: number; w: number; mode: Lut3dMode }
  | ({ family: "hashlut" } & HashLutConfig)
  | ({ family: "adaint" } & AdaIntConfig & AdaIntTraining)
  | ({ family: "seplut" } & SepLutConfig)
  | { family: "lutbgrid" }
  | { family: "icelut"; tables: string };

/** Loss names accepted in train.losses. */
export type LossName = "mse" | "l1" | "cos";

/** Training settings (defaults depend on the family: the papers' values). */
export type TrainConfig = {
  steps: number;
  batch: number;
  lr: number;
  beta1: number;
  beta2: number;
  losses: LossName[];
  lambdaSmooth: number;
  lambdaMono: number;
  lambdaWeights: number;
  augment: "3dlut" | "clutnet" | "none";
  jitter: boolean;
  logEvery: number;
  evalEvery: number;
  checkpointEvery: number;
  /** unpaired (WGAN-GP) training when set (train.mode = "unpaired") */
  gan?: GanConfig;
  keepSteps: number[];
  keepEvery: number;
};

/** A validated photo-enhancement experiment. */
export type PhotoConfig = {
  task: "enhance";
  file: string;
  dir: string;
  name: string;
  seed: number;
  description: string;
  model: PhotoModelConfig;
  data: { root: string; unpaired?: { inputs: string; styles: string } };
  /** colour space the model expects its input in (model.input_space; absent = "srgb") */
  inputSpace?: "srgb" | "xyz";
  train: TrainConfig;
  eval: { saveImages: boolean; saveCubes: boolean; maxImages: number };
  pretrained?: string[];
};

const BACKBONES = ["Backbone", "SmallBackbone", "Unpaired"] as const;
const MODES = ["trilinear", "tetrahedral"] as const;
const FAMILIES = ["3dlut", "clutnet", "pca", "hashlut", "adaint", "seplut", "lutbgrid", "icelut"] as const;
const MODEL_KEYS: Record<(typeof FAMILIES)[number], string[]> = {
  "3dlut": ["luts", "dim", "backbone", "thumb", "interpolation", "input_space"],
  clutnet: ["luts", "dim", "s", "w", "compression", "backbone", "thumb", "interpolation"],
  pca: ["source", "s", "w", "interpolation"],
  hashlut: ["levels", "log2_table_size", "base_resolution", "max_resolution", "backbone"],
  adaint: ["luts", "dim", "share", "lr_mult", "fix_steps"],
  seplut: ["base_feats", "dim3d", "dim1d", "luts"],
  lutbgrid: [], // the FiveK configuration of the paper's code (lib/enhance/models/lutbgrid.ts)
  icelut: ["tables"], // folder of the released .npy tables (lib/enhance/models/icelut.ts)
};

/** Keys some families take from elsewhere (refused with this reason): thumbnail side and BL-B's backbone. */
const NOT_SETTINGS: Partial<Record<(typeof FAMILIES)[number], Record<string, string>>> = {
  pca: {
    thumb: "BL-B keeps its source 3DLUT's CNN, whose 8x8 conv head needs 256x256 thumbnails",
    backbone: "BL-B keeps its source 3DLUT's CNN, so the backbone is the source experiment's model.backbone",
  },
  hashlut: {
    thumb: "its expert CNN sees 256x256 thumbnails, as in the original (and its pretrained weights)",
  },
  adaint: { thumb: "its encoder sees 256x256 thumbnails, as in the original (input_resolution)" },
  seplut: { thumb: "its encoder sees 256x256 thumbnails, as in the original (input_resolution)" },
};

function parseModel(r: Reader, raw: Raw): PhotoModelConfig {
  const pre = r.table(raw, "model", ["family", ...new Set(Object.values(MODEL_KEYS).flat())]);
  const family = r.str(pre, "model", "family", "clutnet" as (typeof FAMILIES)[number], FAMILIES);
  for (const [key, why] of Object.entries(NOT_SETTINGS[family] ?? {})) {
    if (key in pre) r.fail(`model.${key} is not a setting of family "${family}": ${why}`);
  }
  const m = r.table(raw, "model", ["family", ...MODEL_KEYS[family]]);
  const mode = r.str(m, "model", "interpolation", "trilinear" as Lut3dMode, MODES);
  if (family === "hashlut") {
    return {
      family,
      levels: r.int(m, "model", "levels", 7, 1, 32),
      log2TableSize: r.int(m, "model", "log2_table_size", 13, 4, 24),
      baseResolution: r.int(m, "model", "base_resolution", 9, 2, 1024),
      maxResolution: r.int(m, "model", "max_resolution", 64, 2, 4096),
      backbone: r.str(m, "model", "backbone", "Backbone" as BackboneKind, BACKBONES),
    };
  }
  if (family === "adaint") {
    return {
      family,
      luts: r.int(m, "model", "luts", 3, 1, 256),
      dim: r.int(m, "model", "dim", 33, 2, 129),
      share: r.bool(m, "model", "share", false),
      lrMult: r.num(m, "model", "lr_mult", 0.1, (v) => (v >= 0 ? undefined : ">= 0")),
      fixSteps: r.int(m, "model", "fix_steps", 0, 0),
    };
  }
  if (family === "seplut") {
    return {
      family,
      baseFeats: r.int(m, "model", "base_feats", 8, 1, 64),
      dim3d: r.int(m, "model", "dim3d", 17, 2, 129),
      dim1d: r.int(m, "model", "dim1d", 17, 2, 4096),
      luts: r.int(m, "model", "luts", 3, 1, 256),
    };
  }
  if (family === "lutbgrid") return { family };
  if (family === "icelut") return { family, tables: r.str(m, "model", "tables", "shared:pretrained/icelut") };
  if (family === "pca") {
    const source = r.str(m, "model", "source", "");
    if (!source) r.fail(`model.source must name the experiment folder of a trained 3dlut (family "pca")`);
    return {
      family,
      source,
      s: r.int(m, "model", "s", 5, 1, 129),
      w: r.int(m, "model", "w", 10, 1, 129 ** 2),
      mode,
    };
  }
  const clut = family === "clutnet";
  const dim = r.int(m, "model", "dim", 33, 2, 129);
  const spec: LutNetSpec = {
    head: family,
    backbone: r.str(m, "model", "backbone", "Backbone" as BackboneKind, BACKBONES),
    luts: r.int(m, "model", "luts", clut ? 20 : 3, 1, 256),
    dim,
    thumb: r.num(
      m,
      "model",
      "thumb",
      256,
      (v) => (Number.isInteger(v) && v >= 32 && v % 32 === 0 ? undefined : "a multiple of 32"),
    ),
    mode,
    bank: clut
      ? {
        kind: "compressed",
        s: r.int(m, "model", "s", 5, 1, dim),
        w: r.int(m, "model", "w", 10, 1, dim * dim),
        fixed: r.str(m, "model", "compression", "learned", ["learned", "fixed"] as const) === "fixed",
      }
      : { kind: "standard" },
  };
  if (spec.head === "3dlut" && spec.thumb !== 256) {
    r.fail(`model.thumb must be 256 for family "3dlut" (8x8 conv head)`);
  }
  return { family, spec };
}

/**
 * The papers' training defaults for a family (3DLUT: MSE + TV/MN/weights; CLUT-Net/HashLUT: L1 + cosine;
 * AdaInt: MSE + monotonicity 10 + weights 1e-4; SepLUT: MSE + weights 1e-4).
 */
export function defaultTrain(family: PhotoModelConfig["family"]): TrainConfig {
  if (family === "adaint" || family === "seplut") {
    return {
      ...defaultTrain("3dlut"),
      lambdaSmooth: 0,
      lambdaMono: family === "adaint" ? 10 : 0,
    };
  }
  const lut3d = family === "3dlut" || family === "pca" || family === "lutbgrid";
  return {
    steps: 1000,
    batch: 1,
    lr: family === "hashlut" ? 5e-4 : 1e-4,
    beta1: 0.9,
    beta2: 0.999,
    losses: lut3d ? ["mse"] : ["l1", "cos"],
    lambdaSmooth: lut3d ? 1e-4 : 0,
    lambdaMono: lut3d ? 10 : 0,
    lambdaWeights: lut3d ? 1e-4 : 0,
    augment: lut3d ? "3dlut" : "clutnet",
    jitter: true,
    logEvery: 10,
    evalEvery: 500,
    checkpointEvery: 100,
    keepSteps: [],
    keepEvery: 0,
  };
}

function parseTrain(r: Reader, raw: Raw, family: PhotoModelConfig["family"], xyz: boolean): TrainConfig {
  const t = r.table(raw, "train", [
    ...GAN_TRAIN_KEYS,
    "steps",
    "batch",
    "lr",
    "beta1",
    "beta2",
    "losses",
    "lambda_smooth",
    "lambda_mono",
    "lambda_weights",
    "augment",
    "jitter",
    "log_every",
    "eval_every",
    "checkpoint_every",
    "keep_steps",
    "keep_every",
  ]);
  const unpaired = trainMode(r, t) === "unpaired";
  if (unpaired && family === "pca") {
    r.fail(`train.mode = "unpaired" is not for family "pca" (BL-B is fitted, not trained)`);
  }
  const d = { ...defaultTrain(family), ...(unpaired ? unpairedDefaults(xyz) : {}) };
  const nonNeg = (v: number) => (v >= 0 ? undefined : ">= 0");
  const unit = (v: number) => (v >= 0 && v < 1 ? undefined : "in [0, 1)");
  const losses = r.strings(t, "train", "losses", d.losses);
  for (const l of losses) {
    if (!["mse", "l1", "cos"].includes(l)) {
      r.fail(`train.losses: unknown loss "${l}" (use "mse", "l1", "cos")`);
    }
  }
  if (losses.length === 0) r.fail(`train.losses must name at least one loss`);
  return {
    steps: r.int(t, "train", "steps", d.steps, 0),
    batch: r.int(t, "train", "batch", d.batch, 1, 64),
    lr: r.num(t, "train", "lr", d.lr, (v) => (v > 0 ? undefined : "> 0")),
    beta1: r.num(t, "train", "beta1", d.beta1, unit),
    beta2: r.num(t, "train", "beta2", d.beta2, unit),
    losses: losses as LossName[],
    lambdaSmooth: r.num(t, "train", "lambda_smooth", d.lambdaSmooth, nonNeg),
    lambdaMono: r.num(t, "train", "lambda_mono", d.lambdaMono, nonNeg),
    lambdaWeights: r.num(t, "train", "lambda_weights", d.lambdaWeights, nonNeg),
    augment: r.str(t, "train", "augment", d.augment, ["3dlut", "clutnet", "none"] as const),
    jitter: r.bool(t, "train", "jitter", d.jitter),
    logEvery: r.int(t, "train", "log_every", d.logEvery),
    evalEvery: r.int(t, "train", "eval_every", d.evalEvery),
    checkpointEvery: r.int(t, "train", "checkpoint_every", d.checkpointEvery),
    gan: parseGan(r, t, xyz),
    ...keepKeys(r, t, "train"),
  };
}

/** Validates a parsed TOML object as a photo experiment (task "enhance") stored in `file`. */
export function parsePhotoConfig(raw: Raw, file: string): PhotoConfig {
  const r = new Reader(file);
  for (const k of Object.keys(raw)) {
    if (!["experiment", "model", "data", "train", "eval", "pretrained"].includes(k)) {
      r.fail(`unknown section [${k}] (allowed: experiment, model, data, train, eval, pretrained)`);
    }
  }
  const ex = r.table(raw, "experiment", ["name", "task", "seed", "description"]);
  r.str(ex, "experiment", "task", "enhance", ["enhance"] as const);
  const dir = dirname(file);
  const model = parseModel(r, raw);
  const data = r.table(raw, "data", ["root", ...UNPAIRED_DATA_KEYS]);
  const space = r.table(raw, "model", ["family", ...new Set(Object.values(MODEL_KEYS).flat())]);
  const inputSpace = r.str(space, "model", "input_space", "srgb", ["srgb", "xyz"] as const);
  const train = parseTrain(r, raw, model.family, inputSpace === "xyz");
  const root = r.str(data, "data", "root", "quickstart");
  const ev = r.table(raw, "eval", ["save_images", "save_cubes", "max_images"]);
  const pre = r.table(raw, "pretrained", ["weights"]);
  const pretrained = r.strings(pre, "pretrained", "weights", []);
  return {
    task: "enhance",
    file,
    dir,
    name: r.str(ex, "experiment", "name", basename(resolve(dir))),
    seed: r.int(ex, "experiment", "seed", 1, 0),
    description: r.str(ex, "experiment", "description", ""),
    model,
    data: { root, unpaired: parseUnpairedData(r, data, root, train.gan) },
    inputSpace,
    train,
    eval: {
      saveImages: r.bool(ev, "eval", "save_images", true),
      saveCubes: r.bool(ev, "eval", "save_cubes", true),
      maxImages: r.int(ev, "eval", "max_images", 0, 0),
    },
    pretrained: pretrained.length ? pretrained : undefined,
  };
}

/** Loads a photo experiment; an SR config is an error. */
export async function loadPhotoConfig(path: string): Promise<PhotoConfig> {
  const file = configFile(path);
  const raw = await readToml(file);
  const task = taskOf(raw, file);
  if (task !== "enhance") throw new Error(`${file}: experiment.task is "${task}", not a photo experiment`);
  return parsePhotoConfig(raw, file);
}

declare module "../experiment/tasks.ts" {
  interface ExperimentTasks {
    enhance: PhotoConfig;
  }
}

experimentTasks.register("enhance", parsePhotoConfig);
