/**
 * Builds the SR LUT models by model.kind from the families' registry (registry.ts); each family module
 * registers itself when imported here:
 * - SR-LUT (Jo & Kim, CVPR 2021), srlut.ts;
 * - MuLUT (Li et al., ECCV 2022), mulut.ts (also denoising / deblocking at upscale 1);
 * - AutoLUT (Xu et al., CVPR 2025): learned samplers (+ AdaRL) on SR-LUT or MuLUT, autolut.ts;
 * - SPF-LUT (Li et al., CVPR 2024): progressive blocks, channel LUT and up-block, spf.ts.
 */
import type { SrModel } from "../core/model.ts";
import type { SrModelConfig } from "./config.ts";
import { srModels } from "./registry.ts";
import "./srlut.ts";
import "./mulut.ts";
import "./autolut.ts";
import "./spf.ts";

export { DEFAULT_MODEL, type SrModelConfig } from "./config.ts";

/** Builds the model described by `cfg`; `seed` fixes the network initialisation. */
export function buildSrModel(cfg: SrModelConfig, seed = 1): SrModel {
  const { upscale } = cfg;
  if (!Number.isInteger(upscale) || upscale < 1 || upscale > 8) {
    throw new Error(`model.upscale must be an integer in 1..8, got ${upscale}`);
  }
  return srModels.get(cfg.kind)(cfg, seed);
}
