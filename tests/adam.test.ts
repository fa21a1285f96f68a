/**
 * Adam (lib/experiment/adam.ts, the native update kernels/adam.c) against torch.optim.Adam's formula written
 * as a plain TypeScript loop: equal bit for bit over several steps, with a parameter whose gradient is missing
 * (its moments still decay), a per-parameter learning-rate multiplier, and on 1 and 2 kernel threads.
 */
import { assertEquals } from "@std/assert";
import { initTf, tf } from "../lib/core/backend.ts";
import { setKernelThreads } from "../lib/core/native.ts";
import { Rng } from "../lib/core/rng.ts";
import { Adam } from "../lib/experiment/adam.ts";

/** torch.optim.Adam (no weight decay, no amsgrad) on float32 arrays in place: float64 per element. */
function adamReference(
  p: Float32Array,
  m: Float32Array,
  v: Float32Array,
  g: Float32Array | undefined,
  t: number,
  lr: number,
  b1: number,
  b2: number,
  eps: number,
): void {
  const c1 = 1 - b1 ** t, c2 = Math.sqrt(1 - b2 ** t), k1 = lr / c1;
  for (let i = 0; i < p.length; i++) {
    const gi = g ? g[i] : 0;
    m[i] = b1 * m[i] + (1 - b1) * gi;
    v[i] = b2 * v[i] + (1 - b2) * gi * gi;
    p[i] = p[i] - (k1 * m[i]) / (Math.sqrt(v[i]) / c2 + eps);
  }
}

Deno.test("Adam: the native update equals torch's formula bit for bit (missing gradient, lr multiplier, 1 and 2 threads)", async () => {
  await initTf();
  for (const threads of [1, 2]) {
    setKernelThreads(threads);
    const rng = new Rng(threads);
    const sizes = { w: 70001, b: 7, frozen: 33 }; // w: past the kernel's parallel threshold
    const init = Object.fromEntries(
      Object.entries(sizes).map(([k, n]) => [k, Float32Array.from({ length: n }, () => rng.uniform(-1, 1))]),
    );
    const params = new Map(Object.entries(init).map(([k, a]) => [k, tf.variable(tf.tensor1d(a))]));
    const opts = { lr: 3e-3, beta1: 0.9, beta2: 0.999, lrScale: new Map([["b", 10]]) };
    const adam = new Adam(params, opts);
    const ref = Object.fromEntries(
      Object.entries(init).map((
        [k, a],
      ) => [k, { p: a.slice(), m: new Float32Array(a.length), v: new Float32Array(a.length) }]),
    );
    for (let t = 1; t <= 4; t++) {
      const g = { w: new Float32Array(sizes.w), b: new Float32Array(sizes.b) };
      for (const a of Object.values(g)) {
        for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-2, 2) * (i % 5 ? 1 : 1e-3);
      }
      const grads = new Map(Object.entries(g).map(([k, a]) => [k, tf.tensor1d(a)]));
      await adam.step(grads);
      tf.dispose([...grads.values()]);
      for (const [k, r] of Object.entries(ref)) {
        const gk = (g as Record<string, Float32Array>)[k];
        adamReference(
          r.p,
          r.m,
          r.v,
          gk,
          t,
          opts.lr * (opts.lrScale.get(k) ?? 1),
          opts.beta1,
          opts.beta2,
          1e-8,
        );
      }
    }
    for (const [k, r] of Object.entries(ref)) {
      assertEquals(await params.get(k)!.data(), r.p, `${threads} thread(s): parameter ${k}`);
      assertEquals(await adam.m.get(k)!.data(), r.m, `${threads} thread(s): m of ${k}`);
      assertEquals(await adam.v.get(k)!.data(), r.v, `${threads} thread(s): v of ${k}`);
    }
    adam.dispose();
    tf.dispose([...params.values()]);
  }
  setKernelThreads(0);
});
