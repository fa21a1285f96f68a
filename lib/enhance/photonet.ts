/**
 * What training, evaluation and export need from a photo-enhancement model (PhotoNet), whatever its
 * family; the families register their builders in registry.ts.
 */
import type { tf } from "../core/backend.ts";
import type { Image } from "../image/io.ts";
import type { Rng } from "../core/rng.ts";
import type { Params } from "./models/backbone.ts";

/** What training and evaluation need from a model. */
export interface PhotoNet {
  readonly params: Params;
  /** LUT lattice size of the exported .cube files */
  readonly cubeSize: number;
  /** side T of the square thumbnail [B,3,T,T] the weight predictor sees (model.thumb; 256 in the papers) */
  readonly thumb: number;
  forward(
    thumb: tf.Tensor4D,
    img: tf.Tensor4D,
    training: boolean,
    rng?: Rng,
    withBank?: boolean,
  ): { out: tf.Tensor4D; weights: tf.Tensor2D; bank?: tf.Tensor };
  enhance(img: Image): { out: Image; lut: Float32Array; weights: Float32Array };
  basisLuts(): Float32Array[];
  paramCount(): number;
  dispose(): void;
}
