/**
 * Training of SR LUT models: `fitSr` is the loop shared by network training and LUT fine-tuning (the model's
 * current form decides what the variables are): random aligned patches, MSE on [0,1] outputs, Adam with a
 * constant or cosine learning rate, a progress line (loss, PSNR, it/s, ETA), a JSONL log and atomic
 * single-file checkpoints (weights + optimizer state + iteration) for `--resume`. A batch whose activations
 * would not fit the wasm heap (at most 4 GiB) is split into gradient passes whose gradients are summed
 * before one Adam step: the same update as the whole batch at once (the papers' batch 32 of 48² patches
 * through MuLUT or SPF-LUT needs several GiB).
 * `trainSr(config, opts)` trains the network form of an experiment and exports its tables.
 */
import { join } from "@std/path";
import { tf } from "../../core/backend.ts";
import { initTf } from "../../core/backend.ts";
import { writeFileAtomic } from "../../core/atomic.ts";
import type { FitConfig, SrConfig } from "./config.ts";
import { type Batch, loadCleanImages, makePairs, sampleBatch, type TrainPair } from "./data.ts";
import type { Degradation } from "./degrade.ts";
import { exportModel, exportSummary, printProgress } from "./enumerate.ts";
import type { SrModel } from "./model.ts";
import { buildSrModel } from "../models/models.ts";

/** Where a fit writes: log.jsonl and checkpoint.ckpt in `dir`. */
export type FitOptions = { dir: string; resume?: boolean; quiet?: boolean; pairs?: TrainPair[] };

/** Result of a fit: iterations run in this call, last mean loss and PSNR (dB) of the final log window. */
export type FitResult = { iterations: number; loss: number; psnr: number };

const MAGIC = "LUTLABCK1";

/** Saves variables + optimizer weights + iteration into one file atomically: magic, JSON header, float32 data. */
export async function saveCheckpoint(path: string, iter: number, vars: tf.Variable[], opt: tf.Optimizer) {
  const optW = await opt.getWeights();
  const named = [...vars.map((v) => ({ name: v.name, tensor: v as tf.Tensor })), ...optW];
  const arrays = await Promise.all(named.map((n) => n.tensor.data() as Promise<Float32Array>));
  const header = JSON.stringify({
    iter,
    tensors: named.map((n, i) => ({ name: n.name, shape: n.tensor.shape, length: arrays[i].length })),
    variables: vars.length,
  });
  const head = new TextEncoder().encode(`${MAGIC}\n${header}\n`);
  const pad = (4 - (head.length % 4)) % 4;
  const total = arrays.reduce((a, x) => a + x.length, 0);
  const bytes = new Uint8Array(head.length + pad + 4 * total);
  bytes.set(head);
  bytes.fill(0x20, head.length - 1, head.length - 1 + pad); // spaces before the final newline keep 4-byte alignment
  bytes[head.length - 1 + pad] = 0x0a;
  const data = new Float32Array(bytes.buffer, head.length + pad, total);
  let o = 0;
  for (const a of arrays) data.set(a, o), o += a.length;
  await writeFileAtomic(path, bytes);
}

/** Restores a checkpoint into `vars` (same names and shapes) and `opt`; returns its iteration. */
export async function loadCheckpoint(path: string, vars: tf.Variable[], opt: tf.Optimizer): Promise<number> {
  const bytes = await Deno.readFile(path);
  const text = new TextDecoder().decode(bytes.subarray(0, Math.min(bytes.length, 1 << 20)));
  const lines = text.split("\n");
  if (lines[0] !== MAGIC) throw new Error(`${path}: not a lutlab SR checkpoint`);
  const header = JSON.parse(lines[1]) as {
    iter: number;
    variables: number;
    tensors: { name: string; shape: number[]; length: number }[];
  };
  const offset = new TextEncoder().encode(`${lines[0]}\n${lines[1]}\n`).length;
  const data = new Float32Array(bytes.buffer, offset, (bytes.length - offset) / 4);
  if (header.variables !== vars.length) {
    throw new Error(`${path}: checkpoint has ${header.variables} variables, model has ${vars.length}`);
  }
  let o = 0;
  const optW: { name: string; tensor: tf.Tensor }[] = [];
  header.tensors.forEach((t, i) => {
    const arr = data.slice(o, o + t.length);
    o += t.length;
    if (i < vars.length) {
      const v = vars[i];
      if (v.shape.join() !== t.shape.join()) {
        throw new Error(
          `${path}: ${t.name} has shape [${t.shape}], model variable ${v.name} is [${v.shape}]`,
        );
      }
      v.assign(tf.tensor(arr, t.shape));
    } else optW.push({ name: t.name, tensor: tf.tensor(arr, t.shape) });
  });
  await opt.setWeights(optW);
  return header.iter;
}

/** Heap the tensors of one gradient pass may take: tfjs-backend-wasm's heap is at most 4 GiB, kept apart. */
const PASS_BUDGET = 1.5 * 2 ** 30;

/** MSE of planes [from, from+count) of batch `b` through the model's training output, times `weight`. */
function batchLoss(model: SrModel, b: Batch, from: number, count: number, weight = 1): tf.Scalar {
  const cs = b.crop * b.scale;
  const x = tf.tensor3d(b.input.subarray(from * b.crop ** 2, (from + count) * b.crop ** 2), [
    count,
    b.crop,
    b.crop,
  ]);
  const y = tf.div(
    tf.tensor3d(b.target.subarray(from * cs * cs, (from + count) * cs * cs), [count, cs, cs]),
    255,
  );
  const mse = tf.mean(tf.square(tf.sub(model.trainOutput(x), y))) as tf.Scalar;
  return weight === 1 ? mse : tf.mul(mse, weight);
}

