/**
 * AdaRL, adaptive residual learning (AutoLUT, Xu et al., CVPR 2025): in every stage after the first, each
 * of the 4 LUT inputs blends the sample of the previous stage's input (the residual path) with the sample
 * of the current input (the previous stage's output) through a learnable weight w ∈ [0,1]:
 *   in_c = w_c · sample_c(x_{s-1}) + (1 - w_c) · sample_c(x_s),   c = 0..3,
 * with the same sampler on both. As in the paper's code, w starts at 0 (no residual) and is projected onto
 * [0,1] before every use (an in-place clamp, so the optimiser can leave and re-enter the interval).
 * It is a network op in both forms (never part of a table).
 */
import { tf } from "../../core/backend.ts";
import { SAMPLES } from "./autosample.ts";

/** Per-input residual weights of one LUT unit. */
export class AdaRL {
  /** Weights w [4], one per LUT input. */
  readonly weight: tf.Variable;

  constructor(readonly name: string) {
    this.weight = tf.variable(tf.zeros([SAMPLES]));
  }

  /**
   * Projects w onto [0,1] in place (the paper clamps `weights.data` before each forward); on the device,
   * no read back: values inside [0,1] stay exactly as they are.
   */
  project(): void {
    this.weight.assign(tf.tidy(() => tf.clipByValue(this.weight, 0, 1)));
  }

  /** Blends samples [M, 4]: w·prev + (1-w)·cur (w projected onto [0,1] first). */
  mix(cur: tf.Tensor2D, prev: tf.Tensor2D): tf.Tensor2D {
    this.project();
    return tf.add(tf.mul(this.weight, prev), tf.mul(tf.sub(1, this.weight), cur)) as tf.Tensor2D;
  }
}
