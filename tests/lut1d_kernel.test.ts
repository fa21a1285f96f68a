// 1D LUT (per-channel curves, linear interpolation): the native kernel against the plain TypeScript
// reference (forward bit-exact, backward to float rounding) on random and edge values (0, 1, exact table
// points, out of range, NaN, +-inf), sizes 2..65536, shared and per-image tables; gradients against
// central finite differences; tf.grads through lut1dApply (wasm); a 1D shaper + 3D model as tfjs ops
// exported as one Resolve shaper .cube and re-applied from the file on the host path.
import { assert, assertEquals, assertThrows } from "@std/assert";
import { lut1dBackwardRef, lut1dForwardRef } from "../lib/lut/lut1d_ref.ts";
import { applyLut1d, lut1dBackward } from "../lib/lut/lut1d.ts";
import { lut1dApply } from "../lib/lut/lut1d_op.ts";
import { lut3dApply } from "../lib/lut/lut3d_op.ts";
import { applyLutStages } from "../lib/lut/lut_file.ts";
import { formatCubeFile, parseCubeFile } from "../lib/formats/cube.ts";
import { initTf, tf } from "../lib/core/backend.ts";
import { edgeColours, maxAbsDiff, randomLut, rng } from "./lut3d_util.ts";

/** `count` random curves [count,3,N]: increasing with noise, some values outside [0,1]. */
function randomCurves(count: number, size: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from(
    { length: count * 3 * size },
    (_, i) => (i % size) / (size - 1) * 1.2 - 0.1 + r() * 0.05,
  );
}

Deno.test("lut1d kernel = reference: forward exact, backward <= 1e-4 relative (sizes 2..65536, edges)", () => {
  for (
    const [size, batch, lutBatch, h, w] of [[2, 1, 1, 1, 1], [3, 2, 2, 3, 5], [17, 2, 1, 7, 9], [
      1024,
      1,
      1,
      31,
      33,
    ], [
      65536,
      2,
      2,
      16,
      64,
    ]]
  ) {
    const shape = { batch, height: h, width: w, size };
    const img = edgeColours(batch * 3 * h * w, size, size);
    const lut = randomCurves(lutBatch, size, size + 1);
    const ref = lut1dForwardRef(img, lut, { ...shape, lutBatch });
    assertEquals(maxAbsDiff(applyLut1d(img, lut, shape), ref), 0, `forward N=${size}`);
    const g = Float32Array.from({ length: img.length }, rng(size + 2));
    const rb = lut1dBackwardRef(img, lut, g, { ...shape, lutBatch }), kb = lut1dBackward(img, lut, g, shape);
    const scale = rb.gradLut.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
    assert(maxAbsDiff(rb.gradLut, kb.gradLut!) <= 1e-4 * scale, `gradLut N=${size}`);
    assert(maxAbsDiff(rb.gradImg, kb.gradImg!) <= 1e-4 * size, `gradImg N=${size}`);
  }
});

Deno.test("lut1d: clamped and NaN inputs give the end values and zero image gradient", () => {
  const lut = new Float32Array([0.1, 0.5, 0.9, 0.2, 0.4, 0.6, -0.3, 0.3, 1.3]);
  const img = new Float32Array([-1, 2, NaN, Infinity, 0.5, 1]);
  const out = applyLut1d(img, lut, { batch: 1, height: 1, width: 2, size: 3 });
  assertEquals(Array.from(out), [0.1, 0.9, 0.2, 0.6, 0.3, 1.3].map(Math.fround));
  const g = lut1dBackward(img, lut, new Float32Array(6).fill(1), { batch: 1, height: 1, width: 2, size: 3 });
  assertEquals(Array.from(g.gradImg!).slice(0, 4), [0, 0, 0, 0]);
});

