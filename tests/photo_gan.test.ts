/**
 * The unpaired 3DLUT's critic and WGAN-GP: the discriminator's gradients (w.r.t. its input and its
 * weights), its forward-mode derivative, and the gradient penalty's gradient w.r.t. the critic's weights,
 * each against a plain float64 reference (tests/photo_gan_ref.ts) and central finite differences of it
 * along random directions (64x64 thumbnails, 2x2 head).
 */
import { assert } from "@std/assert";
import { initTf, tf } from "../lib/core/backend.ts";
import { Rng } from "../lib/core/rng.ts";
import type { Params } from "../lib/nn/params.ts";
import {
  addDiscriminator,
  discriminatorForward,
  discriminatorJvp,
} from "../lib/enhance/models/discriminator.ts";
import { refDiscriminator, type RefParams, refPenalty } from "./photo_gan_ref.ts";
import { criticInputGrad, criticLoss, gradientPenalty, namedGrads } from "../lib/enhance/losses_gan.ts";

await initTf();
const T = 64, B = 2;
const rng = new Rng(5);
const p: Params = new Map();
addDiscriminator(p, T, rng);
const x = tf.tensor4d(rng.fill(B * 3 * T * T, (r) => r.next()), [B, 3, T, T]);
const v = tf.tensor4d(rng.fill(B * 3 * T * T, (r) => r.normal()), [B, 3, T, T]);

const X = await x.data() as Float32Array, V = await v.data() as Float32Array;
/** Image i of a [B,3,T,T] array as float64. */
const img = (a: Float32Array, i: number, add?: Float32Array, eps = 0) =>
  Float64Array.from(
    a.subarray(i * 3 * T * T, (i + 1) * 3 * T * T),
    (q, j) => q + (add ? eps * add[i * 3 * T * T + j] : 0),
  );
const refP = async (): Promise<RefParams> => {
  const out: RefParams = new Map();
  for (const [k, w] of p) out.set(k, { shape: w.shape, data: Float64Array.from(await w.data()) });
  return out;
};
const close = (a: number, b: number, rel: number, what: string) =>
  assert(Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), 1e-3), `${what}: ${a} vs ${b}`);
const dot = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.sum(tf.mul(a, b)).dataSync()[0]);
/** Float64 central difference of `f(params)` along random direction u of parameter `name`; returns [fd, u]. */
async function fdParam(name: string, f: (q: RefParams) => number): Promise<[number, tf.Tensor]> {
  const q = await refP(), w = q.get(name)!, w0 = w.data.slice();
  const u = rng.fill(w0.length, (r) => r.normal());
  const eps = 1e-6;
  w.data = w0.map((v, i) => v + eps * u[i]);
  const plus = f(q);
  w.data = w0.map((v, i) => v - eps * u[i]);
  const minus = f(q);
  return [(plus - minus) / (2 * eps), tf.tensor(u, w.shape)];
}
const imgs = [0, 1].map((i) => img(X, i));

Deno.test("discriminator: scores and input gradients equal the float64 reference; forward-mode derivative too", async () => {
  const q = await refP();
  const { score, tangent } = discriminatorJvp(p, x, v);
  const fused = discriminatorForward(p, x), g = criticInputGrad(p, x);
  const s = score.dataSync(), f = fused.dataSync(), t = tangent.dataSync(), G = g.dataSync();
  for (let i = 0; i < B; i++) {
    const r = refDiscriminator(q, imgs[i], T);
    close(f[i], r.score, 1e-4, `score ${i} (fused ops)`);
    close(s[i], r.score, 1e-4, `score ${i} (tf ops of the JVP)`);
    let e = 0, n = 0;
    r.grad.forEach((
      gr,
      j,
    ) => ((e = Math.max(e, Math.abs(gr - G[i * 3 * T * T + j]))), (n = Math.max(n, Math.abs(gr)))));
    assert(e <= 1e-4 * n, `input gradient ${i}: max error ${e} (max ${n})`);
    const eps = 1e-6;
    const fd =
      (refDiscriminator(q, img(X, i, V, eps), T).score - refDiscriminator(q, img(X, i, V, -eps), T).score) /
      (2 * eps);
    close(t[i], fd, 1e-3, `tangent ${i} vs float64 finite difference`);
  }
  tf.dispose([score, tangent, fused, g]);
});

Deno.test("discriminator: weight gradients match float64 finite differences", async () => {
  const { grads } = namedGrads(p, () => tf.sum(discriminatorForward(p, x)));
  for (const name of p.keys()) {
    const [fd, u] = await fdParam(
      name,
      (q) => imgs.reduce((s, im) => s + refDiscriminator(q, im, T).score, 0),
    );
    close(dot(grads.get(name)!, u), fd, 1e-3, `dD/d${name}`);
    u.dispose();
  }
  tf.dispose([...grads.values()]);
});

Deno.test("gradient penalty: value and gradient w.r.t. every critic weight match the float64 reference", async () => {
  const gp = gradientPenalty(p, x);
  close(gp.penalty, refPenalty(await refP(), imgs, T), 1e-4, "penalty");
  for (const name of p.keys()) {
    const [fd, u] = await fdParam(name, (q) => refPenalty(q, imgs, T));
    const an = gp.grads.has(name) ? dot(gp.grads.get(name)!, u) : 0;
    if (name.endsWith("head.bias")) {
      assert(!gp.grads.has(name) && Math.abs(fd) < 1e-6, "head bias: no effect");
    } else close(an, fd, 2e-3, `dGP/d${name}`);
    u.dispose();
  }
  tf.dispose([...gp.grads.values()]);
});

Deno.test("critic loss: -Wasserstein + lambda * penalty, its gradient the sum of both parts", async () => {
  const fake = tf.tidy(() => tf.mul(x, 0.5) as tf.Tensor4D),
    F = await fake.data() as Float32Array,
    alpha = [0.3, 0.8];
  const step = criticLoss(p, x, fake, alpha, 10);
  const refLoss = (q: RefParams) => {
    let w = 0;
    const mixed = [0, 1].map((i) => {
      w += (refDiscriminator(q, imgs[i], T).score - refDiscriminator(q, img(F, i), T).score) / B;
      return imgs[i].map((r, j) => alpha[i] * r + (1 - alpha[i]) * F[i * 3 * T * T + j]);
    });
    return -w + 10 * refPenalty(q, mixed, T);
  };
  close(step.loss, refLoss(await refP()), 1e-4, "L_D");
  close(step.loss, -step.wasserstein + 10 * step.penalty, 1e-6, "L_D terms");
  for (
    const name of ["discriminator.conv2.weight", "discriminator.norm0.weight", "discriminator.head.bias"]
  ) {
    const [fd, u] = await fdParam(name, refLoss);
    close(dot(step.grads.get(name)!, u), fd, 2e-3, `dL_D/d${name}`);
    u.dispose();
  }
  tf.dispose([fake, ...step.grads.values()]);
});
