/**
 * Image-adaptive 3D LUT networks: a CNN on a TxT bilinear thumbnail (spec.thumb, 256 in both papers)
 * predicts N weights, the image is mapped through the fused LUT sum_n w_n LUT_n (trilinear, or
 * tetrahedral) at full resolution.
 *   - "3dlut" head (Zeng et al., TPAMI 2020, Image-Adaptive-3DLUT `Classifier`): trunk (backbone.ts,
 *     3dlut init), Dropout(0.5), Conv 8x8 valid -> N weights (`head.weight` [8,8,C,N] HWIO, `head.bias`
 *     [N], bias initialised to 1); output = LUT_fused(img). Bank: N standard LUTs `luts` [N,3,D,D,D]
 *     (layout lut[c][b][g][r]), LUT 0 the identity, the others zero (Generator3DLUT_identity/_zero).
 *   - "clutnet" head (CLUT-Net, clut.ts): ImageNet-normalised trunk, average pool, 1x1-conv classifier;
 *     residual output img + LUT_res(img), computed as one lookup of (identity + LUT_res) -- equal for
 *     colours in [0,1]. Bank: the compressed Ms/Mw/C of clut.ts.
 * Any head works with any bank: BL-A = 3dlut with small D, BL-B = 3dlut head + a compressed bank fitted
 * by PCA (pca.ts), BL-C = clutnet with fixed DCT Ms/Mw. The same object gives the network output
 * (`forward`, training) and its LUT form (`fusedLuts`, `basisLuts`, `enhance`: one .cube per image).
 */
import { readAndDispose, tf } from "../../core/backend.ts";
import { matMul } from "../../nn/matmul.ts";
import type { Image } from "../../image/io.ts";
import { resizeBilinear } from "../../image/resize.ts";
import { applyLut3dImage, type Lut3dMode } from "../../lut/lut3d.ts";
import { lut3dApply } from "../../lut/lut3d_op.ts";
import { Rng } from "../../core/rng.ts";
import {
  addBackbone,
  addConv,
  backboneChannels,
  backboneForward,
  type BackboneKind,
  convLayer,
} from "./backbone.ts";
import { param, paramCount, type Params } from "../../nn/params.ts";
import { addClutBank, addClutHead, CLUT_NAMES, clutHeadForward, reconstructLuts } from "./clut.ts";

/** Basis LUT storage: N full LUTs, or CLUT-Net's compressed form (learned or fixed DCT Ms/Mw). */
export type LutBankSpec = { kind: "standard" } | { kind: "compressed"; s: number; w: number; fixed: boolean };

/** Architecture of an image-adaptive LUT network. */
export type LutNetSpec = {
  head: "3dlut" | "clutnet";
  backbone: BackboneKind;
  luts: number;
  dim: number;
  bank: LutBankSpec;
  /** thumbnail side for the CNN (256 in both papers; the 3dlut head needs an 8x8 map, i.e. 256) */
  thumb: number;
  mode: Lut3dMode;
};

/** Image-Adaptive 3DLUT as published: 3 LUTs of 33^3, trilinear. */
export const LUT3D_PAPER: LutNetSpec = {
  head: "3dlut",
  backbone: "Backbone",
  luts: 3,
  dim: 33,
  bank: { kind: "standard" },
  thumb: 256,
  mode: "trilinear",
};

/** CLUT-Net "N+S+W" (e.g. 20+05+10) with learned compression, D = 33. */
export function clutNetSpec(luts: number, s: number, w: number, fixed = false): LutNetSpec {
  return { ...LUT3D_PAPER, head: "clutnet", luts, bank: { kind: "compressed", s, w, fixed } };
}

/** Identity LUT [3,D,D,D] in layout lut[c][b][g][r]: channel 0 = r/(D-1), 1 = g/(D-1), 2 = b/(D-1). */
export function identityLut(dim: number): Float32Array {
  const n = dim ** 3, out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    out[i] = (i % dim) / (dim - 1);
    out[n + i] = (Math.floor(i / dim) % dim) / (dim - 1);
    out[2 * n + i] = Math.floor(i / (dim * dim)) / (dim - 1);
  }
  return out;
}

/** Output of `LutNet.forward`: enhanced image, predicted weights, the bank [N,3,D,D,D] when asked for. */
export type LutNetOutput = { out: tf.Tensor4D; weights: tf.Tensor2D; bank?: tf.Tensor };

