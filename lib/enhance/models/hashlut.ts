/**
 * HashLUT (F. Zhang, L. Zhang, T. Zhang, D. Wang, "Adaptively Hashing 3DLUTs for Lightweight Real-time
 * Image Enhancement", ICME 2023; code Xian-Bei/CLUT):
 * L basis colour transforms stored as one multi-resolution hash grid over RGB (levels of growing
 * resolution 9 -> 64, F = 2 features per level, 2^T entries per level, dense where res^3 fits) followed
 * by a small collision-compensation MLP (tcnn CutlassMLP, no biases: width L*F -> 32 -> ReLU -> 3L);
 * an expert CNN on a 256x256 thumbnail predicts one weight per basis, and the output colour is
 * sum_n w_n * basis_n(rgb). No residual, no clamp (as the original).
 *
 * The expert is the CLUT-Net trunk of lib/enhance/models/backbone.ts (no ImageNet normalisation for HashLUT) and
 * either the CLUT-Net head (lib/enhance/models/clut.ts: fc 128-128, Hardswish, Dropout(0.2), fc 128-L; "Backbone")
 * or Dropout(0.2) + fc 64-L ("SmallBackbone").
 *
 * Parameters (`params`, a lib/nn/params.ts `Params` map): "hash.table" [entries*F] (lib/lut/hashgrid_ref.ts
 * layout), "hash.w1" [32, pad8(L*F)] and "hash.w2" [pad8(3L), 32] row-major as tcnn stores them (padded
 * columns/rows are inert), basis n colour c is MLP output n*3 + c; "backbone.*" and "classifier.*" as
 * in backbone.ts / clut.ts. Images NCHW [B,3,H,W] float32. The exported LUT form (`exportLut`)
 * evaluates the same forward on a lattice.
 */
import { readAndDispose, tf } from "../../core/backend.ts";
import { hashGrid } from "../../lut/hashgrid.ts";
import { type HashGridLevels, hashGridLevels, type HashGridSpec } from "../../lut/hashgrid_ref.ts";
import type { Image } from "../../image/io.ts";
import { resizePilBilinear } from "../../image/pil_resize.ts";
import { Rng } from "../../core/rng.ts";
import {
  addBackbone,
  addConv,
  backboneChannels,
  backboneForward,
  type BackboneKind,
  dropout,
} from "./backbone.ts";
import { param, paramCount, type Params } from "../../nn/params.ts";
import { addClutHead, clutHeadForward } from "./clut.ts";

/** HashLUT hyper-parameters ("L+T" naming of the paper: L levels, 2^T entries per level). */
export type HashLutConfig = {
  levels: number;
  log2TableSize: number;
  baseResolution: number;
  maxResolution: number;
  /** expert CNN: the CLUT-Net "Backbone" (16..128 channels) or "SmallBackbone" (8..64) */
  backbone: BackboneKind;
};

/** Features per level and hidden width of the compensation MLP (fixed in the original). */
export const HASHLUT_FEATURES = 2;
export const HASHLUT_HIDDEN = 32;
/** Expert input size (the original resizes the input to 256x256 with PIL bilinear). */
export const HASHLUT_THUMB = 256;
/** Pixels per band of `HashLut.enhance` (2^20: one 1024² image in one go). */
const ENHANCE_BAND_PIXELS = 1 << 20;

/** tcnn (CutlassMLP of the checkpoints' era) pads MLP input/output widths to multiples of 8. */
const pad8 = (n: number) => Math.ceil(n / 8) * 8;

/** Hash-grid spec of a HashLUT config. */
export function hashLutGridSpec(config: HashLutConfig): HashGridSpec {
  return {
    levels: config.levels,
    featuresPerLevel: HASHLUT_FEATURES,
    log2TableSize: config.log2TableSize,
    baseResolution: config.baseResolution,
    maxResolution: config.maxResolution,
  };
}

/** A HashLUT: hash-grid basis transforms + compensation MLP + expert weights. */
export class HashLut {
  readonly config: HashLutConfig;
  readonly grid: HashGridLevels;
  readonly params: Params = new Map();

