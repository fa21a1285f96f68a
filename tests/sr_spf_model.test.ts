// SPF-LUT structure against the paper's definition (leenas233/DFC SPF_LUT_net with nf 64, modes sdy, x4):
// parameters, the 25 tables and their shapes and storage; every module's LUT form equals its network at
// lattice inputs (multi-channel pixel shuffle included); the model's stage arithmetic; export → reload
// is bit-exact.
import { assert, assertEquals, assertThrows } from "@std/assert";
import { join } from "@std/path";
import { initTf, tf } from "../lib/core/backend.ts";
import { repoRoot } from "../lib/core/shared.ts";
import { loadSrConfig } from "../lib/sr/config.ts";
import { enumerateTable, exportModel, latticeValue } from "../lib/sr/core/enumerate.ts";
import type { LutModule } from "../lib/sr/core/lutmodule.ts";
import { buildSrModel, DEFAULT_MODEL, type SrModelConfig } from "../lib/sr/models/models.ts";
import { CHANNEL_PIXEL, SpfModel } from "../lib/sr/models/spf.ts";
import { storageBytes } from "../lib/sr/storage.ts";
import { loadModelTables } from "../lib/sr/core/tables.ts";
import { Rng } from "../lib/core/rng.ts";
import { pixelShuffle } from "../lib/sr/core/pattern.ts";

const small: SrModelConfig = { ...DEFAULT_MODEL, kind: "spf", width: 8, interval: 5, upscale: 2 };

/** One dense MuLUT unit of the PyTorch code: conv1 (4 → nf), 4 DenseConv, conv6 (5nf → K), with biases. */
function unitParams(nf: number, k: number): number {
  let p = 4 * nf + nf;
  for (let i = 1; i <= 4; i++) p += i * nf * nf + nf;
  return p + 5 * nf * k + k;
}

Deno.test("SPF-LUT x4 (nf 64, sdy): parameters, 25 tables, shapes and int8 storage of the paper's model", async () => {
  await initTf();
  const cfg = await loadSrConfig(join(repoRoot, "experiments", "spf-lut-x4"));
  assertEquals([cfg.model.kind, cfg.model.width, cfg.model.interval, cfg.model.upscale], ["spf", 64, 4, 4]);
  assertEquals([cfg.dfc.diagonalWidth, cfg.dfc.samplingInterval], [2, 5]);
  const model = buildSrModel(cfg.model, 1);
  assert(model instanceof SpfModel);
  const mods = model.modules();
  // convblock1-3: 3 units with out_c 2; convblock4: out_c 1; ChannelConv: 4 → 4; upblock: 4 × 3 units, 16.
  const ks = [...Array(9).fill(2), 1, 1, 1, 4, ...Array(12).fill(16)];
  assertEquals(mods.map((m) => m.outputs), ks);
  assertEquals(mods.length, 25);
  const params = model.variables().reduce((a, v) => a + v.size, 0);
  assertEquals(params, ks.reduce((a, k) => a + unitParams(64, k), 0));
  assertEquals(params, 1_108_057);
  assertEquals(
    mods.map((m) => m.spec.name).join(" "),
    "s1c0_s s1c0_d s1c0_y s2c0_s s2c0_d s2c0_y s3c0_s s3c0_d s3c0_y s4c0_s s4c0_d s4c0_y s5_channel " +
      "s6c0_s s6c0_d s6c0_y s6c1_s s6c1_d s6c1_y s6c2_s s6c2_d s6c2_y s6c3_s s6c3_d s6c3_y",
  );
  for (const m of mods) assertEquals([m.levels, m.dims], [17, 4], m.spec.name);
  assertEquals(mods.filter((m) => m.spec.compressible === false).map((m) => m.spec.name), ["s5_channel"]);
  const bytes = mods.reduce((a, m) => a + m.levels ** m.dims * m.outputs, 0);
  assertEquals(bytes, 83521 * 217); // 18,124,057 B = 17,699 KB
  assertThrows(() => storageBytes(model), Error, "has no table");
});

Deno.test("pixelShuffle with C channels: torch order (channel c·r²+i·r+j → plane c, offset (i, j))", async () => {
  await initTf();
  const v = tf.tensor2d([[0, 1, 2, 3, 4, 5, 6, 7], [10, 11, 12, 13, 14, 15, 16, 17]]); // N·H·W = 2 (H=1, W=2)
  const planes = pixelShuffle(v, 1, 1, 2, 2, 2);
  assertEquals(planes.shape, [2, 2, 4]);
  assertEquals(Array.from(planes.dataSync()), [0, 1, 10, 11, 2, 3, 12, 13, 4, 5, 14, 15, 6, 7, 16, 17]);
});

/**
 * Planes [N, H, W] of random lattice values i·2^interval, i < levels (the top level L-1 stands for 255 in
 * the table but is looked up between levels L-2 and L-1, so lattice tests pass levels = L-1).
 */
