// HashLUT model (lib/enhance/models/hashlut.ts): parameter counts of the published configs, gradients of the
// hash-grid + compensation-MLP path against finite differences, and a short fit that lowers the loss.
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { initTf, tf } from "../lib/core/backend.ts";
import { HashLut } from "../lib/enhance/models/hashlut.ts";
import { hashLutPreset } from "../lib/enhance/hashnet.ts";
import { Rng } from "../lib/core/rng.ts";

/** The hash-grid + MLP variables of a model. */
const hashVars = (m: HashLut) => ["hash.table", "hash.w1", "hash.w2"].map((n) => m.params.get(n)!);

await initTf();

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

Deno.test("HashLUT parameter counts match the paper: 7+13 = 347,271, 6+13 Small = 135,478", async () => {
  const big = new HashLut(await hashLutPreset("hashlut-7+13"));
  const small = new HashLut(await hashLutPreset("hashlut-6+13-small"));
  assertEquals(big.paramCount(), 347271);
  assertEquals(small.paramCount(), 135478);
  // tcnn flat vector sizes of the checkpoints: MLP (padded) + tables
  assertEquals(big.paramCount("hash."), 84352);
  assertEquals(small.paramCount("hash."), 73392);
  big.dispose();
  small.dispose();
});

Deno.test("HashLUT forward shapes, expert weights and clear shape errors", async () => {
  const m = new HashLut(await hashLutPreset("hashlut-6+13-small"), 3);
  const r = rng(1);
  const thumb = tf.tensor4d(Float32Array.from({ length: 2 * 3 * 64 * 64 }, r), [2, 3, 64, 64]);
  const img = tf.tensor4d(Float32Array.from({ length: 2 * 3 * 5 * 7 }, r), [2, 3, 5, 7]);
  const w = m.weights(thumb);
  assertEquals(w.shape, [2, 6]);
  const { out } = m.forward(thumb, img);
  assertEquals(out.shape, [2, 3, 5, 7]);
  assert((out.dataSync() as Float32Array).every(Number.isFinite));
  assertThrows(() => m.apply(img, tf.zeros([2, 5]) as tf.Tensor2D), Error, "weights");
  tf.dispose([thumb, img, w, out]);
  m.dispose();
});

Deno.test("HashLUT apply: gradients wrt tables and MLP match finite differences", () => {
  const m = new HashLut({
    levels: 3,
    log2TableSize: 6,
    baseResolution: 3,
    maxResolution: 9,
    backbone: "SmallBackbone",
  }, 5);
  const r = rng(2);
  const table = m.params.get("hash.table")!;
  table.assign(tf.tensor1d(Float32Array.from({ length: table.size }, () => r() - 0.5)));
  const img = tf.tensor4d(Float32Array.from({ length: 3 * 4 * 6 }, r), [1, 3, 4, 6]);
  const wts = tf.tensor2d([[0.7, -0.4, 1.1]]);
  const target = tf.tensor4d(Float32Array.from({ length: 3 * 4 * 6 }, r), [1, 3, 4, 6]);
  const loss = () => tf.sum(tf.square(tf.sub(m.apply(img, wts), target))) as tf.Scalar;
  const { grads } = tf.variableGrads(loss, hashVars(m));
  const eps = 2e-3; // small enough not to cross ReLU kinks of the MLP
  for (const v of hashVars(m)) {
    const g = grads[v.name].dataSync();
    const base = v.dataSync().slice() as Float32Array;
    let checked = 0;
    for (let i = 0; i < base.length && checked < 8; i += 5) {
      if (Math.abs(g[i]) < 1e-4) continue;
      const at = (d: number) => {
        const p = base.slice();
        p[i] += d;
        v.assign(tf.tensor(p, v.shape));
        return loss().dataSync()[0];
      };
      const fd = (at(eps) - at(-eps)) / (2 * eps);
      v.assign(tf.tensor(base, v.shape));
      assert(Math.abs(fd - g[i]) <= 2e-2 * Math.max(1, Math.abs(fd)), `${v.name}[${i}]: fd ${fd} vs ${g[i]}`);
      checked++;
    }
    assert(checked >= 3, `${v.name}: only ${checked} entries checked`);
  }
  tf.dispose([img, wts, target]);
  m.dispose();
});

