// WGSL 3D LUT kernels (lib/lut/webgpu/lut3d_wgsl.ts) against the C kernels: forward <= 1e-5 absolute,
// gradients (image and LUT, trilinear and tetrahedral, shared and per-image LUTs) <= 1e-4 relative.
import { assert } from "@std/assert";
import { tf } from "../lib/core/backend.ts";
import { applyLut3d, lut3dBackward, type Lut3dMode } from "../lib/lut/lut3d.ts";
import { lut3dApply } from "../lib/lut/lut3d_op.ts";
import { edgeColours, maxAbsDiff, randomLut, rng } from "./lut3d_util.ts";
import { relErr, useWebgpu } from "./webgpu_util.ts";

const adapter = await useWebgpu();

for (const mode of ["trilinear", "tetrahedral"] as Lut3dMode[]) {
  for (const lutBatch of [1, 2]) {
    Deno.test(`webgpu lut3d ${mode}, ${lutBatch} LUT(s): forward and gradients match the C kernel (${adapter})`, async () => {
      const shape = { batch: 2, height: 13, width: 17, dim: 9 };
      const n = shape.batch * 3 * shape.height * shape.width;
      const img = edgeColours(n, shape.dim, 7 + lutBatch);
      const lut = randomLut(lutBatch, shape.dim, 3);
      const r = rng(11);
      const dy = Float32Array.from({ length: n }, () => r() * 2 - 1);
      const want = applyLut3d(img, lut, shape, mode);
      const { gradLut, gradImg } = lut3dBackward(img, lut, dy, shape, mode);
      const x = tf.tensor4d(img, [shape.batch, 3, shape.height, shape.width]);
      const l = tf.tensor(lut, [lutBatch, 3, shape.dim, shape.dim, shape.dim]);
      const g = tf.tensor4d(dy, x.shape);
      const out = lut3dApply(x, l, mode);
      const [gi, gl] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(lut3dApply(a as tf.Tensor4D, b, mode), g))
      )([x, l]);
      const fwd = maxAbsDiff(await out.data(), want);
      const eImg = relErr(await gi.data(), gradImg!);
      const eLut = relErr(await gl.data(), gradLut!);
      console.log(
        `  ${mode} lutBatch=${lutBatch}: forward max abs ${fwd.toExponential(2)}, gradImg rel ${
          eImg.toExponential(2)
        }, gradLut rel ${eLut.toExponential(2)}`,
      );
      assert(fwd <= 1e-5, `forward max abs error ${fwd}`);
      assert(eImg <= 1e-4, `image gradient relative error ${eImg}`);
      assert(eLut <= 1e-4, `LUT gradient relative error ${eLut}`);
      tf.dispose([x, l, g, out, gi, gl]);
    });
  }
}
