/**
 * AutoLUT on SPF-LUT (Xu et al., CVPR 2025, the paper's "SPF-Light" row; code SuperKenVery/AutoLUT,
 * SPF-LUT+AutoLUT/sr/model.py SPF_LUT_net and common/network.py MuLUTConv): SPF-LUT's four progressive
 * blocks, channel LUT and up-block (spf.ts), with every block and up-block unit an AutoLUT unit --
 * AutoSample (K×K window → 4 samples, edge padding by K-1) feeding a 4-input dense MuLUT network (ReLU) --
 * one unit per entry of `modes` (the letters only name the branches; the paper's SPF-Light has one, "s").
 * AdaRL, as in ConvBlock.forward there: block b ≥ 2 blends with the samples of block b-1's input, and
 * up-block channel c with those of block c+1's input (the paper's `torch.cat([x1, x2, x3, x4])`); block 1
 * has none. The channel LUT stays a plain 4-D LUT on the 4 refined values of a pixel, no sampler.
 * Tables keep SPF-LUT's names (s{1..4}c0_{mode}, s5_channel, s6c{0..3}_{mode}); samplers and AdaRL weights
 * are model parts (PART_{table}_sampler.npy, PART_{table}_adarl.npy).
 */
import { tf } from "../../core/backend.ts";
import { AdaRL } from "./adarl.ts";
import { AutoSample, SAMPLE_ROW } from "./autosample.ts";
import type { LutModule } from "../core/lutmodule.ts";
import type { ModelPart, SrModelSpec, Stage } from "../core/model.ts";
import { patternOf } from "../core/pattern.ts";
import type { AutoLutConfig, SrModelConfig } from "./model_config.ts";
import { type AutoLutUnit, unitEnsemble, unitParts } from "./autolut_unit.ts";
import { spfLayout, SpfModel } from "./spf.ts";

/** SPF-LUT whose block and up-block units are AutoLUT units; `units` per stage (the channel stage: none). */
export class AutoSpfModel extends SpfModel {
  readonly units: AutoLutUnit[][];
  private readonly unitOf: Map<LutModule, AutoLutUnit>;

  constructor(
    layout: ConstructorParameters<typeof SpfModel>,
    unitOf: Map<LutModule, AutoLutUnit>,
  ) {
    super(...layout);
    const spec: SrModelSpec = layout[0];
    this.unitOf = unitOf;
    this.units = spec.stages.map((s) => s.modules.flatMap((m) => unitOf.get(m) ?? []));
  }

  /** Samplers and AdaRL weights of every unit, in table order. */
  override parts(): ModelPart[] {
    return unitParts(this.units.flat());
  }

  /** Rotation ensembles of the stage's units; AdaRL units read `prev` (the input they blend with). */
  override stagePred(x: tf.Tensor3D, stage: Stage, prev?: tf.Tensor3D): tf.Tensor3D {
    const units = stage.modules.map((m) => {
      const u = this.unitOf.get(m);
      if (!u) throw new Error(`${this.spec.kind}: module ${m.spec.name} is not an AutoLUT unit`);
      return u;
    });
    return unitEnsemble(units, x, this.spec.padMode, prev);
  }
}

/** Builds SPF-LUT+AutoLUT from the model config (modes = branches, width nf, sample_size K, act, adarl). */
export function buildAutoSpf(cfg: SrModelConfig & AutoLutConfig, seed: number): AutoSpfModel {
  const layout = spfLayout(cfg, seed, {
    pattern: () => SAMPLE_ROW,
    act: cfg.act,
    kind: `autolut-spf-${cfg.modes.join("")}-k${cfg.sampleSize}`,
  });
  const [, blocks, , up] = layout;
  const unitOf = new Map<LutModule, AutoLutUnit>();
  const attach = (modules: LutModule[], adarl: boolean) =>
    modules.forEach((lut, i) => {
      const name = lut.spec.name;
      // PyTorch's Conv2d default init, U(-1/K, 1/K), as the paper's AutoSample (nn.Conv2d(1, 4, K))
      const sampler = new AutoSample(name, cfg.sampleSize, "uniform", seed + 7919 + 37 * unitOf.size);
      if (cfg.samplerInit === "pattern") sampler.setPattern(patternOf(cfg.modes[i]).offsets, cfg.samplerGap);
      unitOf.set(lut, { sampler, adarl: adarl && cfg.adarl ? new AdaRL(name) : undefined, lut });
    });
  blocks.forEach((modules, b) => attach(modules, b > 0));
  up.forEach((modules) => attach(modules, true));
  return new AutoSpfModel(layout, unitOf);
}
