/**
 * Native training of the SR families' network form on the CPU backends (wasm, cpu): the loss of a batch and
 * the gradient of every network parameter computed by kernels/srnet.c (per LutModule: receptive-field
 * sampling under the rotation ensemble, the per-pixel network, 127·clamp with straight-through rounding,
 * pixel shuffle and rotation back, and the backward pass of each, on all cores with fixed summation orders),
 * with the stage arithmetic between modules (pred/divisor + bias, straight-through requantisation, SPF-LUT's
 * block channels and channel LUT, the final rounding and the MSE) in plain loops over planes [N, H, W].
 * Activations live in native memory (the kernel's buffers, kept for the next pass until releaseNativeSr), not in
 * the wasm heap. The same model, forward values and gradients as the tfjs graph of SrModel.trainOutput, up to
 * float rounding. Used by fitSr for SR-LUT, MuLUT and SPF-LUT in the network form unless LUTLAB_SR_NATIVE=0;
 * webgpu, LUT fine-tuning and AutoLUT (learned samplers) stay on the tfjs path.
 */
import { hostKernels, onWebgpu, tf } from "../../core/backend.ts";
import { check } from "../../core/native.ts";
import type { Adam } from "../../experiment/adam.ts";
import type { Params } from "../../nn/params.ts";
import type { Batch } from "./data.ts";
import type { LutModule } from "./lutmodule.ts";
import { roundHalfEven, SrModel } from "./model.ts";
import { SPF_BLOCK_CHANNELS, SpfModel } from "../models/spf.ts";

const kernels = hostKernels({
  lutlab_srnet_params: { parameters: ["buffer", "i32"], result: "i64" },
  lutlab_srnet_bytes: { parameters: ["buffer", "i32"], result: "i64" },
  lutlab_srnet_forward: { parameters: ["buffer", "i32", "buffer", "buffer", "buffer"], result: "pointer" },
  lutlab_srnet_backward: { parameters: ["pointer", "buffer", "buffer", "buffer", "buffer"], result: "i32" },
  lutlab_srnet_free: { parameters: ["pointer"], result: "void" },
  lutlab_srnet_release: { parameters: [], result: "void" },
});

/** Frees the native buffers kept between gradient passes (call when a training ends). */
export function releaseNativeSr(): void {
  kernels().lutlab_srnet_release();
}

/** Bytes of native activations one gradient pass may hold (the batch is split into passes beyond it). */
export const NATIVE_PASS_BUDGET = 4 * 2 ** 30;

/** Whether fitSr trains `model` natively: CPU backend, network form, a family srnet.c implements, LUTLAB_SR_NATIVE≠0. */
export function nativeSrTraining(model: SrModel): boolean {
  const env = Deno.env.get("LUTLAB_SR_NATIVE") ?? "1";
  if (env !== "0" && env !== "1") throw new Error(`LUTLAB_SR_NATIVE must be 0 or 1, got "${env}"`);
  const family = model.constructor === SrModel || model.constructor === SpfModel;
  return env === "1" && !onWebgpu() && family && model.parts().length === 0 &&
    model.modules().every((m) => m.form === "net");
}

/** How a module samples its input: the rotation ensemble of a spatial pattern, or SPF-LUT's channel pixel. */
type Sampling = "ensemble" | "channel";

/** srnet.h module spec of `m` on N planes of H×W. */
function moduleSpec(
  model: SrModel,
  m: LutModule,
  n: number,
  h: number,
  w: number,
  how: Sampling,
): Int32Array {
  const { net, pattern, upscale, roundOutput } = m.spec;
  const ch = how === "channel";
  const taps = pattern.offsets.flatMap(([dy, dx], j) => ch ? [0, 0, j] : [dy, dx, 0]);
  const pad = model.spec.padMode === "edge" ? 1 : 0;
  const [py, px] = ch ? [0, 0] : pattern.pad;
  return Int32Array.from([
    net.kind === "srlut" ? 0 : 1,
    net.act === "gelu" ? 1 : 0,
    net.width,
    m.dims,
    m.channels,
    upscale,
    ch ? 1 : 4,
    roundOutput ? 1 : 0,
    pad,
    n,
    h,
    w,
    py,
    px,
    ...taps,
  ]);
}

/** A module's forward context (native activations) and what its backward pass needs. */
type Run = { m: LutModule; ctx: Deno.PointerValue; params: Float32Array };

