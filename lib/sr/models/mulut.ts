/**
 * MuLUT (Li et al., ECCV 2022): stages × modes (s, d, y) dense MuLUT units; inner stages average the 12
 * ensembles (÷ 4·modes, +127) and requantise; the last stage averages modes (÷ modes), edge padding.
 * Denoising / deblocking use this structure with upscale 1 (the degradation is in the data). Registered as
 * model.kind "mulut".
 */
import { LutModule } from "../core/lutmodule.ts";
import { SrModel, type Stage } from "../core/model.ts";
import { patternOf } from "../core/pattern.ts";
import type { SrModelConfig } from "./model_config.ts";
import { srModels } from "./sr_registry.ts";

/** MuLUT with `cfg.stages` stages of `cfg.modes` units; `seed` fixes the network initialisation. */
export function buildMulut(cfg: SrModelConfig, seed: number): SrModel {
  const { upscale, interval, width } = cfg;
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

srModels.register("mulut", buildMulut);
