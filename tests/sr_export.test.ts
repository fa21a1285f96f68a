// Enumeration exporter: table entries equal the network at the lattice points (float and int8), the LUT
// form equals the network form on lattice-valued images, exported .npy files reload bit-exactly.
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { join } from "@std/path";
import { initTf, tf } from "../lib/core/backend.ts";
import {
  enumerateTable,
  exportModel,
  exportSummary,
  latticeRows,
  latticeValue,
} from "../lib/sr/core/enumerate.ts";
import { buildSrModel, DEFAULT_MODEL, type SrModelConfig } from "../lib/sr/models/models.ts";
import { readNpy } from "../lib/formats/npy.ts";
import { loadModelTables } from "../lib/sr/core/tables.ts";
import { roundHalfEven } from "../lib/sr/core/model.ts";

const small: SrModelConfig = {
  ...DEFAULT_MODEL,
  kind: "srlut",
  variant: "s",
  upscale: 2,
  interval: 6,
  width: 8,
};

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assertEquals(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

Deno.test("lattice rows follow SR-LUT's transfer order and values min(i*q, 255)", () => {
  assertEquals(latticeValue(3, 4), 48);
  assertEquals(latticeValue(16, 4), 255);
  const rows = latticeRows(0, 6, 5, 2, 6);
  assertEquals(Array.from(rows), [0, 0, 0, 64, 0, 128, 0, 192, 0, 255, 64, 0]);
});

Deno.test("exported table entries equal the network outputs at the lattice points", async () => {
  await initTf();
  const model = buildSrModel(small, 7);
  const [m] = model.modules();
  const fl = await enumerateTable(m, { int8: false, batch: 100 });
  const i8 = await enumerateTable(m, { int8: true });
  assertEquals(fl.values.length, 5 ** 4 * 4);
  const rows = latticeRows(0, 5 ** 4, 5, 4, 6);
  const net = tf.tidy(() => m.netRows(tf.tensor2d(rows, [625, 4]), false).dataSync()) as Float32Array;
  assert(maxAbs(fl.values, net) <= 1e-5);
  assertEquals(Array.from(i8.values), Array.from(net, roundHalfEven));
  assert(net.some((v) => Math.abs(v) > 1), "random net should produce non-trivial outputs");
});

Deno.test("LUT form equals the network form on lattice-valued images (SR-LUT S/D/Y, MuLUT); npy export reloads bit-exactly", async () => {
  await initTf();
  // MuLUT's network rounds each branch to table units (STE), so its exact LUT counterpart is the int8 table.
  const mulut = { ...small, kind: "mulut", stages: 1, modes: ["s", "d", "y"] } as SrModelConfig;
  // SR-LUT with MuLUT's D and Y patterns (single-stage, single-table) exports the same way as S.
  const variants = ["s", "d", "y"].map((variant) => [{ ...small, variant }, false] as const);
  for (const [cfg, int8] of [...variants, [mulut, true] as const]) {
    const model = buildSrModel(cfg, 3);
    const dir = await Deno.makeTempDir({ prefix: "sr_export" });
    try {
      // Lattice levels 0..L-2 (pixel value 255 is the last lattice level but SR-LUT interpolates it 15/16).
      const vals = new Float32Array(3 * 9 * 11).map((_, i) => 64 * ((i * 7 + (i >> 3)) % 4));
      const x = tf.tensor3d(vals, [3, 9, 11]);
      const netOut = model.forward(x).dataSync();
      const paths = await exportModel(model, dir, { int8 });
      assertEquals(paths.length, model.modules().length);
      model.setForm("lut");
      const lutOut = model.forward(x).dataSync();
      assert(maxAbs(netOut, lutOut) <= 1e-3, `${cfg.kind} LUT vs net: ${maxAbs(netOut, lutOut)}`);
      // Reload the written tables into a fresh model: identical values and identical inference.
      const again = buildSrModel(cfg, 99);
      await loadModelTables(again.modules(), dir, again.upscale, { int8 });
      for (const [i, m] of again.modules().entries()) {
        assertEquals((await m.getTable())!.values, (await model.modules()[i].getTable())!.values);
      }
      assertEquals(again.forward(x).dataSync(), lutOut);
      const npy = await readNpy(paths[0]);
      assertEquals(npy.dtype, int8 ? "int8" : "float32");
      assertEquals(npy.shape, [625, model.modules()[0].outputs]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("int8 export writes int8 .npy; bad tables are refused with the module name", async () => {
  await initTf();
  const model = buildSrModel(small, 5);
  const dir = await Deno.makeTempDir({ prefix: "sr_export8" });
  try {
    const [path] = await exportModel(model, dir, { int8: true });
    const npy = await readNpy(path);
    assertEquals(npy.dtype, "int8");
    const [m] = model.modules();
    assertEquals(Array.from(npy.data as Int8Array), Array.from((await m.getTable())!.values));
    assertThrows(
      () => m.setTable({ values: new Float32Array(10), levels: 5, dims: 4, outputs: 4, int8: false }),
      Error,
      "s: table has 10 values",
    );
    await assertRejects(() => enumerateTable(m, { batch: 0 }), Error, "batch");
    assertEquals(exportSummary([path]), "1 table(s)");
    assertEquals(exportSummary([path, join(dir, "PART_s1_a0_sampler.npy")]), "1 table(s) + 1 part(s)");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
