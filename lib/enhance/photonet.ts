/**
 * What training, evaluation and export need from a photo-enhancement model (PhotoNet), whatever its
 * family; the families declare their builders in photo_registry.ts.
 */
import type { tf } from "../core/backend.ts";
import type { Image } from "../image/io.ts";
import type { Rng } from "../core/rng.ts";
import type { Params } from "../nn/params.ts";
import type { CubeFileInput } from "../formats/cube.ts";

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
  /**
   * Full-resolution output, fused LUT [3,D,D,D] and basis weights of one RGB image (async GPU reads);
   * `lutFile`: the exact .cube form where one 3D LUT is not (SepLUT: 1D shaper + 3D).
   */
  enhance(
    img: Image,
  ): Promise<{ out: Image; lut: Float32Array; weights: Float32Array; lutFile?: CubeFileInput }>;
  /** Static form of each basis, [3,D,D,D] each. */
  basisLuts(): Promise<Float32Array[]>;
  paramCount(): number;
  /** Per-parameter learning-rate multipliers by name (default 1), e.g. AdaInt's 0.1 on its interval branch. */
  readonly lrScale?: ReadonlyMap<string, number>;
  /** Parameters not updated at optimiser step `step` (1-based), e.g. AdaInt's branch in its first epochs. */
  frozen?(step: number): string[];
  dispose(): void;
}