/** Planes per gradient pass: as many as fit PASS_BUDGET, from the profiled peak of a one-plane pass. */
export async function passSize(
  model: SrModel,
  vars: tf.Variable[],
  b: Batch,
): Promise<{ size: number; perPlane: number }> {
  const before = tf.memory().numBytes;
  const prof = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(() => batchLoss(model, b, 0, 1), vars);
    tf.dispose([value, ...Object.values(grads)]);
  });
  const perPlane = Math.max(1, prof.peakBytes - before);
  return { size: Math.max(1, Math.min(b.n, Math.floor(PASS_BUDGET / perPlane))), perPlane };
}

/**
 * One optimiser step on batch `b` (planes) in passes of `size` planes, each pass's loss weighted by its share
 * of the batch and the gradients summed (one pass: exactly `opt.minimize`); returns the batch loss.
 */
export async function trainStep(
  model: SrModel,
  vars: tf.Variable[],
  opt: tf.Optimizer,
  b: Batch,
  size: number,
): Promise<number> {
  let total = 0, sum: tf.NamedTensorMap | undefined;
  for (let from = 0; from < b.n; from += size) {
    const count = Math.min(size, b.n - from);
    const { value, grads } = tf.variableGrads(() => batchLoss(model, b, from, count, count / b.n), vars);
    total += (await value.data())[0];
    value.dispose();
    if (!sum) sum = grads;
    else {
      const prev: tf.NamedTensorMap = sum;
      sum = Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.add(prev[k], g)]));
      tf.dispose([...Object.values(prev), ...Object.values(grads)]);
    }
  }
  opt.applyGradients(sum!);
  tf.dispose(Object.values(sum!));
  return total;
}

function learningRate(cfg: FitConfig, iter: number): number {
  if (cfg.lrMin === undefined) return cfg.lr;
  return cfg.lrMin + (cfg.lr - cfg.lrMin) * (1 + Math.cos((Math.PI * iter) / cfg.iterations)) / 2;
}

/** Trains the model's variables in its current form on `deg`-degraded patches of cfg.data. */
export async function fitSr(
  model: SrModel,
  deg: Degradation,
  cfg: FitConfig,
  opts: FitOptions,
): Promise<FitResult> {
  await initTf();
  await Deno.mkdir(opts.dir, { recursive: true });
  const pairs = opts.pairs ?? await makePairs(await loadCleanImages(cfg.data), deg);
  const vars = model.variables();
  const opt = tf.train.adam(cfg.lr, 0.9, 0.999, 1e-8);
  // tfjs keeps the Adam learning rate protected; the schedule sets it before each step.
  const lrOf = opt as unknown as { learningRate: number };
  const ckpt = join(opts.dir, "checkpoint.ckpt"), logPath = join(opts.dir, "log.jsonl");
  let start = 0;
  if (opts.resume) {
    start = await loadCheckpoint(ckpt, vars, opt);
    if (!opts.quiet) console.log(`resumed from ${ckpt} at iteration ${start}`);
  } else await Deno.writeTextFile(logPath, "");
  let window = 0, count = 0, last = { loss: NaN, psnr: NaN }, size = 0;
  const t0 = performance.now();
  for (let it = start + 1; it <= cfg.iterations; it++) {
    lrOf.learningRate = learningRate(cfg, it - 1);
    const b = sampleBatch(pairs, deg, cfg.batch, cfg.crop, cfg.seed, it);
    if (size === 0) {
      const p = await passSize(model, vars, b);
      size = p.size;
      if (!opts.quiet && size < b.n) {
        console.log(
          `batch ${b.n} in passes of ${size} patches (about ${(p.perPlane / 2 ** 20).toFixed(0)} MB of ` +
            `tensors per patch; gradients summed, one Adam step)`,
        );
      }
    }
    window += await trainStep(model, vars, opt, b, size);
    count++;
    if (it % cfg.logEvery === 0 || it === cfg.iterations) {
      const mse = window / count, secs = (performance.now() - t0) / 1000, rate = (it - start) / secs;
      last = { loss: mse, psnr: -10 * Math.log10(mse) };
      const rec = { iter: it, loss: mse, psnr: last.psnr, lr: lrOf.learningRate, seconds: secs };
      await Deno.writeTextFile(logPath, JSON.stringify(rec) + "\n", { append: true });
      if (!opts.quiet) {
        console.log(
          `iter ${it}/${cfg.iterations} loss ${mse.toExponential(3)} PSNR ${last.psnr.toFixed(2)} dB ` +
            `${rate.toFixed(2)} it/s ETA ${((cfg.iterations - it) / rate).toFixed(0)}s`,
        );
      }
      window = 0, count = 0;
    }
    if (it % cfg.checkpointEvery === 0 || it === cfg.iterations) await saveCheckpoint(ckpt, it, vars, opt);
  }
  opt.dispose();
  return { iterations: cfg.iterations - start, ...last };
}

/** `deno task train` for task = "sr": trains the network, then exports its tables into <exp>/luts. */
export async function trainSr(
  config: SrConfig,
  opts: { resume?: boolean; quiet?: boolean } = {},
): Promise<FitResult> {
  await initTf();
  const model = buildSrModel(config.model, config.train.seed);
  const dir = join(config.dir, "train");
  const res = await fitSr(model, config.degradation, config.train, { dir, ...opts });
  const paths = await exportModel(model, join(config.dir, "luts"), {
    int8: config.export.int8,
    batch: config.export.batch,
    onProgress: opts.quiet ? undefined : printProgress,
  });
  if (!opts.quiet) console.log(`exported ${exportSummary(paths)} to ${join(config.dir, "luts")}`);
  return res;
}
