/**
 * Training loop of the photo experiments (`deno task train -e experiments/<x>` with task = "enhance"):
 * batches drawn epoch by epoch in a seeded order, the papers' augmentation (augment.ts), the CNN on the
 * T x T bilinear thumbnail of each augmented input (T = the net's `thumb`: model.thumb, 256 in the papers;
 * the same size eval and apply use), losses of lib/enhance/losses.ts, Adam as PyTorch (adam.ts).
 * The run itself (lock, --resume / --restart, log.jsonl, checkpoint.bin, SIGINT) is lib/experiment/loop.ts;
 * the log also holds {step, seconds, eval: {psnr, ssim, deltaE}, input_psnr} at each evaluation. A resumed
 * run continues exactly as if never stopped. The native kernels run on `LUTLAB_THREADS` threads (default all
 * cores); their backward passes are bit-identical for a given thread count, so a seed gives bit-identical runs
 * on one machine. The CNN forward on wasm is single-threaded.
 */
import { join } from "@std/path";
import { initTf, tf } from "../core/backend.ts";
import { familyOf, type PhotoConfig, type TrainConfig } from "./photo_registry.ts";
import { loadPairs, type Pair } from "../data/paired.ts";
import { noHeldOutWarning } from "../data/held_out.ts";
import { resizeBilinear } from "../image/resize.ts";
import { cosine, l1, lutMonotonicity, lutSmoothness, mse, weightL2 } from "./losses.ts";
import { Adam, stepWithGrads } from "../experiment/adam.ts";
import { augmentBatch } from "./augment.ts";
import {
  type LoopResult,
  runFiles,
  runMode,
  type RunOptions,
  runTraining,
  type StepStats,
  type TrainTask,
} from "../experiment/loop.ts";
import { scoreNet } from "./evaluate.ts";
import { buildNet, type PhotoNet, trainedKey } from "./nets.ts";
import { Rng } from "../core/rng.ts";
import type { Scores } from "./score.ts";
import { shard, shardRng } from "../experiment/ranks.ts";

/** Options of `trainPhoto`: resume/restart, quiet, stop early after a step (tests), preloaded pairs. */
export type TrainOptions = {
  resume?: boolean;
  restart?: boolean;
  quiet?: boolean;
  stopAfter?: number;
  train?: Pair[];
  test?: Pair[];
};

/** Where training ended: step, last logged loss and PSNR, the last evaluation, output folder. */
export type TrainResult = { step: number; loss: number; psnr: number; eval?: Scores; dir: string };

/** Stacks planar [3,h,w] images of one size into NCHW [B,3,h,w]. */
export function stack(imgs: { data: Float32Array; height: number; width: number }[]): tf.Tensor4D {
  const { height: h, width: w } = imgs[0], n = 3 * h * w, data = new Float32Array(imgs.length * n);
  imgs.forEach((im, i) => data.set(im.data, i * n));
  return tf.tensor4d(data, [imgs.length, 3, h, w]);
}

/** One optimisation step on a batch; resolves to the total loss and the MSE of the clipped output. */
export async function trainStep(
  net: PhotoNet,
  adam: Adam,
  batch: Pair[],
  config: PhotoConfig,
  rng: Rng,
): Promise<StepStats> {
  const t = config.train;
  const style = familyOf(config).regularizer ?? "3dlut";
  const side = net.thumb; // model.thumb, as eval and apply use (PhotoNet.enhance)
  const thumbs = batch.map((p) =>
    p.input.height === side && p.input.width === side ? p.input : resizeBilinear(p.input, side, side)
  );
  const x = stack(batch.map((p) => p.input)), y = stack(batch.map((p) => p.target)), th = stack(thumbs);
  let out: tf.Tensor4D | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const r = net.forward(th, x, true, rng, t.lambdaSmooth > 0 || t.lambdaMono > 0);
    const terms: tf.Scalar[] = [];
    for (const l of t.losses) {
      terms.push(l === "mse" ? mse(r.out, y) : l === "l1" ? l1(r.out, y) : cosine(r.out, y));
    }
    if (t.lambdaWeights > 0) terms.push(tf.mul(weightL2(r.weights), t.lambdaWeights));
    if (r.bank && t.lambdaSmooth > 0) terms.push(tf.mul(lutSmoothness(r.bank, style), t.lambdaSmooth));
    if (r.bank && t.lambdaMono > 0) terms.push(tf.mul(lutMonotonicity(r.bank, style), t.lambdaMono));
    out = tf.keep(r.out);
    return tf.addN(terms) as tf.Scalar;
  }, [...net.params.values()]);
  for (const name of net.frozen?.(adam.t + 1) ?? []) { // a frozen parameter gets no gradient (no update)
    const v = net.params.get(name)!.name;
    grads[v]?.dispose();
    delete grads[v];
  }
  await stepWithGrads(adam, net.params, grads);
  // the PSNR is measured off the tape (no gradient bookkeeping for it)
  const err = tf.tidy(() => mse(tf.clipByValue(out!, 0, 1), y));
  // read asynchronously: tfjs-webgpu cannot read GPU data synchronously under Deno
  const loss = (await value.data())[0], e = (await err.data())[0];
  tf.dispose([value, err, out!, x, y, th]);
  return { loss, mse: e };
}

