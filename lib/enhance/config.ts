/**
 * Photo-enhancement experiment configuration (`experiments/<name>/config.toml` with task = "enhance", the
 * default), typed and validated, registered as the task "enhance" of lib/experiment/tasks.ts. Every unknown
 * key and every wrongly typed value is an error naming the file and the key path, e.g.
 * `experiments/x/config.toml: train.lr must be a number, got "abc"`.
 *
 * [experiment]  name (default: folder name), task = "enhance", seed, description
 * [model]  family and the family's settings: read by the family's declaration (photo_registry.ts; the
 *          library's families are imported by families.ts); `deno task new --help` lists them and
 *          `deno task new` writes the keys a config leaves at their defaults as comments
 * [data]   root: a folder in the FiveK layout (input_train/, target_train/, input_test/, target_test/) or
 *          with input/ + target/ (then train = test), "shared:<path>" for the shared data folder, or
 *          "quickstart" (the embedded photos + the reference retouch of lib/data/retouch.ts)
 * [train]  mode ("paired" | "unpaired": WGAN-GP, lib/enhance/unpaired_config.ts, with lambda_pixel,
 *          lambda_gp, n_critic and [data] inputs / styles), steps, batch, lr, beta1, beta2 (Adam), losses (["mse"] | ["l1", "cos"] ...), lambda_smooth,
 *          lambda_mono, lambda_weights, augment ("3dlut" | "clutnet" | "none"), jitter (brightness/saturation),
 *          log_every, eval_every, checkpoint_every, keep_steps (steps whose checkpoints are kept, e.g. [310]),
 *          keep_every (keep every N-th step's checkpoint; 0 = none) -- lib/experiment/history.ts; the best
 *          checkpoint by eval PSNR is always kept (`--step best`); defaults: the family's paper
 * [eval]   save_images, save_cubes, max_images (0 = all)
 * [pretrained] weights: the original checkpoint(s) to import instead of training (the family's importer)
 */
import { basename, dirname, resolve } from "@std/path";
import { configFile, type Raw, Reader, readToml } from "../experiment/reader.ts";
import { experimentTasks, taskOf } from "../experiment/tasks.ts";
import {
  GAN_TRAIN_KEYS,
  parseGan,
  parseUnpairedData,
  trainMode,
  UNPAIRED_DATA_KEYS,
  unpairedDefaults,
} from "./unpaired_config.ts";
import { keepKeys } from "../experiment/workflow_config.ts";
import type { LossName, PhotoConfig, PhotoFamily, TrainConfig } from "./photo_registry.ts";
import { parseModel } from "./model_settings.ts";
import "./families.ts";

export type { LossName, PhotoConfig, PhotoModelConfig, TrainConfig } from "./photo_registry.ts";

function parseTrain(r: Reader, raw: Raw, family: PhotoFamily, name: string, xyz: boolean): TrainConfig {
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
  if (unpaired && family.unsupported?.unpaired) {
    r.fail(`train.mode = "unpaired" is not for family "${name}" (${family.unsupported.unpaired})`);
  }
  const d = { ...family.train, losses: [...family.train.losses], ...(unpaired ? unpairedDefaults(xyz) : {}) };
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
  const { model, values, family } = parseModel(r, raw);
  const data = r.table(raw, "data", ["root", ...UNPAIRED_DATA_KEYS]);
  const inputSpace = "input_space" in family.settings ? values.str<"srgb" | "xyz">("input_space") : "srgb";
  const train = parseTrain(r, raw, family, model.family, inputSpace === "xyz");
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
