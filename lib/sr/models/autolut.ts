/**
 * AutoLUT (Xu et al., CVPR 2025) on SR-LUT and MuLUT: every LUT unit is AutoSample (a learnable K×K → 4
 * sampler) → optional AdaRL (stages ≥ 2: blend with the samples of the previous stage's input) → a
 * 4-input LutModule, composed in the same SrModel stages (rotation ensemble, requantisation). Only the
 * LutModules export to tables; the samplers and AdaRL weights are model parts kept as network ops in
 * both forms, so LUT fine-tuning trains tables, samplers and AdaRL weights together.
 * - base "srlut" (SR-LUT+AutoLUT): one unit, SRNet, K = 3, reflect padding by K-1, SR-LUT output;
 * - base "mulut" (MuLUT+AutoLUT): one unit per entry of `modes` per stage (the paper: 3 samplers,
 *   K = 5, GELU), AdaRL in stages ≥ 2, MuLUT stage arithmetic, edge padding by K-1;
 * - base "spf" (SPF-LUT+AutoLUT): autolut_spf.ts.
 * With one-hot samplers on the S (or S, D, Y) patterns and AdaRL at its initial 0 the model is exactly
 * SR-LUT (MuLUT).
 */
import { readAndDispose, tf } from "../../core/backend.ts";
import { AdaRL } from "./adarl.ts";
import { AutoSample, SAMPLE_ROW, type SamplerInit } from "./autosample.ts";
import { LutModule } from "../core/lutmodule.ts";
import { type ModelPart, SrModel, type SrModelSpec, type Stage } from "../core/model.ts";
import type { AutoLutConfig, SrModelConfig } from "./model_config.ts";
import { srModels } from "./sr_registry.ts";
import { patternOf } from "../core/pattern.ts";
import { type AutoLutUnit, unitEnsemble, unitParts } from "./autolut_unit.ts";
import { buildAutoSpf } from "./autolut_spf.ts";

export { applyUnit, type AutoLutUnit } from "./autolut_unit.ts";

/** An SrModel whose stages are AutoLUT units; `modules()` are the units' LutModules (the tables). */
export class AutoLutModel extends SrModel {
  constructor(spec: SrModelSpec, readonly units: AutoLutUnit[][]) {
    super(spec);
    if (units.length !== spec.stages.length) throw new Error(`${spec.kind}: one unit list per stage`);
  }

  /** Samplers (PART s{k}_a{i}_sampler, logits [4,K,K]) and AdaRL weights (s{k}_a{i}_adarl, [4]). */
  override parts(): ModelPart[] {
    return unitParts(this.units.flat());
  }

  /** Rotation ensembles of the stage's units; AdaRL units also read `prev` (the previous stage's input). */
  override stagePred(x: tf.Tensor3D, stage: Stage, prev?: tf.Tensor3D): tf.Tensor3D {
    return unitEnsemble(this.units[this.spec.stages.indexOf(stage)], x, this.spec.padMode, prev);
  }
}

/** Builds AutoLUT on SR-LUT or MuLUT from the model config; `seed` fixes every initialisation. */
export function buildAutoLut(cfg: SrModelConfig & AutoLutConfig, seed: number): AutoLutModel {
  const { upscale, interval, width, base } = cfg;
  const mulut = base === "mulut";
  const stages = mulut ? cfg.stages : 1;
  const patterns = mulut ? cfg.modes : ["s"];
  if (patterns.length === 0) throw new Error("model.modes must name at least one sampler (s, d, y)");
  const init: SamplerInit = mulut ? "uniform" : "normal";
  const units: AutoLutUnit[][] = [], spec: Stage[] = [];
  for (let s = 1; s <= stages; s++) {
    const last = s === stages;
    const stageUnits = patterns.map((mode, i) => {
      const name = `s${s}_a${i}`, unitSeed = seed + 101 * s + i;
      const sampler = new AutoSample(name, cfg.sampleSize, init, unitSeed + 7919);
      if (cfg.samplerInit === "pattern") sampler.setPattern(patternOf(mode).offsets, cfg.samplerGap);
      const lut = new LutModule({
        name,
        pattern: SAMPLE_ROW,
        upscale: last ? upscale : 1,
        net: { kind: mulut ? "mulut" : "srlut", width, act: cfg.act },
        interval,
        roundOutput: mulut,
        srlutOrder: !mulut,
      }, unitSeed);
      return { sampler, adarl: mulut && s > 1 && cfg.adarl ? new AdaRL(name) : undefined, lut };
    });
    units.push(stageUnits);
    const n = stageUnits.length, modules = stageUnits.map((u) => u.lut);
    spec.push(
      !mulut ? { modules, divisor: 1, bias: 0 } : last ? { modules, divisor: n, bias: 0 } : {
        modules,
        divisor: 4 * n,
        bias: 127,
      },
    );
  }
  return new AutoLutModel({
    kind: `autolut-${base}-k${cfg.sampleSize}`,
    upscale,
    stages: spec,
    padMode: mulut ? "edge" : "reflect",
    finalQuant: mulut ? "mulut" : "srlut",
  }, units);
}

/** Learned weights for inspection: each sampler's softmax [4,K,K] and each AdaRL's projected weights [4]. */
export async function autolutWeights(model: { units: readonly (readonly AutoLutUnit[])[] }): Promise<{
  samplers: { name: string; size: number; weights: Float32Array }[];
  adarl: { name: string; weights: Float32Array }[];
}> {
  const units = model.units.flat();
  return {
    samplers: await Promise.all(units.map(async (u) => ({
      name: u.lut.spec.name,
      size: u.sampler.size,
      weights: await readAndDispose(tf.tidy(() => u.sampler.weights())),
    }))),
    adarl: await Promise.all(
      units.filter((u) => u.adarl).map(async (u) => {
        u.adarl!.project();
        return { name: u.lut.spec.name, weights: await u.adarl!.weight.data() as Float32Array };
      }),
    ),
  };
}

srModels.register("autolut", (cfg, seed) => {
  if (!cfg.autolut) throw new Error('model.kind "autolut" needs its settings (base, sample_size, ...)');
  const full = { ...cfg, ...cfg.autolut };
  return full.base === "spf" ? buildAutoSpf(full, seed) : buildAutoLut(full, seed);
});