/** Trains a photo experiment (see module doc). */
export async function trainPhoto(config: PhotoConfig, opts: TrainOptions = {}): Promise<TrainResult> {
  if (config.train.gan) {
    throw new Error(
      `${config.file}: train.mode = "unpaired" trains with trainUnpaired (lib/enhance/unpaired.ts)`,
    );
  }
  await initTf();
  const t = config.train;
  const dir = join(config.dir, "train");
  const say = (s: string) => opts.quiet || console.log(s);
  let lastEval: Scores | undefined;
  const sameImages = opts.train ? undefined : await noHeldOutWarning(config.data.root);
  if (sameImages) console.warn(sameImages);
  const r = await runTraining(photoRun(config, opts), async () => {
    const train = opts.train ?? await loadPairs(config.data.root, "train");
    const test = opts.test ?? await loadPairs(config.data.root, "test", config.eval.maxImages);
    const net = await buildNet(config);
    const adam = new Adam(net.params, { lr: t.lr, beta1: t.beta1, beta2: t.beta2, lrScale: net.lrScale });
    say(
      `${config.name}: ${config.model.family}, ${net.paramCount()} parameters, ${train.length} train / ${test.length} test pairs, ${t.steps} steps (batch ${t.batch})`,
    );
    const perms = new Map<number, number[]>();
    const pick = (j: number) => {
      const epoch = Math.floor(j / train.length);
      if (!perms.has(epoch)) {
        perms.clear(), perms.set(epoch, new Rng(config.seed * 7919 + epoch).permutation(train.length));
      }
      return train[perms.get(epoch)![j % train.length]];
    };
    return {
      params: net.params,
      adam,
      model: trainedKey(config, net),
      ...loopSchedule(config, opts),
      step: (i, rng) => {
        const batch = Array.from({ length: t.batch }, (_, b) => pick(i * t.batch + b));
        const mine = shard(augmentBatch(batch, t.augment, t.jitter, rng), `${config.file}: train.batch`);
        return trainStep(net, adam, mine, config, shardRng(rng));
      },
      after: evalAfter(net, test, t, say, (s) => (lastEval = s)),
      dispose: () => {
        adam.dispose();
        net.dispose();
      },
    };
  });
  return trainResult(dir, r, lastEval, say);
}

/**
 * The loop's `after` hook of photo training: every `evalEvery` steps and at the last, scores `net` on `test`
 * (nothing when empty), logs {eval, input_psnr}, prints it and hands the mean scores to `onEval`.
 */
export function evalAfter(
  net: PhotoNet,
  test: Pair[],
  t: TrainConfig,
  say: (s: string) => void,
  onEval: (s: Scores) => void,
): TrainTask["after"] {
  return async (step, log) => {
    if (!test.length || (step % t.evalEvery !== 0 && step !== t.steps)) return;
    const ev = await scoreNet(net, test);
    onEval(ev.mean);
    await log({ eval: ev.mean, input_psnr: ev.input.psnr });
    say(
      `  eval @${step}: PSNR ${ev.mean.psnr.toFixed(2)} dB (input ${ev.input.psnr.toFixed(2)})  SSIM ${
        ev.mean.ssim.toFixed(4)
      }  ΔE ${ev.mean.deltaE.toFixed(2)}`,
    );
  };
}

/** The loop options of a photo experiment's training run: <exp>/train, the lock in <exp>, the resume hint. */
export function photoRun(config: PhotoConfig, opts: TrainOptions): RunOptions {
  return {
    dir: join(config.dir, "train"),
    lockDir: config.dir,
    mode: runMode(opts),
    quiet: opts.quiet,
    resumeHint: `deno task train -e ${config.dir} --resume`,
  };
}

/** The loop's seed, step count, early stop and log / checkpoint intervals of a photo experiment. */
export function loopSchedule(
  config: PhotoConfig,
  opts: TrainOptions,
): Pick<TrainTask, "seed" | "steps" | "stopAfter" | "logEvery" | "checkpointEvery" | "keep"> {
  const t = config.train;
  return {
    seed: config.seed,
    steps: t.steps,
    stopAfter: opts.stopAfter,
    logEvery: t.logEvery,
    checkpointEvery: t.checkpointEvery,
    keep: { steps: t.keepSteps, every: t.keepEvery, best: "eval/psnr" },
  };
}

/** Prints where a finished run's files are and returns its TrainResult. */
export function trainResult(
  dir: string,
  r: LoopResult,
  lastEval: Scores | undefined,
  say: (s: string) => void,
): TrainResult {
  const files = runFiles(dir);
  say(`checkpoint: ${files.checkpoint}\nlog: ${files.log}`);
  return { step: r.step, loss: r.loss, psnr: r.psnr, eval: lastEval, dir };
}
