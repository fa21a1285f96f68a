/**
 * Builds the SR LUT models by model.kind from the families' registry (sr_registry.ts); each family module
 * registers itself when imported here:
 * - SR-LUT (Jo & Kim, CVPR 2021), srlut.ts;
 * - MuLUT (Li et al., ECCV 2022), mulut.ts (also denoising / deblocking at upscale 1);
 * - AutoLUT (Xu et al., CVPR 2025): learned samplers (+ AdaRL) on SR-LUT or MuLUT, autolut.ts;
 * - SPF-LUT (Li et al., CVPR 2024): progressive blocks, channel LUT and up-block, spf.ts.
 */
import type { SrModel } from "../core/model.ts";
import type { SrModelConfig } from "./model_config.ts";
import { srModels } from "./sr_registry.ts";
import "./srlut.ts";
import "./mulut.ts";
import "./autolut.ts";
import "./spf.ts";

export { DEFAULT_MODEL, type SrModelConfig } from "./model_config.ts";

/**
 * Builds the model described by `cfg`; `seed` fixes the network initialisation.
 *
 * @example SR-LUT-S ×4 in its network form
 * ```ts
 * import { initTf } from "../../core/backend.ts";
 * import { buildSrModel, DEFAULT_MODEL } from "./models.ts";
 *
 * await initTf();
 * const model = buildSrModel({ ...DEFAULT_MODEL, kind: "srlut", variant: "s", upscale: 4 });
 * console.log(model.modules().map((m) => m.spec.name)); // ["s"]: one LUT module, pattern S
 * ```
 */
export function buildSrModel(cfg: SrModelConfig, seed = 1): SrModel {
  const { upscale } = cfg;
  if (!Number.isInteger(upscale) || upscale < 1 || upscale > 8) {
    throw new Error(`model.upscale must be an integer in 1..8, got ${upscale}`);
  }
  return srModels.get(cfg.kind)(cfg, seed);
}