/** Network parameters of `m` packed in srnet.h order (w0, b0, …, w5, b5). */
function packParams(m: LutModule): Float32Array {
  const vars = m.net.variables(), out = new Float32Array(vars.reduce((s, v) => s + v.size, 0));
  let o = 0;
  for (const v of vars) {
    out.set(v.dataSync() as Float32Array, o);
    o += v.size;
  }
  return out;
}

/** Runs module `m` on planes `x` (N planes of H×W, or 4N for the channel LUT), adding into `pred`. */
function forwardModule(
  model: SrModel,
  m: LutModule,
  x: Float32Array,
  dims: [number, number, number],
  pred: Float32Array,
  how: Sampling = "ensemble",
): Run {
  const spec = moduleSpec(model, m, ...dims, how), params = packParams(m);
  const want = Number(kernels().lutlab_srnet_params(spec, spec.length));
  if (want < 0) check(kernels(), want, `srnet module ${m.spec.name} on planes [${dims}]`);
  if (want !== params.length) {
    throw new Error(`${m.spec.name}: ${params.length} network parameters, the native module expects ${want}`);
  }
  const ctx = kernels().lutlab_srnet_forward(spec, spec.length, params, x, pred);
  if (ctx === null) check(kernels(), -1, `srnet forward of ${m.spec.name} on planes [${dims}]`);
  return { m, ctx, params };
}

/** Backward pass of a run: parameter gradients into `grads`, input gradient added into `dx` (if given). */
function backwardModule(
  r: Run,
  dpred: Float32Array,
  dx: Float32Array | null,
  grads: Map<tf.Variable, Float32Array>,
): void {
  const g = new Float32Array(r.params.length);
  try {
    kernels.call(
      `srnet backward of ${r.m.spec.name}`,
      "lutlab_srnet_backward",
      r.ctx,
      r.params,
      dpred,
      dx,
      g,
    );
  } finally {
    kernels().lutlab_srnet_free(r.ctx);
    r.ctx = null;
  }
  let o = 0;
  for (const v of r.m.net.variables()) {
    grads.set(v, g.subarray(o, o + v.size));
    o += v.size;
  }
}

/** Frees the contexts of runs not yet consumed by a backward pass (after an error). */
function freeRuns(runs: Run[]): void {
  for (const r of runs) if (r.ctx !== null) kernels().lutlab_srnet_free(r.ctx);
}

/** pred/divisor + bias in float32 steps, as stageValue's tf ops. */
function stageValue(pred: Float32Array, divisor: number, bias: number): Float32Array {
  const out = new Float32Array(pred.length);
  for (let i = 0; i < pred.length; i++) out[i] = Math.fround(pred[i] / divisor) + bias;
  return out;
}

/** Straight-through requantisation round(clamp(v, 0, 255)): the values, and where the clamp passes gradients. */
function requantise(v: Float32Array): { q: Float32Array; pass: Uint8Array } {
  const q = new Float32Array(v.length), pass = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) {
    q[i] = roundHalfEven(Math.min(Math.max(v[i], 0), 255));
    pass[i] = v[i] >= 0 && v[i] <= 255 ? 1 : 0;
  }
  return { q, pass };
}

/** dv/divisor where the clamp passed, for a stage's prediction from its requantised output's gradient. */
function throughStage(d: Float32Array, pass: Uint8Array | undefined, divisor: number): Float32Array {
  const out = new Float32Array(d.length);
  if (pass) { for (let i = 0; i < d.length; i++) out[i] = pass[i] ? d[i] / divisor : 0; }
  else for (let i = 0; i < d.length; i++) out[i] = d[i] / divisor;
  return out;
}

/** One pass: the forward pass of the model (keeping its runs) and, from the output's gradient, the backward. */
type Pass = {
  out: Float32Array;
  backward: (dout: Float32Array) => Map<tf.Variable, Float32Array>;
  runs: Run[];
};

