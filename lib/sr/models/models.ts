/**
 * Builders of the SR LUT models as SrModel compositions of LutModules:
 * - SR-LUT (Jo & Kim, CVPR 2021): one module, pattern S (2×2, 4-D LUT), F (3 pixels) or V (2 pixels),
 *   SRNet 64 wide, rotation ensemble with reflect padding, output Σ_rot 127·clamp(net)/255;
 * - MuLUT (Li et al., ECCV 2022): stages × modes (s, d, y) dense MuLUT units; inner stages average the
 *   12 ensembles (÷ 4·modes, +127) and requantise; the last stage averages modes (÷ modes), edge padding.
 * Denoising / deblocking use the MuLUT structure with upscale 1 (the degradation is in the data).
 * - AutoLUT (Xu et al., CVPR 2025): learned samplers (+ AdaRL) on SR-LUT or MuLUT, see autolut.ts.
 * - SPF-LUT (Li et al., CVPR 2024): progressive blocks, channel LUT and up-block, see spf.ts.
 */
import { buildAutoLut } from "./autolut.ts";
import type { SrModelConfig } from "./config.ts";
import { LutModule } from "../core/lutmodule.ts";
import { SrModel, type Stage } from "../core/model.ts";
import { patternOf } from "../core/pattern.ts";
import { buildSpf } from "./spf.ts";

export { DEFAULT_MODEL, type SrModelConfig } from "./config.ts";

/** Builds the model described by `cfg`; `seed` fixes the network initialisation. */
export function buildSrModel(cfg: SrModelConfig, seed = 1): SrModel {
  const { upscale, interval, width } = cfg;
  if (!Number.isInteger(upscale) || upscale < 1 || upscale > 8) {
    throw new Error(`model.upscale must be an integer in 1..8, got ${upscale}`);
  }
  if (cfg.kind === "autolut") {
    if (!cfg.autolut) throw new Error('model.kind "autolut" needs its settings (base, sample_size, ...)');
    return buildAutoLut({ ...cfg, ...cfg.autolut }, seed);
  }
  if (cfg.kind === "spf") return buildSpf(cfg, seed);
  if (cfg.kind === "srlut") {
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
  if (!Number.isInteger(cfg.stages) || cfg.stages < 1) {
    throw new Error(`model.stages must be a positive integer, got ${cfg.stages}`);
  }
  if (cfg.modes.length === 0) throw new Error("model.modes must list at least one pattern (s, d, y)");
  const stages: Stage[] = [];
  for (let s = 1; s <= cfg.stages; s++) {
    const last = s === cfg.stages;
    const modules = cfg.modes.map((mode, i) =>
      new LutModule({
        name: `s${s}_${mode}`,
        pattern: patternOf(mode),
        upscale: last ? upscale : 1,
        net: { kind: "mulut", width },
        interval,
        roundOutput: true,
      }, seed + 101 * s + i)
    );
    const n = cfg.modes.length;
    stages.push(last ? { modules, divisor: n, bias: 0 } : { modules, divisor: 4 * n, bias: 127 });
  }
  return new SrModel({
    kind: `mulut-${cfg.modes.join("")}-x${cfg.stages}`,
    upscale,
    stages,
    padMode: "edge",
    finalQuant: "mulut",
  });
}
