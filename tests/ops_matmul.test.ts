// matMul (lib/nn/matmul.ts): value equals tf.matMul; gradients equal tfjs's own matMul gradients and
// central finite differences; shapes that do not multiply are refused. The native kernels behind it
// (kernels/matmul.c) match a float64 reference on tile-edge and multi-chunk shapes and give bit-identical
// results on 1, 2 and 5 threads.
import { assert, assertEquals, assertThrows } from "@std/assert";
import { initTf, tf } from "../lib/core/backend.ts";
import { matMul, matMulHost, matMulTnHost } from "../lib/nn/matmul.ts";
import { setKernelThreads } from "../lib/core/native.ts";
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
  for (const [m, k, n] of [[7, 5, 3], [130, 80, 16], [1, 9, 4], [2500, 4, 64]]) {
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

function randArray(n: number, seed: number): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.uniform(-1, 1));
}

/** Largest |x - ref| relative to max(1, |ref|). */
function maxRel(x: Float32Array, ref: Float64Array): number {
  let e = 0;
  for (let i = 0; i < x.length; i++) e = Math.max(e, Math.abs(x[i] - ref[i]) / Math.max(1, Math.abs(ref[i])));
  return e;
}

Deno.test("native matmul kernels: float64 reference, transposed operand, thread-count independence", () => {
  // tile edges (MR 4, NR 16), one row, and m past one partial-sum chunk (1024 rows) of matmul_tn
  for (const [m, k, n] of [[1, 1, 1], [5, 3, 17], [37, 64, 64], [4099, 4, 64], [3000, 65, 15]]) {
    const a = randArray(m * k, m + k), b = randArray(k * n, n), g = randArray(m * n, m + n);
    const ab = new Float64Array(m * n), abt = new Float64Array(m * k), atg = new Float64Array(k * n);
    for (let i = 0; i < m; i++) {
      for (let q = 0; q < k; q++) {
        for (let j = 0; j < n; j++) {
          ab[i * n + j] += a[i * k + q] * b[q * n + j];
          abt[i * k + q] += g[i * n + j] * b[q * n + j]; // g · bᵀ with b read as [n,k]ᵀ = [k,n]
          atg[q * n + j] += a[i * k + q] * g[i * n + j];
        }
      }
    }
    const run = (threads: number) => {
      setKernelThreads(threads);
      return [matMulHost(a, b, m, k, n), matMulHost(g, b, m, n, k, true), matMulTnHost(a, g, m, k, n)];
    };
    try {
      const [c, d, e] = run(1);
      const shape = `${m}x${k}x${n}`;
      assert(maxRel(c, ab) <= 1e-5, `${shape} a·b: ${maxRel(c, ab)}`);
      assert(maxRel(d, abt) <= 1e-5, `${shape} g·bᵀ: ${maxRel(d, abt)}`);
      assert(maxRel(e, atg) <= 1e-5 * Math.sqrt(m), `${shape} aᵀ·g: ${maxRel(e, atg)}`);
      for (const threads of [2, 5]) {
        const again = run(threads);
        for (const [i, x] of [c, d, e].entries()) {
          assertEquals(
            new Uint32Array(again[i].buffer),
            new Uint32Array(x.buffer),
            `${shape} #${i}, ${threads} threads`,
          );
        }
      }
    } finally {
      setKernelThreads(0);
    }
  }
  assertThrows(
    () => matMulHost(new Float32Array(5), new Float32Array(6), 2, 3, 2),
    Error,
    "a has 5 values, expected [2,3] = 6",
  );
  assertThrows(
    () => matMulTnHost(new Float32Array(6), new Float32Array(6), 2, 3, 2),
    Error,
    "b has 6 values, expected [2,2] = 4",
  );
});
