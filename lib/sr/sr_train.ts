/**
 * Training of SR LUT models: `fitSr` is the loop shared by network training and LUT fine-tuning (the model's
 * current form decides what the variables are): random aligned patches, MSE on [0,1] outputs, Adam
 * (lib/experiment/adam.ts) with a constant or cosine learning rate, in the experiment loop shared with the
 * photo task (lib/experiment/loop.ts: progress line, log.jsonl, checkpoint.bin, --resume / --restart, lock,
 * checkpoint on SIGINT). A batch whose activations would not fit the wasm heap (at most 4 GiB) is split into
 * gradient passes whose gradients are summed before one Adam step: the same update as the whole batch at
 * once (the papers' batch 32 of 48² patches through MuLUT or SPF-LUT needs several GiB).
 * `trainSr(config, opts)` trains the network form of an experiment and exports its tables.
 */
import { join } from "@std/path";
import { initTf, readAndDispose, tf } from "../core/backend.ts";
import { Adam, stepWithGrads } from "../experiment/adam.ts";
import { runMode, runTraining } from "../experiment/loop.ts";
import type { Params } from "../nn/params.ts";
import type { FitConfig, SrConfig } from "./config.ts";
import { type Batch, loadCleanImages, makePairs, sampleBatch, type TrainPair } from "./core/data.ts";
import type { Degradation } from "./core/degrade.ts";
import { exportModel, exportSummary, printProgress } from "./core/enumerate.ts";
import type { SrModel } from "./core/model.ts";
import { buildSrModel } from "./models/models.ts";
import { nativeSrTraining, nativeTrainStep, releaseNativeSr } from "./core/native_net.ts";
import { currentRanks, shardPlanes } from "../experiment/ranks.ts";
import { evalFolder } from "./core/benchmark.ts";
import { writeOrigin } from "../experiment/origin.ts";
import { resolveShared } from "../core/shared.ts";
import { exists } from "../core/read.ts";

/**
 * Where a fit writes (log.jsonl and checkpoint.bin in `dir`, the lock in `lockDir`, default `dir`), how it
 * treats an existing run (resume / restart, else a fresh run refuses it), preloaded pairs (tests).
 */
export type FitOptions = {
  dir: string;
  lockDir?: string;
  resume?: boolean;
  restart?: boolean;
  quiet?: boolean;
  resumeHint?: string;
  pairs?: TrainPair[];
  /** benchmark folder (HR/, LR_bicubic/) of the validation every cfg.evalEvery steps: PSNR/SSIM Y of the
   * first cfg.evalImages images, logged as val.psnr / val.ssim; the best checkpoint by val.psnr is kept */
  valSet?: string;
};

/** Result of a fit: iterations run in this call, the step reached, last mean loss and PSNR (dB) of the final log window. */
export type FitResult = { iterations: number; step: number; loss: number; psnr: number };

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

/** Tensors one patch's gradient pass may take at most on wasm: its heap ends at 4 GiB (XNNPACK aborts the module). */
const PATCH_LIMIT = 3 * 2 ** 30;
/** Patch side of the probe that checks PATCH_LIMIT before the first full-size pass. */
const PROBE_CROP = 16;

/** Planes [0, count) of `b` cut to their top-left `crop`² (targets crop·scale). */
function cropBatch(b: Batch, crop: number, count: number): Batch {
  const cs = crop * b.scale, bs = b.crop * b.scale;
  const input = new Float32Array(count * crop * crop), target = new Float32Array(count * cs * cs);
  for (let p = 0; p < count; p++) {
    for (let y = 0; y < crop; y++) {
      const from = (p * b.crop + y) * b.crop;
      input.set(b.input.subarray(from, from + crop), (p * crop + y) * crop);
    }
    for (let y = 0; y < cs; y++) {
      const from = (p * bs + y) * bs;
      target.set(b.target.subarray(from, from + cs), (p * cs + y) * cs);
    }
  }
  return { input, target, n: count, crop, scale: b.scale };
}

/** Peak bytes of one- and two-plane gradient passes on `b`: the cost per plane and per pass. */
async function passCost(
  model: SrModel,
  vars: tf.Variable[],
  b: Batch,
): Promise<{ perPlane: number; fixed: number }> {
  const peak = async (count: number) => {
    const before = tf.memory().numBytes;
    const prof = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => batchLoss(model, b, 0, count), vars);
      tf.dispose([value, ...Object.values(grads)]);
    });
    return prof.peakBytes - before;
  };
  const one = await peak(1);
  const perPlane = Math.max(1, b.n > 1 ? (await peak(2)) - one : one);
  return { perPlane, fixed: Math.max(0, one - perPlane) };
}

