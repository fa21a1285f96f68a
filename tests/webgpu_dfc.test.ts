// WGSL DFC lookup and gradients (lib/lut/webgpu/dfc_wgsl.ts) against the C kernels (dfcLookup, dfcBackward):
// int8 and float32 tables, 2 and 4 compressed dims; inputs inside and outside the diagonal band, out of
// range, NaN; the fine band, coarse table and plane gradients through the dfcOp tfjs op.
import { assert } from "@std/assert";
import { tf } from "../lib/core/backend.ts";
import { compressDfc, dfcBackward, dfcLookup } from "../lib/lut/dfc.ts";
import { dfcOp } from "../lib/lut/dfc_op.ts";
import { lutLevels, type Offset } from "../lib/lut/simplex.ts";
import { dfcLookupGpu } from "../lib/lut/webgpu/dfc_wgsl.ts";
import { maxAbsDiff, rng } from "./lut3d_util.ts";
import { relErr, useWebgpu } from "./webgpu_util.ts";

await useWebgpu();

const offsets: Offset[] = [[0, 0], [0, 1], [1, 0], [1, 1]];

function dfcCase(dtype: "int8" | "float32", cdims: number) {
  const r = rng(cdims * 7), bits = 4, k = 4, L = lutLevels(bits);
  const n = L ** 4 * k;
  const data = dtype === "int8"
    ? Int8Array.from({ length: n }, () => Math.floor(r() * 256) - 128)
    : Float32Array.from({ length: n }, () => r() * 2 - 1);
  const lut = compressDfc({ n: 4, intervalBits: bits, outputs: k, data }, {
    diagonalWidth: 2,
    samplingInterval: 5,
    compressedDims: cdims,
  });
  const shape = { planes: 2, height: 12, width: 15 };
  // smooth planes (mostly inside the band) with jumps, out-of-range values and NaN
  const planes = Float32Array.from({ length: shape.planes * shape.height * shape.width }, (_, i) => {
    if (i % 23 === 5) return [-3, 300, NaN][i % 3];
    return i % 9 === 0 ? r() * 255 : 128 + 100 * Math.sin(i / 7) + r() * 20;
  });
  return { lut, shape, planes, r };
}

for (const [dtype, cdims] of [["int8", 4], ["float32", 2], ["float32", 4]] as const) {
  Deno.test(`webgpu DFC lookup (${dtype} tables, ${cdims} compressed dims) matches the C kernel`, async () => {
    const { lut, shape, planes } = dfcCase(dtype, cdims);
    const want = dfcLookup(planes, shape, offsets, lut);
    const x = tf.tensor3d(planes, [shape.planes, shape.height, shape.width]);
    const out = dfcLookupGpu(x, offsets, lut);
    const scale = dtype === "int8" ? 128 : 1;
    const err = maxAbsDiff(await out.data(), want) / scale;
    console.log(
      `  ${dtype} cdims=${cdims}: max abs error ${err.toExponential(2)} (relative to the table range)`,
    );
    assert(want.some((v) => v !== 0));
    assert(err <= 1e-5, `DFC lookup error ${err}`);
    tf.dispose([x, out]);
  });
}

for (const cdims of [2, 4]) {
  Deno.test(`webgpu DFC gradients (${cdims} compressed dims): fine, coarse and planes match the C kernel`, async () => {
    const { lut, shape, planes, r } = dfcCase("float32", cdims);
    const clean = planes.map((v) => Number.isNaN(v) ? 40 : v); // NaN has no gradient to compare
    const K = lut.outputs, h = shape.height - 1, w = shape.width - 1;
    const gradOut = Float32Array.from({ length: shape.planes * h * w * K }, () => r() * 2 - 1);
    const want = dfcBackward(clean, shape, offsets, lut, gradOut, { fine: true, coarse: true, planes: true });
    const x = tf.tensor3d(clean, [shape.planes, shape.height, shape.width]);
    const f = tf.tensor2d(lut.fine as Float32Array, [lut.fineRows, K]);
    const c = tf.tensor2d(lut.coarse as Float32Array, [lut.coarse.length / K, K]);
    const dy = tf.tensor4d(gradOut, [shape.planes, h, w, K]);
    const grads = tf.grads((a, b, cc) =>
      tf.sum(tf.mul(dfcOp(a as tf.Tensor3D, b as tf.Tensor2D, cc as tf.Tensor2D, offsets, lut), dy))
    )([x, f, c]);
    const [gp, gf, gc] = await Promise.all(grads.map((t) => t.data()));
    const errs = [relErr(gp, want.gradPlanes!), relErr(gf, want.gradFine!), relErr(gc, want.gradCoarse!)];
    console.log(
      `  planes / fine / coarse: relative error ${errs.map((e) => e.toExponential(2)).join(" / ")}`,
    );
    assert(want.gradFine!.some((v) => v !== 0) && want.gradCoarse!.some((v) => v !== 0));
    assert(errs.every((e) => e <= 1e-4), `DFC gradient errors ${errs}`);
    tf.dispose([x, f, c, dy, ...grads]);
  });
}
