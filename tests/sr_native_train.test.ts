// Native SR training (kernels/srnet.c through lib/sr/core/native_net.ts) against the tfjs graph of the same
// models: forward outputs, the MSE and every parameter gradient for SR-LUT (S, and V on non-square planes),
// MuLUT (2 stages, ReLU and GELU units) and SPF-LUT; against central finite differences on a smooth tiny net;
// the same bits at 1 and 2 threads; a step in gradient passes equal to the whole batch; SPF-LUT nf 64 on a
// 48² patch (refused on the wasm heap); a bad module spec refused with a message.
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { initTf, kernelThreads, tf } from "../lib/core/backend.ts";
import { setKernelThreads } from "../lib/core/native.ts";
import { Rng } from "../lib/core/rng.ts";
import type { Batch } from "../lib/sr/core/data.ts";
import { LutModule } from "../lib/sr/core/lutmodule.ts";
import { SrModel } from "../lib/sr/core/model.ts";
import {
  nativeLossAndGrads,
  nativePlaneBytes,
  nativeSrTraining,
  nativeTrainOutput,
  nativeTrainStep,
} from "../lib/sr/core/native_net.ts";
import { srParams } from "../lib/sr/sr_train.ts";
import { sgd } from "./sr_util.ts";
import { patternOf } from "../lib/sr/core/pattern.ts";
import { buildSrModel, DEFAULT_MODEL, type SrModelConfig } from "../lib/sr/models/models.ts";

await initTf();

function randomBatch(n: number, crop: number, scale: number, seed: number): Batch {
  const rng = new Rng(seed), cs = crop * scale;
  const input = Float32Array.from({ length: n * crop * crop }, () => Math.floor(rng.next() * 256));
  const target = Float32Array.from({ length: n * cs * cs }, () => Math.floor(rng.next() * 256));
  return { input, target, n, crop, scale };
}

