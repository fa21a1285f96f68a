/**
 * The context encoder of AdaInt and SepLUT (ImCharlesY/AdaInt `TPAMIBackbone`, ImCharlesY/SepLUT
 * `LightBackbone`, both with extra_pooling): the 5-block trunk of Image-Adaptive 3DLUT (backbone.ts) with
 * widths m, 2m, 4m, 8m, 8m (AdaInt: m = 16; SepLUT: m = 8 or 6) on a 256x256 bilinear thumbnail, Dropout(0.5),
 * AdaptiveAvgPool2d(2), flattened in PyTorch's NCHW order: a code of 4*8m values per image.
 */
import { readAndDispose, tf } from "../../core/backend.ts";
import type { Rng } from "../../core/rng.ts";
import { paramCount, type Params } from "../../nn/params.ts";
import type { Image } from "../../image/io.ts";
import { resizeBilinear } from "../../image/resize.ts";
import { addBackbone, backboneForward } from "./backbone.ts";

/** The trunk's five widths for channel multiplier m. */
export const trunkWidths = (m: number): number[] => [m, 2 * m, 4 * m, 8 * m, 8 * m];

/** Length of the code of a trunk with multiplier m (2x2 pooled map of 8m channels). */
export const codeLength = (m: number): number => 4 * 8 * m;

/** Adds the trunk (names `backbone.conv{i}`, `backbone.norm{i}`; 3DLUT initialisation) to `p`. */
export function addPooledTrunk(p: Params, m: number, rng: Rng): void {
  addBackbone(p, { kind: "Backbone", init: "3dlut", widths: trunkWidths(m) }, rng);
}

/** Codes [B,32m] of thumbnails NCHW [B,3,256,256]: trunk, dropout (training), 2x2 average pool, NCHW flatten. */
export function pooledTrunkForward(p: Params, thumb: tf.Tensor4D, training: boolean, rng?: Rng): tf.Tensor2D {
  return tf.tidy(() => {
    const feat = backboneForward(p, thumb, { kind: "Backbone" }, training, rng); // NHWC [B,8,8,C]
    const [b, h, w, c] = feat.shape;
    if (h % 2 || w % 2) throw new Error(`pooled trunk: feature map ${h}x${w} must have even sides`);
    const pooled = tf.avgPool(feat, [h / 2, w / 2], [h / 2, w / 2], "valid"); // [B,2,2,C]
    return pooled.transpose([0, 3, 1, 2]).reshape([b, 4 * c]) as tf.Tensor2D;
  });
}

/** Thumbnail side of the context encoder (the originals' input_resolution). */
export const CONTEXT_THUMB = 256;

/**
 * A model whose tables are predicted, per image, from the pooled-trunk code (AdaInt, SepLUT): the
 * parameters, their count, and `predict` run on one image's bilinear 256x256 thumbnail and read back.
 */
export abstract class ContextModel<T extends Record<string, tf.Tensor>> {
  readonly params: Params = new Map();
  readonly thumb = CONTEXT_THUMB;

  /** The tables of thumbnails [B,3,256,256] (dropout when training). */
  abstract predict(thumb: tf.Tensor4D, training?: boolean, rng?: Rng): T;

  /** Trainable parameter count. */
  paramCount(): number {
    return paramCount(this.params, "");
  }

  /** `predict` on one RGB image (thumbnail: bilinear resize), each table read back to the host. */
  protected async predictImage(img: Image, what: string): Promise<{ [K in keyof T]: Float32Array }> {
    if (img.channels !== 3) throw new Error(`${what}: image has ${img.channels} channels, expected 3 (RGB)`);
    const th = resizeBilinear(img, this.thumb, this.thumb);
    const p = tf.tidy(() => this.predict(tf.tensor4d(th.data, [1, 3, this.thumb, this.thumb])));
    const keys = Object.keys(p) as (keyof T)[];
    const data = await Promise.all(keys.map((k) => readAndDispose(p[k])));
    return Object.fromEntries(keys.map((k, i) => [k, data[i]])) as { [K in keyof T]: Float32Array };
  }

  /** Frees all tensors. */
  dispose(): void {
    tf.dispose([...this.params.values()]);
  }
}
