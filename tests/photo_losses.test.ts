import { assert, assertAlmostEquals, assertThrows } from "@std/assert";
import { initTf, tf } from "../lib/core/backend.ts";
import { cosine, l1, lutMonotonicity, lutSmoothness, mse, weightL2 } from "../lib/enhance/losses.ts";
import { Rng } from "../lib/core/rng.ts";

await initTf();
const rng = new Rng(11);
const N = 2, D = 4;
const lutData = rng.fill(N * 3 * D ** 3, (r) => r.normal());

/** Loop reference of TV / MN over lut[n][c][b][g][r] (see lib/enhance/losses.ts for the two styles). */
function refReg(lut: Float32Array, style: "3dlut" | "clutnet") {
  const at = (n: number, c: number, b: number, g: number, r: number) =>
    lut[(((n * 3 + c) * D + b) * D + g) * D + r];
  const w = (i: number) => (i === 0 || i === D - 2 ? 2 : 1);
  let tv = 0, mn = 0;
  const cnt = N * 3 * D * D * (D - 1);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < 3; c++) {
      for (let x = 0; x < D; x++) {
        for (let y = 0; y < D; y++) {
          for (let i = 0; i < D - 1; i++) {
            for (
              const d of [
                at(n, c, x, y, i) - at(n, c, x, y, i + 1),
                at(n, c, x, i, y) - at(n, c, x, i + 1, y),
                at(n, c, i, x, y) - at(n, c, i + 1, x, y),
              ]
            ) {
              tv += w(i) * d * d;
              mn += style === "3dlut" ? Math.max(d, 0) : Math.max(w(i) * d, 0) ** 2;
            }
          }
        }
      }
    }
  }
  const scale = style === "3dlut" ? N / cnt : 1 / cnt; // 3dlut: sum over LUTs of per-LUT means
  return { tv: tv * scale, mn: mn * scale };
}

Deno.test("TV and monotonicity match the loop reference in both styles", () => {
  const luts = tf.tensor(lutData, [N, 3, D, D, D]);
  for (const style of ["3dlut", "clutnet"] as const) {
    const ref = refReg(lutData, style);
    assertAlmostEquals(lutSmoothness(luts, style).dataSync()[0], ref.tv, 1e-4);
    assertAlmostEquals(lutMonotonicity(luts, style).dataSync()[0], ref.mn, 1e-4);
  }
  // the identity LUT is monotone (increasing): no monotonicity penalty
  const id = new Float32Array(3 * D ** 3);
  for (let i = 0; i < D ** 3; i++) {
    id[i] = (i % D) / (D - 1);
    id[D ** 3 + i] = (Math.floor(i / D) % D) / (D - 1);
    id[2 * D ** 3 + i] = Math.floor(i / D / D) / (D - 1);
  }
  assertAlmostEquals(lutMonotonicity(tf.tensor(id, [1, 3, D, D, D]), "3dlut").dataSync()[0], 0, 1e-7);
  luts.dispose();
});

Deno.test("mse, l1, cosine, weightL2 values and gradients (finite differences)", () => {
  const a = rng.fill(2 * 3 * 3 * 2, (r) => r.next()), b = rng.fill(2 * 3 * 3 * 2, (r) => r.next());
  const shape: [number, number, number, number] = [2, 3, 3, 2];
  const ta = tf.tensor4d(a, shape), tb = tf.tensor4d(b, shape);
  let m = 0, l = 0;
  for (let i = 0; i < a.length; i++) (m += (a[i] - b[i]) ** 2), (l += Math.abs(a[i] - b[i]));
  assertAlmostEquals(mse(ta, tb).dataSync()[0], m / a.length, 1e-6);
  assertAlmostEquals(l1(ta, tb).dataSync()[0], l / a.length, 1e-6);
  let cs = 0;
  for (let bi = 0; bi < 2; bi++) {
    for (let p = 0; p < 6; p++) {
      let dot = 0, na = 0, nb = 0;
      for (let c = 0; c < 3; c++) {
        const i = (bi * 3 + c) * 6 + p;
        dot += a[i] * b[i], na += a[i] ** 2, nb += b[i] ** 2;
      }
      cs += 1 - dot / Math.sqrt(na * nb);
    }
  }
  assertAlmostEquals(cosine(ta, tb).dataSync()[0], cs / 12, 1e-5);
  assertAlmostEquals(weightL2(tf.tensor2d([1, -2, 3, 0], [2, 2])).dataSync()[0], 14 / 4, 1e-6);
  // gradients of each loss w.r.t. its first input against central differences (float64 on the host side)
  const fns = [
    (x: tf.Tensor) => mse(x, tb),
    (x: tf.Tensor) => l1(x, tb),
    (x: tf.Tensor) => cosine(x as tf.Tensor4D, tb),
    (x: tf.Tensor) =>
      lutSmoothness(x.reshape([1, 3, 2, 2, 3]).slice([0, 0, 0, 0, 0], [1, 3, 2, 2, 2]), "3dlut"),
  ];
  for (const f of fns) {
    const g = tf.grad(f)(ta).dataSync();
    for (const i of [0, 5, 17, 30]) {
      const h = 1e-2;
      const plus = Float32Array.from(a), minus = Float32Array.from(a);
      plus[i] += h, minus[i] -= h;
      const fd = (f(tf.tensor4d(plus, shape)).dataSync()[0] - f(tf.tensor4d(minus, shape)).dataSync()[0]) /
        (2 * h);
      assert(Math.abs(fd - g[i]) < 2e-3, `gradient ${i}: analytic ${g[i]} vs finite difference ${fd}`);
    }
  }
  // cosine stays finite on black pixels
  const z = tf.zeros(shape) as tf.Tensor4D;
  const gz = tf.grad((x: tf.Tensor) => cosine(x as tf.Tensor4D, tb))(z).dataSync();
  assert(gz.every(Number.isFinite), "cosine gradient not finite at a zero vector");
});