/** An image-adaptive LUT network (see the module doc); `params` are trained, `buffers` fixed. */
export class LutNet {
  readonly spec: LutNetSpec;
  readonly params: Params = new Map();
  readonly buffers: Params = new Map();
  private readonly identity: Float32Array;

  /** New network with the original initialisation for its head, drawn from `seed`. */
  constructor(spec: LutNetSpec, seed = 0) {
    validateSpec(spec);
    this.spec = spec;
    this.identity = identityLut(spec.dim);
    const rng = new Rng(seed);
    const init = spec.head === "3dlut" ? "3dlut" : "torch";
    addBackbone(this.params, { kind: spec.backbone, init }, rng);
    const c = backboneChannels(spec.backbone);
    if (spec.head === "3dlut") {
      const k = spec.thumb / 32;
      addConv(this.params, "head", k, c, spec.luts, "3dlut", rng);
      this.params.get("head.bias")!.assign(tf.ones([spec.luts])); // constant_(model[16].bias, 1.0)
    } else {
      addClutHead(this.params, c, spec.luts, init, rng);
    }
    const d = spec.dim, n3 = 3 * d ** 3;
    if (spec.bank.kind === "standard") {
      const luts = new Float32Array(spec.luts * n3);
      if (spec.head === "3dlut") luts.set(this.identity); // LUT0 identity, others zero
      this.params.set("luts", tf.variable(tf.tensor(luts, [spec.luts, 3, d, d, d]), true));
    } else {
      const { s, w, fixed } = spec.bank;
      addClutBank(this.params, this.buffers, { luts: spec.luts, dim: d, s, w }, fixed, rng);
    }
  }

  /** Whether the output is img + LUT(img) (CLUT-Net) rather than LUT(img). */
  get residual(): boolean {
    return this.spec.head === "clutnet";
  }

  /** Trainable parameter count (fixed DCT bases of BL-C excluded). */
  paramCount(prefix = ""): number {
    return paramCount(this.params, prefix);
  }

  /** Basis weights [B,N] from thumbnails NCHW [B,3,T,T] (T = spec.thumb); dropout when training. */
  weights(thumb: tf.Tensor4D, training = false, rng?: Rng): tf.Tensor2D {
    const t = this.spec.thumb;
    if (thumb.shape[2] !== t || thumb.shape[3] !== t) {
      throw new Error(`LutNet: thumbnail must be [B,3,${t},${t}], got [${thumb.shape}]`);
    }
    return tf.tidy(() => {
      const clut = this.spec.head === "clutnet";
      const feat = backboneForward(
        this.params,
        thumb,
        { kind: this.spec.backbone, normalize: clut },
        training,
        rng,
      );
      if (clut) return clutHeadForward(this.params, feat, training, rng);
      return convLayer(this.params, "head", feat, 1, 0).reshape([
        thumb.shape[0],
        this.spec.luts,
      ]) as tf.Tensor2D;
    });
  }

  /** The N basis LUTs [N,3,D,D,D] (layout lut[c][b][g][r]); residual ones for CLUT-Net. */
  bankLuts(): tf.Tensor {
    if (this.spec.bank.kind === "standard") return param(this.params, "luts");
    const t = (name: string) => this.tensor(name);
    return reconstructLuts(t(CLUT_NAMES.ms), t(CLUT_NAMES.mw), t(CLUT_NAMES.c), this.spec.luts);
  }

  /**
   * Fused per-image LUTs [B,3,D,D,D] = (identity if residual) + sum_n weights[b,n] LUT_n. A compressed
   * bank is combined in the compressed domain (C_b = sum_n w[b,n] C_n, then one reconstruction per
   * image): equal to reconstructing all N LUTs first, as the original code does, but N times cheaper.
   */
  fusedLuts(weights: tf.Tensor2D): tf.Tensor {
    const d = this.spec.dim, n = this.spec.luts, b = weights.shape[0];
    return tf.tidy(() => {
      let f: tf.Tensor;
      if (this.spec.bank.kind === "standard") {
        f = matMul(weights, param(this.params, "luts").reshape([n, 3 * d ** 3]));
      } else {
        const { s, w } = this.spec.bank;
        const c = this.tensor(CLUT_NAMES.c).reshape([s, n, 3 * w]).transpose([1, 0, 2]).reshape([
          n,
          s * 3 * w,
        ]);
        const cb = matMul(weights, c as tf.Tensor2D).reshape([b, s, 3 * w]).transpose([1, 0, 2]).reshape([
          s * b * 3,
          w,
        ]);
        f = reconstructLuts(this.tensor(CLUT_NAMES.ms), this.tensor(CLUT_NAMES.mw), cb as tf.Tensor2D, b);
      }
      f = f.reshape([b, 3 * d ** 3]);
      if (this.residual) f = tf.add(f, tf.tensor1d(this.identity));
      return f.reshape([b, 3, d, d, d]);
    });
  }