function latticePlanes(n: number, h: number, w: number, interval: number, levels: number, seed: number) {
  const rng = new Rng(seed), data = new Float32Array(n * h * w);
  for (let i = 0; i < data.length; i++) data[i] = latticeValue(Math.floor(rng.next() * levels), interval);
  return tf.tensor3d(data, [n, h, w]);
}

Deno.test("every SPF module: LUT form == network form at lattice inputs (1, 2, 4 channels, r = 1, 2)", async () => {
  await initTf();
  const model = buildSrModel(small, 3);
  for (const m of model.modules()) {
    const [py, px] = m.spec.pattern.pad;
    const xp = m.spec.pattern === CHANNEL_PIXEL
      ? latticePlanes(40, 1, 4, m.spec.interval, m.levels - 1, 7)
      : latticePlanes(2, 6 + py, 5 + px, m.spec.interval, m.levels - 1, 7);
    const net = tf.tidy(() => m.apply(xp).dataSync());
    m.setTable(await enumerateTable(m));
    const lut = tf.tidy(() => m.apply(xp).dataSync());
    assertEquals(lut.length, net.length, m.spec.name);
    let worst = 0;
    for (let i = 0; i < net.length; i++) worst = Math.max(worst, Math.abs(lut[i] - net[i]));
    assertEquals(worst, 0, `${m.spec.name}: max |lut - net| at lattice inputs`);
    xp.dispose();
  }
});

Deno.test("SPF stage arithmetic: blocks requantise pred/12+127 and split channels; output = up pred / 12", async () => {
  await initTf();
  const model = buildSrModel(small, 5) as SpfModel;
  const x = latticePlanes(2, 7, 6, 0, 256, 11);
  const [n, h, w] = x.shape;
  const out = tf.tidy(() => model.forward(x).dataSync());
  // Recompute with explicit arithmetic from the modules (the paper's forward, written out).
  const q = (t: tf.Tensor) => tf.round(tf.clipByValue(t, 0, 255));
  // Σ over rotations and `mods` of the module outputs (table units).
  const pred = (planes: tf.Tensor3D, mods: LutModule[]) =>
    model.stagePred(planes, { modules: mods, divisor: 1, bias: 0 });
  const ref = tf.tidy(() => {
    let cur = x as tf.Tensor3D;
    const kept: tf.Tensor[] = [];
    for (const block of model.blocks) {
      const y = q(tf.add(tf.div(pred(cur, block), 12), 127));
      kept.push(tf.slice(y, [0, 0, 0], [n, h, w]));
      if (y.shape[0] === 2 * n) cur = tf.slice(y, [n, 0, 0], [n, h, w]) as tf.Tensor3D;
    }
    const rows = tf.reshape(tf.stack(kept, 3), [n * h * w, 1, 4]) as tf.Tensor3D;
    const feat = q(tf.add(tf.reshape(model.channel.apply(rows), [4, n, h, w]), 127));
    let acc: tf.Tensor | undefined;
    model.up.forEach((mods, c) => {
      const p = pred(tf.reshape(tf.slice(feat, [c, 0, 0, 0], [1, n, h, w]), [n, h, w]) as tf.Tensor3D, mods);
      acc = acc ? tf.add(acc, p) : p;
    });
    return tf.div(tf.div(acc!, 4), 3).dataSync();
  });
  assertEquals(out.length, n * h * w * 4);
  let worst = 0;
  for (let i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs(out[i] - ref[i]));
  assert(worst < 1e-4, `forward vs explicit arithmetic: ${worst}`);
});

Deno.test("SPF export → reload: same int8 tables, bit-exact LUT-form output; storage counts 25 tables", async () => {
  await initTf();
  const dir = await Deno.makeTempDir({ prefix: "sr_spf_export" });
  try {
    const a = buildSrModel(small, 9);
    const paths = await exportModel(a, dir);
    assertEquals(paths.length, 25);
    assert(paths.some((p) => p.endsWith("LUT_x2_3bit_int8_s5_channel.npy")), paths.join());
    a.setForm("lut");
    const b = buildSrModel(small, 123);
    await loadModelTables(b.modules(), dir, 2);
    for (const [i, m] of a.modules().entries()) {
      assertEquals((await b.modules()[i].getTable())!.values, (await m.getTable())!.values, m.spec.name);
    }
    assertEquals(storageBytes(b), b.modules().reduce((s, m) => s + 9 ** 4 * m.outputs, 0));
    const x = latticePlanes(3, 9, 10, 0, 256, 13); // any 8-bit values
    const ya = tf.tidy(() => a.forward(x).dataSync()), yb = tf.tidy(() => b.forward(x).dataSync());
    assertEquals(yb, ya);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
