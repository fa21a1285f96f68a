/**
 * Unpaired training (`[train] mode = "unpaired"`), Image-Adaptive 3DLUT's
 * `image_adaptive_lut_train_unpaired.py`: the weight predictor and its basis LUTs are the generator, the
 * critic is `Discriminator` (models/discriminator.ts), trained by WGAN-GP (losses_gan.ts). Each step i:
 *   1. critic: L_D = -mean D(style) + mean D(G(input)) + lambda_gp GP, one Adam step on the critic;
 *   2. when i % n_critic = 0, generator: L_G = -mean D(G(input)) + lambda_pixel MSE(G(input), input)
 *      + lambda_weights mean(w^2) + lambda_smooth TV + lambda_mono MN, one Adam step on the generator.
 * Both Adams have the original's lr 2e-4 and betas (0.9, 0.999), constant. Data (lib/data/unpaired.ts): per
 * step an input drawn in a seeded per-epoch order and a style image drawn at random (the original's random
 * offset into set 2), augmented as ImageDataset_sRGB_unpaired: both cropped to round(U(0.6,1) x) of the
 * input's sides (clamped to the style image), each flipped with p = 0.5, the input's brightness x U(0.6,1.4)
 * and saturation x U(0.8,1.2) (train.jitter).
 * Deviation, for CPU cost: the critic sees the T x T bilinear thumbnails (T = model.thumb, 256) of the
 * crops, the generator's output is computed on the input's thumbnail, and the penalty's gradient norm is
 * w.r.t. that thumbnail; the original upsamples the full-resolution generator output inside D (its first
 * layer is nn.Upsample(256)), so its gradient norm is w.r.t. the full crop. A LUT is per pixel, so the
 * output on the thumbnail is the thumbnail of the output up to interpolation.
 * The run is the shared loop (lib/experiment/loop.ts): one checkpoint with both networks and both Adam
 * states (unpaired_checkpoint.ts), exact resume, SIGINT, the lock; log.jsonl records carry loss (= L_D,
 * every step), psnr (of the output vs the input: content preservation, as the original prints), lr, and the
 * means of gp and wasserstein (critic steps) and loss_g (-mean D(fake)) and pixel (generator steps);
 * evaluation on data.root's paired test split when it has one.
 */
import { join } from "@std/path";
import { initTf, tf } from "../core/backend.ts";
import { familyOf, type PhotoConfig } from "./photo_registry.ts";
import { loadPairs, type Pair } from "../data/paired.ts";
import { loadUnpaired, type Named, type UnpairedData } from "../data/unpaired.ts";
import type { Image } from "../image/io.ts";
import { resizeBilinear } from "../image/resize.ts";
import { Adam, type AdamOptions } from "../experiment/adam.ts";
import { runTraining, type StepStats } from "../experiment/loop.ts";
import { Rng } from "../core/rng.ts";
import { crop, flip, jitterColour } from "./augment.ts";
import { lutMonotonicity, lutSmoothness, mse, weightL2 } from "./losses.ts";
import { criticLoss, namedGrads } from "./losses_gan.ts";
import { addDiscriminator, discriminatorForward, discriminatorParams } from "./models/discriminator.ts";
import type { Params } from "../nn/params.ts";
import { buildNet, type PhotoNet, trainedKey } from "./nets.ts";
import {
  evalAfter,
  loopSchedule,
  photoRun,
  stack,
  type TrainOptions,
  type TrainResult,
  trainResult,
} from "./photo_train.ts";
import { unpairedModelKey } from "./unpaired_checkpoint.ts";
import type { Scores } from "./score.ts";

/** The two optimisers as one for the loop: shared lr/betas, moments of both, the critic's step count as t. */
export class AdamPair {
  constructor(readonly generator: Adam, readonly critic: Adam, readonly nCritic: number) {
    if (generator.opts !== critic.opts) throw new Error("AdamPair: the two Adams must share their options");
  }
  get opts(): AdamOptions {
    return this.critic.opts;
  }
  /** critic steps taken (the generator's are ceil(t / n_critic)) */
  get t(): number {
    return this.critic.t;
  }
  get m(): Map<string, tf.Tensor> {
    return new Map([...this.generator.m, ...this.critic.m]);
  }
  get v(): Map<string, tf.Tensor> {
    return new Map([...this.generator.v, ...this.critic.v]);
  }
  load(t: number, m: Map<string, Float32Array>, v: Map<string, Float32Array>): void {
    this.critic.load(t, m, v);
    this.generator.load(Math.ceil(t / this.nCritic), m, v);
  }
  dispose(): void {
    this.generator.dispose(), this.critic.dispose();
  }
}

/** One augmented (input, style) draw as the original's unpaired dataset (module doc). */
export function augmentUnpaired(input: Image, style: Image, jitter: boolean, rng: Rng): [Image, Image] {
  const ch = Math.min(style.height, Math.max(1, Math.round(input.height * rng.uniform(0.6, 1)))),
    cw = Math.min(style.width, Math.max(1, Math.round(input.width * rng.uniform(0.6, 1))));
  let a = crop(input, rng.int(input.height - ch + 1), rng.int(input.width - cw + 1), ch, cw);
  let b = crop(style, rng.int(style.height - ch + 1), rng.int(style.width - cw + 1), ch, cw);
  if (rng.next() > 0.5) a = flip(a, true);
  if (rng.next() > 0.5) b = flip(b, true);
  if (jitter) a = jitterColour(a, rng.uniform(0.6, 1.4), rng.uniform(0.8, 1.2));
  return [a, b];
}

