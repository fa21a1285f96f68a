// AutoLUT's two forms: the LUT form equals the network form where the samples fall on lattice points,
// a unit's LUT form equals the plain TS reference (samples → AdaRL → 4-D simplex lookup), export writes the
// tables plus the samplers/AdaRL weights and reloads bit-exactly, LUT fine-tuning trains tables, samplers
// and AdaRL together, and with the published SR-LUT / MuLUT tables and one-hot samplers it scores exactly
// what SR-LUT / MuLUT score on Set5.
import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import { join } from "@std/path";
import { initTf, tf } from "../lib/core/backend.ts";
import { sharedPath } from "../lib/core/shared.ts";
import { applyUnit, type AutoLutModel } from "../lib/sr/models/autolut.ts";
import { DEFAULT_FIT } from "../lib/sr/config.ts";
import { makePairs } from "../lib/sr/core/data.ts";
import { enumerateTable, exportModel } from "../lib/sr/core/enumerate.ts";
import { evalFolder } from "../lib/sr/core/benchmark.ts";
import { simplexForwardRef } from "../lib/lut/simplex_ref.ts";
import { buildSrModel, DEFAULT_MODEL, type SrModelConfig } from "../lib/sr/models/models.ts";
import { Rng } from "../lib/core/rng.ts";
import { PATTERNS } from "../lib/sr/core/pattern.ts";
import { loadMulut, loadSrlut, mulutTableDir, srlutTablePath } from "../lib/sr/models/pretrained.ts";
import { loadModelParts, loadModelTables } from "../lib/sr/core/tables.ts";
import { fitSr } from "../lib/sr/sr_train.ts";

const auto = (base: "srlut" | "mulut", k: number, extra: Partial<SrModelConfig> = {}): SrModelConfig => ({
  ...DEFAULT_MODEL,
  upscale: 2,
  width: 8,
  interval: 4,
  modes: ["s", "d"],
  stages: 2,
  ...extra,
  kind: "autolut",
  autolut: { base, sampleSize: k, samplerInit: "random", samplerGap: 8, adarl: true, act: "gelu" },
});

