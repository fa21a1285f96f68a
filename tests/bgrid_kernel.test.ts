// LUTwithBGrid's bilateral-grid slicing: the native kernel (kernels/bgrid.c) against the plain TypeScript
// reference (forward and backward, both spatial modes, guide values outside [0,1]), the reference's
// gradients against central finite differences, tf.grads through the bgridSlice op, and shape errors.
import { assert, assertThrows } from "@std/assert";
import { bgridBackwardRef, bgridForwardRef, type BGridShape } from "../lib/lut/bgrid_ref.ts";
import { bgridBackward, bgridForward, bgridSlice } from "../lib/lut/bgrid.ts";
import { initTf, tf } from "../lib/core/backend.ts";
import { maxAbsDiff, rng } from "./lut3d_util.ts";

const SHAPES: BGridShape[] = [
  { batch: 2, height: 5, width: 7, dim: 5, gpc: 2, spatial: 0 },
  { batch: 1, height: 6, width: 4, dim: 17, gpc: 1, spatial: 1 },
  { batch: 1, height: 1, width: 3, dim: 2, gpc: 3, spatial: 1 },
];

function random(s: BGridShape, seed: number) {
  const r = rng(seed);
  const grid = Float32Array.from({ length: s.batch * 3 * s.gpc * s.dim ** 3 }, () => r() * 2 - 0.5);
  const img = Float32Array.from({ length: s.batch * 3 * s.height * s.width }, () => r() * 1.2 - 0.1);
  const gradOut = Float32Array.from({ length: s.batch * 3 * s.gpc * s.height * s.width }, () => r() - 0.5);
  return { grid, img, gradOut };
}

Deno.test("bgrid kernel = reference: forward and backward <= 1e-5 (spatial 0 and 1, extrapolated guides)", () => {
  for (const [i, s] of SHAPES.entries()) {
    const { grid, img, gradOut } = random(s, 10 + i);
    const fwd = maxAbsDiff(bgridForward(grid, img, s), bgridForwardRef(grid, img, s));
    const got = bgridBackward(grid, img, gradOut, s), want = bgridBackwardRef(grid, img, gradOut, s);
    const dg = maxAbsDiff(got.gradGrid, want.gradGrid), di = maxAbsDiff(got.gradImg, want.gradImg);
    console.log(
      `bgrid ${JSON.stringify(s)}: forward ${fwd.toExponential(1)}, grid ${dg.toExponential(1)}, img ${
        di.toExponential(1)
      }`,
    );
    assert(fwd < 1e-5 && dg < 1e-5 && di < 1e-4, `${JSON.stringify(s)}: ${fwd} ${dg} ${di}`);
  }
});

Deno.test("bgrid reference gradients = central finite differences (grid and guide image)", () => {
  const s = SHAPES[0], { grid, img, gradOut } = random(s, 3);
  const loss = (g: Float32Array, x: Float32Array) =>
    bgridForwardRef(g, x, s).reduce((a, v, i) => a + v * gradOut[i], 0);
  const { gradGrid, gradImg } = bgridBackwardRef(grid, img, gradOut, s);
  const h = 1e-3;
  for (const [name, arr, grad] of [["grid", grid, gradGrid], ["img", img, gradImg]] as const) {
    const r = rng(name.length);
    for (let n = 0; n < 20; n++) {
      const i = Math.floor(r() * arr.length);
      // stay inside one cell: skip guides within h of a lattice plane
      if (name === "img" && Math.abs(arr[i] * (s.dim - 1) - Math.round(arr[i] * (s.dim - 1))) < 0.01) {
        continue;
      }
      const a = Float32Array.from(arr), b = Float32Array.from(arr);
      a[i] += h;
      b[i] -= h;
      const fd = name === "grid"
        ? (loss(a, img) - loss(b, img)) / (2 * h)
        : (loss(grid, a) - loss(grid, b)) / (2 * h);
      assert(
        Math.abs(fd - grad[i]) < 2e-3 * Math.max(1, Math.abs(fd)),
        `${name}[${i}]: fd ${fd} vs ${grad[i]}`,
      );
    }
  }
});

Deno.test("bgridSlice (tfjs) gradients = the kernel's backward", async () => {
  await initTf();
  const s = SHAPES[0], { grid, img, gradOut } = random(s, 5);
  const G = 3 * s.gpc, D = s.dim;
  const g = tf.tensor5d(grid, [s.batch, G, D, D, D]), x = tf.tensor4d(img, [s.batch, 3, s.height, s.width]);
  const dy = tf.tensor4d(gradOut, [s.batch, G, s.height, s.width]);
  const [gg, gi] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    bgridSlice(a as tf.Tensor5D, b as tf.Tensor4D).mul(dy).sum()
  )([g, x]);
  const want = bgridBackward(grid, img, gradOut, s);
  assert(maxAbsDiff(gg.dataSync(), want.gradGrid) < 1e-6 && maxAbsDiff(gi.dataSync(), want.gradImg) < 1e-5);
  tf.dispose([g, x, dy, gg, gi]);
});

Deno.test("bgrid: wrong shapes are named", () => {
  const s = SHAPES[0], { grid, img } = random(s, 1);
  assertThrows(() => bgridForward(grid.subarray(1), img, s), Error, "grid");
  assertThrows(() => bgridForward(grid, img, { ...s, gpc: 0 }), Error, "grids per channel");
  assertThrows(
    () => bgridSlice(tf.zeros([1, 4, 2, 2, 2]) as tf.Tensor5D, tf.zeros([1, 3, 2, 2]) as tf.Tensor4D),
    Error,
    "3*gpc",
  );
});