/** L_G of the module doc for input thumbnails `x` [B,3,T,T] (the critic's weights held). */
function generatorLoss(
  net: PhotoNet,
  critic: Params,
  x: tf.Tensor4D,
  config: PhotoConfig,
  rng: Rng,
  keep: tf.Scalar[],
) {
  const t = config.train, gan = t.gan!;
  const style = familyOf(config).regularizer ?? "3dlut";
  const r = net.forward(x, x, true, rng, t.lambdaSmooth > 0 || t.lambdaMono > 0);
  const adv = tf.neg(tf.mean(discriminatorForward(critic, r.out))) as tf.Scalar, pixel = mse(r.out, x);
  const terms: tf.Scalar[] = [adv, tf.mul(pixel, gan.lambdaPixel)];
  if (t.lambdaWeights > 0) terms.push(tf.mul(weightL2(r.weights), t.lambdaWeights));
  if (r.bank && t.lambdaSmooth > 0) terms.push(tf.mul(lutSmoothness(r.bank, style), t.lambdaSmooth));
  if (r.bank && t.lambdaMono > 0) terms.push(tf.mul(lutMonotonicity(r.bank, style), t.lambdaMono));
  keep.push(tf.keep(adv), tf.keep(pixel));
  return tf.addN(terms) as tf.Scalar;
}

/** One unpaired step i on input and style thumbnails NCHW [B,3,T,T] (module doc). */
export function unpairedStep(
  net: PhotoNet,
  critic: Params,
  opt: AdamPair,
  x: tf.Tensor4D,
  style: tf.Tensor4D,
  i: number,
  config: PhotoConfig,
  rng: Rng,
): StepStats {
  const gan = config.train.gan!;
  const fake = tf.tidy(() => net.forward(x, x, true, rng).out);
  const content = tf.tidy(() => mse(fake, x).dataSync()[0]);
  const alpha = Array.from({ length: x.shape[0] }, () => rng.next());
  const c = criticLoss(critic, style, fake, alpha, gan.lambdaGp);
  fake.dispose();
  opt.critic.step(c.grads);
  tf.dispose([...c.grads.values()]);
  const terms: Record<string, number> = { gp: c.penalty, wasserstein: c.wasserstein };
  if (i % gan.nCritic === 0) {
    const kept: tf.Scalar[] = [];
    const g = namedGrads(net.params, () => generatorLoss(net, critic, x, config, rng, kept));
    opt.generator.step(g.grads);
    const [adv, pixel] = kept.map((k) => k.dataSync()[0]);
    tf.dispose([...g.grads.values(), ...kept]);
    Object.assign(terms, { loss_g: adv, pixel });
  }
  return { loss: c.loss, mse: content, terms };
}

/** The paired test split of data.root, or none (with the reason) when it has none. */
async function testPairs(config: PhotoConfig, say: (s: string) => void): Promise<Pair[]> {
  try {
    return await loadPairs(config.data.root, "test", config.eval.maxImages);
  } catch (e) {
    say(`no paired test data for evaluation (${(e as Error).message})`);
    return [];
  }
}

/** Trains an unpaired experiment (module doc); `data` preloaded skips reading the folders. */
export async function trainUnpaired(
  config: PhotoConfig,
  opts: TrainOptions & { data?: UnpairedData } = {},
): Promise<TrainResult> {
  const gan = config.train.gan;
  if (!gan) throw new Error(`${config.file}: train.mode is not "unpaired"`);
  await initTf();
  const t = config.train, dir = join(config.dir, "train");
  const say = (s: string) => opts.quiet || console.log(s);
  let lastEval: Scores | undefined;
  const r = await runTraining(photoRun(config, opts), async () => {
    const data = opts.data ?? await loadUnpaired(config.data.unpaired);
    const test = opts.test ?? await testPairs(config, say);
    const net = await buildNet(config);
    const all: Params = new Map(net.params);
    addDiscriminator(all, net.thumb, new Rng(config.seed * 7919 + 17));
    const critic = discriminatorParams(all);
    const shared = { lr: t.lr, beta1: t.beta1, beta2: t.beta2 };
    const opt = new AdamPair(new Adam(net.params, shared), new Adam(critic, shared), gan.nCritic);
    say(
      `${config.name}: unpaired ${config.model.family}, generator ${net.paramCount()} + critic ${
        [...critic.values()].reduce((s, v) => s + v.size, 0)
      } parameters, ${data.inputs.length} inputs / ${data.styles.length} style images, ${test.length} test pairs, ${t.steps} steps (batch ${t.batch})`,
    );
    const perms = new Map<number, number[]>();
    const pick = (j: number): Named => {
      const n = data.inputs.length, epoch = Math.floor(j / n);
      if (!perms.has(epoch)) {
        perms.clear(), perms.set(epoch, new Rng(config.seed * 7919 + epoch).permutation(n));
      }
      return data.inputs[perms.get(epoch)![j % n]];
    };
    const side = net.thumb;
    return {
      params: all,
      adam: opt,
      model: unpairedModelKey(trainedKey(config, net), side),
      ...loopSchedule(config, opts),
      step: (i, rng) => {
        const draws = Array.from({ length: t.batch }, (_, b) => {
          const style = data.styles[rng.int(data.styles.length)];
          return augmentUnpaired(pick(i * t.batch + b).image, style.image, t.jitter, rng)
            .map((im) => resizeBilinear(im, side, side));
        });
        const x = stack(draws.map((d) => d[0])), y = stack(draws.map((d) => d[1]));
        try {
          return unpairedStep(net, critic, opt, x, y, i, config, rng);
        } finally {
          tf.dispose([x, y]);
        }
      },
      after: evalAfter(net, test, t, say, (s) => (lastEval = s)),
      dispose: () => {
        opt.dispose();
        tf.dispose([...critic.values()]);
        net.dispose();
      },
    };
  });
  return trainResult(dir, r, lastEval, say);
}
