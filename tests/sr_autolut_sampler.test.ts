// AutoLUT's parts: AutoSample weights are softmax-normalised, its samples and logit gradients match a
// float64 reference (finite differences), one-hot samplers reproduce the fixed S/D/Y patterns so AutoLUT
// with frozen one-hot samplers is exactly SR-LUT / MuLUT (network and LUT forms), AdaRL blends with
// projected weights and exact gradients.
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { initTf, tf } from "../lib/core/backend.ts";
import { AdaRL } from "../lib/sr/models/adarl.ts";
import { type AutoLutModel, autolutWeights } from "../lib/sr/models/autolut.ts";
import { adarlFigure, samplerWeightsFigure } from "../lib/analysis/autosample.ts";
import { AutoSample } from "../lib/sr/models/autosample.ts";
import { enumerateTable } from "../lib/sr/core/enumerate.ts";
import { buildSrModel, DEFAULT_MODEL, type SrModelConfig } from "../lib/sr/models/models.ts";
import { Rng } from "../lib/core/rng.ts";
import { gatherPattern, PATTERNS } from "../lib/sr/core/pattern.ts";

const FROZEN = 200; // logit gap that makes the float32 softmax exactly one-hot

function planes(n: number, h: number, w: number, seed: number, step = 1): tf.Tensor3D {
  const rng = new Rng(seed);
  const v = Float32Array.from({ length: n * h * w }, () => step * Math.floor((rng.next() * 256) / step));
  return tf.tensor3d(v, [n, h, w]);
}

/** Float64 softmax of logits [4, K²] (flat), row by row. */
function softmax64(logits: ArrayLike<number>, k2: number): number[] {
  const out: number[] = [];
  for (let c = 0; c < 4; c++) {
    const row = Array.from({ length: k2 }, (_, i) => logits[c * k2 + i]);
    const m = Math.max(...row), e = row.map((v) => Math.exp(v - m)), s = e.reduce((a, b) => a + b, 0);
    out.push(...e.map((v) => v / s));
  }
  return out;
}

/** Float64 reference of AutoSample on padded planes [N,Hp,Wp] → samples [N·H·W, 4]. */
function sampleRef(xp: Float32Array, [n, hp, wp]: number[], w: number[], k: number): number[] {
  const h = hp - k + 1, wd = wp - k + 1, out: number[] = [];
  for (let p = 0; p < n; p++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < wd; x++) {
        for (let c = 0; c < 4; c++) {
          let s = 0;
          for (let i = 0; i < k; i++) {
            for (let j = 0; j < k; j++) s += w[c * k * k + i * k + j] * xp[(p * hp + y + i) * wp + x + j];
          }
          out.push(s);
        }
      }
    }
  }
  return out;
}

Deno.test("AutoSample: softmax weights are >= 0 and sum to 1; samples match a float64 reference", async () => {
  await initTf();
  for (const [k, init] of [[3, "normal"], [5, "uniform"]] as const) {
    const s = new AutoSample("t", k, init, 11);
    const w = s.weights().dataSync();
    assertEquals(w.length, 4 * k * k);
    for (let c = 0; c < 4; c++) {
      const row = Array.from(w.slice(c * k * k, (c + 1) * k * k));
      assert(row.every((v) => v >= 0), "negative weight");
      assertAlmostEquals(row.reduce((a, b) => a + b, 0), 1, 1e-6);
    }
    const xp = planes(2, 6 + k, 7 + k, k);
    const got = s.sample(xp).dataSync();
    const ref = sampleRef(xp.dataSync() as Float32Array, xp.shape, softmax64(s.logits.dataSync(), k * k), k);
    assertEquals(got.length, 2 * 7 * 8 * 4);
    ref.forEach((v, i) => assertAlmostEquals(got[i], v, 1e-3, `sample ${i}`));
  }
  assertThrows(() => new AutoSample("t", 1, "normal", 1), Error, "AutoSample size");
  const s = new AutoSample("t", 2, "normal", 1);
  assertThrows(() => s.setPattern(PATTERNS.d.offsets, FROZEN), Error, "outside the 2x2 window");
  assertThrows(() => s.setPattern(PATTERNS.f.offsets, FROZEN), Error, "4 offsets");
});

Deno.test("AutoSample: one-hot initialisation reproduces the S, D and Y patterns exactly", async () => {
  await initTf();
  const xp = planes(3, 12, 11, 5);
  for (const mode of ["s", "d", "y"]) {
    const s = new AutoSample("t", 5, "uniform", 2);
    s.setPattern(PATTERNS[mode].offsets, FROZEN);
    const w = s.weights().dataSync();
    assert(w.every((v) => v === 0 || v === 1), `${mode}: weights not exactly one-hot`);
    // The window reaches 4 pixels down/right, the pattern fewer: compare on the pattern's own crop.
    const fixed = gatherPattern(
      tf.slice(xp, [0, 0, 0], [3, 8 + PATTERNS[mode].pad[0], 7 + PATTERNS[mode].pad[1]]),
      PATTERNS[mode],
    );
    assertEquals(s.sample(xp).dataSync(), fixed.dataSync(), mode);
  }
});

