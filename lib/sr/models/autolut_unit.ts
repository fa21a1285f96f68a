/**
 * The AutoLUT unit (AutoLUT, Xu et al., CVPR 2025), shared by every base it attaches to (SR-LUT, MuLUT,
 * SPF-LUT): AutoSample (a learnable K×K → 4 sampler) → optional AdaRL (blend with the samples of an
 * earlier input) → a 4-input LutModule, summed over the rotation ensemble like any fixed-pattern unit.
 */
import { tf } from "../../core/backend.ts";
import type { AdaRL } from "./adarl.ts";
import type { AutoSample } from "./autosample.ts";
import type { LutModule } from "../core/lutmodule.ts";
import type { ModelPart } from "../core/model.ts";
import { padBottomRight, type PadMode, pixelShuffle, rot90 } from "../core/pattern.ts";

/** One AutoLUT unit: sampler, optional AdaRL, and the 4-input LutModule it feeds. */
export type AutoLutUnit = { sampler: AutoSample; adarl?: AdaRL; lut: LutModule };

/**
 * Runs a unit on padded planes [N, H+K-1, W+K-1] (and the earlier input's, for AdaRL) → [C·N, H·r, W·r]
 * (channel-major, C = the LutModule's output channels).
 */
export function applyUnit(u: AutoLutUnit, xp: tf.Tensor3D, pp?: tf.Tensor3D): tf.Tensor3D {
  const [n, hp, wp] = xp.shape;
  const h = hp - u.sampler.pad[0], w = wp - u.sampler.pad[1], r = u.lut.spec.upscale, c = u.lut.channels;
  const m = n * h * w;
  let s = u.sampler.sample(xp);
  if (u.adarl && pp) s = u.adarl.mix(s, u.sampler.sample(pp));
  const y = u.lut.apply(tf.reshape(s, [m, 1, 4])); // [C·M, r, r]
  const rows = c === 1 ? tf.reshape(y, [m, r * r]) : tf.reshape(
    tf.transpose(tf.reshape(y, [c, m, r * r]), [
      1,
      0,
      2,
    ]),
    [m, c * r * r],
  );
  return pixelShuffle(rows as tf.Tensor2D, n, h, w, r, c);
}

/**
 * Sum of the units' rotation ensembles on planes [N,H,W] → [C·N, H·r, W·r] (table units); units with AdaRL
 * also read `prev` (planes [N,H,W], padded and rotated the same way) when it is given.
 */
export function unitEnsemble(
  units: readonly AutoLutUnit[],
  x: tf.Tensor3D,
  padMode: PadMode,
  prev?: tf.Tensor3D,
): tf.Tensor3D {
  let pred: tf.Tensor3D | undefined;
  for (const u of units) {
    for (let r = 0; r < 4; r++) {
      const pad = (t: tf.Tensor3D) => padBottomRight(rot90(t, r), u.sampler.pad, padMode);
      const y = rot90(applyUnit(u, pad(x), u.adarl && prev ? pad(prev) : undefined), 4 - r);
      pred = pred ? tf.add(pred, y) : y;
    }
  }
  return pred!;
}

/** Samplers (PART {lut}_sampler, logits [4,K,K]) and AdaRL weights ({lut}_adarl, [4]) of the units. */
export function unitParts(units: readonly AutoLutUnit[]): ModelPart[] {
  return units.flatMap((u) => [
    { name: `${u.lut.spec.name}_sampler`, variable: u.sampler.logits },
    ...(u.adarl ? [{ name: `${u.lut.spec.name}_adarl`, variable: u.adarl.weight }] : []),
  ]);
}
