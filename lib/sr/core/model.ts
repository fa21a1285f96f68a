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
import { tf } from "../../core/backend.ts";
import type { LutModule } from "./lutmodule.ts";
import { steRound } from "./lutmodule.ts";
import { padBottomRight, type PadMode, rot90 } from "./pattern.ts";

/** A parameter of a composite model outside its tables (AutoSample, AdaRL, ...): exported as it is. */
export type ModelPart = { name: string; variable: tf.Variable };

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

/** A stage's pred/divisor + bias: planes in 0..255 units, not rounded. */
export function stageValue(pred: tf.Tensor3D, stage: Stage): tf.Tensor3D {
  return tf.add(tf.div(pred, stage.divisor), stage.bias) as tf.Tensor3D;
}

/** Inner-stage requantisation of planes to 8-bit values: round(clamp(v, 0, 255)), straight-through. */
export function requantise(v: tf.Tensor3D): tf.Tensor3D {
  return steRound(tf.clipByValue(v, 0, 255)) as tf.Tensor3D;
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

  /** Parameters outside the tables, trained in both forms and saved beside the tables (none here). */
  parts(): ModelPart[] {
    return [];
  }

  /** Trainable variables of all modules in their current form, then the parts. */
  variables(): tf.Variable[] {
    return [...this.modules().flatMap((m) => m.variables()), ...this.parts().map((p) => p.variable)];
  }

  /**
   * Sum of one stage's rotation ensembles: planes [N,H,W] → [N,H·s,W·s] (table units). `_prev` (the
   * previous stage's input, undefined in the first stage) is for models with inter-stage residuals.
   */
  stagePred(x: tf.Tensor3D, stage: Stage, _prev?: tf.Tensor3D): tf.Tensor3D {
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
    let cur = x, prev: tf.Tensor3D | undefined;
    for (let i = 0; i < stages.length; i++) {
      const y = stageValue(this.stagePred(cur, stages[i], prev), stages[i]);
      prev = cur;
      cur = i === stages.length - 1 ? y : requantise(y);
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
