// WGSL hash-grid kernels (lib/lut/webgpu/hashgrid_wgsl.ts) behind hashGrid against the C kernels
// (hashGridEncode / hashGridTableGrad): dense and hashed levels, colours out of range and NaN;
// forward <= 1e-5, table gradient <= 1e-4 relative.
import { assert } from "@std/assert";
import { tf } from "../lib/core/backend.ts";
import { hashGrid, hashGridEncode, hashGridTableGrad } from "../lib/lut/hashgrid.ts";
import { hashGridLevels } from "../lib/lut/hashgrid_ref.ts";
import { edgeColours, maxAbsDiff, rng } from "./lut3d_util.ts";
import { relErr, useWebgpu } from "./webgpu_util.ts";

await useWebgpu();

Deno.test("webgpu hash grid: encoding and table gradient match the C kernel", async () => {
  const levels = hashGridLevels({
    levels: 4,
    featuresPerLevel: 2,
    log2TableSize: 10,
    baseResolution: 5,
    maxResolution: 64,
  });
  assert(levels.dense.includes(true) && levels.dense.includes(false), "dense and hashed levels");
  const [b, h, w] = [2, 9, 11], LF = 4 * 2;
  const rgb = edgeColours(b * 3 * h * w, 9, 3);
  const r = rng(5);
  const table = Float32Array.from({ length: levels.tableLength }, () => r() * 2 - 1);
  const dy = Float32Array.from({ length: b * LF * h * w }, () => r() * 2 - 1);
  const want = hashGridEncode(rgb, b, h, w, table, levels);
  const wantGrad = hashGridTableGrad(rgb, b, h, w, dy, levels);
  const x = tf.tensor4d(rgb, [b, 3, h, w]), t = tf.tensor1d(table), g = tf.tensor4d(dy, [b, LF, h, w]);
  const out = hashGrid(x, t, levels);
  const gt = tf.grad((tt: tf.Tensor) => tf.sum(tf.mul(hashGrid(x, tt as tf.Tensor1D, levels), g)))(t);
  const fwd = maxAbsDiff(await out.data(), want), eg = relErr(await gt.data(), wantGrad);
  console.log(`  forward max abs ${fwd.toExponential(2)}, table gradient rel ${eg.toExponential(2)}`);
  assert(fwd <= 1e-5, `forward max abs error ${fwd}`);
  assert(eg <= 1e-4, `table gradient relative error ${eg}`);
  tf.dispose([x, t, g, out, gt]);
});
