// Kernel-level check of the SR-LUT lookup path against the paper: the published SR-LUT-S ×4 4-bit table
// (yhjo09/SR-LUT 3_Test_using_LUT/Model_S_x4_4bit_int8.npy) through the native rotation ensemble, with
// SR-LUT's test arithmetic (reflect padding, sum of 4 rotations / 255, clip, round half to even), scored
// like SR-LUT's Test_Model_S.py (PSNR on Y, shave 4) on Set5: paper value 29.82 dB.
import { assert, assertEquals } from "@std/assert";
import { sharedPath } from "../lib/core/shared.ts";
import { readNpy } from "../lib/formats/npy.ts";
import { readImage } from "../lib/image/io.ts";
import { psnr } from "../lib/image/metrics.ts";
import { simplexRotationEnsemble } from "../lib/lut/simplex.ts";

const lutPath = sharedPath("pretrained", "srlut", "3_Test_using_LUT", "Model_S_x4_4bit_int8.npy");
const set5 = sharedPath("SRBenchmark", "Set5");

/** numpy's np.round: round half to even. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x), d = x - f;
  return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
}

Deno.test({
  name: "SR-LUT-S x4 published table on Set5 reproduces the paper's 29.82 dB (Y, shave 4)",
  ignore: !lutPath || !set5,
  fn: async () => {
    const npy = await readNpy(lutPath!);
    assertEquals(npy.dtype, "int8");
    assertEquals(npy.shape, [83521, 1, 4, 4]);
    const table = { n: 4, intervalBits: 4, outputs: 16, data: npy.data as Int8Array };
    const pattern: [number, number][] = [[0, 0], [0, 1], [1, 0], [1, 1]];
    const scores: number[] = [];
    for (const name of ["baby", "bird", "butterfly", "head", "woman"]) {
      const lr = await readImage(`${set5}/LR_bicubic/X4/${name}.png`, { channels: 3 });
      const hr = await readImage(`${set5}/HR/${name}.png`, { channels: 3 });
      assertEquals([hr.height, hr.width], [lr.height * 4, lr.width * 4]);
      const planes = Float32Array.from(lr.data, (v) => Math.round(v * 255));
      const sum = simplexRotationEnsemble(
        planes,
        { planes: 3, height: lr.height, width: lr.width },
        pattern,
        table,
        {
          upscale: 4,
          pad: "reflect",
          srlutOrder: true,
        },
      );
      const sr = Float32Array.from(sum, (v) => roundHalfEven(Math.min(Math.max(v / 255, 0), 1) * 255) / 255);
      scores.push(
        psnr({ data: sr, channels: 3, height: hr.height, width: hr.width }, hr, { shave: 4, y: true }),
      );
    }
    const mean = scores.reduce((a, b) => a + b) / scores.length;
    console.log(
      `SR-LUT-S x4 Set5: ${scores.map((s) => s.toFixed(3)).join(", ")}; mean ${mean.toFixed(4)} dB`,
    );
    assert(Math.abs(mean - 29.82) <= 0.02, `Set5 mean PSNR ${mean} dB, paper 29.82`);
  },
});