Deno.test("HashLUT apply: Adam on tables + MLP fits a colour transform (loss falls 5x)", async () => {
  const m = new HashLut(await hashLutPreset("hashlut-6+13-small"), 7);
  const r = rng(3);
  const n = 2048;
  const rgb = Float32Array.from({ length: 3 * n }, r);
  const target = rgb.map((v, i) => (i < n ? Math.sqrt(v) : i < 2 * n ? v * v : 1 - v));
  const x = tf.tensor4d(rgb, [1, 3, 1, n]), y = tf.tensor4d(target, [1, 3, 1, n]);
  const wts = tf.fill([1, 6], 1 / 6) as tf.Tensor2D;
  const opt = tf.train.adam(5e-3);
  const loss = () => tf.mean(tf.abs(tf.sub(m.apply(x, wts), y))) as tf.Scalar;
  const first = loss().dataSync()[0];
  let last = first;
  for (let step = 0; step < 150; ++step) {
    const l = opt.minimize(loss, true, hashVars(m))!;
    last = l.dataSync()[0];
    l.dispose();
  }
  assert(last < first / 5, `L1 ${first} -> ${last}`);
  tf.dispose([x, y, wts]);
  opt.dispose();
  m.dispose();
});

Deno.test("HashLUT exportLut: lut[c][b][g][r] equals the model at lattice colour (r,g,b)/(D-1)", async () => {
  const m = new HashLut(await hashLutPreset("hashlut-6+13-small"), 11);
  const r = rng(4);
  const table = m.params.get("hash.table")!;
  table.assign(tf.tensor1d(Float32Array.from({ length: table.size }, () => r() - 0.5)));
  const weights = [0.3, -0.2, 0.5, 0.1, 0.9, -0.4];
  const D = 5, lut = await m.exportLut(weights, D);
  assertEquals(lut.length, 3 * D ** 3);
  const probes = [[0, 0, 0], [4, 0, 0], [0, 3, 0], [1, 2, 4], [4, 4, 4]];
  const rgb = new Float32Array(3 * probes.length);
  probes.forEach(([ri, gi, bi], p) => {
    rgb[p] = ri / (D - 1);
    rgb[probes.length + p] = gi / (D - 1);
    rgb[2 * probes.length + p] = bi / (D - 1);
  });
  const out = m.apply(tf.tensor4d(rgb, [1, 3, 1, probes.length]), tf.tensor2d([weights])).dataSync();
  probes.forEach(([ri, gi, bi], p) => {
    for (let c = 0; c < 3; ++c) {
      const v = lut[((c * D + bi) * D + gi) * D + ri];
      assert(
        Math.abs(v - out[c * probes.length + p]) < 1e-5,
        `c${c} (${ri},${gi},${bi}): ${v} vs ${out[c * probes.length + p]}`,
      );
    }
  });
  await assertRejects(() => m.exportLut([1, 2], D), Error, "2 weights, expected 6");
  m.dispose();
});

Deno.test("HashLUT trains end to end on wasm (expert convs included): one Adam step changes every variable", async () => {
  const m = new HashLut(await hashLutPreset("hashlut-6+13-small"), 13);
  const r = rng(6);
  const thumb = tf.tensor4d(Float32Array.from({ length: 2 * 3 * 32 * 32 }, r), [2, 3, 32, 32]);
  const img = tf.tensor4d(Float32Array.from({ length: 2 * 3 * 8 * 8 }, r), [2, 3, 8, 8]);
  const target = tf.tensor4d(Float32Array.from({ length: 2 * 3 * 8 * 8 }, r), [2, 3, 8, 8]);
  const before = m.variables().map((v) => v.dataSync().slice());
  const opt = tf.train.adam(1e-3);
  const drop = new Rng(1);
  const loss = () => tf.mean(tf.abs(tf.sub(m.forward(thumb, img, true, drop).out, target))) as tf.Scalar;
  opt.minimize(loss, false, m.variables());
  const changed = m.variables().map((v, i) => v.dataSync().some((x, j) => x !== before[i][j]));
  assertEquals(
    changed.filter((c) => !c).length,
    0,
    `unchanged variables: ${changed.map((c, i) => c ? "" : i)}`,
  );
  tf.dispose([thumb, img, target]);
  opt.dispose();
  m.dispose();
});
