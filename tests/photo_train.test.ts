/**
 * Training pipeline: a run stopped at a checkpoint and resumed ends bit-identical to an uninterrupted
 * run (weights, Adam state, RNG, log); existing checkpoints are protected; a checkpoint of another model
 * is refused; Adam matches the PyTorch update rule.
 */
import { assert, assertEquals, assertRejects } from "@std/assert";
import { join } from "@std/path";
import { initTf, tf } from "../lib/core/backend.ts";
import { parsePhotoConfig, type PhotoConfig } from "../lib/enhance/config.ts";
import { retouchImage } from "../lib/data/retouch.ts";
import type { Pair } from "../lib/data/paired.ts";
import { Adam } from "../lib/experiment/adam.ts";
import { readCheckpoint } from "../lib/experiment/checkpoint.ts";
import { trainPhoto } from "../lib/enhance/photo_train.ts";
import { Rng } from "../lib/core/rng.ts";
import { smoothImage } from "./photo_util.ts";

await initTf();

const rng = new Rng(3);
const pairs: Pair[] = [0, 1, 2].map((i) => {
  const input = smoothImage(rng, 40, 56);
  return { name: `p${i}`, input, target: retouchImage(input) };
});

function config(dir: string, model: Record<string, unknown> = {}): PhotoConfig {
  return parsePhotoConfig({
    experiment: { task: "enhance", seed: 5 },
    model: { family: "clutnet", luts: 4, dim: 9, s: 3, w: 4, ...model },
    data: { root: "unused" },
    train: {
      steps: 4,
      lr: 1e-3,
      log_every: 1,
      eval_every: 4,
      checkpoint_every: 2,
      losses: ["l1", "cos"],
      lambda_smooth: 1e-4,
      lambda_mono: 1,
    },
    eval: { save_images: false, save_cubes: false },
  }, join(dir, "config.toml"));
}

/** Bit-for-bit equality of two arrays (training runs the native kernels on one thread: reproducible). */
function close(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assertEquals(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    assert(got[i] === want[i], `${what}[${i}]: resumed ${got[i]} vs uninterrupted ${want[i]}`);
  }
}

const stripTime = (log: string) => log.trim().split("\n").map((l) => ({ ...JSON.parse(l), seconds: 0 }));

Deno.test("resume after a stop continues bit-for-bit like an uninterrupted run", async () => {
  const a = await Deno.makeTempDir(), b = await Deno.makeTempDir();
  const data = { train: pairs, test: pairs.slice(0, 1), quiet: true };
  const full = await trainPhoto(config(a), data);
  assertEquals(full.step, 4);
  const part = await trainPhoto(config(b), { ...data, stopAfter: 2 });
  assertEquals(part.step, 2);
  const resumed = await trainPhoto(config(b), { ...data, resume: true });
  assertEquals(resumed.step, 4);
  const ca = await readCheckpoint(join(a, "train", "checkpoint.bin"));
  const cb = await readCheckpoint(join(b, "train", "checkpoint.bin"));
  assertEquals(cb.step, 4);
  assertEquals(cb.rng, ca.rng);
  assertEquals(cb.adamT, ca.adamT);
  for (const [k, v] of ca.params) close(cb.params.get(k)!.data, v.data, `parameter ${k}`);
  for (const [k, v] of ca.m) close(cb.m.get(k)!, v, `adam m of ${k}`);
  for (const [k, v] of ca.v) close(cb.v.get(k)!, v, `adam v of ${k}`);
  const la = stripTime(await Deno.readTextFile(join(a, "train", "log.jsonl")));
  const lb = stripTime(await Deno.readTextFile(join(b, "train", "log.jsonl")));
  assertEquals(lb.map((l) => l.step), la.map((l) => l.step));
  const logged = (ls: typeof la) => ls.map((l) => l.loss ?? l.eval.psnr);
  close(logged(lb), logged(la), "log");
  assert(la.some((l) => l.eval && l.eval.psnr > 0), "the log holds an evaluation");
  // the loss went down on this tiny problem
  assert(la[3].loss < la[0].loss * 1.5, `loss ${la[0].loss} -> ${la[3].loss}`);
  await Deno.remove(a, { recursive: true });
  await Deno.remove(b, { recursive: true });
});

Deno.test("an existing checkpoint is not overwritten; a different model's checkpoint is refused", async () => {
  const dir = await Deno.makeTempDir();
  const data = { train: pairs, test: pairs.slice(0, 1), quiet: true };
  await trainPhoto(config(dir), { ...data, stopAfter: 1 });
  const ck = join(dir, "train", "checkpoint.bin");
  const before = await Deno.readFile(ck);
  await assertRejects(() => trainPhoto(config(dir), data), Error, "pass --resume");
  await assertRejects(
    () => trainPhoto(config(dir, { dim: 5 }), { ...data, resume: true }),
    Error,
    "checkpoint of a different model",
  );
  assertEquals(await Deno.readFile(ck), before);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("Adam follows torch.optim.Adam's update rule", () => {
  const p = tf.variable(tf.tensor1d([1, -2]));
  const adam = new Adam(new Map([["p", p]]), { lr: 0.1, beta1: 0.9, beta2: 0.999 });
  const gs = [[0.5, -1], [0.2, 0.3]];
  let m = [0, 0], v = [0, 0];
  const want = [1, -2];
  gs.forEach((g, i) => {
    adam.step(new Map([["p", tf.tensor1d(g)]]));
    const t = i + 1;
    m = m.map((x, j) => 0.9 * x + 0.1 * g[j]);
    v = v.map((x, j) => 0.999 * x + 0.001 * g[j] ** 2);
    for (let j = 0; j < 2; j++) {
      want[j] -= (0.1 / (1 - 0.9 ** t)) * m[j] / (Math.sqrt(v[j]) / Math.sqrt(1 - 0.999 ** t) + 1e-8);
    }
  });
  const got = p.dataSync();
  for (let j = 0; j < 2; j++) assert(Math.abs(got[j] - want[j]) < 1e-6, `p[${j}] ${got[j]} vs ${want[j]}`);
  adam.dispose();
  p.dispose();
});