  /**
   * New model with the original's initialisation drawn from `seed`: tables U(-1e-4, 1e-4) and
   * Xavier-uniform MLP (tcnn), PyTorch defaults for the expert.
   */
  constructor(config: HashLutConfig, seed = 0) {
    this.config = config;
    this.grid = hashGridLevels(hashLutGridSpec(config));
    const rng = new Rng(seed);
    const L = config.levels, inW = pad8(L * HASHLUT_FEATURES), outW = pad8(3 * L);
    const uniform = (name: string, shape: number[], bound: number) =>
      this.params.set(
        name,
        tf.variable(
          tf.tensor(rng.fill(shape.reduce((a, b) => a * b), (r) => r.uniform(-bound, bound)), shape),
          true,
        ),
      );
    uniform("hash.table", [this.grid.tableLength], 1e-4);
    uniform("hash.w1", [HASHLUT_HIDDEN, inW], Math.sqrt(6 / (HASHLUT_HIDDEN + inW)));
    uniform("hash.w2", [outW, HASHLUT_HIDDEN], Math.sqrt(6 / (outW + HASHLUT_HIDDEN)));
    addBackbone(this.params, { kind: config.backbone, init: "torch" }, rng);
    const c = backboneChannels(config.backbone);
    if (config.backbone === "Backbone") {
      addClutHead(this.params, c, L, "torch", rng);
    } else {
      // Linear(64, L) stored like the CLUT-Net head's fc layers: weight [in,out], bias [out]
      const tmp: Params = new Map();
      addConv(tmp, "classifier.fc1", 1, c, L, "torch", rng);
      this.params.set(
        "classifier.fc1.weight",
        tf.variable(tmp.get("classifier.fc1.weight")!.reshape([c, L]), true),
      );
      this.params.set("classifier.fc1.bias", tmp.get("classifier.fc1.bias")!);
      tmp.get("classifier.fc1.weight")!.dispose();
    }
  }

  /** Trainable variables, in a fixed order. */
  variables(): tf.Variable[] {
    return [...this.params.values()];
  }

  /** Parameter count as the original reports it (tcnn's padded MLP matrices included). */
  paramCount(prefix = ""): number {
    return paramCount(this.params, prefix);
  }

  /** Basis weights [B, L] from thumbnails NCHW [B,3,256,256] (dropout, from `rng`, only when training). */
  weights(thumb: tf.Tensor4D, training = false, rng?: Rng): tf.Tensor2D {
    return tf.tidy(() => {
      const feat = backboneForward(this.params, thumb, { kind: this.config.backbone }, training, rng);
      if (this.config.backbone === "Backbone") return clutHeadForward(this.params, feat, training, rng);
      const pooled = dropout(tf.mean(feat, [1, 2]) as tf.Tensor2D, 0.2, training, rng);
      return tf.add(
        tf.matMul(pooled, param(this.params, "classifier.fc1.weight") as tf.Tensor2D),
        param(this.params, "classifier.fc1.bias"),
      ) as tf.Tensor2D;
    });
  }

  /** Enhanced image [B,3,H,W] = sum_n weights[b,n] * basis_n(rgb) for rgb [B,3,H,W], weights [B,L]. */
  apply(rgb: tf.Tensor4D, weights: tf.Tensor2D): tf.Tensor4D {
    const [B, , H, W] = rgb.shape;
    const L = this.config.levels, LF = L * HASHLUT_FEATURES;
    if (weights.shape[0] !== B || weights.shape[1] !== L) {
      throw new Error(`HashLut.apply: weights [${weights.shape}] do not match batch ${B} x ${L} levels`);
    }
    return tf.tidy(() => {
      const table = param(this.params, "hash.table") as tf.Tensor1D;
      const feat = hashGrid(rgb, table, this.grid).reshape([B, LF, H * W]);
      const w1 = tf.tile(param(this.params, "hash.w1").slice([0, 0], [HASHLUT_HIDDEN, LF]).expandDims(0), [
        B,
        1,
        1,
      ]);
      const hidden = tf.relu(tf.matMul(w1, feat)); // [B, 32, HW]
      // Fold the weighted sum of the L bases into the output layer: M[b] = sum_n w[b,n] W2[n*3+c, :].
      const w2 = param(this.params, "hash.w2").slice([0, 0], [3 * L, HASHLUT_HIDDEN]).reshape([
        L,
        3 * HASHLUT_HIDDEN,
      ]);
      const m = tf.matMul(weights, w2).reshape([B, 3, HASHLUT_HIDDEN]);
      return tf.matMul(m, hidden).reshape([B, 3, H, W]) as tf.Tensor4D;
    });
  }

