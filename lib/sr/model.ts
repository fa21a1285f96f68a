/**
 * Composite SR LUT models: a sequence of stages, each summing the rotation ensembles of its LutModules
 * and requantising, written once for both forms (every LutModule is either its network or its table).
 *
 * Stage arithmetic (pixel values 0..255, LutModule outputs in table units):
 *   pred  = Σ_modules Σ_{r=0..3} rot90⁻ʳ( module( pad(rot90ʳ(x)) ) )
 *   inner stage:  x' = round(clamp(pred/divisor + bias, 0, 255))            (MuLUT: divisor 4·modes, bias 127)
 *   last stage:   y  = pred/divisor + bias, quantised to 8 bits at the end (MuLUT: divisor = modes, bias 0;
 *                 SR-LUT: divisor 1, and its test script's `round(clip(y/255, 0, 1)·255)`).
 * Rounding is straight-through (identity gradient) so the same graph trains.
 */
import { tf } from "../backend.ts";
import type { LutModule } from "./lutmodule.ts";
import { steRound } from "./lutmodule.ts";
import { padBottomRight, type PadMode, rot90 } from "./pattern.ts";

/** One stage: modules whose rotation ensembles are summed, then pred/divisor + bias. */
export type Stage = { modules: LutModule[]; divisor: number; bias: number };

/** How the last stage's output becomes 8-bit pixels: SR-LUT's test script or MuLUT's. */
export type FinalQuant = "srlut" | "mulut";

/** Structure of a composite SR model. */
export type SrModelSpec = {
  kind: string;
  upscale: number;
  stages: Stage[];
  padMode: PadMode;
  finalQuant: FinalQuant;
};

/** Round half to even (numpy's np.round) of a float64. */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v), d = v - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** A composite SR model; `forward` works on planes [N,H,W] of pixel values 0..255. */
export class SrModel {
  constructor(readonly spec: SrModelSpec) {
    if (spec.stages.length === 0) throw new Error(`${spec.kind}: a model needs at least one stage`);
    const r = spec.stages.map((s) => s.modules.map((m) => m.spec.upscale));
    const last = spec.stages.length - 1;
    r.forEach((rs, i) => {
      for (const u of rs) {
        if (u !== (i === last ? spec.upscale : 1)) {
          throw new Error(
            `${spec.kind}: stage ${i + 1} module upscale ${u} (inner stages 1, last ${spec.upscale})`,
          );
        }
      }
    });
  }

  get upscale(): number {
    return this.spec.upscale;
  }

  /** Every LutModule of the model, in stage order (the parts that export to tables). */
  modules(): LutModule[] {
    return this.spec.stages.flatMap((s) => s.modules);
  }

  /** Sets every module to the network or LUT form. */
  setForm(form: "net" | "lut"): void {
    for (const m of this.modules()) {
      if (form === "lut" && !m.table) {
        throw new Error(`${this.spec.kind}: module ${m.spec.name} has no table`);
      }
      m.form = form;
    }
  }

  /** Trainable variables of all modules in their current form. */
  variables(): tf.Variable[] {
    return this.modules().flatMap((m) => m.variables());
  }

  /** Sum of one stage's rotation ensembles: planes [N,H,W] → [N,H·s,W·s] (table units). */
  stagePred(x: tf.Tensor3D, stage: Stage): tf.Tensor3D {
    let pred: tf.Tensor3D | undefined;
    for (const m of stage.modules) {
      for (let r = 0; r < 4; r++) {
        const xp = padBottomRight(rot90(x, r), m.spec.pattern.pad, this.spec.padMode);
        const y = rot90(m.apply(xp), 4 - r);
        pred = pred ? tf.add(pred, y) : y;
      }
    }
    return pred!;
  }

  /**
   * Planes [N,H,W] (0..255) → last stage's pred/divisor + bias, [N, H·r, W·r] in 0..255 units, before the
   * final 8-bit quantisation (inner stages are requantised to integers with STE rounding).
   */
  forward(x: tf.Tensor3D): tf.Tensor3D {
    const { stages } = this.spec;
    let cur = x;
    for (let i = 0; i < stages.length; i++) {
      const s = stages[i];
      const y = tf.add(tf.div(this.stagePred(cur, s), s.divisor), s.bias) as tf.Tensor3D;
      cur = i === stages.length - 1 ? y : steRound(tf.clipByValue(y, 0, 255)) as tf.Tensor3D;
    }
    return cur;
  }

  /** Training output in [0,1]: the last stage's value /255 (MuLUT: STE-rounded first, as in its training). */
  trainOutput(x: tf.Tensor3D): tf.Tensor3D {
    const y = this.forward(x);
    return tf.div(this.spec.finalQuant === "mulut" ? steRound(y) : y, 255) as tf.Tensor3D;
  }

  /** Final 8-bit quantisation of `forward`'s output, in float64 exactly as the reference scripts do it. */
  quantise(y: Float32Array): Float32Array {
    const out = new Float32Array(y.length);
    if (this.spec.finalQuant === "srlut") {
      for (let i = 0; i < y.length; i++) out[i] = roundHalfEven(Math.min(Math.max(y[i] / 255, 0), 1) * 255);
    } else {
      for (let i = 0; i < y.length; i++) out[i] = roundHalfEven(Math.min(Math.max(y[i], 0), 255));
    }
    return out;
  }
}
