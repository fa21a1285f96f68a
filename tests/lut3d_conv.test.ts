// conv2d with the wasm-safe custom gradient (lib/ops/conv.ts) vs tf.conv2d and its gradients on the
// tfjs cpu backend (which has Conv2DBackpropFilter), relative tolerance 1e-4.
import { assert, assertThrows } from "@std/assert";
import { initTf, tf } from "../lib/backend.ts";
import { conv2d, type ConvPad } from "../lib/ops/conv.ts";
import { rng } from "./lut3d_util.ts";

type Case = { x: number[]; w: number[]; stride: number; pad: ConvPad };
const cases: Case[] = [
  { x: [2, 7, 9, 3], w: [3, 3, 3, 5], stride: 1, pad: "same" },
  { x: [1, 8, 8, 4], w: [3, 3, 4, 6], stride: 2, pad: "same" },
  { x: [2, 9, 7, 2], w: [3, 3, 2, 3], stride: 2, pad: 1 },
  { x: [1, 10, 11, 3], w: [4, 4, 3, 2], stride: 2, pad: "valid" },
  { x: [1, 5, 6, 3], w: [1, 1, 3, 4], stride: 1, pad: "valid" },
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
    return { shape: y.shape, y: y.dataSync().slice(), dx: dx.dataSync().slice(), dw: dw.dataSync().slice() };
  });
}

Deno.test("conv2d: wasm custom gradient matches tf.conv2d gradients on the cpu backend", async () => {
  await initTf();
  for (const [i, c] of cases.entries()) {
    await tf.setBackend("cpu");
    const want = run((x, w) => tf.conv2d(x, w, c.stride, c.pad), c, i);
    await tf.setBackend("wasm");
    const got = run((x, w) => conv2d(x, w, c.stride, c.pad), c, i);
    assert(String(got.shape) === String(want.shape), `case ${i}: shape ${got.shape} vs ${want.shape}`);
    for (const k of ["y", "dx", "dw"] as const) {
      const e = relErr(got[k], want[k]);
      assert(e <= 1e-4, `case ${i} (${JSON.stringify(c)}): ${k} relative error ${e}`);
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
  tf.dispose(x);
});
