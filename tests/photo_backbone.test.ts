// The trunk's fused block tail (lib/enhance/models/backbone.ts biasLeakyNorm: bias + LeakyReLU(0.2) +
// InstanceNorm2d(affine) as one op with loop gradients) against the same maths as plain tf ops with
// tfjs autodiff: values and gradients w.r.t. every input, batch 1 and 2, with and without the norm.
import { assert } from "@std/assert";
import { initTf, tf } from "../lib/core/backend.ts";
import { biasLeakyNorm } from "../lib/enhance/models/backbone.ts";
import { Rng } from "../lib/core/rng.ts";

await initTf();

/** Reference: InstanceNorm(LeakyReLU(z + bias)) with tf ops (biased variance, eps 1e-5). */
function reference(z: tf.Tensor4D, bias: tf.Tensor, weight?: tf.Tensor, beta?: tf.Tensor): tf.Tensor {
  const a = tf.leakyRelu(tf.add(z, bias), 0.2);
  if (!weight || !beta) return a;
  const { mean, variance } = tf.moments(a, [1, 2], true);
  return tf.add(tf.mul(tf.div(tf.sub(a, mean), tf.sqrt(tf.add(variance, 1e-5))), weight), beta);
}

function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 1e-6;
  for (let i = 0; i < a.length; i++) {
    (num = Math.max(num, Math.abs(a[i] - b[i]))), (den = Math.max(den, Math.abs(b[i])));
  }
  return num / den;
}

Deno.test("biasLeakyNorm matches tf ops and their gradients (with and without InstanceNorm)", () => {
  const rng = new Rng(5);
  for (const [n, h, w, c] of [[1, 6, 5, 4], [2, 3, 4, 7], [1, 1, 3, 3]]) {
    for (const withNorm of [true, false]) {
      const z = tf.tensor4d(rng.fill(n * h * w * c, (r) => r.normal()), [n, h, w, c]);
      const bias = tf.tensor1d(rng.fill(c, (r) => r.normal()));
      const gamma = tf.tensor1d(rng.fill(c, (r) => 1 + 0.3 * r.normal()));
      const beta = tf.tensor1d(rng.fill(c, (r) => r.normal()));
      const g = tf.tensor4d(rng.fill(n * h * w * c, (r) => r.normal()), [n, h, w, c]);
      const inputs = withNorm ? [z, bias, gamma, beta] : [z, bias];
      const loss = (f: (...t: tf.Tensor[]) => tf.Tensor) => (...t: tf.Tensor[]) => tf.sum(tf.mul(f(...t), g));
      const got = tf.tidy(() => {
        const f = (...t: tf.Tensor[]) =>
          biasLeakyNorm(t[0] as tf.Tensor4D, t[1], withNorm ? { weight: t[2], bias: t[3] } : undefined);
        return [f(...inputs), ...tf.grads(loss(f))(inputs)].map((t) => t.dataSync());
      });
      const want = tf.tidy(() => {
        const f = (...t: tf.Tensor[]) => reference(t[0] as tf.Tensor4D, t[1], t[2], t[3]);
        return [f(...inputs), ...tf.grads(loss(f))(inputs)].map((t) => t.dataSync());
      });
      const names = ["value", "dz", "dbias", "dweight", "dbeta"];
      for (let k = 0; k < want.length; k++) {
        const e = maxRelErr(got[k], want[k]);
        assert(e <= 1e-4, `[${n},${h},${w},${c}] norm ${withNorm}: ${names[k]} relative error ${e}`);
      }
      tf.dispose([z, bias, gamma, beta, g]);
    }
  }
});
