/**
 * SR-LUT (Jo & Kim, CVPR 2021): one LutModule, pattern S (2×2, 4-D LUT), F (3 pixels) or V (2 pixels), SRNet
 * `width` wide, rotation ensemble with reflect padding, output Σ_rot 127·clamp(net)/255. Registered as
 * model.kind "srlut".
 */
import { LutModule } from "../core/lutmodule.ts";
import { SrModel } from "../core/model.ts";
import { patternOf } from "../core/pattern.ts";
import type { SrModelConfig } from "./model_config.ts";
import { srModels } from "./sr_registry.ts";

/** SR-LUT of `cfg.variant` at `cfg.upscale`; `seed` fixes the network initialisation. */
export function buildSrlut(cfg: SrModelConfig, seed: number): SrModel {
  const { upscale, interval, width } = cfg;
  const module = new LutModule({
    name: cfg.variant,
    pattern: patternOf(cfg.variant),
    upscale,
    net: { kind: "srlut", width },
    interval,
    roundOutput: false,
    srlutOrder: true,
  }, seed);
  return new SrModel({
    kind: `srlut-${cfg.variant}`,
    upscale,
    stages: [{ modules: [module], divisor: 1, bias: 0 }],
    padMode: "reflect",
    finalQuant: "srlut",
  });
}

srModels.register("srlut", buildSrlut);
