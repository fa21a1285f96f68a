// 3D LUT gradients: reference and kernel gradients vs central finite differences of the forward pass
// (away from cell and tetrahedron boundaries), and tf.grads through the tfjs op on the wasm backend.
import { assert, assertThrows } from "@std/assert";
import { lut3dBackwardRef, lut3dForwardRef, type Lut3dMode } from "../lib/lut/lut3d_ref.ts";
import { applyLut3d, lut3dBackward } from "../lib/lut/lut3d.ts";
import { lut3dApply } from "../lib/lut/lut3d_op.ts";
import { initTf, tf } from "../lib/core/backend.ts";
import { maxAbsDiff, randomLut, rng } from "./lut3d_util.ts";

const modes: Lut3dMode[] = ["trilinear", "tetrahedral"];

/** Colours whose fractions inside their cell are distinct and >= 0.1 from 0, 1 and each other. */
function smoothColours(pixels: number, batch: number, dim: number, seed: number): Float32Array {
  const r = rng(seed), hw = pixels, img = new Float32Array(batch * 3 * hw);
  const fracs = [0.15, 0.5, 0.85];
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < hw; p++) {
      const perm = [...fracs].sort(() => r() - 0.5);
      for (let c = 0; c < 3; c++) {
        const cellIdx = Math.floor(r() * (dim - 1));
        img[(b * 3 + c) * hw + p] = (cellIdx + perm[c] + (r() - 0.5) * 0.05) / (dim - 1);
      }
    }
  }
  return img;
}

/** sum(w * f(x)) in float64. */
function weighted(out: Float32Array, w: Float32Array): number {
  let s = 0;
  for (let i = 0; i < out.length; i++) s += out[i] * w[i];
  return s;
}

/** Asserts grad[i] ~ central difference of f around x[i] (every `step`-th entry, h = 1e-3). */
function checkFiniteDifferences(
  name: string,
  x: Float32Array,
  grad: Float32Array,
  step: number,
  f: (x: Float32Array) => number,
): void {
  for (let i = 0; i < x.length; i += step) {
    const xp = x.slice(), xm = x.slice();
    xp[i] += 1e-3, xm[i] -= 1e-3;
    const fd = (f(xp) - f(xm)) / (xp[i] - xm[i]);
    assert(
      Math.abs(fd - grad[i]) <= 2e-3 * Math.max(1, Math.abs(fd)),
      `${name}[${i}]: fd ${fd} vs ${grad[i]}`,
    );
  }
}

for (const mode of modes) {
  Deno.test(`lut3d ${mode}: gradients match central finite differences`, () => {
    const dim = 5, shape = { batch: 2, height: 2, width: 3, dim, lutBatch: 1 };
    const img = smoothColours(6, 2, dim, 1);
    const lut = randomLut(1, dim, 2);
    const w = Float32Array.from({ length: img.length }, rng(3));
    const ref = lut3dBackwardRef(img, lut, w, shape, mode);
    const ker = lut3dBackward(img, lut, w, shape, mode);
    assert(maxAbsDiff(ref.gradLut, ker.gradLut!) <= 1e-5 && maxAbsDiff(ref.gradImg, ker.gradImg!) <= 1e-5);
    const f = (x: Float32Array, l: Float32Array) => weighted(lut3dForwardRef(x, l, shape, mode), w);
    checkFiniteDifferences("img", img, ker.gradImg!, 1, (x) => f(x, lut));
    checkFiniteDifferences("lut", lut, ker.gradLut!, 7, (l) => f(img, l));
  });
}

Deno.test("lut3d: gradient wrt colours is zero where clamped (out of range, NaN)", () => {
  const shape = { batch: 1, height: 1, width: 4, dim: 3 };
  const img = new Float32Array([-0.5, 1.5, NaN, 0.3, 0.2, 0.4, 0.6, 0.8, 0.1, 0.2, 0.3, 0.4]);
  const g = lut3dBackward(img, randomLut(1, 3, 4), new Float32Array(12).fill(1), shape, "tetrahedral");
  assert(g.gradImg![0] === 0 && g.gradImg![1] === 0 && g.gradImg![2] === 0 && g.gradImg![3] !== 0);
});

Deno.test("lut3d: tf.grads through lut3dApply on the wasm backend (per-image and shared LUTs)", async () => {
  const backend = await initTf();
  assert(backend === "wasm", `expected the wasm backend, got ${backend}`);
  const dim = 5, batch = 2, height = 3, width = 4, hw = height * width;
  const imgData = smoothColours(hw, batch, dim, 7);
  for (const lutBatch of [1, batch]) {
    for (const mode of modes) {
      const lutData = randomLut(lutBatch, dim, 8);
      const w = Float32Array.from({ length: imgData.length }, rng(9));
      const shape = { batch, height, width, dim, lutBatch };
      const [gi, gl] = tf.tidy(() => {
        const img = tf.tensor4d(imgData, [batch, 3, height, width]);
        const base = tf.tensor(lutData, [lutBatch, 3, dim, dim, dim]);
        const wt = tf.tensor4d(w, [batch, 3, height, width]);
        // the LUT is produced by other ops (as in training), so gradients must flow through it
        return tf.grads((x: tf.Tensor, l: tf.Tensor) =>
          tf.sum(tf.mul(lut3dApply(tf.mul(x, 1) as tf.Tensor4D, tf.add(l, 0), mode), wt))
        )([img, base]).map((t) => t.dataSync() as Float32Array);
      });
      const ref = lut3dBackwardRef(imgData, lutData, w, shape, mode);
      const ei = maxAbsDiff(gi, ref.gradImg), el = maxAbsDiff(gl, ref.gradLut);
      assert(
        ei <= 1e-5 && el <= 1e-5,
        `${mode} lutBatch ${lutBatch}: image grad err ${ei}, LUT grad err ${el}`,
      );
      const fwd = tf.tidy(() =>
        lut3dApply(
          tf.tensor4d(imgData, [batch, 3, height, width]),
          tf.tensor(lutData, [lutBatch, 3, dim, dim, dim]),
          mode,
        )
          .dataSync()
      );
      assert(maxAbsDiff(fwd, applyLut3d(imgData, lutData, shape, mode)) === 0);
    }
  }
});

Deno.test("lut3d: lut3dApply rejects bad tensor shapes and dtypes", async () => {
  await initTf();
  const img = tf.zeros([2, 3, 4, 4]) as tf.Tensor4D;
  assertThrows(
    () => lut3dApply(img, tf.zeros([3, 3, 5, 5, 5]), "trilinear"),
    Error,
    "lut must be [2 or 1,3,D,D,D]",
  );
  assertThrows(() => lut3dApply(img, tf.zeros([1, 3, 5, 5, 4]), "trilinear"), Error, "got [1,3,5,5,4]");
  assertThrows(
    () => lut3dApply(tf.zeros([2, 4, 4, 4]) as tf.Tensor4D, tf.zeros([1, 3, 5, 5, 5]), "trilinear"),
    Error,
    "img must be [B,3,H,W]",
  );
  assertThrows(
    () => lut3dApply(img, tf.zeros([1, 3, 5, 5, 5], "int32"), "trilinear"),
    Error,
    "lut must be float32",
  );
  tf.dispose(img);
});
