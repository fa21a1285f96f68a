// WGSL simplex LUT kernels (lib/lut/webgpu/simplex_wgsl.ts) behind simplexOp against the C kernels
// (simplexLookup / simplexBackward): n = 2, 3, 4 (and SR-LUT's 4-D order), forward <= 1e-5, table and plane
// gradients <= 1e-4 relative; planes hold out-of-range values, NaN and exact lattice points.
import { assert } from "@std/assert";
import { tf } from "../lib/core/backend.ts";
import { lutLevels, type Offset, simplexBackward, simplexLookup, simplexOp } from "../lib/lut/simplex.ts";
import { maxAbsDiff, rng } from "./lut3d_util.ts";
import { relErr, useWebgpu } from "./webgpu_util.ts";

await useWebgpu();

const PATTERNS: Record<number, Offset[]> = {
  2: [[0, 0], [0, 1]],
  3: [[0, 0], [1, 1], [0, 2]],
  4: [[0, 0], [0, 1], [1, 0], [1, 1]],
};

for (
  const [n, bits, k, srlutOrder] of [[2, 2, 3, false], [3, 4, 4, false], [4, 4, 4, false], [
    4,
    4,
    4,
    true,
  ]] as const
) {
  Deno.test(`webgpu simplex n=${n} bits=${bits} K=${k}${srlutOrder ? " SR-LUT order" : ""}: lookup and gradients match the C kernel`, async () => {
    const offsets = PATTERNS[n], L = lutLevels(bits), r = rng(n * 10 + bits);
    const shape = { planes: 2, height: 11, width: 13 };
    const planes = Float32Array.from({ length: shape.planes * shape.height * shape.width }, (_, i) => {
      if (i % 17 === 3) return [-4, 260, NaN, 255, 0][i % 5];
      if (i % 7 === 2) return Math.floor(r() * 17) * 2 ** bits; // lattice points
      return r() * 270 - 7;
    });
    const table = Float32Array.from({ length: L ** n * k }, () => r() * 2 - 1);
    const lut = { n, intervalBits: bits, outputs: k, data: table };
    const want = simplexLookup(planes, shape, offsets, lut, { srlutOrder });
    const h = shape.height - Math.max(...offsets.map((o) => o[0])),
      w = shape.width - Math.max(...offsets.map((o) => o[1]));
    const dy = Float32Array.from({ length: want.length }, () => r() * 2 - 1);
    const g = simplexBackward(planes, shape, offsets, lut, dy, { table: true, planes: true }, { srlutOrder });
    const x = tf.tensor3d(planes, [shape.planes, shape.height, shape.width]);
    const t = tf.tensor2d(table, [L ** n, k]);
    const gy = tf.tensor4d(dy, [shape.planes, h, w, k]);
    const out = simplexOp(x, t, offsets, bits, { srlutOrder });
    const [gx, gt] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(simplexOp(a as tf.Tensor3D, b as tf.Tensor2D, offsets, bits, { srlutOrder }), gy))
    )([x, t]);
    const fwd = maxAbsDiff(await out.data(), want);
    const ePlanes = relErr(await gx.data(), g.gradPlanes!), eTable = relErr(await gt.data(), g.gradTable!);
    console.log(
      `  n=${n}: forward max abs ${fwd.toExponential(2)}, gradPlanes rel ${ePlanes.toExponential(2)}, ` +
        `gradTable rel ${eTable.toExponential(2)}`,
    );
    assert(fwd <= 1e-5, `forward max abs error ${fwd}`);
    assert(ePlanes <= 1e-4, `plane gradient relative error ${ePlanes}`);
    assert(eTable <= 1e-4, `table gradient relative error ${eTable}`);
    tf.dispose([x, t, gy, out, gx, gt]);
  });
}
