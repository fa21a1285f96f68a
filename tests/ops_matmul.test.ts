// matMul (lib/nn/matmul.ts): value equals tf.matMul; gradients equal tfjs's own matMul gradients and
// central finite differences; shapes that do not multiply are refused.
import { assert, assertThrows } from "@std/assert";
import { initTf, tf } from "../lib/core/backend.ts";
import { matMul } from "../lib/nn/matmul.ts";
import { Rng } from "../lib/core/rng.ts";

function rand(shape: [number, number], seed: number): tf.Tensor2D {
  const r = new Rng(seed);
  return tf.tensor2d(Float32Array.from({ length: shape[0] * shape[1] }, () => r.uniform(-1, 1)), shape);
}

function maxAbs(a: tf.Tensor, b: tf.Tensor): number {
  return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
}

Deno.test("matMul: value and gradients equal tf.matMul's; gradients match finite differences", async () => {
  await initTf();
  for (const [m, k, n] of [[7, 5, 3], [130, 80, 16], [1, 9, 4]]) {
    const a = rand([m, k], m), b = rand([k, n], n), w = rand([m, n], k); // loss = sum(w ⊙ a·b)
    const loss = (f: (x: tf.Tensor2D, y: tf.Tensor2D) => tf.Tensor2D) => (x: tf.Tensor, y: tf.Tensor) =>
      tf.sum(tf.mul(w, f(x as tf.Tensor2D, y as tf.Tensor2D)));
    assert(maxAbs(matMul(a, b), tf.matMul(a, b)) <= 1e-5, `${m}x${k}x${n} value`);
    const [ga, gb] = tf.grads(loss(matMul))([a, b]);
    const [ra, rb] = tf.grads(loss(tf.matMul))([a, b]);
    assert(maxAbs(ga, ra) <= 1e-4 && maxAbs(gb, rb) <= 1e-4, `${m}x${k}x${n} grads vs tf.matMul's`);
    // central differences on a few entries of each operand (float64 sums of the float32 products)
    const f64 = (x: Float32Array, y: Float32Array, ww: Float32Array) => {
      let s = 0;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let d = 0;
          for (let q = 0; q < k; q++) d += x[i * k + q] * y[q * n + j];
          s += ww[i * n + j] * d;
        }
      }
      return s;
    };
    const av = a.dataSync() as Float32Array,
      bv = b.dataSync() as Float32Array,
      wv = w.dataSync() as Float32Array;
    const h = 1e-3;
    for (const [arr, grad, other] of [[av, ga, "a"], [bv, gb, "b"]] as const) {
      const g = grad.dataSync();
      for (const idx of [0, Math.floor(arr.length / 2), arr.length - 1]) {
        const p = Float32Array.from(arr), q = Float32Array.from(arr);
        p[idx] += h, q[idx] -= h;
        const fd = other === "a"
          ? (f64(p, bv, wv) - f64(q, bv, wv)) / (2 * h)
          : (f64(av, p, wv) - f64(av, q, wv)) / (2 * h);
        assert(
          Math.abs(fd - g[idx]) <= 1e-3 * Math.max(1, Math.abs(fd)),
          `d/d${other}[${idx}]: ${g[idx]} vs ${fd}`,
        );
      }
    }
  }
  assertThrows(() => matMul(rand([2, 3], 1), rand([4, 2], 2)), Error, "[2,3] · [4,2] do not multiply");
});