  /** A 2-D parameter or fixed buffer by name. */
  private tensor(name: string): tf.Tensor2D {
    return (this.params.get(name) ?? param(this.buffers, name)) as tf.Tensor2D;
  }

  /**
   * Training forward: thumbnails [B,3,T,T] -> weights; img NCHW [B,3,H,W] through the fused LUTs;
   * `withBank` also returns the N basis LUTs (for the TV / monotonicity regularisers).
   */
  forward(thumb: tf.Tensor4D, img: tf.Tensor4D, training = false, rng?: Rng, withBank = false): LutNetOutput {
    if (img.shape[0] !== thumb.shape[0]) {
      throw new Error(`LutNet: ${img.shape[0]} images but ${thumb.shape[0]} thumbnails`);
    }
    return tf.tidy(() => {
      const weights = this.weights(thumb, training, rng);
      const out = lut3dApply(img, this.fusedLuts(weights), this.spec.mode, false);
      return withBank ? { out, weights, bank: this.bankLuts() } : { out, weights };
    });
  }

  /** The fused LUT [3,D,D,D] and weights [N] for one RGB image (thumbnail = bilinear resize to T). */
  async fusedLut(img: Image): Promise<{ lut: Float32Array; weights: Float32Array }> {
    if (img.channels !== 3) throw new Error(`LutNet: image has ${img.channels} channels, expected 3 (RGB)`);
    const t = this.spec.thumb, th = resizeBilinear(img, t, t);
    // typed arrays are read outside tf.tidy: tidy walks every element of a returned array
    const [w, fused] = tf.tidy(() => {
      const w = this.weights(tf.tensor4d(th.data, [1, 3, t, t]));
      return [w, this.fusedLuts(w)];
    });
    const [lut, weights] = await Promise.all([readAndDispose(fused), readAndDispose(w)]);
    return { lut, weights };
  }

  /** Inference at full resolution: the fused LUT applied to `img` (output clamped to [0,1]), and the LUT. */
  async enhance(img: Image): Promise<{ out: Image; lut: Float32Array; weights: Float32Array }> {
    const { lut, weights } = await this.fusedLut(img);
    const out = applyLut3dImage(img, lut, this.spec.dim, this.spec.mode);
    for (let i = 0; i < out.data.length; i++) out.data[i] = Math.min(1, Math.max(0, out.data[i]));
    return { out, lut, weights };
  }

  /** Static form of each basis: the LUT [3,D,D,D] obtained with weight 1 on basis n (identity added if residual). */
  async basisLuts(): Promise<Float32Array[]> {
    const d = this.spec.dim, n3 = 3 * d ** 3;
    const bank = this.bankLuts();
    const all = await bank.data() as Float32Array;
    if (this.spec.bank.kind === "compressed") bank.dispose();
    return Array.from({ length: this.spec.luts }, (_, n) => {
      const l = all.slice(n * n3, (n + 1) * n3);
      if (this.residual) { for (let i = 0; i < n3; i++) l[i] += this.identity[i]; }
      return l;
    });
  }

  /** Frees all tensors. */
  dispose(): void {
    tf.dispose([...this.params.values(), ...this.buffers.values()]);
  }
}

/** Checks a spec's numbers (errors name the field). */
export function validateSpec(spec: LutNetSpec): void {
  const int = (name: string, v: number, lo: number, hi: number) => {
    if (!Number.isInteger(v) || v < lo || v > hi) {
      throw new Error(`model.${name} must be an integer in [${lo}, ${hi}], got ${v}`);
    }
  };
  int("luts", spec.luts, 1, 256);
  int("dim", spec.dim, 2, 129);
  int("thumb", spec.thumb, 32, 1024);
  if (spec.thumb % 32 !== 0) throw new Error(`model.thumb must be a multiple of 32, got ${spec.thumb}`);
  if (spec.bank.kind === "compressed") {
    int("s", spec.bank.s, 1, spec.dim);
    int("w", spec.bank.w, 1, spec.dim * spec.dim);
  }
}
