// WGSL DFC lookup (lib/lut/webgpu/dfc_wgsl.ts) against the C kernel (dfcLookup): int8 and float32 tables,
// 2 and 4 compressed dims, SR-LUT order; inputs inside and outside the diagonal band, out of range, NaN.
import { assert } from "@std/assert";
import { tf } from "../lib/core/backend.ts";
import { compressDfc, dfcLookup } from "../lib/lut/dfc.ts";
import { lutLevels, type Offset } from "../lib/lut/simplex.ts";
import { dfcLookupGpu } from "../lib/lut/webgpu/dfc_wgsl.ts";
import { maxAbsDiff, rng } from "./lut3d_util.ts";
import { useWebgpu } from "./webgpu_util.ts";

await useWebgpu();

const offsets: Offset[] = [[0, 0], [0, 1], [1, 0], [1, 1]];

for (
  const [dtype, cdims, srlut] of [["int8", 4, true], ["float32", 2, false], ["float32", 4, false]] as const
) {
  Deno.test(`webgpu DFC lookup (${dtype} tables, ${cdims} compressed dims${srlut ? ", SR-LUT order" : ""}) matches the C kernel`, async () => {
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
    const want = dfcLookup(planes, shape, offsets, lut, { srlutOrder: srlut });
    const x = tf.tensor3d(planes, [shape.planes, shape.height, shape.width]);
    const out = dfcLookupGpu(x, offsets, lut, srlut);
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
