// conv2d with the native custom gradient (lib/nn/conv.ts, kernels/conv2d.c) vs tf.conv2d and its
// gradients on the tfjs cpu backend (which has Conv2DBackpropFilter), relative tolerance 1e-4, on both
// backends (wasm: in-place views of the tensors; cpu: copies), and against central finite differences.
import { assert, assertThrows } from "@std/assert";
import { initTf, tf } from "../lib/core/backend.ts";
import { conv2d, convFilterGrad, convInputGrad, type ConvPad } from "../lib/nn/conv.ts";
import { rng } from "./lut3d_util.ts";

type Case = { x: number[]; w: number[]; stride: number; pad: ConvPad };
const cases: Case[] = [
  { x: [2, 7, 9, 3], w: [3, 3, 3, 5], stride: 1, pad: "same" },
  { x: [1, 8, 8, 4], w: [3, 3, 4, 6], stride: 2, pad: "same" },
  { x: [2, 9, 7, 2], w: [3, 3, 2, 3], stride: 2, pad: 1 },
  { x: [1, 10, 11, 3], w: [4, 4, 3, 2], stride: 2, pad: "valid" },
  { x: [1, 5, 6, 3], w: [1, 1, 3, 4], stride: 1, pad: "valid" },
  { x: [1, 4, 4, 3], w: [3, 3, 3, 2], stride: 1, pad: 4 },
  { x: [2, 1, 1, 2], w: [3, 3, 2, 3], stride: 3, pad: "same" },
];

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i])), den = Math.max(den, Math.abs(b[i]));
  }
  return num / Math.max(den, 1e-12);
}

/** Forward, dx, dw of sum(conv(x, w) * g) with `conv` on the current backend, as arrays. */
function run(conv: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D, c: Case, seed: number) {
  const r = rng(seed);
  return tf.tidy(() => {
    const x = tf.tensor4d(
      Float32Array.from({ length: c.x.reduce((a, b) => a * b) }, () => r() - 0.5),
      c.x as [number, number, number, number],
    );
    const w = tf.tensor4d(
      Float32Array.from({ length: c.w.reduce((a, b) => a * b) }, () => r() - 0.5),
      c.w as [number, number, number, number],
    );
    const y = conv(x, w);
    const g = tf.tensor(Float32Array.from({ length: y.size }, () => r() - 0.5), y.shape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), g))
    )([x, w]);
    return {
      shape: y.shape,
      y: y.dataSync().slice(),
      dx: dx.dataSync().slice(),
      dw: dw.dataSync().slice(),
      x: x.dataSync().slice(),
      w: w.dataSync().slice(),
      g: g.dataSync().slice(),
    };
  });
}

Deno.test("conv2d: native custom gradient matches tf.conv2d gradients on the cpu backend", async () => {
  await initTf();
  try {
    for (const [i, c] of cases.entries()) {
      await tf.setBackend("cpu");
      const want = run((x, w) => tf.conv2d(x, w, c.stride, c.pad), c, i);
      for (const backend of ["wasm", "cpu"]) {
        await tf.setBackend(backend);
        const got = run((x, w) => conv2d(x, w, c.stride, c.pad), c, i);
        assert(String(got.shape) === String(want.shape), `case ${i}: shape ${got.shape} vs ${want.shape}`);
        for (const k of ["y", "dx", "dw"] as const) {
          const e = relErr(got[k], want[k]);
          assert(e <= 1e-4, `${backend} case ${i} (${JSON.stringify(c)}): ${k} relative error ${e}`);
        }
        // without the input gradient (x is data): the same filter gradient
        const dw = tf.tidy(() => {
          const x = tf.tensor4d(got.x, c.x as [number, number, number, number]);
          const g = tf.tensor(got.g, got.shape);
          return tf.grad((w: tf.Tensor) =>
            tf.sum(tf.mul(conv2d(x, w as tf.Tensor4D, c.stride, c.pad, false), g))
          )(
            tf.tensor4d(got.w, c.w as [number, number, number, number]),
          ).dataSync();
        });
        assert(relErr(dw, want.dw) <= 1e-4, `${backend} case ${i}: filter gradient without input gradient`);
      }
    }
  } finally {
    await tf.setBackend("wasm");
  }
});

Deno.test("conv2d: gradients match central finite differences", async () => {
  await initTf();
  const c = cases[2], r = rng(42);
  const x = Float32Array.from({ length: 2 * 9 * 7 * 2 }, () => r() - 0.5);
  const w = Float32Array.from({ length: 3 * 3 * 2 * 3 }, () => r() - 0.5);
  const loss = (xs: Float32Array, ws: Float32Array) =>
    tf.tidy(() => {
      const y = conv2d(tf.tensor4d(xs, [2, 9, 7, 2]), tf.tensor4d(ws, [3, 3, 2, 3]), c.stride, c.pad);
      return tf.sum(tf.mul(y, tf.sin(tf.range(0, y.size).reshape(y.shape)))).dataSync()[0];
    });
  const [gx, gw] = tf.tidy(() =>
    tf.grads((a: tf.Tensor, b: tf.Tensor) => {
      const y = conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad);
      return tf.sum(tf.mul(y, tf.sin(tf.range(0, y.size).reshape(y.shape))));
    })([tf.tensor4d(x, [2, 9, 7, 2]), tf.tensor4d(w, [3, 3, 2, 3])]).map((t) => t.dataSync())
  );
  const h = 1e-2;
  for (
    const [name, v, g, f] of [["x", x, gx, (a: Float32Array) => loss(a, w)], [
      "w",
      w,
      gw,
      (b: Float32Array) => loss(x, b),
    ]] as const
  ) {
    for (let i = 0; i < v.length; i += 5) {
      const plus = Float32Array.from(v), minus = Float32Array.from(v);
      plus[i] += h, minus[i] -= h;
      const fd = (f(plus) - f(minus)) / (2 * h);
      assert(Math.abs(fd - g[i]) < 2e-3, `d${name}[${i}]: analytic ${g[i]} vs finite difference ${fd}`);
    }
  }
});

Deno.test("conv2d: bad shapes and arguments throw", async () => {
  await initTf();
  const x = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
  assertThrows(() => conv2d(x, tf.zeros([3, 3, 2, 4]) as tf.Tensor4D), Error, "w [3,3,2,4]");
  assertThrows(() => conv2d(x, tf.zeros([3, 3, 3, 4]) as tf.Tensor4D, 0), Error, "stride");
  assertThrows(() => conv2d(x, tf.zeros([5, 5, 3, 4]) as tf.Tensor4D, 1, "valid"), Error, "larger than");
  assertThrows(() => conv2d(x, tf.zeros([3, 3, 3, 4]) as tf.Tensor4D, 1, -1), Error, "pad");
  const g = { n: 1, h: 4, w: 4, ci: 3, kh: 3, kw: 3, co: 2, ho: 2, wo: 2, stride: 2, top: 1, left: 1 };
  assertThrows(() => convFilterGrad(new Float32Array(47), new Float32Array(8), g), Error, "x has 47 values");
  assertThrows(() => convInputGrad(new Float32Array(8), new Float32Array(53), g), Error, "w has 53 values");
  assertThrows(
    () => convInputGrad(new Float32Array(8), new Float32Array(54), { ...g, top: -1 }),
    Error,
    "padding",
  );
  tf.dispose(x);
});