function planes(n: number, h: number, w: number, seed: number, step = 1, max = 256): tf.Tensor3D {
  const rng = new Rng(seed);
  const v = Float32Array.from({ length: n * h * w }, () => step * Math.floor((rng.next() * max) / step));
  return tf.tensor3d(v, [n, h, w]);
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assertEquals(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

Deno.test("LUT form equals the network form when every sample is a lattice point", async () => {
  await initTf();
  // Two-hot samplers (0.5, 0.5) on pixels that are multiples of 32 give samples on the 16-level lattice.
  const x = planes(2, 9, 10, 1, 32, 225);
  for (const [cfg, int8] of [[auto("srlut", 3), false], [auto("mulut", 3, { stages: 1 }), true]] as const) {
    const model = buildSrModel(cfg, 5) as AutoLutModel;
    model.units.flat().forEach((u, i) => {
      const v = new Float32Array(4 * 9).fill(-200);
      for (let c = 0; c < 4; c++) v[c * 9 + ((c + i) % 9)] = v[c * 9 + ((c + i + 4) % 9)] = 0;
      u.sampler.logits.assign(tf.tensor3d(v, [4, 3, 3]));
    });
    const net = model.forward(x).dataSync();
    for (const m of model.modules()) m.setTable(await enumerateTable(m, { int8 }));
    const lut = model.forward(x).dataSync();
    assert(maxAbs(net, lut) <= 1e-3, `${cfg.autolut!.base}: LUT vs net ${maxAbs(net, lut)}`);
  }
});

Deno.test("a unit's LUT form equals the TS reference: samples, AdaRL blend, 4-D simplex lookup", async () => {
  await initTf();
  const model = buildSrModel(auto("mulut", 3), 2) as AutoLutModel;
  const u = model.units[1][0];
  u.adarl!.weight.assign(tf.tensor1d([0.3, 0.7, 0, 1]));
  const table = await enumerateTable(u.lut, { int8: false });
  u.lut.setTable(table);
  const xp = planes(2, 7, 8, 3), pp = planes(2, 7, 8, 4);
  const got = applyUnit(u, xp, pp).dataSync(); // [2, 5·2, 6·2]
  // Reference: blended samples → simplexForwardRef on [M, 1, 4] planes → pixel shuffle.
  const w = u.adarl!.weight.dataSync(),
    a = u.sampler.sample(xp).dataSync(),
    b = u.sampler.sample(pp).dataSync();
  const s = Float32Array.from(a, (v, i) => Math.fround(w[i % 4] * b[i] + (1 - w[i % 4]) * v));
  const M = 2 * 5 * 6, g = { n: 4, intervalBits: 4, outputs: 4 };
  const look = simplexForwardRef(
    s,
    { planes: M, height: 1, width: 4 },
    PATTERNS.s.offsets.map((_, i) => [0, i] as const),
    table.values,
    g,
  );
  const ref = new Float32Array(M * 4);
  for (let p = 0; p < 2; p++) {
    for (let y = 0; y < 5; y++) {
      for (let x = 0; x < 6; x++) {
        for (let k = 0; k < 4; k++) {
          ref[(p * 10 + 2 * y + (k >> 1)) * 12 + 2 * x + (k & 1)] = look[((p * 5 + y) * 6 + x) * 4 + k];
        }
      }
    }
  }
  assert(maxAbs(got, ref) <= 1e-4, `unit vs reference ${maxAbs(got, ref)}`);
  assert(ref.some((v) => Math.abs(v) > 1), "trivial outputs");
});

Deno.test("export writes tables + sampler/AdaRL parts; a fresh model reloads them bit-exactly", async () => {
  await initTf();
  const x = planes(3, 8, 9, 6);
  for (const cfg of [auto("srlut", 2), auto("mulut", 3)]) {
    const model = buildSrModel(cfg, 7) as AutoLutModel;
    model.units.flat().forEach((u) => u.adarl?.weight.assign(tf.tensor1d([0.1, 0.2, 0.5, 0.9])));
    const dir = await Deno.makeTempDir({ prefix: "sr_autolut_export" });
    try {
      const paths = await exportModel(model, dir, { int8: true });
      const parts = model.parts();
      assertEquals(paths.length, model.modules().length + parts.length);
      assert(paths.some((p) => p.endsWith("PART_s1_a0_sampler.npy")), paths.join());
      if (cfg.autolut!.base === "mulut") assert(paths.some((p) => p.endsWith("PART_s2_a1_adarl.npy")));
      model.setForm("lut");
      const out = model.forward(x).dataSync();
      const again = buildSrModel(cfg, 99);
      await loadModelTables(again.modules(), dir, again.upscale, { int8: true });
      await loadModelParts(again.parts(), dir);
      again.parts().forEach((p, i) => assertEquals(p.variable.dataSync(), parts[i].variable.dataSync()));
      assertEquals(again.forward(x).dataSync(), out);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("LUT fine-tuning trains tables, samplers and AdaRL weights through the kernel op", async () => {
  await initTf();
  const deg = { kind: "bicubic", scale: 2 } as const;
  const img = Float32Array.from(planes(3, 40, 48, 2).dataSync(), (v) => v / 255);
  const pairs = await makePairs([{ data: img, channels: 3, height: 40, width: 48 }], deg);
  const model = buildSrModel(auto("mulut", 3), 9) as AutoLutModel;
  for (const m of model.modules()) m.setTable(await enumerateTable(m, { int8: false }));
  const before = model.variables().map((v) => v.dataSync().slice());
  assertEquals(before.length, model.modules().length + model.parts().length);
  const dir = await Deno.makeTempDir({ prefix: "sr_autolut_ft" });
  try {
    const cfg = {
      ...DEFAULT_FIT,
      crop: 8,
      batch: 4,
      iterations: 20,
      lr: 0.05,
      logEvery: 10,
      checkpointEvery: 20,
    };
    await fitSr(model, deg, cfg, { dir, quiet: true, pairs });
    const log = (await Deno.readTextFile(join(dir, "log.jsonl"))).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    assert(log[1].loss < log[0].loss, `loss ${log[0].loss} -> ${log[1].loss}`);
    model.variables().forEach((v, i) => {
      assert(v.dataSync().some((x, j) => x !== before[i][j]), `variable ${i} (${v.shape}) unchanged`);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const set5 = sharedPath("SRBenchmark", "Set5");
const srlutS = srlutTablePath("S", 4, 4), mulutDir = mulutTableDir();

Deno.test({
  name: "published SR-LUT-S / MuLUT-SDY-X2 tables behind one-hot samplers score exactly their Set5 PSNR",
  ignore: !set5 || !srlutS || !mulutDir,
  async fn() {
    await initTf();
    const deg = { kind: "bicubic", scale: 4 } as const;
    const onehot = (base: "srlut" | "mulut", k: number): SrModelConfig => ({
      ...DEFAULT_MODEL,
      kind: "autolut",
      stages: 2,
      modes: ["s", "d", "y"],
      autolut: { base, sampleSize: k, samplerInit: "pattern", samplerGap: 200, adarl: true, act: "relu" },
    });
    for (
      const [cfg, ref] of [[onehot("srlut", 3), await loadSrlut(srlutS!)], [
        onehot("mulut", 5),
        await loadMulut(mulutDir!),
      ]] as const
    ) {
      const model = buildSrModel(cfg);
      for (const [i, m] of ref.modules().entries()) model.modules()[i].setTable((await m.getTable())!);
      const a = await evalFolder(model, set5!, deg), b = await evalFolder(ref, set5!, deg);
      assertEquals(a.rows.map((r) => r.psnr), b.rows.map((r) => r.psnr));
      assertAlmostEquals(a.psnr, cfg.autolut!.base === "srlut" ? 29.83 : 30.61, 0.01);
    }
  },
});
