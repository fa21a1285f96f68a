/**
 * AdaInt (Yang et al., "AdaInt: Learning Adaptive Intervals for 3D Lookup Tables on Real-time Image
 * Enhancement", CVPR 2022; ImCharlesY/AdaInt `AiLUT`): a context code from the pooled 3DLUT trunk
 * (pooled_trunk.ts, m = 16: 512 values), the image-adaptive LUT of N ranks (lut_generator.ts, mapping h)
 * and, per image, learned sampling vertices of the lattice (mapping g, `AdaInt`): intervals = softmax of
 * Linear [512 -> 3(D-1)] (weight 0, bias 1 at init) per channel, vertices = [0, cumsum(intervals)]
 * [B,3,D]. The image goes through the LUT on those vertices with the AiLUT transform (lib/lut/ailut_op.ts).
 * Parameters: backbone.*, generator.weights.*, generator.luts [N,3,D,D,D], adaint.weight [512,3(D-1)],
 * adaint.bias [3(D-1)].
 */
import { tf } from "../../core/backend.ts";
import type { Image } from "../../image/io.ts";
import { Rng } from "../../core/rng.ts";
import { ailutApply } from "../../lut/ailut_op.ts";
import { applyAiLut } from "../../lut/ailut.ts";
import { addPooledTrunk, codeLength, ContextModel, pooledTrunkForward } from "./pooled_trunk.ts";
import { addLinear, addLutGenerator, linear, lutGeneratorForward } from "./lut_generator.ts";

/** AdaInt's architecture: ranks N, lattice size D, shared intervals for the 3 channels (Share-AdaInt). */
export type AdaIntConfig = { luts: number; dim: number; share: boolean };

/** AdaInt's training extras: lr multiplier of the interval branch (`adaint.*`), steps it stays frozen. */
export type AdaIntTraining = { lrMult: number; fixSteps: number };

/** The paper's training extras (configs/fivekrgb.py: lr_mult 0.1, n_fix_iters = 5 epochs of 4500). */
export const ADAINT_PAPER_TRAINING: AdaIntTraining = { lrMult: 0.1, fixSteps: 4500 * 5 };

/** The published FiveK sRGB model (configs/fivekrgb.py): 3 ranks, 33 vertices, per-channel intervals. */
export const ADAINT_PAPER: AdaIntConfig = { luts: 3, dim: 33, share: false };

const TRUNK_M = 16;

/** The vertices [B,3,D] from interval logits [B,3 or 1,D-1]: softmax, cumsum, a leading 0. */
export function verticesFromLogits(logits: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, c] = logits.shape;
    const full = tf.concat([tf.zeros([b, c, 1]), tf.cumsum(tf.softmax(logits, -1), 2)], 2);
    return (c === 1 ? tf.tile(full, [1, 3, 1]) : full) as tf.Tensor3D;
  });
}

/** AdaInt network (see module doc). */
export class AdaIntModel
  extends ContextModel<{ weights: tf.Tensor2D; luts: tf.Tensor; vertices: tf.Tensor3D }> {
  /** New network with the original initialisation, drawn from `seed`. */
  constructor(readonly config: AdaIntConfig, seed = 0) {
    super();
    const rng = new Rng(seed), f = codeLength(TRUNK_M), d = config.dim;
    addPooledTrunk(this.params, TRUNK_M, rng);
    addLutGenerator(this.params, "generator.", f, config.luts, d, rng);
    addLinear(this.params, "adaint", f, (config.share ? 1 : 3) * (d - 1), rng);
    this.params.get("adaint.weight")!.assign(tf.zeros([f, (config.share ? 1 : 3) * (d - 1)]));
    this.params.get("adaint.bias")!.assign(tf.ones([(config.share ? 1 : 3) * (d - 1)]));
  }

  /** Rank weights [B,N], LUTs [B,3,D,D,D] and vertices [B,3,D] of thumbnails [B,3,256,256]. */
  predict(thumb: tf.Tensor4D, training = false, rng?: Rng) {
    return tf.tidy(() => {
      const code = pooledTrunkForward(this.params, thumb, training, rng);
      const { weights, luts } = lutGeneratorForward(this.params, "generator.", code);
      const logits = linear(this.params, "adaint", code);
      const c = this.config.share ? 1 : 3;
      const vertices = verticesFromLogits(logits.reshape([code.shape[0], c, this.config.dim - 1]));
      return { weights, luts, vertices };
    });
  }

  /** Training forward: img [B,3,H,W] through each image's LUT on its vertices; `withBank`: the basis LUTs. */
  forward(thumb: tf.Tensor4D, img: tf.Tensor4D, training = false, rng?: Rng, withBank = false) {
    return tf.tidy(() => {
      const { weights, luts, vertices } = this.predict(thumb, training, rng);
      const out = ailutApply(img, luts, vertices);
      const bank = withBank ? this.params.get("generator.luts")! : undefined;
      return { out, weights, ...(bank ? { bank: bank as tf.Tensor } : {}) };
    });
  }

  /** LUT [3,D,D,D], vertices [3,D] and rank weights [N] of one RGB image (thumbnail: bilinear 256x256). */
  async adaptive(img: Image): Promise<{ lut: Float32Array; vertices: Float32Array; weights: Float32Array }> {
    const { luts, vertices, weights } = await this.predictImage(img, "AdaInt");
    return { lut: luts, vertices, weights };
  }

  /** The AiLUT output of `img` (clamped to [0,1]) with its LUT, vertices and weights. */
  async enhanceAdaptive(img: Image) {
    const a = await this.adaptive(img);
    const data = applyAiLut(img.data, a.lut, a.vertices, {
      batch: 1,
      height: img.height,
      width: img.width,
      dim: this.config.dim,
    });
    for (let i = 0; i < data.length; i++) data[i] = Math.min(1, Math.max(0, data[i]));
    return { out: { data, channels: 3, height: img.height, width: img.width } as Image, ...a };
  }
}
