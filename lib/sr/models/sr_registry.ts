/**
 * The SR model families by `model.kind`: srlut.ts, mulut.ts, autolut.ts and spf.ts each register their
 * builder here; models.ts imports them all and builds by name.
 */
import { Registry } from "../../experiment/registry.ts";
import type { SrModel } from "../core/model.ts";
import type { SrModelConfig } from "./model_config.ts";

/** Builds a model of one family from the config; `seed` fixes the network initialisation. */
export type SrModelBuilder = (cfg: SrModelConfig, seed: number) => SrModel;

/** Builders by model.kind. */
export const srModels: Registry<SrModelBuilder> = new Registry("SR model.kind");