Deno.test("lut1d gradients match central finite differences (away from table points)", () => {
  const size = 9, shape = { batch: 2, height: 2, width: 3, size, lutBatch: 2 };
  const r = rng(5);
  const img = Float32Array.from({ length: 36 }, () => (Math.floor(r() * 8) + 0.2 + 0.6 * r()) / 8);
  const lut = randomCurves(2, size, 6), w = Float32Array.from({ length: 36 }, rng(7));
  const k = lut1dBackward(img, lut, w, shape);
  const f = (x: Float32Array, l: Float32Array) => {
    const o = lut1dForwardRef(x, l, shape);
    return o.reduce((s, v, i) => s + v * w[i], 0);
  };
  for (
    const [name, x, grad, fn] of [
      ["img", img, k.gradImg!, (v: Float32Array) => f(v, lut)],
      ["lut", lut, k.gradLut!, (v: Float32Array) => f(img, v)],
    ] as const
  ) {
    for (let i = 0; i < x.length; i++) {
      const xp = x.slice(), xm = x.slice();
      xp[i] += 1e-3, xm[i] -= 1e-3;
      const fd = (fn(xp) - fn(xm)) / (xp[i] - xm[i]);
      assert(
        Math.abs(fd - grad[i]) <= 2e-3 * Math.max(1, Math.abs(fd)),
        `${name}[${i}]: fd ${fd} vs ${grad[i]}`,
      );
    }
  }
});

Deno.test("lut1d: tf.grads through lut1dApply (wasm) = reference; bad shapes are refused", async () => {
  assertEquals(await initTf(), "wasm");
  const size = 6, batch = 2, height = 3, width = 4;
  const imgData = Float32Array.from({ length: batch * 3 * height * width }, rng(11));
  for (const lutBatch of [1, batch]) {
    const lutData = randomCurves(lutBatch, size, 12),
      w = Float32Array.from({ length: imgData.length }, rng(13));
    const [gi, gl] = tf.tidy(() => {
      const wt = tf.tensor4d(w, [batch, 3, height, width]);
      return tf.grads((x: tf.Tensor, l: tf.Tensor) =>
        tf.sum(tf.mul(lut1dApply(tf.mul(x, 1) as tf.Tensor4D, tf.add(l, 0) as tf.Tensor3D), wt))
      )([tf.tensor4d(imgData, [batch, 3, height, width]), tf.tensor3d(lutData, [lutBatch, 3, size])])
        .map((t) => t.dataSync() as Float32Array);
    });
    const ref = lut1dBackwardRef(imgData, lutData, w, { batch, height, width, size, lutBatch });
    assert(
      maxAbsDiff(gi, ref.gradImg) <= 1e-5 && maxAbsDiff(gl, ref.gradLut) <= 1e-5,
      `lutBatch ${lutBatch}`,
    );
  }
  const img = tf.zeros([2, 3, 4, 4]) as tf.Tensor4D;
  assertThrows(() => lut1dApply(img, tf.zeros([3, 3, 5]) as tf.Tensor3D), Error, "lut must be [2 or 1,3,N]");
  assertThrows(
    () => applyLut1d(new Float32Array(3), new Float32Array(3), { batch: 1, height: 1, width: 1, size: 1 }),
    Error,
    "LUT size N",
  );
  assertThrows(
    () => applyLut1d(new Float32Array(3), new Float32Array(7), { batch: 1, height: 1, width: 1, size: 2 }),
    Error,
    "lut has 7 values",
  );
  tf.dispose(img);
});

Deno.test("1D shaper + 3D tfjs model exports as one Resolve shaper .cube that reproduces it", async () => {
  await initTf();
  const size1 = 64, dim = 9, height = 8, width = 12;
  const shaper = Float32Array.from({ length: 3 * size1 }, (_, i) => Math.sqrt((i % size1) / (size1 - 1)));
  const lut3 = randomLut(1, dim, 21);
  const imgData = Float32Array.from({ length: 3 * height * width }, rng(22));
  for (const mode of ["trilinear", "tetrahedral"] as const) {
    const model = tf.tidy(() => {
      const x = tf.tensor4d(imgData, [1, 3, height, width]);
      const y = lut1dApply(x, tf.tensor3d(shaper, [1, 3, size1]), false);
      return lut3dApply(y, tf.tensor(lut3, [1, 3, dim, dim, dim]), mode, false).dataSync() as Float32Array;
    });
    const text = formatCubeFile({
      title: "sep",
      interpolation: mode,
      lut1d: { size: size1, lut: shaper },
      lut3d: { size: dim, lut: lut3 },
    }, 9);
    const file = parseCubeFile(text, "sep.cube");
    assertEquals(file.interpolation, mode);
    const out = applyLutStages({ data: imgData, channels: 3, height, width }, file, file.interpolation!);
    const err = maxAbsDiff(out.data, model);
    console.log(
      `shaper+3D ${mode}: tfjs model vs its exported shaper .cube, max abs error ${err.toExponential(2)}`,
    );
    assert(err <= 1e-6, `${mode}: ${err}`);
  }
});
