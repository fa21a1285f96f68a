/**
 * SepLUT (Yang et al., "SepLUT: Separable Image-adaptive Lookup Tables for Real-time Image Enhancement",
 * ECCV 2022; ImCharlesY/SepLUT `SepLUT`): from one context code (pooled_trunk.ts, multiplier m: 32m
 * values) it predicts, per image, three 1D LUTs of S_o entries (`LUT1DGenerator`: sigmoid of Linear
 * [32m -> 3 S_o]) and a 3D LUT of S_t³ (lut_generator.ts, N ranks); the image goes through the 1D curves
 * (component-wise, lib/lut/lut1d_op.ts) and then the 3D LUT (trilinear, lib/lut/lut3d_op.ts) -- the
 * original's `forward_dummy` (its 1D stage is a trilinear lookup of the equivalent separable 3D LUT, which
 * equals per-channel linear interpolation). Parameters: backbone.*, lut1d.weight [32m,3S_o], lut1d.bias,
 * generator.weights.*, generator.luts [N,3,S_t,S_t,S_t].
 */
import { tf } from "../../core/backend.ts";
import type { Image } from "../../image/io.ts";
import { Rng } from "../../core/rng.ts";
import { lut1dApply } from "../../lut/lut1d_op.ts";
import { lut3dApply } from "../../lut/lut3d_op.ts";
import { applyLutStages } from "../../lut/lut_file.ts";
import { addPooledTrunk, codeLength, ContextModel, pooledTrunkForward } from "./pooled_trunk.ts";
import { addLinear, addLutGenerator, linear, lutGeneratorForward } from "./lut_generator.ts";

/** SepLUT's architecture: trunk multiplier m, 3D LUT size S_t, 1D LUT size S_o, ranks N. */
export type SepLutConfig = { baseFeats: number; dim3d: number; dim1d: number; luts: number };

/** The published FiveK sRGB models: M8#3D17#1D17 (configs/fivekrgb.py), M8#3D33#1D33, M6#3D9#1D9. */
export const SEPLUT_VARIANTS: Record<string, SepLutConfig> = {
  "M8#3D17#1D17": { baseFeats: 8, dim3d: 17, dim1d: 17, luts: 3 },
  "M8#3D33#1D33": { baseFeats: 8, dim3d: 33, dim1d: 33, luts: 3 },
  "M6#3D9#1D9": { baseFeats: 6, dim3d: 9, dim1d: 9, luts: 3 },
};

/** One image's tables: 1D LUTs [3,S_o] (lut[c][i]), 3D LUT [3,S_t,S_t,S_t], rank weights [N]. */
export type SepLutTables = { lut1d: Float32Array; lut3d: Float32Array; weights: Float32Array };

/** SepLUT network (see module doc). */
export class SepLutModel
  extends ContextModel<{ weights: tf.Tensor2D; lut3d: tf.Tensor; lut1d: tf.Tensor3D }> {
  /** New network with the original initialisation (1D generator: PyTorch's Linear default), from `seed`. */
  constructor(readonly config: SepLutConfig, seed = 0) {
    super();
    const rng = new Rng(seed), f = codeLength(config.baseFeats);
    addPooledTrunk(this.params, config.baseFeats, rng);
    addLutGenerator(this.params, "generator.", f, config.luts, config.dim3d, rng);
    addLinear(this.params, "lut1d", f, 3 * config.dim1d, rng);
  }

  /** 1D LUTs [B,3,S_o], 3D LUTs [B,3,S_t,S_t,S_t] and rank weights [B,N] of thumbnails [B,3,256,256]. */
  predict(thumb: tf.Tensor4D, training = false, rng?: Rng) {
    return tf.tidy(() => {
      const code = pooledTrunkForward(this.params, thumb, training, rng);
      const { weights, luts } = lutGeneratorForward(this.params, "generator.", code);
      const lut1d = tf.sigmoid(linear(this.params, "lut1d", code)).reshape([
        code.shape[0],
        3,
        this.config.dim1d,
      ]);
      return { weights, lut3d: luts, lut1d: lut1d as tf.Tensor3D };
    });
  }

  /** Training forward: img [B,3,H,W] through the 1D then the 3D LUT of each image; `withBank`: the basis LUTs. */
  forward(thumb: tf.Tensor4D, img: tf.Tensor4D, training = false, rng?: Rng, withBank = false) {
    return tf.tidy(() => {
      const { weights, lut3d, lut1d } = this.predict(thumb, training, rng);
      const out = lut3dApply(lut1dApply(img, lut1d, false), lut3d, "trilinear", true);
      const bank = withBank ? this.params.get("generator.luts")! : undefined;
      return { out, weights, ...(bank ? { bank: bank as tf.Tensor } : {}) };
    });
  }

  /** The tables of one RGB image (thumbnail: bilinear 256x256). */
  tables(img: Image): Promise<SepLutTables> {
    return this.predictImage(img, "SepLUT");
  }

  /** The output of `img` (1D then 3D on the host kernels, clamped to [0,1]) and its tables. */
  async enhanceTables(img: Image): Promise<{ out: Image } & SepLutTables> {
    const t = await this.tables(img);
    const unit = [0, 0, 0] as [number, number, number], one = [1, 1, 1] as [number, number, number];
    const out = applyLutStages(img, {
      lut1d: { size: this.config.dim1d, domainMin: unit, domainMax: one, lut: t.lut1d },
      lut3d: { size: this.config.dim3d, domainMin: unit, domainMax: one, lut: t.lut3d },
    }, "trilinear");
    for (let i = 0; i < out.data.length; i++) out.data[i] = Math.min(1, Math.max(0, out.data[i]));
    return { out, ...t };
  }
}