/** SR-LUT / MuLUT: stages of rotation ensembles, inner stages requantised (model.ts SrModel.forward). */
function stagedPass(model: SrModel, x: Float32Array, n: number, h: number, w: number): Pass {
  const { stages } = model.spec, runs: Run[] = [];
  const saved: { runs: Run[]; pass?: Uint8Array; size: number }[] = [];
  let cur = x, hh = h, ww = w;
  for (let i = 0; i < stages.length; i++) {
    const s = stages[i].modules[0].spec.upscale, size = n * hh * ww;
    const pred = new Float32Array(n * hh * s * ww * s);
    const stageRuns = stages[i].modules.map((m) => forwardModule(model, m, cur, [n, hh, ww], pred));
    runs.push(...stageRuns);
    const y = stageValue(pred, stages[i].divisor, stages[i].bias);
    if (i === stages.length - 1) {
      saved.push({ runs: stageRuns, size });
      cur = y;
    } else {
      const { q, pass } = requantise(y);
      saved.push({ runs: stageRuns, pass, size });
      cur = q;
    }
    hh *= s, ww *= s;
  }
  const backward = (dout: Float32Array) => {
    const grads = new Map<tf.Variable, Float32Array>();
    let d = dout, pass: Uint8Array | undefined;
    for (let i = stages.length - 1; i >= 0; i--) {
      const dpred = throughStage(d, pass, stages[i].divisor);
      const dx = i > 0 ? new Float32Array(saved[i].size) : null;
      for (const r of [...saved[i].runs].reverse()) backwardModule(r, dpred, dx, grads);
      if (dx) [d, pass] = [dx, saved[i - 1].pass];
    }
    return grads;
  };
  return { out: cur, backward, runs };
}

/** SPF-LUT: progressive blocks, channel LUT, up-block (spf.ts SpfModel.forward). */
function spfPass(model: SpfModel, x: Float32Array, n: number, h: number, w: number): Pass {
  const stages = model.spec.stages, nb = model.blocks.length, size = n * h * w, runs: Run[] = [];
  const blocks: { runs: Run[]; pass: Uint8Array }[] = [];
  const refined = new Float32Array(nb * size);
  let cur = x;
  for (let b = 0; b < nb; b++) {
    const pred = new Float32Array(SPF_BLOCK_CHANNELS[b] * size);
    const br = model.blocks[b].map((m) => forwardModule(model, m, cur, [n, h, w], pred));
    runs.push(...br);
    const { q, pass } = requantise(stageValue(pred, stages[b].divisor, stages[b].bias));
    blocks.push({ runs: br, pass });
    refined.set(q.subarray(0, size), b * size);
    cur = q.subarray(size, 2 * size);
  }
  const chPred = new Float32Array(nb * size);
  const chRun = forwardModule(model, model.channel, refined, [n, h, w], chPred, "channel");
  runs.push(chRun);
  const { q: feat, pass: chPass } = requantise(stageValue(chPred, 1, stages[nb].bias));
  const up = stages[nb + 1], r = model.upscale;
  let pred = new Float32Array(size * r * r);
  const upRuns = model.up.map((modules, c) => {
    const p = new Float32Array(size * r * r);
    const plane = feat.subarray(c * size, (c + 1) * size);
    const cr = modules.map((m) => forwardModule(model, m, plane, [n, h, w], p));
    runs.push(...cr);
    pred = c === 0 ? p : pred.map((e, i) => Math.fround(e + p[i]));
    return cr;
  });
  const backward = (dout: Float32Array) => {
    const grads = new Map<tf.Variable, Float32Array>();
    const dpred = throughStage(dout, undefined, up.divisor), dfeat = new Float32Array(nb * size);
    upRuns.forEach((cr, c) => {
      for (const run of [...cr].reverse()) {
        backwardModule(run, dpred, dfeat.subarray(c * size, (c + 1) * size), grads);
      }
    });
    const drefined = new Float32Array(nb * size);
    backwardModule(chRun, throughStage(dfeat, chPass, 1), drefined, grads);
    let dnext: Float32Array | undefined;
    for (let b = nb - 1; b >= 0; b--) {
      const dq = new Float32Array(SPF_BLOCK_CHANNELS[b] * size);
      dq.set(drefined.subarray(b * size, (b + 1) * size));
      if (dnext) dq.set(dnext, size);
      const dp = throughStage(dq, blocks[b].pass, stages[b].divisor);
      dnext = b > 0 ? new Float32Array(size) : undefined;
      for (const run of [...blocks[b].runs].reverse()) backwardModule(run, dp, dnext ?? null, grads);
    }
    return grads;
  };
  return { out: stageValue(pred, up.divisor, up.bias), backward, runs };
}

/** The training output in [0,1] of planes `x` [N,H,W] (0..255), and the pass to differentiate it. */
function trainPass(model: SrModel, x: Float32Array, n: number, h: number, w: number): Pass {
  const p = model instanceof SpfModel ? spfPass(model, x, n, h, w) : stagedPass(model, x, n, h, w);
  const mulut = model.spec.finalQuant === "mulut";
  const out = new Float32Array(p.out.length);
  for (let i = 0; i < out.length; i++) out[i] = (mulut ? roundHalfEven(p.out[i]) : p.out[i]) / 255;
  return { ...p, out };
}