/** Loss and gradients of the tfjs graph (train.ts batchLoss with weight 1). */
function tfjsLossAndGrads(model: SrModel, b: Batch): { loss: number; grads: Map<tf.Variable, Float32Array> } {
  const vars = model.variables(), cs = b.crop * b.scale;
  const { value, grads } = tf.variableGrads(() => {
    const x = tf.tensor3d(b.input, [b.n, b.crop, b.crop]);
    const y = tf.div(tf.tensor3d(b.target, [b.n, cs, cs]), 255);
    return tf.mean(tf.square(tf.sub(model.trainOutput(x), y))) as tf.Scalar;
  }, vars);
  const out = new Map(vars.map((v) => [v, grads[v.name].dataSync() as Float32Array]));
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  return { loss, grads: out };
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assertEquals(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Native vs tfjs: forward output on planes [n,h,w], loss and every gradient on batch `b`. */
function compareWithTfjs(model: SrModel, b: Batch, planes: [number, number, number], gradTol = 2e-4): void {
  assert(nativeSrTraining(model), `${model.spec.kind} should train natively`);
  const [n, h, w] = planes, x = randomBatch(n * h * w, 1, 1, 7).input;
  const ref = tf.tidy(() => model.trainOutput(tf.tensor3d(x, [n, h, w])).dataSync() as Float32Array);
  const out = nativeTrainOutput(model, x, n, h, w);
  const fwd = maxDiff(out, ref);
  assert(fwd <= 1e-6, `${model.spec.kind}: forward output differs from tfjs by ${fwd}`);
  const t = tfjsLossAndGrads(model, b), nat = nativeLossAndGrads(model, b, 0, b.n);
  assert(
    Math.abs(nat.loss - t.loss) <= 1e-5 * t.loss,
    `${model.spec.kind}: loss ${nat.loss} vs tfjs ${t.loss}`,
  );
  assertEquals(nat.grads.size, t.grads.size);
  for (const [v, g] of t.grads) {
    const d = maxDiff(nat.grads.get(v)!, g), scale = maxAbs(g);
    assert(
      d <= gradTol * scale + 1e-9,
      `${model.spec.kind} ${v.name} [${v.shape}]: gradient off by ${d} (max ${scale})`,
    );
  }
}

/** A MuLUT unit with GELU hidden activations (AutoLUT's), pattern `mode`, upscale `r`. */
function geluUnit(mode: string, r: number, width: number, round: boolean, seed: number): LutModule {
  return new LutModule({
    name: `g${seed}_${mode}`,
    pattern: patternOf(mode),
    upscale: r,
    net: { kind: "mulut", width, act: "gelu" },
    interval: 4,
    roundOutput: round,
  }, seed);
}

const srlut = (variant: string, upscale: number): SrModelConfig => ({
  ...DEFAULT_MODEL,
  kind: "srlut",
  variant,
  upscale,
  width: 16,
});

Deno.test("native SR-LUT-S and -V: forward, loss and gradients equal the tfjs path", () => {
  compareWithTfjs(buildSrModel(srlut("s", 2), 3), randomBatch(3, 12, 2, 1), [2, 9, 13]);
  compareWithTfjs(buildSrModel(srlut("v", 3), 4), randomBatch(2, 8, 3, 2), [1, 5, 7]);
});

Deno.test("native MuLUT (2 stages, S/D/Y; ReLU and GELU units): equal to the tfjs path", () => {
  const cfg = { ...DEFAULT_MODEL, kind: "mulut" as const, width: 8, upscale: 2, stages: 2 };
  compareWithTfjs(buildSrModel(cfg, 5), randomBatch(2, 10, 2, 3), [2, 7, 11]);
  const gelu = new SrModel({
    kind: "mulut-gelu",
    upscale: 2,
    stages: [
      { modules: [geluUnit("s", 1, 8, true, 40), geluUnit("y", 1, 8, true, 41)], divisor: 8, bias: 127 },
      { modules: [geluUnit("d", 2, 8, true, 42)], divisor: 1, bias: 0 },
    ],
    padMode: "edge",
    finalQuant: "mulut",
  });
  compareWithTfjs(gelu, randomBatch(2, 9, 2, 4), [1, 6, 8]);
});

Deno.test("native SPF-LUT: equal to the tfjs path", () => {
  const model = buildSrModel(
    { ...DEFAULT_MODEL, kind: "spf", width: 8, upscale: 2, modes: ["s", "d", "y"] },
    2,
  );
  compareWithTfjs(model, randomBatch(2, 9, 2, 5), [1, 7, 10]);
});

Deno.test("native gradients match central finite differences on a smooth tiny net (GELU, tanh, no rounding)", () => {
  const model = new SrModel({
    kind: "smooth",
    upscale: 2,
    stages: [{
      modules: [geluUnit("s", 2, 4, false, 60), geluUnit("y", 2, 4, false, 61)],
      divisor: 2,
      bias: 0,
    }],
    padMode: "edge",
    finalQuant: "srlut",
  });
  const b = randomBatch(2, 6, 2, 6);
  const { grads } = nativeLossAndGrads(model, b, 0, b.n);
  const loss = () => nativeLossAndGrads(model, b, 0, b.n).loss;
  const rng = new Rng(11);
  let checked = 0;
  for (const v of model.variables()) {
    const g = grads.get(v)!, base = Float32Array.from(v.dataSync() as Float32Array);
    for (let t = 0; t < 3; t++) {
      const i = Math.floor(rng.next() * base.length), eps = 2e-3;
      const at = (d: number) => {
        const p = Float32Array.from(base);
        p[i] += d;
        v.assign(tf.tensor(p, v.shape));
        return loss();
      };
      const fd = (at(eps) - at(-eps)) / (2 * eps);
      v.assign(tf.tensor(base, v.shape));
      const tol = 0.03 * Math.max(Math.abs(fd), Math.abs(g[i])) + 5e-5;
      assert(Math.abs(fd - g[i]) <= tol, `${v.name}[${i}]: gradient ${g[i]} vs finite difference ${fd}`);
      checked++;
    }
  }
  assertEquals(checked, 72);
});

Deno.test("native SR training: the same bits at 1 and 2 threads", () => {
  const model = buildSrModel({ ...DEFAULT_MODEL, kind: "mulut", width: 8, upscale: 2, stages: 2 }, 8);
  const b = randomBatch(4, 16, 2, 8); // 4·4·256 rows per module: several partial-sum chunks
  try {
    setKernelThreads(1);
    const one = nativeLossAndGrads(model, b, 0, b.n);
    setKernelThreads(2);
    const two = nativeLossAndGrads(model, b, 0, b.n);
    assertEquals(two.loss, one.loss);
    for (const [v, g] of one.grads) assertEquals(two.grads.get(v), g, v.name);
  } finally {
    setKernelThreads(kernelThreads());
  }
});

Deno.test("native SR training: reflect padding larger than the planes is refused with a message", () => {
  const model = buildSrModel(srlut("s", 2), 1);
  assertThrows(() => nativeTrainOutput(model, new Float32Array(1), 1, 1, 1), Error, "reflect padding (1,1)");
});

Deno.test("native step in gradient passes makes the same update as the whole batch", async () => {
  const cfg = {
    ...DEFAULT_MODEL,
    kind: "mulut" as const,
    width: 8,
    upscale: 2,
    stages: 2,
    modes: ["s", "d"],
  };
  const [whole, split] = [buildSrModel(cfg, 3), buildSrModel(cfg, 3)];
  const b = randomBatch(7, 8, 2, 12), losses: number[] = [];
  for (const [model, passes] of [[whole, 7], [split, 3]] as const) {
    const params = srParams(model), opt = sgd(params, 0.5);
    losses.push(
      await nativeTrainStep(model, params, opt, b, passes),
      await nativeTrainStep(model, params, opt, b, passes),
    );
  }
  assertAlmostEquals(losses[0], losses[2], 1e-6);
  assertAlmostEquals(losses[1], losses[3], 1e-6);
  assert(losses[1] !== losses[0], "the first step changed nothing");
  const vw = whole.variables(), vs = split.variables();
  for (let i = 0; i < vw.length; i++) {
    assert(maxDiff(vw[i].dataSync(), vs[i].dataSync()) <= 1e-5, vw[i].name);
  }
});

Deno.test("native SPF-LUT nf 64 takes a 48² patch (refused on the wasm heap) in well under a GiB", () => {
  const model = buildSrModel({ ...DEFAULT_MODEL, kind: "spf", width: 64 }, 1);
  const bytes = nativePlaneBytes(model, 48);
  assert(bytes < 2 ** 30, `${(bytes / 2 ** 20).toFixed(0)} MB per 48² plane`);
  const { loss, grads } = nativeLossAndGrads(model, randomBatch(1, 48, 4, 13), 0, 1);
  assert(Number.isFinite(loss) && loss > 0, `loss ${loss}`);
  assertEquals(grads.size, model.variables().length);
  for (const [v, g] of grads) assert(g.every(Number.isFinite), `${v.name}: gradient not finite`);
  assert([...grads.values()].some((g) => maxAbs(g) > 0), "all gradients zero");
});
