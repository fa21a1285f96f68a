/**
 * The photo model families by `model.family`: lutnets.ts ("3dlut", "clutnet"), hashnet.ts ("hashlut"),
 * adaintnet.ts ("adaint"), seplutnet.ts ("seplut"; both also register their importers) and
 * nets.ts ("pca", built from a trained 3dlut) register their builders here; nets.ts imports them all and
 * builds by name.
 */
import { Registry } from "../experiment/registry.ts";
import type { PhotoConfig } from "./config.ts";
import type { PhotoNet } from "./photonet.ts";

/** Builds a freshly initialised network of one family from the experiment config. */
export type PhotoNetBuilder = (config: PhotoConfig) => Promise<PhotoNet>;

/** Builders by model.family. */
export const photoNets: Registry<PhotoNetBuilder> = new Registry("photo model.family");

/** Loaders of a family's released weights ([pretrained] weights, resolved paths), for families that have their own. */
export type PhotoPretrainedLoader = (config: PhotoConfig, paths: string[]) => Promise<PhotoNet>;

/** Pretrained loaders by model.family (families without one use lib/enhance/models/import.ts). */
export const photoPretrained: Registry<PhotoPretrainedLoader> = new Registry("photo pretrained model.family");