/** Training output [N, H·r, W·r] in [0,1] of planes `x` [N,H,W] (0..255), as SrModel.trainOutput (native). */
export function nativeTrainOutput(
  model: SrModel,
  x: Float32Array,
  n: number,
  h: number,
  w: number,
): Float32Array {
  const p = trainPass(model, x, n, h, w);
  freeRuns(p.runs);
  return p.out;
}

/**
 * MSE of planes [from, from+count) of batch `b` through the model's training output, times `weight`, and its
 * gradient for every network variable (native; as train.ts batchLoss under tf.variableGrads).
 */
export function nativeLossAndGrads(
  model: SrModel,
  b: Batch,
  from: number,
  count: number,
  weight = 1,
): { loss: number; grads: Map<tf.Variable, Float32Array> } {
  const cs = b.crop * b.scale, x = b.input.subarray(from * b.crop ** 2, (from + count) * b.crop ** 2);
  const target = b.target.subarray(from * cs * cs, (from + count) * cs * cs);
  const p = trainPass(model, x, count, b.crop, b.crop);
  try {
    let sum = 0;
    const k = (2 * weight) / p.out.length, dout = new Float32Array(p.out.length);
    for (let i = 0; i < p.out.length; i++) {
      const e = p.out[i] - Math.fround(target[i] / 255);
      sum += e * e;
      dout[i] = (k * e) / 255;
    }
    return { loss: (sum / p.out.length) * weight, grads: p.backward(dout) };
  } finally {
    freeRuns(p.runs);
  }
}

/** Native activation bytes of one plane of `crop`² through `model` (the per-plane cost of a gradient pass). */
export function nativePlaneBytes(model: SrModel, crop: number): number {
  const bytes = (m: LutModule, h: number, how: Sampling = "ensemble") => {
    const spec = moduleSpec(model, m, 1, h, h, how);
    return Number(kernels().lutlab_srnet_bytes(spec, spec.length)) + 4 * h * h * (m.dims + 4);
  };
  if (model instanceof SpfModel) {
    const spatial = [...model.blocks, ...model.up].flat().reduce((s, m) => s + bytes(m, crop), 0);
    return spatial + bytes(model.channel, crop, "channel");
  }
  let h = crop, total = 0;
  for (const st of model.spec.stages) {
    for (const m of st.modules) total += bytes(m, h);
    h *= st.modules[0].spec.upscale;
  }
  return total;
}

/** Planes per native gradient pass on `crop`² patches: as many as fit NATIVE_PASS_BUDGET (at least 1). */
export function nativePassSize(model: SrModel, b: Batch): number {
  return Math.max(1, Math.min(b.n, Math.floor(NATIVE_PASS_BUDGET / nativePlaneBytes(model, b.crop))));
}

/**
 * One optimiser step on batch `b` computed natively, in passes of `size` planes (default nativePassSize),
 * their gradients summed and each pass's loss weighted by its share of the batch (awaiting the mean over
 * ranks when `Adam.reduce` is set); returns the batch loss (MSE).
 */
export async function nativeTrainStep(
  model: SrModel,
  params: Params,
  opt: Pick<Adam, "step">,
  b: Batch,
  size = nativePassSize(model, b),
): Promise<number> {
  const names = new Map([...params].map(([k, v]) => [v as tf.Variable, k]));
  const sum = new Map<string, Float32Array>();
  let total = 0;
  for (let from = 0; from < b.n; from += size) {
    const count = Math.min(size, b.n - from);
    const { loss, grads } = nativeLossAndGrads(model, b, from, count, count / b.n);
    total += loss;
    for (const [v, g] of grads) {
      const k = names.get(v);
      if (k === undefined) {
        throw new Error(`${model.spec.kind}: variable ${v.name} is not a training parameter`);
      }
      const acc = sum.get(k);
      if (!acc) sum.set(k, Float32Array.from(g));
      else for (let i = 0; i < g.length; i++) acc[i] += g[i];
    }
  }
  const tensors = new Map([...sum].map(([k, g]) => [k, tf.tensor(g, params.get(k)!.shape, "float32")]));
  try {
    await opt.step(tensors);
  } finally {
    tf.dispose([...tensors.values()]);
  }
  return total;
}
