/**
 * The context encoder of AdaInt and SepLUT (ImCharlesY/AdaInt `TPAMIBackbone`, ImCharlesY/SepLUT
 * `LightBackbone`, both with extra_pooling): the 5-block trunk of Image-Adaptive 3DLUT (backbone.ts) with
 * widths m, 2m, 4m, 8m, 8m (AdaInt: m = 16; SepLUT: m = 8 or 6) on a 256x256 bilinear thumbnail, Dropout(0.5),
 * AdaptiveAvgPool2d(2), flattened in PyTorch's NCHW order: a code of 4*8m values per image.
 */
import { tf } from "../../core/backend.ts";
import type { Rng } from "../../core/rng.ts";
import type { Params } from "../../nn/params.ts";
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
