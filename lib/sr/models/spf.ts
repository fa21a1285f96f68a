/**
 * SPF-LUT (Li et al., CVPR 2024, "Look-Up Table Compression for Efficient Image Restoration": the DFC
 * paper's large baseline; leenas233/DFC sr/model.py SPF_LUT_net, LUT form SPF_LUT) as LutModules in
 * SrModel stages, one definition for the network and the LUT form. Per plane (0..255 units):
 * - four progressive blocks: one dense MuLUT unit per mode (S, D, Y) with the rotation ensemble; blocks 1-3
 *   output 2 channels, block 4 one; each block averages its 12 ensembles (÷ 4·modes, +127) and
 *   requantises, keeps channel 0 ("refined") and feeds channel 1 to the next block;
 * - a channel LUT: the 4 refined values of one pixel are the 4 inputs of one more 4-D LUT with 4 outputs
 *   (MuLUTcUnit, no rotation), requantised as round(clamp(out + 127, 0, 255));
 * - an up-block: one unit per (refined channel, mode) with r² outputs pixel-shuffled and the rotation
 *   ensemble, summed over channels and modes: y = pred / 4 / modes, rounded to 8 bits at the end.
 * Every unit output is round(127·tanh(net)) (straight-through in training). Tables, with the paper's
 * names: s{1,2,3}c0_{mode} (K = 2), s4c0_{mode} (K = 1), s5_channel (K = 4), s6c{0..3}_{mode} (K = r²):
 * 25 tables for modes S, D, Y. DFC compresses the spatial tables; the channel LUT stays whole, as in
 * the paper's SPF_LUT_DFC.
 */
import { tf } from "../../core/backend.ts";
import { LutModule } from "../core/lutmodule.ts";
import { requantise, SrModel, type SrModelSpec, stageValue } from "../core/model.ts";
import type { SrModelConfig } from "./model_config.ts";
import type { NetSpec } from "../core/net.ts";
import { srModels } from "./sr_registry.ts";
import { type Pattern, patternOf } from "../core/pattern.ts";

/** Output channels of the progressive blocks: the first three also pass a feature on. */
export const SPF_BLOCK_CHANNELS = [2, 2, 2, 1] as const;

/** The 4 refined channels of one pixel laid out as a 1×4 row: the channel LUT's input pattern. */
export const CHANNEL_PIXEL: Pattern = {
  name: "channel",
  offsets: [[0, 0], [0, 1], [0, 2], [0, 3]],
  pad: [0, 3],
};

/** SPF-LUT: stages 1-4 the blocks, stage 5 the channel LUT, stage 6 the up-block (modules per channel). */
export class SpfModel extends SrModel {
  constructor(
    spec: SrModelSpec,
    readonly blocks: LutModule[][],
    readonly channel: LutModule,
    readonly up: LutModule[][],
  ) {
    super(spec);
    if (spec.stages.length !== blocks.length + 2 || up.length !== SPF_BLOCK_CHANNELS.length) {
      throw new Error(
        `${spec.kind}: SPF-LUT has ${blocks.length} blocks + channel + up stages, 4 up channels`,
      );
    }
  }

  /** Planes [N,H,W] (0..255) → the up-block's pred / (4·modes), [N, H·r, W·r], before the final rounding. */
  override forward(x: tf.Tensor3D): tf.Tensor3D {
    const stages = this.spec.stages, [n, h, w] = x.shape, nb = this.blocks.length;
    const refined: tf.Tensor3D[] = [], inputs: tf.Tensor3D[] = [];
    let cur = x;
    for (let b = 0; b < nb; b++) {
      inputs.push(cur); // block b's input: AutoLUT's AdaRL in block b+1 and in up-block channel b reads it
      const y = requantise(stageValue(this.stagePred(cur, stages[b], inputs[b - 1]), stages[b])); // [C·N, H, W]
      refined.push(tf.slice(y, [0, 0, 0], [n, h, w]));
      if (b < nb - 1) cur = tf.slice(y, [n, 0, 0], [n, h, w]);
    }
    const pixels = tf.reshape(tf.stack(refined, 3), [n * h * w, 1, refined.length]) as tf.Tensor3D;
    const feat = requantise(stageValue(this.channel.apply(pixels), stages[nb])); // [4·N·H·W, 1, 1]
    const upStage = stages[nb + 1];
    let pred: tf.Tensor3D | undefined;
    this.up.forEach((modules, c) => {
      const plane = tf.reshape(tf.slice(feat, [c * n * h * w, 0, 0], [n * h * w, 1, 1]), [
        n,
        h,
        w,
      ]) as tf.Tensor3D;
      const p = this.stagePred(plane, { ...upStage, modules }, inputs[c]);
      pred = pred ? tf.add(pred, p) : p;
    });
    return stageValue(pred!, upStage);
  }
}

/**
 * SPF-LUT's layout (spec, blocks, channel LUT, up-block) from the model config; `spatial` gives the input
 * pattern and hidden activation of the block and up-block units (default: the mode's fixed pattern, ReLU;
 * AutoLUT replaces it with its sample row).
 */
export function spfLayout(
  cfg: SrModelConfig,
  seed: number,
  spatial: { pattern: (mode: string) => Pattern; act?: NetSpec["act"]; kind?: string } = {
    pattern: patternOf,
  },
): ConstructorParameters<typeof SpfModel> {
  const { upscale, interval, width, modes } = cfg;
  if (modes.length === 0) throw new Error("model.modes must list at least one pattern (s, d, y)");
  const unit = (name: string, pattern: Pattern, channels: number, r: number, unitSeed: number) =>
    new LutModule({
      name,
      pattern,
      upscale: r,
      channels,
      net: {
        kind: "mulut",
        width,
        ...(pattern === CHANNEL_PIXEL || !spatial.act ? {} : { act: spatial.act }),
      },
      interval,
      roundOutput: true,
      compressible: pattern !== CHANNEL_PIXEL,
    }, unitSeed);
  const blocks = SPF_BLOCK_CHANNELS.map((c, b) =>
    modes.map((m, i) => unit(`s${b + 1}c0_${m}`, spatial.pattern(m), c, 1, seed + 101 * (b + 1) + i))
  );
  const channel = unit("s5_channel", CHANNEL_PIXEL, SPF_BLOCK_CHANNELS.length, 1, seed + 505);
  const up = SPF_BLOCK_CHANNELS.map((_, c) =>
    modes.map((m, i) => unit(`s6c${c}_${m}`, spatial.pattern(m), 1, upscale, seed + 606 + 10 * c + i))
  );
  const avg = 4 * modes.length; // rotations × modes in a block; channels × modes in the up-block
  return [
    {
      kind: spatial.kind ?? `spf-${modes.join("")}`,
      upscale,
      stages: [
        ...blocks.map((modules) => ({ modules, divisor: avg, bias: 127 })),
        { modules: [channel], divisor: 1, bias: 127 },
        { modules: up.flat(), divisor: avg, bias: 0 },
      ],
      padMode: "edge",
      finalQuant: "mulut",
    },
    blocks,
    channel,
    up,
  ];
}

/** Builds SPF-LUT from the model config (modes, width nf, interval, upscale); `seed` fixes the init. */
export function buildSpf(cfg: SrModelConfig, seed: number): SpfModel {
  return new SpfModel(...spfLayout(cfg, seed));
}

srModels.register("spf", buildSpf);
