/**
 * AutoSample (AutoLUT, Xu et al., CVPR 2025): a learnable sampler that replaces the fixed S/D/Y patterns.
 * Each of the 4 LUT inputs is a convex combination of the K×K window anchored at the pixel,
 *   sample_c(y, x) = Σ_{i,j<K} softmax(θ_c)[i·K+j] · x(y+i, x+j),   c = 0..3,
 * i.e. the paper's 1→4-channel K×K convolution with softmax-normalised weights and no bias, whose
 * channels, pixel-shuffled into a 2×2 patch, feed the 4-input LUT network in the order (0,0),(0,1),(1,0),
 * (1,1). It stays a network op in both forms (it is not enumerated): the samples are real-valued and
 * the LUT form interpolates the table at them (4-D simplex, as the paper's test scripts do).
 * Logits θ are stored as [4, K, K] (the paper's conv weight [4, 1, K, K] without the input axis).
 */
import { tf } from "../../core/backend.ts";
import { matMul } from "../../nn/matmul.ts";
import { Rng } from "../../core/rng.ts";
import type { Offset } from "../../lut/simplex_ref.ts";
import { gatherPattern, type Pattern } from "../core/pattern.ts";

/** The 4 samples of one position as a 1×4 "plane": LutModules read them with this pattern. */
export const SAMPLE_ROW: Pattern = {
  name: "autosample",
  offsets: [[0, 0], [0, 1], [0, 2], [0, 3]],
  pad: [0, 3],
};

/** Number of LUT inputs an AutoSample produces. */
export const SAMPLES = 4;

/**
 * Initial logits: "normal" N(0, 2/K²) (kaiming normal, the SR-LUT+AutoLUT script), "uniform"
 * U(-1/K, 1/K) (PyTorch's Conv2d default, the MuLUT+AutoLUT code).
 */
export type SamplerInit = "normal" | "uniform";

/** The K×K window anchored at (0,0), row-major: the pixels a sampler reads. */
export function windowPattern(k: number): Pattern {
  if (!Number.isInteger(k) || k < 2 || k > 9) {
    throw new Error(`AutoSample size must be an integer in 2..9, got ${k}`);
  }
  const offsets: Offset[] = [];
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) offsets.push([i, j]);
  return { name: `window${k}`, offsets, pad: [k - 1, k - 1] };
}

/** A learnable K×K → 4 sampler with softmax-normalised weights. */
export class AutoSample {
  readonly window: Pattern;
  /** Logits θ [4, K, K]. */
  readonly logits: tf.Variable;

  constructor(readonly name: string, readonly size: number, init: SamplerInit, seed: number) {
    this.window = windowPattern(size);
    const rng = new Rng(seed), n = SAMPLES * size * size;
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      v[i] = init === "normal" ? rng.normal() * Math.SQRT2 / size : (2 * rng.next() - 1) / size;
    }
    this.logits = tf.variable(tf.tensor3d(v, [SAMPLES, size, size]));
  }

  /** Pad [rows below, cols right] the sampler needs on its input planes: K-1 each. */
  get pad(): readonly [number, number] {
    return this.window.pad;
  }

  /** Softmax-normalised weights [4, K²] (each row ≥ 0, summing to 1). */
  weights(): tf.Tensor2D {
    return tf.softmax(tf.reshape(this.logits, [SAMPLES, this.size * this.size]) as tf.Tensor2D);
  }

  /**
   * Sets the logits to a one-hot pattern: channel c gets 0 at offsets[c] and -gap elsewhere. With
   * gap ≥ 104 the float32 softmax is exactly one-hot (the fixed pattern, with a zero gradient).
   */
  setPattern(offsets: readonly Offset[], gap: number): void {
    const k = this.size;
    if (offsets.length !== SAMPLES) throw new Error(`${this.name}: a sampler pattern needs 4 offsets`);
    if (!(gap > 0) || !Number.isFinite(gap)) throw new Error(`${this.name}: gap must be a positive number`);
    const v = new Float32Array(SAMPLES * k * k).fill(-gap);
    offsets.forEach(([dy, dx], c) => {
      if (!(dy >= 0 && dy < k && dx >= 0 && dx < k)) {
        throw new Error(`${this.name}: offset [${dy},${dx}] outside the ${k}x${k} window`);
      }
      v[c * k * k + dy * k + dx] = 0;
    });
    this.logits.assign(tf.tensor3d(v, [SAMPLES, k, k]));
  }

  /** Padded planes [N, H+K-1, W+K-1] (0..255) → samples [N·H·W, 4] (row-major over N, y, x). */
  sample(xp: tf.Tensor3D): tf.Tensor2D {
    return matMul(gatherPattern(xp, this.window), tf.transpose(this.weights()));
  }
}