/**
 * Planes per gradient pass: as many as fit PASS_BUDGET, from the profiled peaks of one- and two-plane passes
 * (`perPlane`: their difference; `fixed`: what a pass costs whatever its size, e.g. the table-sized
 * gradients of LUT fine-tuning). On wasm a probe on 16² patches first refuses, with a clear error, a patch
 * size whose single pass would not fit the heap (the pass would abort the wasm module).
 */
export async function passSize(
  model: SrModel,
  vars: tf.Variable[],
  b: Batch,
): Promise<{ size: number; perPlane: number; fixed: number }> {
  if (tf.getBackend() === "wasm" && b.crop > PROBE_CROP) {
    const probe = await passCost(model, vars, cropBatch(b, PROBE_CROP, Math.min(2, b.n)));
    const need = probe.fixed + probe.perPlane * (b.crop / PROBE_CROP) ** 2;
    if (need > PATCH_LIMIT) {
      const gib = (need / 2 ** 30).toFixed(1);
      throw new Error(
        `${model.spec.kind}: one ${b.crop}² patch needs about ${gib} GiB of tensors in a gradient pass ` +
          `(scaled from ${PROBE_CROP}² patches), more than the wasm heap holds (4 GiB): lower crop in ` +
          `[train]/[finetune], or train on LUTLAB_TF_BACKEND=webgpu`,
      );
    }
  }
  const { perPlane, fixed } = await passCost(model, vars, b);
  const size = Math.max(1, Math.min(b.n, Math.floor((PASS_BUDGET - fixed) / perPlane)));
  return { size, perPlane, fixed };
}

/** The model's trainable variables by a stable name (`<module>.<i>`, parts by their name), in variables() order. */
export function srParams(model: SrModel): Params {
  const params: Params = new Map();
  const add = (name: string, v: tf.Variable) => {
    if (params.has(name)) throw new Error(`${model.spec.kind}: two variables named ${name}`);
    params.set(name, v);
  };
  for (const m of model.modules()) m.variables().forEach((v, i) => add(`${m.spec.name}.${i}`, v));
  for (const p of model.parts()) add(p.name, p.variable);
  return params;
}

/** The model description stored in (and required of) SR checkpoints. */
export function srModelKey(model: SrModel): unknown {
  return { kind: model.spec.kind, upscale: model.upscale };
}

/**
 * One optimiser step (`opt`: Adam, gradients by parameter name) on batch `b` (planes) in passes of `size`
 * planes, each pass's loss weighted by its share of the batch and the gradients summed (one pass: the plain
 * gradient); returns the batch loss (MSE).
 */
export async function trainStep(
  model: SrModel,
  params: Params,
  opt: Pick<Adam, "step">,
  b: Batch,
  size: number,
): Promise<number> {
  const vars = [...params.values()];
  let total = 0, sum: tf.NamedTensorMap | undefined;
  for (let from = 0; from < b.n; from += size) {
    const count = Math.min(size, b.n - from);
    const { value, grads } = tf.variableGrads(() => batchLoss(model, b, from, count, count / b.n), vars);
    total += (await readAndDispose(value))[0];
    if (!sum) sum = grads;
    else {
      const prev: tf.NamedTensorMap = sum;
      sum = Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.add(prev[k], g)]));
      tf.dispose([...Object.values(prev), ...Object.values(grads)]);
    }
  }
  await stepWithGrads(opt, params, sum!);
  return total;
}

function learningRate(cfg: FitConfig, iter: number): number {
  if (cfg.lrMin === undefined) return cfg.lr;
  return cfg.lrMin + (cfg.lr - cfg.lrMin) * (1 + Math.cos((Math.PI * iter) / cfg.iterations)) / 2;
}

/**
 * Trains the model's variables in its current form on `deg`-degraded patches of cfg.data, in the shared
 * experiment loop (lib/experiment/loop.ts: checkpoint.bin + log.jsonl in opts.dir, lock, resume/restart).
 */
