// WGSL bilateral-grid slicing (lib/lut/webgpu/bgrid_wgsl.ts) against the C kernel: forward <= 1e-5
// absolute, grid and guide-image gradients <= 1e-4 relative, both spatial modes.
import { assert } from "@std/assert";
import { tf } from "../lib/core/backend.ts";
import { bgridBackward, bgridForward, type BGridShape, bgridSlice } from "../lib/lut/bgrid.ts";
import { maxAbsDiff, rng } from "./lut3d_util.ts";
import { relErr, useWebgpu } from "./webgpu_util.ts";

const adapter = await useWebgpu();

for (const spatial of [0, 1] as const) {
  Deno.test(`webgpu bgrid slicing, spatial ${spatial}: forward and gradients match the C kernel (${adapter})`, async () => {
    const s: BGridShape = { batch: 2, height: 11, width: 13, dim: 5, gpc: 2, spatial };
    const r = rng(7 + spatial), G = 3 * s.gpc, D = s.dim;
    const grid = Float32Array.from({ length: s.batch * G * D ** 3 }, () => r() * 2 - 0.5);
    const img = Float32Array.from({ length: s.batch * 3 * s.height * s.width }, () => r() * 1.2 - 0.1);
    const dy = Float32Array.from({ length: s.batch * G * s.height * s.width }, () => r() - 0.5);
    const want = bgridForward(grid, img, s), back = bgridBackward(grid, img, dy, s);
    const g = tf.tensor5d(grid, [s.batch, G, D, D, D]), x = tf.tensor4d(img, [s.batch, 3, s.height, s.width]);
    const t = tf.tensor4d(dy, [s.batch, G, s.height, s.width]);
    const out = bgridSlice(g, x, spatial);
    const [gg, gi] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(bgridSlice(a as tf.Tensor5D, b as tf.Tensor4D, spatial), t))
    )([g, x]);
    const fwd = maxAbsDiff(await out.data(), want);
    const eGrid = relErr(await gg.data(), back.gradGrid), eImg = relErr(await gi.data(), back.gradImg);
    console.log(
      `  spatial ${spatial}: forward ${fwd.toExponential(2)}, grid rel ${eGrid.toExponential(2)}, img rel ${
        eImg.toExponential(2)
      }`,
    );
    assert(fwd <= 1e-5 && eGrid <= 1e-4 && eImg <= 1e-4, `${fwd} ${eGrid} ${eImg}`);
    tf.dispose([g, x, t, out, gg, gi]);
  });
}