Deno.test("regulariser gradients (both styles, kernels/lutreg.c) match central finite differences", () => {
  const d = 3, data = rng.fill(2 * 3 * d ** 3, (r) => r.normal());
  const shape = [2, 3, d, d, d];
  for (const style of ["3dlut", "clutnet"] as const) {
    for (const f of [lutSmoothness, lutMonotonicity]) {
      const at = (v: Float32Array) => tf.tidy(() => f(tf.tensor(v, shape), style).dataSync()[0]);
      const g = tf.tidy(() => tf.grad((x: tf.Tensor) => f(x, style))(tf.tensor(data, shape)).dataSync());
      for (let i = 0; i < data.length; i += 7) {
        const h = 1e-3, plus = Float32Array.from(data), minus = Float32Array.from(data);
        plus[i] += h, minus[i] -= h;
        const fd = (at(plus) - at(minus)) / (2 * h);
        assert(
          Math.abs(fd - g[i]) < 1e-3,
          `${f.name} ${style} [${i}]: analytic ${g[i]} vs finite difference ${fd}`,
        );
      }
    }
  }
});

Deno.test("image losses: l1 gradient is 0 where prediction equals target (PyTorch sign); shape errors", () => {
  const a = tf.tensor4d([0.5, 0.2, 0.9], [1, 3, 1, 1]), b = tf.tensor4d([0.5, 0.3, 0.1], [1, 3, 1, 1]);
  const g = tf.grad((x: tf.Tensor) => l1(x, b))(a).dataSync();
  assert(g[0] === 0 && Math.abs(g[1] + 1 / 3) < 1e-7 && Math.abs(g[2] - 1 / 3) < 1e-7, `l1 gradient ${g}`);
  assertThrows(() => mse(a, tf.zeros([1, 3, 2, 1])), Error, "differ in shape");
  assertThrows(() => lutSmoothness(tf.zeros([1, 3, 4, 4, 3]), "3dlut"), Error, "[N,3,D,D,D]");
});

Deno.test("image losses on a 2x3x160x120 batch (many chunks): the same bits on 1 and 2 threads, gradients = the float64 loops bit for bit", async () => {
  const { setKernelThreads } = await import("../lib/core/native.ts");
  const shape: [number, number, number, number] = [2, 3, 160, 120], hw = 160 * 120;
  const a = rng.fill(2 * 3 * hw, (r) => r.next()), b = rng.fill(2 * 3 * hw, (r) => r.next());
  a[7] = b[7]; // an equal pair: l1's gradient 0 there
  for (let i = 0; i < 3; i++) a[i * hw + 11] = 0; // a black pixel: cosine's clamped norm
  const ta = tf.tensor4d(a, shape), tb = tf.tensor4d(b, shape), pixels = 2 * hw;
  // the per-element gradients in float64, stored as float32 (torch's formulas; dy = 1)
  const ref = {
    mse: a.map((p, i) => (2 / a.length) * (p - b[i])),
    l1: a.map((p, i) => (1 / a.length) * (+(p > b[i]) - +(p < b[i]))),
    cosine: new Float32Array(a.length),
  };
  for (let i0 = 0; i0 < a.length; i0 += 3 * hw) {
    for (let i = i0; i < i0 + hw; i++) {
      const [a0, a1, a2, b0, b1, b2] = [a[i], a[i + hw], a[i + 2 * hw], b[i], b[i + hw], b[i + 2 * hw]];
      const aa = a0 * a0 + a1 * a1 + a2 * a2, dot = a0 * b0 + a1 * b1 + a2 * b2;
      const na = Math.sqrt(Math.max(aa, 1e-16)), nb = Math.sqrt(Math.max(b0 * b0 + b1 * b1 + b2 * b2, 1e-16));
      const kb = -1 / (pixels * na * nb), ka = aa >= 1e-16 ? dot / (pixels * na * na * na * nb) : 0;
      ref.cosine[i] = kb * b0 + ka * a0, ref.cosine[i + hw] = kb * b1 + ka * a1;
      ref.cosine[i + 2 * hw] = kb * b2 + ka * a2;
    }
  }
  const losses = {
    mse,
    l1,
    cosine: (x: tf.Tensor, y: tf.Tensor) => cosine(x as tf.Tensor4D, y as tf.Tensor4D),
  };
  for (const [name, f] of Object.entries(losses)) {
    const runs = [1, 2].map((t) => {
      setKernelThreads(t);
      return { v: f(ta, tb).dataSync()[0], g: tf.grad((x: tf.Tensor) => f(x, tb))(ta).dataSync() };
    });
    setKernelThreads(0);
    assert(runs[0].v === runs[1].v, `${name}: value ${runs[0].v} on 1 thread, ${runs[1].v} on 2`);
    const want = ref[name as keyof typeof ref];
    for (const [t, r] of runs.entries()) {
      const bad = r.g.findIndex((g, i) => g !== want[i]);
      assert(
        bad < 0,
        `${name} on ${t + 1} thread(s): gradient[${bad}] ${r.g[bad]} vs the loop's ${want[bad]}`,
      );
    }
  }
});
