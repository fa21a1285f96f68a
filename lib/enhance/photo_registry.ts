/**
 * The photo model families by `model.family`, one declaration each (`PhotoFamily`): its `[model]` settings
 * (key, type, range, default, one doc line), how they make the family's model config, its paper's training
 * defaults, its builder, its importer of released weights, and what it does not support (training, unpaired
 * training, an exact .cube). The config reader (config.ts), `deno task new` and the `--help` texts are
 * generated from these declarations, and nets.ts builds, imports and restores by them.
 *
 * A family file registers itself and adds its model config type to `PhotoFamilies` (declaration merging):
 * `photoFamilies.register("hashlut", { ... })` and
 * `declare module "./photo_registry.ts" { interface PhotoFamilies { hashlut: HashLutConfig } }`;
 * families.ts imports the library's family files (config.ts imports it). This module holds types and the
 * registry only, so that config.ts and every family file import it without an import cycle.
 */
import { Registry } from "../experiment/registry.ts";
import type { Reader } from "../experiment/reader.ts";
import type { Lut3dMode } from "../lut/lut3d_ref.ts";
import type { PhotoNet } from "./photonet.ts";
import type { GanConfig } from "./unpaired_config.ts";

/** Model config (without `family`) by family name; each family file adds its entry. */
// deno-lint-ignore no-empty-interface
export interface PhotoFamilies {}

/** A registered family name. */
export type PhotoFamilyName = keyof PhotoFamilies & string;

/** Model family and its parameters (`[model]`, validated). */
export type PhotoModelConfig = { [F in PhotoFamilyName]: { family: F } & PhotoFamilies[F] }[PhotoFamilyName];

/** Loss names accepted in train.losses. */
export type LossName = "mse" | "l1" | "cos";

/** Training settings (defaults depend on the family: the papers' values, train_defaults.ts). */
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

/** One `[model]` key of a family: type, range or choices, default and its doc line. */
export type Setting =
  | { type: "int"; default: number; min: number; max: number; doc: string }
  | { type: "num"; default: number; ok?: (v: number) => boolean; must?: string; doc: string }
  | { type: "bool"; default: boolean; doc: string }
  | { type: "str"; default: string; choices?: readonly string[]; doc: string };

/** An integer setting in [min, max]. */
export function intSetting(def: number, min: number, max: number, doc: string): Setting {
  return { type: "int", default: def, min, max, doc };
}

/** A string setting, one of `choices` when given. */
export function strSetting(def: string, doc: string, choices?: readonly string[]): Setting {
  return { type: "str", default: def, choices, doc };
}

/** The validated `[model]` values of a family, by key (each read as its declared type). */
export interface SettingValues {
  num(key: string): number;
  str<T extends string = string>(key: string): T;
  bool(key: string): boolean;
}

/** A photo experiment whose model is of family `F`. */
export type PhotoConfigOf<F extends PhotoFamilyName> = PhotoConfig & {
  model: { family: F } & PhotoFamilies[F];
};

/** What a family cannot do, each with the reason given to the user (absent: supported). */
export type Unsupported = {
  /** training (and building a fresh network) */
  train?: string;
  /** train.mode = "unpaired" */
  unpaired?: string;
  /** an exact per-image .cube (export refuses it; evaluation writes no cubes) */
  cube?: string;
};

/** Everything the library knows of one photo family (module doc). */
export interface PhotoFamily<F extends PhotoFamilyName = PhotoFamilyName> {
  /** one line: the paper and the model (for --help and `deno task new`) */
  doc: string;
  /** the `[model]` keys besides `family`, in the order they are documented */
  settings: Record<string, Setting>;
  /** keys of other families this one refuses, with the reason */
  refuses?: Record<string, string>;
  /** the family's model config from its validated settings (cross-key checks fail through `r`) */
  model(v: SettingValues, r: Reader): PhotoFamilies[F];
  /** the paper's training defaults (train_defaults.ts) */
  train: TrainConfig;
  /** the TV / monotonicity formulation of its LUT bank (losses.ts; default "3dlut") */
  regularizer?: "3dlut" | "clutnet";
  /** a freshly initialised network (absent when it cannot be trained: `unsupported.train` says why) */
  build?(config: PhotoConfigOf<F>): Promise<PhotoNet>;
  /** the network of the released weights (`[pretrained] weights`, resolved paths) */
  pretrained?(config: PhotoConfigOf<F>, paths: string[]): Promise<PhotoNet>;
  /** a network to load a checkpoint into whose stored model description is `stored` (default: `build`) */
  restore?(config: PhotoConfigOf<F>, stored: unknown): Promise<PhotoNet>;
  /** the model description stored in checkpoints (a checkpoint loads only into an equal one; default config.model) */
  checkpointKey?(config: PhotoConfigOf<F>, net: PhotoNet): unknown;
  /** the 3D interpolation its LUTs are trained with (default trilinear) */
  interpolation?(model: PhotoFamilies[F]): Lut3dMode;
  unsupported?: Unsupported;
}

/** The registered photo families by model.family (registration order is documentation order). */
export const photoFamilies: Registry<PhotoFamily> = new Registry("photo model.family");

/** Registers family `name` (its file also adds `name` to `PhotoFamilies`). */
export function registerPhotoFamily<F extends PhotoFamilyName>(name: F, family: PhotoFamily<F>): void {
  photoFamilies.register(name, family as unknown as PhotoFamily);
}

/** The declaration of `config`'s family. */
export function familyOf(config: PhotoConfig): PhotoFamily {
  return photoFamilies.get(config.model.family);
}
