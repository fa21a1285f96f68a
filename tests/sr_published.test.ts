// Published SR-LUT / MuLUT tables in the LUT form of our model definitions: Set5 ×4 PSNR (Y, shave 4)
// against the papers (29.82 / 30.60 dB), bit-exact composite vs the plain TS reference, npy round trip.
import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import { join } from "@std/path";
import { initTf } from "../lib/core/backend.ts";
import { sharedPath } from "../lib/core/shared.ts";
import { readNpy } from "../lib/formats/npy.ts";
import { readImage } from "../lib/image/io.ts";
import { rotationEnsembleRef } from "../lib/lut/simplex_ref.ts";
import { evalFolder } from "../lib/sr/core/benchmark.ts";
import { superResolve } from "../lib/sr/core/super_resolve.ts";
import { loadMulut, loadSrlut, mulutTableDir, srlutTablePath } from "../lib/sr/models/pretrained.ts";
import { readLutTable, writeLutTable } from "../lib/sr/core/tables.ts";

const set5 = sharedPath("SRBenchmark", "Set5");
const srlutPath = srlutTablePath();
const mulutDir = mulutTableDir();
const x4 = { kind: "bicubic", scale: 4 } as const;

Deno.test({
  name: "SR-LUT-S x4 published table: Set5 PSNR 29.82 ± 0.02 dB",
  ignore: !set5 || !srlutPath,
  fn: async () => {
    await initTf();
    const s = await evalFolder(await loadSrlut(srlutPath!), set5!, x4);
    console.log(`SR-LUT-S x4 Set5: PSNR ${s.psnr.toFixed(4)} SSIM ${s.ssim.toFixed(4)}`);
    assertEquals(s.rows.length, 5);
    assertAlmostEquals(s.psnr, 29.82, 0.02);
  },
});

Deno.test({
  name: "MuLUT-SDY-X2 x4 published tables: Set5 PSNR 30.60 ± 0.02 dB",
  ignore: !set5 || !mulutDir,
  fn: async () => {
    await initTf();
    const s = await evalFolder(await loadMulut(mulutDir!), set5!, x4);
    console.log(`MuLUT-SDY-X2 x4 Set5: PSNR ${s.psnr.toFixed(4)} SSIM ${s.ssim.toFixed(4)}`);
    assertAlmostEquals(s.psnr, 30.60, 0.02);
  },
});

Deno.test({
  name: "SR-LUT model in LUT form equals the plain reference rotation ensemble bit-exactly",
  ignore: !set5 || !srlutPath,
  fn: async () => {
    await initTf();
    const model = await loadSrlut(srlutPath!);
    const lr = await readImage(join(set5!, "LR_bicubic", "X4", "bird.png"), { channels: 3 });
    const out = await superResolve(model, lr);
    const planes = lr.data.map((v) => Math.round(v * 255));
    const table = (await readNpy(srlutPath!)).data as Int8Array;
    const ref = rotationEnsembleRef(
      planes,
      { planes: 3, height: lr.height, width: lr.width },
      [[0, 0], [0, 1], [1, 0], [1, 1]],
      table,
      { n: 4, intervalBits: 4, outputs: 16 },
      4,
      "reflect",
      true,
    );
    const q = model.quantise(ref);
    let diff = 0;
    for (let i = 0; i < q.length; i++) diff += q[i] !== Math.round(out.data[i] * 255) ? 1 : 0;
    assertEquals(diff, 0);
  },
});

Deno.test({
  name: "published tables round-trip bit-exactly through readLutTable → writeLutTable → readNpy",
  ignore: !srlutPath || !mulutDir,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "sr_rt" });
    try {
      for (
        const [path, outputs] of [[srlutPath!, 16], [
          join(mulutDir!, "LUT_ft_x4_4bit_int8_s1_d.npy"),
          1,
        ]] as const
      ) {
        const t = await readLutTable(path, 17, 4, outputs);
        const out = join(dir, "t.npy");
        await writeLutTable(out, t);
        const a = await readNpy(path), b = await readNpy(out);
        assertEquals(b.dtype, "int8");
        assertEquals(b.shape, [83521, outputs]);
        assert(a.data.length === b.data.length && a.data.every((v, i) => v === b.data[i]));
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