  /** Training forward: thumbnails [B,3,256,256] give the weights [B,L], img [B,3,H,W] is transformed. */
  forward(
    thumb: tf.Tensor4D,
    img: tf.Tensor4D,
    training = false,
    rng?: Rng,
  ): { out: tf.Tensor4D; weights: tf.Tensor2D } {
    if (img.shape[0] !== thumb.shape[0]) {
      throw new Error(`HashLut: ${img.shape[0]} images but ${thumb.shape[0]} thumbnails`);
    }
    return tf.tidy(() => {
      const weights = this.weights(thumb, training, rng);
      return { out: this.apply(img, weights), weights };
    });
  }

  /** Basis weights [L] of one RGB image, from its PIL-bilinear 256x256 thumbnail (as the original evaluates). */
  imageWeights(img: Image): Promise<Float32Array> {
    if (img.channels !== 3) throw new Error(`HashLut: image has ${img.channels} channels, expected 3 (RGB)`);
    const thumb = resizePilBilinear(img, HASHLUT_THUMB, HASHLUT_THUMB);
    return readAndDispose(
      tf.tidy(() => this.weights(tf.tensor4d(thumb.data, [1, 3, HASHLUT_THUMB, HASHLUT_THUMB]))),
    );
  }

  /**
   * Inference at full resolution through the network (hash grid + MLP, unclamped like the original's
   * evaluation), plus the weights and the exported 33^3 LUT of this image. The map is per pixel, so the
   * image goes through in bands of at most ENHANCE_BAND_PIXELS pixels (a 4K frame at once made XNNPACK's
   * fully connected layer fail with out-of-memory on wasm and return zeros).
   */
  async enhance(img: Image): Promise<{ out: Image; lut: Float32Array; weights: Float32Array }> {
    const weights = await this.imageWeights(img);
    const { height: H, width: W } = img, hw = H * W, rows = Math.max(1, Math.floor(ENHANCE_BAND_PIXELS / W));
    const data = new Float32Array(3 * hw);
    for (let y0 = 0; y0 < H; y0 += rows) {
      const h = Math.min(rows, H - y0), band = new Float32Array(3 * h * W);
      for (let c = 0; c < 3; c++) {
        band.set(img.data.subarray(c * hw + y0 * W, c * hw + (y0 + h) * W), c * h * W);
      }
      const out = await readAndDispose(
        tf.tidy(() => this.apply(tf.tensor4d(band, [1, 3, h, W]), tf.tensor2d(weights, [1, weights.length]))),
      );
      for (let c = 0; c < 3; c++) data.set(out.subarray(c * h * W, (c + 1) * h * W), c * hw + y0 * W);
    }
    return {
      out: { data, channels: 3, height: H, width: W },
      lut: await this.exportLut(weights),
      weights,
    };
  }

  /** The image-adaptive LUT form: lut [3,D,D,D] (layout lut[c][b][g][r]) for basis weights [L]. */
  async exportLut(weights: ArrayLike<number>, size = 33): Promise<Float32Array> {
    if (weights.length !== this.config.levels) {
      throw new Error(`HashLut.exportLut: ${weights.length} weights, expected ${this.config.levels}`);
    }
    const n = size ** 3, lattice = new Float32Array(3 * n);
    for (let p = 0; p < n; ++p) {
      lattice[p] = (p % size) / (size - 1);
      lattice[n + p] = (Math.floor(p / size) % size) / (size - 1);
      lattice[2 * n + p] = Math.floor(p / (size * size)) / (size - 1);
    }
    return await readAndDispose(tf.tidy(() =>
      this.apply(
        tf.tensor4d(lattice, [1, 3, 1, n]),
        tf.tensor2d(Float32Array.from(weights), [1, weights.length]),
      )
    ));
  }

  /** Frees the variables. */
  dispose(): void {
    tf.dispose(this.variables());
  }
}
