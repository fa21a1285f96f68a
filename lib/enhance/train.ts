/**
 * Training loop of the photo experiments (`deno task train -e experiments/<x>` with task = "enhance"):
 * batches drawn epoch by epoch in a seeded order, the papers' augmentation (augment.ts), the CNN on the
 * 256x256 bilinear thumbnail of each augmented input, losses of lib/enhance/losses.ts, Adam as PyTorch (adam.ts).
 * Writes into <exp>/train/: log.jsonl (one JSON object per line: {step, loss, psnr, lr, elapsed_s} every
 * log_every steps, {step, eval: {psnr, ssim, deltaE}, input_psnr} at each evaluation) and checkpoint.bin
 * (atomic; parameters + Adam state + step + RNG state, see checkpoint.ts). `--resume` restores all of it
 * and drops log lines past the checkpoint, so an interrupted run continues exactly as if never stopped.
 * An existing checkpoint is never overwritten by a fresh run unless `restart` is given. The native kernels
 * run on `LUTLAB_THREADS` threads (default all cores); their backward passes are bit-identical for a given
 * thread count, so a seed gives bit-identical runs on one machine. The CNN forward on wasm is single-threaded.
 */
import { join } from "@std/path";
import { initTf, kernelThreads, tf } from "../core/backend.ts";
import type { PhotoConfig } from "../experiment/config.ts";
import { loadPairs, type Pair } from "../data/paired.ts";
import { resizeBilinear } from "../image/resize.ts";
import { writeFileAtomic } from "../core/atomic.ts";
import { cosine, l1, lutMonotonicity, lutSmoothness, mse, weightL2 } from "./losses.ts";
import { setKernelThreads } from "../core/native.ts";
import { Adam } from "../experiment/adam.ts";
import { augmentBatch } from "./augment.ts";
import { readCheckpoint, restoreParams, saveCheckpoint } from "../experiment/checkpoint.ts";
import { scoreNet } from "./evaluate.ts";
import { buildNet, checkpointPath, type PhotoNet, THUMB, trainedKey } from "./nets.ts";
import { Rng } from "../core/rng.ts";
import type { Scores } from "./score.ts";

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