export async function fitSr(
  model: SrModel,
  deg: Degradation,
  cfg: FitConfig,
  opts: FitOptions,
): Promise<FitResult> {
  await initTf();
  let size = 0;
  const r = await runTraining({
    dir: opts.dir,
    lockDir: opts.lockDir,
    mode: runMode(opts),
    quiet: opts.quiet,
    resumeHint: opts.resumeHint,
  }, async () => {
    const pairs = opts.pairs ?? await makePairs(await loadCleanImages(cfg.data), deg);
    const params = srParams(model);
    const adam = new Adam(params, { lr: cfg.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    const native = nativeSrTraining(model); // kernels/srnet.c on the CPU backends (LUTLAB_SR_NATIVE=0: tfjs)
    return {
      params,
      adam,
      model: srModelKey(model),
      seed: cfg.seed,
      steps: cfg.iterations,
      logEvery: cfg.logEvery,
      checkpointEvery: cfg.checkpointEvery,
      keep: {
        steps: cfg.keepSteps,
        every: cfg.keepEvery,
        best: cfg.evalEvery > 0 && opts.valSet ? "val/psnr" : undefined,
      },
      after: async (step, log) => {
        if (!opts.valSet || !cfg.evalEvery || (step % cfg.evalEvery !== 0 && step !== cfg.iterations)) return;
        const s = await evalFolder(model, opts.valSet, deg, { limit: cfg.evalImages });
        await log({ val: { psnr: s.psnr, ssim: s.ssim } });
        if (!opts.quiet) {
          console.log(`  val @${step} (${s.set}, ${s.rows.length} images): PSNR ${s.psnr.toFixed(2)} dB`);
        }
      },
      lr: (i) => learningRate(cfg, i),
      step: async (i) => {
        const b = shardPlanes(sampleBatch(pairs, deg, cfg.batch, cfg.crop, cfg.seed, i + 1), "batch");
        if (native) {
          const loss = await nativeTrainStep(model, params, adam, b);
          return { loss, mse: loss };
        }
        if (size === 0) {
          const p = await passSize(model, [...params.values()], b);
          size = p.size;
          if (!opts.quiet && size < b.n) {
            const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
            console.log(
              `batch ${b.n} in passes of ${size} patches (about ${mb(p.perPlane)} MB of tensors per patch ` +
                `and ${mb(p.fixed)} MB per pass; gradients summed, one Adam step)`,
            );
          }
        }
        const loss = await trainStep(model, params, adam, b, size);
        return { loss, mse: loss };
      },
      dispose: () => {
        adam.dispose();
        if (native) releaseNativeSr();
      },
    };
  });
  return { iterations: r.step - r.start, step: r.step, loss: r.loss, psnr: r.psnr };
}

/** The folder of the validation during a fit: the config's first eval set (undefined: `fit` has no eval_every). */
export async function validationSet(config: SrConfig, fit: FitConfig): Promise<string | undefined> {
  if (!fit.evalEvery) return undefined;
  const dir = join(resolveShared(config.eval.benchmark), config.eval.sets[0] ?? "");
  if (!config.eval.sets[0] || !await exists(join(dir, "HR"))) {
    throw new Error(
      `${config.dir}: eval_every needs a validation set: ${join(dir, "HR")} is absent ([eval] sets)`,
    );
  }
  return dir;
}

/** `deno task train` for task = "sr": trains the network, then exports its tables into <exp>/luts. */
export async function trainSr(
  config: SrConfig,
  opts: { resume?: boolean; restart?: boolean; quiet?: boolean } = {},
): Promise<FitResult> {
  await initTf();
  const model = buildSrModel(config.model, config.train.seed);
  const res = await fitSr(model, config.degradation, config.train, {
    dir: join(config.dir, "train"),
    lockDir: config.dir,
    resumeHint: `deno task train -e ${config.dir} --resume`,
    valSet: await validationSet(config, config.train),
    ...opts,
  });
  if (currentRanks().rank !== 0) return res; // rank 0 exports
  const paths = await exportModel(model, join(config.dir, "luts"), {
    int8: config.export.int8,
    batch: config.export.batch,
    onProgress: opts.quiet ? undefined : printProgress,
  });
  await writeOrigin(join(config.dir, "luts"), { step: res.step });
  if (!opts.quiet) console.log(`exported ${exportSummary(paths)} to ${join(config.dir, "luts")}`);
  return res;
}
