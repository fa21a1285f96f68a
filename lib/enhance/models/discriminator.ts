/**
 * The critic of Image-Adaptive 3DLUT's unpaired training (`Discriminator` in models_x.py): on a TxT
 * bilinear thumbnail (T = 256 in the original, whose `nn.Upsample((256,256))` is its first layer), the
 * "Unpaired" trunk of backbone.ts -- the same `discriminator_block`s as `Classifier_unpaired`: five
 * [conv 3x3 s2, LeakyReLU(0.2)] blocks of 16-32-64-128-128 channels, InstanceNorm(affine) after the first
 * only -- then a (T/32)x(T/32) valid conv to one score per image. Initialised as the original
 * (`weights_init_normal_classifier`: Xavier-normal conv weights, InstanceNorm weight N(1, 0.02)).
 * Parameters: `discriminator.conv{0..4}`, `discriminator.norm0`, `discriminator.head` (layouts of backbone.ts).
 *
 * `discriminatorJvp` is the forward-mode derivative of the score along a direction of the input, written
 * with first-order ops only: its gradient w.r.t. the weights is the second-order term WGAN-GP needs
 * (losses_gan.ts), without differentiating a gradient (tfjs on wasm cannot differentiate the custom conv
 * gradients of lib/nn/conv.ts).
 */
import { tf } from "../../core/backend.ts";
import { conv2d } from "../../nn/conv.ts";
import type { Rng } from "../../core/rng.ts";
import { addBackbone, addConv, backboneForward, convLayer } from "./backbone.ts";
import { param, type Params } from "../../nn/params.ts";

/** Name prefix of the critic's parameters. */
export const DISC_PREFIX = "discriminator.";
const TRUNK = { kind: "Unpaired", prefix: DISC_PREFIX } as const;
const SLOPE = 0.2, EPS = 1e-5;

/** Adds the critic's parameters for TxT thumbnails (T a multiple of 32) to `p`. */
export function addDiscriminator(p: Params, thumb: number, rng: Rng): void {
  if (!Number.isInteger(thumb) || thumb < 32 || thumb % 32 !== 0) {
    throw new Error(`discriminator: thumbnail side must be a multiple of 32, got ${thumb}`);
  }
  addBackbone(p, { ...TRUNK, init: "3dlut" }, rng);
  addConv(p, `${DISC_PREFIX}head`, thumb / 32, 128, 1, "3dlut", rng);
}

/** The critic's parameters of `p` (those named `discriminator.*`). */
export function discriminatorParams(p: Params): Params {
  return new Map([...p].filter(([k]) => k.startsWith(DISC_PREFIX)));
}

/** Scores [B] of thumbnails NCHW [B,3,T,T]; differentiable w.r.t. the thumbnails and the weights. */
export function discriminatorForward(p: Params, thumb: tf.Tensor4D): tf.Tensor1D {
  return tf.tidy(() => {
    const feat = backboneForward(p, thumb, { ...TRUNK, inputGrad: true }, false);
    return convLayer(p, `${DISC_PREFIX}head`, feat, 1, 0).reshape([thumb.shape[0]]) as tf.Tensor1D;
  });
}

/**
 * Forward-mode derivative: for thumbnails x and directions v (both NCHW [B,3,T,T], data), the scores
 * D(x) [B] and their directional derivatives dD(x)[v] = <grad_x D(x), v> [B], as tf ops of the weights
 * (primal and tangent carried through each layer: conv is linear in its input, LeakyReLU multiplies the
 * tangent by its slope 1 or 0.2, InstanceNorm's tangent is gamma/std (a' - mean a' - xhat mean(xhat a'))).
 */
export function discriminatorJvp(
  p: Params,
  x: tf.Tensor4D,
  v: tf.Tensor4D,
): { score: tf.Tensor1D; tangent: tf.Tensor1D } {
  if (x.shape.join() !== v.shape.join()) {
    throw new Error(`discriminatorJvp: input [${x.shape}] and direction [${v.shape}] differ`);
  }
  return tf.tidy(() => {
    let a = x.transpose([0, 2, 3, 1]) as tf.Tensor4D, da = v.transpose([0, 2, 3, 1]) as tf.Tensor4D;
    for (let i = 0; i < 5; i++) {
      const w = param(p, `${DISC_PREFIX}conv${i}.weight`) as tf.Tensor4D;
      const z = tf.add(conv2d(a, w, 2, 1, i > 0), param(p, `${DISC_PREFIX}conv${i}.bias`));
      const slope = tf.step(z, SLOPE); // LeakyReLU'(z): 1 or 0.2, gradient zero
      a = tf.mul(z, slope) as tf.Tensor4D;
      da = tf.mul(conv2d(da, w, 2, 1, i > 0), slope) as tf.Tensor4D;
      if (i === 0) {
        const { mean, variance } = tf.moments(a, [1, 2], true);
        const rstd = tf.rsqrt(tf.add(variance, EPS));
        const xhat = tf.mul(tf.sub(a, mean), rstd);
        const gamma = param(p, `${DISC_PREFIX}norm0.weight`);
        const centred = tf.sub(da, tf.mean(da, [1, 2], true));
        const proj = tf.mul(xhat, tf.mean(tf.mul(xhat, da), [1, 2], true));
        da = tf.mul(tf.mul(tf.sub(centred, proj), rstd), gamma) as tf.Tensor4D;
        a = tf.add(tf.mul(xhat, gamma), param(p, `${DISC_PREFIX}norm0.bias`)) as tf.Tensor4D;
      }
    }
    const b = x.shape[0], hw = param(p, `${DISC_PREFIX}head.weight`) as tf.Tensor4D;
    const score = tf.add(conv2d(a, hw, 1, 0), param(p, `${DISC_PREFIX}head.bias`)).reshape([b]);
    const tangent = conv2d(da, hw, 1, 0).reshape([b]);
    return { score: score as tf.Tensor1D, tangent: tangent as tf.Tensor1D };
  });
}