function eta(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${String(s % 60).padStart(2, "0")}s`;
}

/** Stacks planar [3,h,w] images of one size into NCHW [B,3,h,w]. */
function stack(imgs: { data: Float32Array; height: number; width: number }[]): tf.Tensor4D {
  const { height: h, width: w } = imgs[0], n = 3 * h * w, data = new Float32Array(imgs.length * n);
  imgs.forEach((im, i) => data.set(im.data, i * n));
  return tf.tensor4d(data, [imgs.length, 3, h, w]);
}

/** One optimisation step on a batch; resolves to the total loss and the batch PSNR (from the MSE). */
export async function trainStep(
  net: PhotoNet,
  adam: Adam,
  batch: Pair[],
  config: PhotoConfig,
  rng: Rng,
): Promise<{ loss: number; psnr: number }> {
  const t = config.train;
  const style = config.model.family === "clutnet" ? "clutnet" : "3dlut";
  const thumbs = batch.map((
    p,
  ) => (p.input.height === THUMB && p.input.width === THUMB
    ? p.input
    : resizeBilinear(p.input, THUMB, THUMB))
  );
  const x = stack(batch.map((p) => p.input)), y = stack(batch.map((p) => p.target)), th = stack(thumbs);
  const names = new Map<string, string>();
  for (const [k, v] of net.params) names.set(v.name, k);
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
  const byName = new Map<string, tf.Tensor>();
  for (const [vn, g] of Object.entries(grads)) byName.set(names.get(vn)!, g);
  adam.step(byName);
  // the PSNR is measured off the tape (no gradient bookkeeping for it)
  const err = tf.tidy(() => mse(tf.clipByValue(out!, 0, 1), y));
  // read asynchronously: tfjs-webgpu cannot read GPU data synchronously under Deno
  const loss = (await value.data())[0], e = (await err.data())[0];
  tf.dispose([value, err, out!, x, y, th, ...Object.values(grads)]);
  return { loss, psnr: 10 * Math.log10(1 / Math.max(e, 1e-12)) };
}

/** Trains a photo experiment (see module doc). */
export async function trainPhoto(config: PhotoConfig, opts: TrainOptions = {}): Promise<TrainResult> {
  await initTf();
  const t = config.train;
  const dir = join(config.dir, "train"), ckPath = checkpointPath(config), logPath = join(dir, "log.jsonl");
  const say = (s: string) => opts.quiet || console.log(s);
  const have = await Deno.stat(ckPath).then(() => true, () => false);
  if (have && !opts.resume && !opts.restart) {
    throw new Error(
      `${ckPath} exists: pass --resume to continue it or --restart to train again from scratch (overwrites it)`,
    );
  }
  const train = opts.train ?? await loadPairs(config.data.root, "train");
  const test = opts.test ?? await loadPairs(config.data.root, "test", config.eval.maxImages);
  const net = await buildNet(config);
  const key = trainedKey(config, net);
  const adam = new Adam(net.params, { lr: t.lr, beta1: t.beta1, beta2: t.beta2 });
  let step = 0, rng = new Rng(config.seed);
  setKernelThreads(kernelThreads());
  try {
    if (opts.resume && have) {
      const ck = await readCheckpoint(ckPath);
      restoreParams(ck, net.params, key, ckPath);
      adam.load(ck.adamT, ck.m, ck.v);
      step = ck.step;
      rng = new Rng(ck.rng);
      const lines = (await Deno.readTextFile(logPath).catch(() => "")).split("\n").filter((l) =>
        l.trim() && JSON.parse(l).step <= step
      );
      await writeFileAtomic(logPath, lines.map((l) => l + "\n").join(""));
      say(`resumed ${ckPath} at step ${step}`);
    } else {
      if (opts.resume) say(`no checkpoint at ${ckPath}: starting from scratch`);
      await writeFileAtomic(logPath, "");
    }
    say(
      `${config.name}: ${config.model.family}, ${net.paramCount()} parameters, ${train.length} train / ${test.length} test pairs, ${t.steps} steps (batch ${t.batch})`,
    );
    const append = (o: Record<string, unknown>) =>
      Deno.writeTextFile(logPath, JSON.stringify(o) + "\n", { append: true });
    const save = () =>
      saveCheckpoint(ckPath, net.params, adam, { model: key, step, rng: rng.state(), adamT: adam.t });
    const perms = new Map<number, number[]>();
    const pick = (j: number) => {
      const epoch = Math.floor(j / train.length);
      if (!perms.has(epoch)) {
        perms.clear(), perms.set(epoch, new Rng(config.seed * 7919 + epoch).permutation(train.length));
      }
      return train[perms.get(epoch)![j % train.length]];
    };
    const stopAt = Math.min(t.steps, opts.stopAfter ?? Infinity);
    const t0 = performance.now(), first = step;
    let last = { loss: NaN, psnr: NaN }, lastEval: Scores | undefined, sum = { loss: 0, psnr: 0, n: 0 };
    while (step < stopAt) {
      const batch = Array.from({ length: t.batch }, (_, b) => pick(step * t.batch + b));
      const r = await trainStep(net, adam, augmentBatch(batch, t.augment, t.jitter, rng), config, rng);
      step++;
      sum = { loss: sum.loss + r.loss, psnr: sum.psnr + r.psnr, n: sum.n + 1 };
      if (step % t.logEvery === 0 || step === stopAt) {
        last = { loss: sum.loss / sum.n, psnr: sum.psnr / sum.n };
        sum = { loss: 0, psnr: 0, n: 0 };
        const elapsed = (performance.now() - t0) / 1000, rate = (step - first) / elapsed;
        await append({
          step,
          loss: last.loss,
          psnr: last.psnr,
          lr: t.lr,
          elapsed_s: Number(elapsed.toFixed(2)),
        });
        say(
          `step ${step}/${t.steps}  loss ${last.loss.toFixed(4)}  PSNR ${last.psnr.toFixed(2)} dB  ${
            rate.toFixed(2)
          } step/s  ETA ${eta((t.steps - step) / rate)}`,
        );
      }
      if (step % t.evalEvery === 0 || step === t.steps) {
        const ev = await scoreNet(net, test);
        lastEval = ev.mean;
        await append({ step, eval: ev.mean, input_psnr: ev.input.psnr });
        say(
          `  eval @${step}: PSNR ${ev.mean.psnr.toFixed(2)} dB (input ${ev.input.psnr.toFixed(2)})  SSIM ${
            ev.mean.ssim.toFixed(4)
          }  ΔE ${ev.mean.deltaE.toFixed(2)}`,
        );
      }
      if (step % t.checkpointEvery === 0 || step === stopAt) await save();
    }
    if (step === first) await save(); // steps = 0 (e.g. BL-B compression only): store the model as built
    say(`checkpoint: ${ckPath}\nlog: ${logPath}`);
    return { step, ...last, eval: lastEval, dir };
  } finally {
    setKernelThreads(kernelThreads());
    adam.dispose();
    net.dispose();
  }
}
