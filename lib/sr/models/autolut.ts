/**
 * AutoLUT (Xu et al., CVPR 2025) on SR-LUT and MuLUT: every LUT unit is AutoSample (a learnable K×K → 4
 * sampler) → optional AdaRL (stages ≥ 2: blend with the samples of the previous stage's input) → a
 * 4-input LutModule, composed in the same SrModel stages (rotation ensemble, requantisation). Only the
 * LutModules export to tables; the samplers and AdaRL weights are model parts kept as network ops in
 * both forms, so LUT fine-tuning trains tables, samplers and AdaRL weights together.
 * - base "srlut" (SR-LUT+AutoLUT): one unit, SRNet, K = 3, reflect padding by K-1, SR-LUT output;
 * - base "mulut" (MuLUT+AutoLUT): one unit per entry of `modes` per stage (the paper: 3 samplers,
 *   K = 5, GELU), AdaRL in stages ≥ 2, MuLUT stage arithmetic, edge padding by K-1.
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
import { padBottomRight, patternOf, pixelShuffle, rot90 } from "../core/pattern.ts";

/** One AutoLUT unit: sampler, optional AdaRL, and the 4-input LutModule it feeds. */
export type AutoLutUnit = { sampler: AutoSample; adarl?: AdaRL; lut: LutModule };

/** Runs a unit on padded planes [N, H+K-1, W+K-1] (and the previous stage's, for AdaRL) → [N, H·r, W·r]. */
export function applyUnit(u: AutoLutUnit, xp: tf.Tensor3D, pp?: tf.Tensor3D): tf.Tensor3D {
  const [n, hp, wp] = xp.shape;
  const h = hp - u.sampler.pad[0], w = wp - u.sampler.pad[1], r = u.lut.spec.upscale;
  let s = u.sampler.sample(xp);
  if (u.adarl && pp) s = u.adarl.mix(s, u.sampler.sample(pp));
  const y = u.lut.apply(tf.reshape(s, [n * h * w, 1, 4]));
  return pixelShuffle(tf.reshape(y, [n * h * w, r * r]), n, h, w, r);
}

/** An SrModel whose stages are AutoLUT units; `modules()` are the units' LutModules (the tables). */
export class AutoLutModel extends SrModel {
  constructor(spec: SrModelSpec, readonly units: AutoLutUnit[][]) {
    super(spec);
    if (units.length !== spec.stages.length) throw new Error(`${spec.kind}: one unit list per stage`);
  }

  /** Samplers (PART s{k}_a{i}_sampler, logits [4,K,K]) and AdaRL weights (s{k}_a{i}_adarl, [4]). */
  override parts(): ModelPart[] {
    return this.units.flat().flatMap((u) => [
      { name: `${u.lut.spec.name}_sampler`, variable: u.sampler.logits },
      ...(u.adarl ? [{ name: `${u.lut.spec.name}_adarl`, variable: u.adarl.weight }] : []),
    ]);
  }

  /** Rotation ensembles of the stage's units; AdaRL units also read `prev` (the previous stage's input). */
  override stagePred(x: tf.Tensor3D, stage: Stage, prev?: tf.Tensor3D): tf.Tensor3D {
    const units = this.units[this.spec.stages.indexOf(stage)];
    let pred: tf.Tensor3D | undefined;
    for (const u of units) {
      for (let r = 0; r < 4; r++) {
        const pad = (t: tf.Tensor3D) => padBottomRight(rot90(t, r), u.sampler.pad, this.spec.padMode);
        const y = rot90(applyUnit(u, pad(x), u.adarl && prev ? pad(prev) : undefined), 4 - r);
        pred = pred ? tf.add(pred, y) : y;
      }
    }
    return pred!;
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
export async function autolutWeights(model: AutoLutModel): Promise<{
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
  return buildAutoLut({ ...cfg, ...cfg.autolut }, seed);
});
