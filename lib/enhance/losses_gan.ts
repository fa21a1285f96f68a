/**
 * WGAN-GP (Gulrajani et al. 2017) as Image-Adaptive 3DLUT's `image_adaptive_lut_train_unpaired.py` uses it:
 *   critic:    L_D = -mean D(real) + mean D(fake) + lambda_gp * mean_i (||grad_x D(x_i)|| - 1)^2,
 *              x_i = a_i real_i + (1 - a_i) fake_i, a_i ~ U(0,1) per image (`compute_gradient_penalty`);
 *   generator: -mean D(fake) (plus the pixel and LUT terms, in unpaired.ts).
 * The penalty's gradient w.r.t. the critic's weights theta is exact without a second backward pass: with
 * g_i = grad_x D(x_i; theta) held at its value, d/dtheta (||g_i|| - 1)^2 = c_i d/dtheta <g_i(theta), g_i>,
 * c_i = 2 (||g_i|| - 1) / ||g_i||, and <g_i(theta), v> is the forward-mode derivative of D along v
 * (`discriminatorJvp`), a first-order function of theta. Gradients come keyed by parameter name.
 */
import { tf } from "../core/backend.ts";
import type { Params } from "../nn/params.ts";
import { gradsByName } from "../experiment/adam.ts";
import { discriminatorForward, discriminatorJvp } from "./models/discriminator.ts";

/** Gradients of `f` w.r.t. the parameters `p`, keyed by parameter name; also f's value. */
export function namedGrads(p: Params, f: () => tf.Scalar): { value: number; grads: Map<string, tf.Tensor> } {
  const { value, grads } = tf.variableGrads(f, [...p.values()]);
  const v = value.dataSync()[0];
  value.dispose();
  return { value: v, grads: gradsByName(p, grads) };
}

/** grad_x D(x) for thumbnails NCHW [B,3,T,T] (per image: InstanceNorm keeps the images independent). */
export function criticInputGrad(p: Params, x: tf.Tensor4D): tf.Tensor4D {
  return tf.grad((xi) => tf.sum(discriminatorForward(p, xi as tf.Tensor4D)))(x) as tf.Tensor4D;
}

/** Gradient penalty mean_i (||grad_x D(x_i)|| - 1)^2 at `x` NCHW [B,3,T,T], with its gradient w.r.t. the critic `p`. */
export function gradientPenalty(
  p: Params,
  x: tf.Tensor4D,
): { penalty: number; grads: Map<string, tf.Tensor> } {
  const b = x.shape[0];
  const g = criticInputGrad(p, x);
  const norms = tf.tidy(() => tf.sqrt(tf.sum(tf.square(g), [1, 2, 3])));
  const n = Array.from(norms.dataSync());
  norms.dispose();
  const penalty = n.reduce((s, v) => s + (v - 1) ** 2, 0) / b;
  const coef = n.map((v) => (v > 0 ? (2 * (v - 1)) / (b * v) : 0));
  const dir = tf.tidy(() => tf.mul(g, tf.tensor4d(coef, [b, 1, 1, 1])) as tf.Tensor4D);
  g.dispose();
  const { grads } = namedGrads(p, () => tf.sum(discriminatorJvp(p, x, dir).tangent));
  dir.dispose();
  return { penalty, grads };
}

/** One critic evaluation: the loss terms and the gradient of L_D w.r.t. the critic. */
export type CriticStep = {
  /** L_D */
  loss: number;
  /** mean D(real) - mean D(fake), the critic's estimate of the Wasserstein distance */
  wasserstein: number;
  penalty: number;
  grads: Map<string, tf.Tensor>;
};

/**
 * L_D and its gradient w.r.t. the critic `p` for real and fake thumbnails NCHW [B,3,T,T] (data: fake is
 * detached from the generator) and interpolation weights `alpha` [B] in [0,1].
 */
export function criticLoss(
  p: Params,
  real: tf.Tensor4D,
  fake: tf.Tensor4D,
  alpha: ArrayLike<number>,
  lambdaGp: number,
): CriticStep {
  const b = real.shape[0];
  if (fake.shape.join() !== real.shape.join() || alpha.length !== b) {
    throw new Error(
      `criticLoss: real [${real.shape}], fake [${fake.shape}] and ${alpha.length} alphas must agree`,
    );
  }
  const w = namedGrads(
    p,
    () => tf.sub(tf.mean(discriminatorForward(p, fake)), tf.mean(discriminatorForward(p, real))),
  );
  const x = tf.tidy(() => {
    const a = tf.tensor4d(Array.from(alpha), [b, 1, 1, 1]);
    return tf.add(tf.mul(a, real), tf.mul(tf.sub(1, a), fake)) as tf.Tensor4D;
  });
  const gp = gradientPenalty(p, x);
  x.dispose();
  const grads = new Map<string, tf.Tensor>();
  for (const [k, g] of w.grads) {
    const h = gp.grads.get(k);
    grads.set(k, h ? tf.tidy(() => tf.add(g, tf.mul(h, lambdaGp))) : g.clone());
  }
  tf.dispose([...w.grads.values(), ...gp.grads.values()]);
  return { loss: w.value + lambdaGp * gp.penalty, wasserstein: -w.value, penalty: gp.penalty, grads };
}