Deno.test("AutoSample: logit gradients equal float64 finite differences", async () => {
  await initTf();
  const k = 3, s = new AutoSample("t", k, "normal", 4);
  const xp = planes(1, 5, 6, 9);
  const rng = new Rng(3);
  const g = Float32Array.from({ length: 3 * 4 * 4 }, () => rng.next() - 0.5);
  const gt = tf.tensor2d(g, [12, 4]);
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(s.sample(xp), gt)) as tf.Scalar, [s.logits]);
  const grad = grads[s.logits.name].dataSync();
  const x64 = xp.dataSync() as Float32Array, theta = Array.from(s.logits.dataSync());
  const loss = (t: number[]) =>
    sampleRef(x64, xp.shape, softmax64(t, k * k), k).reduce((a, v, i) => a + v * g[i], 0);
  const eps = 1e-4;
  theta.forEach((_, i) => {
    const up = [...theta], dn = [...theta];
    up[i] += eps, dn[i] -= eps;
    const fd = (loss(up) - loss(dn)) / (2 * eps);
    assertAlmostEquals(grad[i], fd, 2e-3 * Math.max(1, Math.abs(fd)), `d/dθ[${i}]`);
  });
});

Deno.test("AdaRL: starts at 0 (identity), projects onto [0,1], exact gradients", async () => {
  await initTf();
  const a = new AdaRL("t");
  const cur = tf.tensor2d([[1, 2, 3, 4], [5, 6, 7, 8]]), prev = tf.tensor2d([[9, 9, 9, 9], [0, 0, 0, 0]]);
  assertEquals(a.mix(cur, prev).dataSync(), cur.dataSync());
  a.weight.assign(tf.tensor1d([-0.5, 0.25, 1.5, 1]));
  assertEquals(Array.from(a.mix(cur, prev).dataSync()), [1, 3.75, 9, 9, 5, 4.5, 0, 0]);
  assertEquals(Array.from(a.weight.dataSync()), [0, 0.25, 1, 1]);
  const { grads } = tf.variableGrads(() => tf.sum(a.mix(cur, prev)) as tf.Scalar, [a.weight]);
  assertEquals(Array.from(grads[a.weight.name].dataSync()), [3, 1, -1, -3]); // Σ (prev - cur)
});

const small: SrModelConfig = { ...DEFAULT_MODEL, upscale: 2, width: 8, interval: 4 };

/** AutoLUT on `base` with pattern-initialised samplers (S; or S, D, Y over 2 stages) and AdaRL. */
const onehot = (base: "srlut" | "mulut", k: number, gap: number): SrModelConfig => ({
  ...small,
  kind: "autolut",
  modes: ["s", "d", "y"],
  stages: 2,
  autolut: { base, sampleSize: k, samplerInit: "pattern", samplerGap: gap, adarl: true, act: "relu" },
});

/** Copies the LUT networks' weights of `from` into `to` (same modules in the same order). */
function copyNets(from: ReturnType<typeof buildSrModel>, to: ReturnType<typeof buildSrModel>) {
  const a = from.modules(), b = to.modules();
  assertEquals(a.length, b.length);
  a.forEach((m, i) => m.net.variables().forEach((v, j) => b[i].net.variables()[j].assign(v)));
}

Deno.test("AutoLUT with frozen one-hot samplers is exactly SR-LUT and MuLUT (net and LUT forms)", async () => {
  await initTf();
  const x = planes(2, 9, 10, 8);
  const cases: [SrModelConfig, SrModelConfig][] = [
    [{ ...small, kind: "srlut" }, onehot("srlut", 3, FROZEN)],
    [{ ...small, kind: "mulut", modes: ["s", "d", "y"], stages: 2 }, onehot("mulut", 5, FROZEN)],
  ];
  for (const [refCfg, autoCfg] of cases) {
    const ref = buildSrModel(refCfg, 3), auto = buildSrModel(autoCfg, 4) as AutoLutModel;
    copyNets(ref, auto);
    assertEquals(auto.forward(x).dataSync(), ref.forward(x).dataSync(), `${autoCfg.autolut!.base} net form`);
    for (const [i, m] of ref.modules().entries()) {
      const t = await enumerateTable(m, { int8: true, batch: 4096 });
      m.setTable(t);
      auto.modules()[i].setTable(t);
    }
    assertEquals(auto.forward(x).dataSync(), ref.forward(x).dataSync(), `${autoCfg.autolut!.base} LUT form`);
  }
});

Deno.test("figures: sampler heatmaps (units x 4 inputs) and AdaRL weights; bad shapes refused", async () => {
  await initTf();
  const model = buildSrModel(onehot("mulut", 5, 4)) as AutoLutModel;
  const { samplers, adarl } = await autolutWeights(model);
  assertEquals(samplers.map((s) => s.name), ["s1_a0", "s1_a1", "s1_a2", "s2_a0", "s2_a1", "s2_a2"]);
  const fig = samplerWeightsFigure(samplers);
  assertEquals(fig.data.length, 6 * 4);
  const z = fig.data[4 + 1].z as number[][]; // unit s1_a1 (pattern d), input b at (0,2)
  assertEquals([z.length, z[0].length], [5, 5]);
  assert(z[0][2] > 0.5 && z[0][2] === Math.max(...z.flat()), "pattern d, input b: peak at (0,2)");
  const ada = adarlFigure(adarl);
  assertEquals((ada.data[0].z as number[][]).length, 3);
  assertThrows(() => samplerWeightsFigure([{ name: "x", size: 3, weights: [1, 2] }]), Error, "[4, 3, 3]");
  assertThrows(() => adarlFigure([{ name: "x", weights: [1] }]), Error, "4 weights");
});
