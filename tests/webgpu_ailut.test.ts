// WGSL AiLUT kernels (lib/lut/webgpu/ailut_wgsl.ts) against the C kernels: forward <= 1e-5 absolute,
// LUT / vertex / image gradients (shared and per-image LUTs and vertices) <= 1e-4 relative.
import { assert } from "@std/assert";
import { tf } from "../lib/core/backend.ts";
import { aiLutBackward, applyAiLut } from "../lib/lut/ailut.ts";
import { ailutApply } from "../lib/lut/ailut_op.ts";
import { edgeColours, maxAbsDiff, randomLut, rng } from "./lut3d_util.ts";
import { relErr, useWebgpu } from "./webgpu_util.ts";

const adapter = await useWebgpu();

/** Ascending vertices [count,3,D] from 0 to 1 with random intervals. */
function randomVertices(count: number, dim: number, seed: number): Float32Array {
  const r = rng(seed), out = new Float32Array(count * 3 * dim);
  for (let s = 0; s < count * 3; s++) {
    const w = Array.from({ length: dim - 1 }, () => 0.2 + r()), total = w.reduce((a, b) => a + b, 0);
    let acc = 0;
    for (let i = 1; i < dim; i++) out[s * dim + i] = acc += w[i - 1] / total;
  }
  return out;
}

for (const [lutBatch, vertBatch] of [[1, 1], [2, 2], [2, 1]]) {
  Deno.test(`webgpu ailut, ${lutBatch} LUT(s), ${vertBatch} vertex set(s): forward and gradients match the C kernel (${adapter})`, async () => {
    const shape = { batch: 2, height: 11, width: 13, dim: 9 };
    const n = shape.batch * 3 * shape.height * shape.width;
    const img = edgeColours(n, shape.dim, 5 + lutBatch);
    const lut = randomLut(lutBatch, shape.dim, 3), verts = randomVertices(vertBatch, shape.dim, 4);
    const r = rng(12);
    const dy = Float32Array.from({ length: n }, () => r() * 2 - 1);
    const want = applyAiLut(img, lut, verts, shape);
    const kb = aiLutBackward(img, lut, verts, dy, shape, {
      gradLut: new Float32Array(lut.length),
      gradVertices: new Float32Array(verts.length),
      gradImg: new Float32Array(img.length),
    });
    const x = tf.tensor4d(img, [shape.batch, 3, shape.height, shape.width]);
    const l = tf.tensor(lut, [lutBatch, 3, shape.dim, shape.dim, shape.dim]);
    const v = tf.tensor3d(verts, [vertBatch, 3, shape.dim]), g = tf.tensor4d(dy, x.shape);
    const out = ailutApply(x, l, v, true);
    const [gi, gl, gv] = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      tf.sum(tf.mul(ailutApply(a as tf.Tensor4D, b, c as tf.Tensor3D, true), g))
    )([x, l, v]);
    const fwd = maxAbsDiff(await out.data(), want);
    const e = {
      img: relErr(await gi.data(), kb.gradImg!),
      lut: relErr(await gl.data(), kb.gradLut!),
      verts: relErr(await gv.data(), kb.gradVertices!),
    };
    console.log(
      `  lutBatch=${lutBatch} vertBatch=${vertBatch}: forward max abs ${fwd.toExponential(2)}, gradImg rel ` +
        `${e.img.toExponential(2)}, gradLut rel ${e.lut.toExponential(2)}, gradVertices rel ${
          e.verts.toExponential(2)
        }`,
    );
    assert(fwd <= 1e-5, `forward max abs error ${fwd}`);
    for (const [k, v] of Object.entries(e)) assert(v <= 1e-4, `${k} gradient relative error ${v}`);
    tf.dispose([x, l, v, g, out, gi, gl, gv]);
  });
}
